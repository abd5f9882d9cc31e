"""Benchmark: kb beside papis on the same .bib, as whole processes, in one table.

papis (a reference manager whose entries are files too) is installed from PyPI into a
throwaway virtual environment under the work folder; both tools import the same 1,371-entry
Zotero export, and then answer the same query as a user would type it:

    papis list --all innovation            (papis: title/author/... matches, its own cache)
    kb search innovation --mode keyword    (kb: bm25 over FTS5: titles, authors, abstracts, notes)
    kb search innovation                   (kb: hybrid, bm25 fused with the embedding ranking)

and kb's hybrid search twice more, cold: with a query it has not seen before in every run
(kb keeps nothing per query, so this shows that no cache makes the warm row fast), and as the
first search on a machine (an empty kb user cache, ``KB_CACHE_HOME``: the query encoder's
weights and vocabulary are prepared then, once per machine).

Every command runs once to warm up (each tool builds its cache, Python compiles its
bytecode), then ``--repeat`` times (default 9), the commands interleaved in a new random
order each round, so that the load of a shared machine falls on all of them alike; the table
shows the median, min and max wall time and the median peak memory (resident set) of the
whole process. ``--baseline DIR`` times another kb source tree beside this one in the same
rounds (e.g. ``git archive <commit> | tar -x -C DIR``), for a before/after in one run.

Both tools run as installed programs do, from compiled bytecode: PYTHONDONTWRITEBYTECODE is
dropped from their environment (set, it had kb, run from its source tree, compile every
module in every run, which no installed kb does; papis' venv is compiled by pip).
The imports are slow for papis (minutes), so the libraries are kept in the work folder
and re-imported only when the .bib file changes (``--fresh`` forces it).

    .venv/bin/python scripts/bench_peers.py [--repeat 9] [--work /tmp/kb-peers] [--fresh]
        [--baseline DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT.parent / "shared" / "data" / "bib_messy" / "hubeiqiao__Literature-screening"
           / "Exported Items.bib")
QUERY = "innovation"
# Queries for the cold row, one per run, none of them the warm row's; one word each like
# the warm row's, so that only their novelty differs.
NEW_QUERIES = ("adoption", "diffusion", "entrepreneurship", "patents", "sustainability",
               "collaboration", "creativity", "startups", "policy", "design", "knowledge",
               "digitalization")
KEY = '"key":'  # one per hit in kb search --json


def bare(env: dict[str, str]) -> dict[str, str]:
    """``env`` as an installed program sees it: free to write its compiled bytecode."""
    return {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(argv: list[str], env: dict[str, str], cwd: Path | None = None
        ) -> tuple[float, str, float]:
    """Run a command to completion: (wall seconds, standard output, peak resident MB). A
    failure stops the run."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.stdout.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                     f"{err.read().decode(errors='replace')[-2000:]}")
    return elapsed, out.decode(errors="replace"), usage.ru_maxrss / 1024


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
    env = {**bare(dict(os.environ)), "XDG_CONFIG_HOME": str(work / "cfg"),
           "XDG_CACHE_HOME": str(work / "cache")}
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
        seconds, _, _ = run([str(papis), "--color", "no", "bibtex", "read", str(bib), "import",
                             "--all", "--batch"], env)
        marker.write_text(digest(bib))
        note = f"{seconds:.1f} s"
    return [str(papis), "--color", "no"], env, note


