"""Benchmark: import and export of the 3.2 MB Zotero export `Exported Items.bib` (1,371
entries), as seconds and as a ratio to bibtexparser's bare parse of the same file, measured in
the same run. Prints a table.

    .venv/bin/python scripts/bench_bibtex.py [--repeat N] [--file PATH]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import bibtexparser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.bib.read import read_bib  # noqa: E402
from kb.bib.mapping import export_bibtex  # noqa: E402
from kb.course.config import load_config  # noqa: E402
from kb.course.load import load_project  # noqa: E402
from kb.bib.csl import export_csl  # noqa: E402
from kb.curate.importer import import_bib  # noqa: E402
from kb.course.scaffold import init_course  # noqa: E402

DEFAULT = (ROOT.parent / "shared" / "data" / "bib_messy" / "hubeiqiao__Literature-screening"
           / "Exported Items.bib")


def best(repeat: int, step: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the best counts")
    parser.add_argument("--file", type=Path, default=DEFAULT, help="the .bib file to measure")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-bibtex-"))
    try:
        run(args.file, args.repeat, work)
    finally:
        shutil.rmtree(work)


def run(path: Path, repeat: int, work: Path) -> None:
    """Measure every step on ``path`` in temporary repositories under ``work``."""
    text = path.read_text(encoding="utf-8")
    template = work / "empty"
    init_course(template, title="Bench")

    def fresh() -> Path:
        root = work / f"course{len(list(work.iterdir()))}"
        init_course(root, title="Bench")
        return root

    rows: list[tuple[str, float]] = []
    rows.append(("bibtexparser.parse_string (bare parse)",
                 best(repeat, lambda: bibtexparser.parse_string(text))))
    rows.append(("kb read_bib (parse, macros, crossrefs)", best(repeat, lambda: read_bib([path]))))
    config = load_config(template)
    report = import_bib(config, [path], dry_run=True)
    rows.append(("kb import --dry-run (read, map, duplicates)",
                 best(repeat, lambda: import_bib(config, [path], dry_run=True))))
    rows.append(("kb import (writes papers/*.md)",
                 best(repeat, lambda: import_bib(load_config(fresh()), [path]))))
    root = fresh()
    import_bib(load_config(root), [path])
    rows.append(("load_project of the imported papers",
                 best(repeat, lambda: load_project(load_config(root)))))
    papers = list(load_project(load_config(root)).papers.values())
    rows.append(("export_bibtex (all papers)", best(repeat, lambda: export_bibtex(papers))))
    rows.append(("export_csl + json.dumps (all papers)",
                 best(repeat, lambda: json.dumps(export_csl(papers), ensure_ascii=False))))
    counts = report.counts()
    base = rows[0][1]
    print(f"file: {path.name} ({path.stat().st_size / 1e6:.1f} MB), entries read "
          f"{counts.read}: imported {counts.imported}, merged {counts.merged}, duplicates "
          f"{counts.duplicate}, failed {counts.failed}; best of {repeat}")
    width = max(len(name) for name, _ in rows)
    print(f"| {'step':<{width}} | seconds | x bare parse |")
    print(f"| {'-' * width} | ------: | -----------: |")
    for name, seconds in rows:
        print(f"| {name:<{width}} | {seconds:7.2f} | {seconds / base:12.1f} |")


if __name__ == "__main__":
    main()
