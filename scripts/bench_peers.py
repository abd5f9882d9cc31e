"""Benchmark: kb beside papis on the same .bib, as whole processes, in one table.

papis (a reference manager whose entries are files too) is installed from PyPI into a
throwaway virtual environment under the work folder; both tools import the same 1,371-entry
Zotero export, and then answer the same query as a user would type it:

    papis list --all innovation            (papis: title/author/... matches, its own cache)
    kb search innovation --mode keyword    (kb: bm25 over FTS5: titles, authors, abstracts, notes)
    kb search innovation                   (kb: hybrid, bm25 fused with the embedding ranking)

Every command runs ``--repeat`` times (default 5) after one warm-up run (which lets each tool
build its cache); the table shows the median, min and max wall time of the whole process.
The imports are slow for papis (minutes), so the libraries are kept in the work folder
and re-imported only when the .bib file changes (``--fresh`` forces it).

    .venv/bin/python scripts/bench_peers.py [--repeat 5] [--work /tmp/kb-peers] [--fresh]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT.parent / "shared" / "data" / "bib_messy" / "hubeiqiao__Literature-screening"
           / "Exported Items.bib")
QUERY = "innovation"


def run(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, str]:
    """Run a command to completion; (wall seconds, standard output). A failure stops the run."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def papis_setup(work: Path, bib: Path, fresh: bool) -> tuple[list[str], dict[str, str], str]:
    """papis in its own venv, with a library holding ``bib``: (command, env, import note)."""
    env_dir = work / "venv"
    papis = env_dir / "bin" / "papis"
    if not papis.exists():
        print(f"installing papis from PyPI into {env_dir} ...", flush=True)
        venv.create(env_dir, with_pip=True)
        subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "papis"], check=True)
    env = {**os.environ, "XDG_CONFIG_HOME": str(work / "cfg"), "XDG_CACHE_HOME": str(work / "cache")}
    config = work / "cfg" / "papis" / "config"
    library = work / "lib"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[settings]\ndefault-library = bench\n\n[bench]\ndir = {library}\n",
                      encoding="utf-8")
    marker = work / "lib.sha256"
    note = "kept from an earlier run"
    if fresh or not marker.exists() or marker.read_text() != digest(bib):
        shutil.rmtree(library, ignore_errors=True)
        shutil.rmtree(work / "cache", ignore_errors=True)
        library.mkdir(parents=True)
        print("papis: importing the .bib (this takes minutes) ...", flush=True)
        seconds, _ = run([str(papis), "--color", "no", "bibtex", "read", str(bib), "import",
                          "--all", "--batch"], env)
        marker.write_text(digest(bib))
        note = f"{seconds:.1f} s"
    return [str(papis), "--color", "no"], env, note


def kb_setup(work: Path, bib: Path, fresh: bool) -> tuple[list[str], dict[str, str], Path, str]:
    """A course with ``bib`` imported and its cache built: (kb command, env, root, import note)."""
    kb = Path(sys.executable).parent / "kb"
    command = [str(kb)] if kb.exists() else [sys.executable, "-c", "from kb.cli import main; main()"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}
    root = work / "kb-course"
    marker = work / "kb.sha256"
    note = "kept from an earlier run"
    if fresh or not marker.exists() or marker.read_text() != digest(bib):
        shutil.rmtree(root, ignore_errors=True)
        run([*command, "init", str(root), "--title", "Peers"], env)
        seconds, _ = run([*command, "--root", str(root), "import", str(bib)], env)
        note = f"{seconds:.1f} s"
        print("kb: embedding the library once (cached in .kb/) ...", flush=True)
        run([*command, "--root", str(root), "sync"], env)
        marker.write_text(digest(bib))
    return command, env, root, note


def timed(argv: list[str], env: dict[str, str], repeat: int, cwd: Path | None = None
          ) -> tuple[list[float], str]:
    run(argv, env, cwd)  # warm-up: each tool builds or refreshes its cache here
    times, out = [], ""
    for _ in range(repeat):
        seconds, out = run(argv, env, cwd)
        times.append(seconds)
    return times, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT, help="the .bib file both import")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per command")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-peers"),
                        help="throwaway folder for papis' venv and both libraries")
    parser.add_argument("--query", default=QUERY, help="the query both tools answer")
    parser.add_argument("--fresh", action="store_true", help="import both libraries again")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    papis, papis_env, papis_import = papis_setup(args.work, args.file, args.fresh)
    kb, kb_env, root, kb_import = kb_setup(args.work, args.file, args.fresh)
    version = run([*papis, "--version"], papis_env)[1].strip()
    rows: list[tuple[str, str, list[float], str]] = []
    times, out = timed([*papis, "list", "--all", args.query], papis_env, args.repeat)
    rows.append(("papis", f"papis list --all {args.query}", times,
                 f"{len(out.splitlines())} documents"))
    for mode in ("keyword", "hybrid"):
        argv = [*kb, "--root", str(root), "search", args.query, "--json"]
        argv += ["--mode", mode] if mode != "hybrid" else []
        times, out = timed(argv, kb_env, args.repeat)
        shown = f"kb search {args.query}" + (f" --mode {mode}" if mode != "hybrid" else "")
        hits = out.count('"key":')
        rows.append(("kb", shown, times, f"top {hits} papers"))
    base = statistics.median(rows[0][2])
    print(f"\nfile: {args.file.name}; {version}; 2-core medians of {args.repeat} whole-process "
          f"runs after one warm-up; import: papis {papis_import}, kb {kb_import}")
    width = max(len(r[1]) for r in rows)
    print(f"| {'command':<{width}} | median s |  min s |  max s | vs papis | answer")
    print(f"| {'-' * width} | -------: | -----: | -----: | -------: | ------")
    for _, name, times, answer in rows:
        median = statistics.median(times)
        print(f"| {name:<{width}} | {median:8.3f} | {min(times):6.3f} | {max(times):6.3f} | "
              f"{median / base:7.2f}x | {answer}")


if __name__ == "__main__":
    main()