def kb_env(source: Path) -> dict[str, str]:
    return {**bare(dict(os.environ)), "PYTHONPATH": str(source), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1"}


def kb_setup(work: Path, bib: Path, fresh: bool) -> tuple[list[str], dict[str, str], Path, str]:
    """A course with ``bib`` imported and its cache built: (kb command, env, root, import note)."""
    kb = Path(sys.executable).parent / "kb"
    command = [str(kb)] if kb.exists() else [sys.executable, "-c", "from kb.cli import main; main()"]
    env = kb_env(ROOT)
    root = work / "kb-course"
    marker = work / "kb.sha256"
    note = "kept from an earlier run"
    if fresh or not marker.exists() or marker.read_text() != digest(bib):
        shutil.rmtree(root, ignore_errors=True)
        run([*command, "init", str(root), "--title", "Peers"], env)
        seconds, _, _ = run([*command, "--root", str(root), "import", str(bib)], env)
        note = f"{seconds:.1f} s"
        print("kb: embedding the library once (cached in .kb/) ...", flush=True)
        run([*command, "--root", str(root), "sync"], env)
        marker.write_text(digest(bib))
    return command, env, root, note


@dataclass
class Row:
    """One command of the table; ``argv(i)`` and ``env(i)``: its command and environment in
    run ``i`` (-1: the warm-up)."""

    name: str
    argv: Callable[[int], list[str]]
    env: Callable[[int], dict[str, str]]
    answer: Callable[[str], str]
    times: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    out: str = ""


def measure(rows: list[Row], repeat: int) -> None:
    """One warm-up run of every row, then ``repeat`` rounds of all rows in a random order."""
    for row in rows:
        run(row.argv(-1), row.env(-1))
    for i in range(repeat):
        for row in random.sample(rows, len(rows)):
            seconds, row.out, rss = run(row.argv(i), row.env(i))
            row.times.append(seconds)
            row.rss.append(rss)


def kb_rows(kb: list[str], env: dict[str, str], root: Path, query: str, work: Path,
            tag: str = "") -> list[Row]:
    """kb's rows: keyword and hybrid (warm), hybrid with a new query each run, and hybrid as
    the first search on a machine (an empty kb user cache each run)."""
    def search(q: str, *more: str) -> list[str]:
        return [*kb, "--root", str(root), "search", q, "--json", *more]

    def new_query(i: int) -> str:
        n = len(NEW_QUERIES)
        return "a warm-up query" if i < 0 else NEW_QUERIES[i % n] + (f" {i // n}" if i >= n else "")

    def empty_cache(i: int) -> dict[str, str]:
        folder = work / f"user-cache{tag.strip(' []')}"
        shutil.rmtree(folder, ignore_errors=True)
        return {**env, "KB_CACHE_HOME": str(folder)}

    def hits(out: str) -> str:
        return f"top {out.count(KEY)} papers"

    def same(_: int) -> dict[str, str]:
        return env

    return [
        Row(f"kb search {query} --mode keyword{tag}", lambda i: search(query, "--mode", "keyword"),
            same, hits),
        Row(f"kb search {query}{tag}", lambda i: search(query), same, hits),
        Row(f"kb search <a new query each run>{tag}", lambda i: search(new_query(i)), same, hits),
        Row(f"kb search {query}, first on a machine{tag}", lambda i: search(query), empty_cache,
            hits),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT, help="the .bib file both import")
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per command")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-peers"),
                        help="throwaway folder for papis' venv and both libraries")
    parser.add_argument("--query", default=QUERY, help="the query both tools answer")
    parser.add_argument("--fresh", action="store_true", help="import both libraries again")
    parser.add_argument("--baseline", type=Path,
                        help="another kb source tree to time beside this one (same rounds)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    papis, papis_env, papis_import = papis_setup(args.work, args.file, args.fresh)
    kb, kb_env_, root, kb_import = kb_setup(args.work, args.file, args.fresh)
    version = run([*papis, "--version"], papis_env)[1].strip()
    rows = [Row(f"papis list --all {args.query}", lambda i: [*papis, "list", "--all", args.query],
                lambda i: papis_env, lambda out: f"{len(out.splitlines())} documents")]
    rows += kb_rows(kb, kb_env_, root, args.query, args.work)
    if args.baseline is not None:
        rows += kb_rows(kb, kb_env(args.baseline.resolve()), root, args.query, args.work,
                        " [baseline]")
    measure(rows, args.repeat)
    base = statistics.median(rows[0].times)
    print(f"\nfile: {args.file.name}; {version}; {os.cpu_count()}-core medians of {args.repeat} "
          f"interleaved whole-process runs after one warm-up; import: papis {papis_import}, "
          f"kb {kb_import}" + (f"; baseline: {args.baseline}" if args.baseline else ""))
    width = max(len(r.name) for r in rows)
    print(f"| {'command':<{width}} | median s |  min s |  max s | vs papis | peak MB | answer")
    print(f"| {'-' * width} | -------: | -----: | -----: | -------: | ------: | ------")
    for row in rows:
        median = statistics.median(row.times)
        print(f"| {row.name:<{width}} | {median:8.3f} | {min(row.times):6.3f} | "
              f"{max(row.times):6.3f} | {median / base:7.2f}x | {statistics.median(row.rss):7.0f} "
              f"| {row.answer(row.out)}")


if __name__ == "__main__":
    main()
