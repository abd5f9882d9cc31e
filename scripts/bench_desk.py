"""Benchmark: the instructor's commands on imported libraries, run as processes (the way a
user meets them, imports included): `kb check` (its text report's length in lines, too),
`kb check --format json`, `kb report` and `kb report --json`, on this course (49 papers), the
488-entry d2l.bib and the 1,371-entry Zotero export, each imported into a fresh course.
Prints a table (median of --repeat runs).

    .venv/bin/python scripts/bench_desk.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.curate.importer import import_bib  # noqa: E402
from kb.course.config import load_config  # noqa: E402
from kb.course.scaffold import init_course  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
LIBRARIES = {
    "this course": None,
    "d2l.bib": SHARED / "bib" / "d2l-ai__d2l-en" / "d2l.bib",
    "Zotero export": SHARED / "bib_messy" / "hubeiqiao__Literature-screening" / "Exported Items.bib",
}
COMMANDS = (("check",), ("check", "--format", "json"), ("report",), ("report", "--json"))


def run(root: Path, args: tuple[str, ...]) -> tuple[float, int]:
    """Wall time of one `kb` process and the lines it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "--root", str(root), *args],
                         capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start, len(out.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, bib in LIBRARIES.items():
            root = ROOT
            if bib is not None:
                root = Path(tmp) / name.replace(" ", "-")
                init_course(root, title=name)
                import_bib(load_config(root), [bib])
            papers = len(list((root / "papers").glob("*.md")))
            for args in COMMANDS:
                runs = [run(root, args) for _ in range(repeat)]
                seconds = statistics.median(t for t, _ in runs)
                rows.append((name, papers, "kb " + " ".join(args), seconds, runs[0][1]))
    print(f"{'library':<14} {'papers':>6}  {'command':<25} {'seconds':>8} {'lines out':>10}")
    for name, papers, command, seconds, lines in rows:
        print(f"{name:<14} {papers:>6}  {command:<25} {seconds:>8.2f} {lines:>10}")


if __name__ == "__main__":
    main()
