"""Benchmark: `kb add` and `kb enrich` against the recorded arXiv and Crossref answers on a
loopback server (tests/net_helpers.py), cold and from the response cache, and `kb import
--match` picking entries from the 3.2 MB Zotero export against importing all of it. The
rate limiter's waits are counted, not slept, so the table shows kb's own time and, apart,
the waiting arXiv's one-request-per-3-s rule adds. Prints a table.

    .venv/bin/python scripts/bench_add.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import kb.curate.services  # noqa: E402
from kb.curate.add import add_papers  # noqa: E402
from kb.curate.importer import import_bib  # noqa: E402
from kb.course.config import load_config  # noqa: E402
from kb.curate.enrich import enrich  # noqa: E402
from kb.course.scaffold import init_course  # noqa: E402
from net_helpers import start_server  # noqa: E402

IDS = ["arxiv:2203.02155", "1605.08386", "astro-ph/0601001", "1111.2011",
       "doi:10.1371/journal.pone.0033693", "10.1145/3184558.3186235"]
T = TypeVar("T")
EXPORT = (ROOT.parent / "shared" / "data" / "bib_messy" / "hubeiqiao__Literature-screening"
          / "Exported Items.bib")


def timed(step: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the fastest counts")
    args = parser.parse_args()
    server = start_server()
    os.environ["KB_ARXIV_API"] = server.arxiv_url
    # Crossref under another host name, as in real use, so arXiv's interval does not apply to it
    os.environ["KB_CROSSREF_API"] = server.crossref_url.replace("127.0.0.1", "localhost")
    waited: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    kb.curate.services.CLIENT_OPTIONS.update(sleep=sleep, clock=lambda: now[0])
    rows: list[tuple[str, float, str]] = []
    work = Path(tempfile.mkdtemp(prefix="kb-bench-add-"))
    try:
        cold, warm, waits, requests = [], [], [], 0
        for i in range(args.repeat):
            root = work / f"add{i}"
            init_course(root)
            config = load_config(root)
            waited.clear()
            seconds, report = timed(lambda c=config: add_papers(c, IDS, session=1, tags=["rlhf"]))
            cold.append(seconds)
            waits.append(sum(waited))
            requests = report.requests
            warm.append(timed(lambda c=config: add_papers(c, IDS))[0])
        rows.append((f"kb add, {len(IDS)} ids, cold", min(cold),
                     f"{requests} requests; arXiv's rule would add {min(waits):.0f} s of waiting"))
        rows.append((f"kb add, {len(IDS)} ids, again (cache)", min(warm), "0 requests, all duplicates"))
        root = work / "enrich"
        init_course(root)
        config = load_config(root)
        for n, arxiv_id in enumerate(["1605.08386", "astro-ph/0601001", "1111.2011"]):
            (root / "papers" / f"p{n}.md").write_text(
                f"---\ntitle: Paper {n}\narxiv: '{arxiv_id}'\n---\n", encoding="utf-8")
        seconds, report = timed(lambda: enrich(config, ["p0", "p1", "p2"], dry_run=True))
        rows.append(("kb enrich, 3 papers, --dry-run", seconds,
                     f"{report.requests} requests (one arXiv batch + Crossref)"))
        if EXPORT.is_file():
            pick, full = [], []
            for i in range(args.repeat):
                root = work / f"import{i}"
                init_course(root)
                config = load_config(root)
                pick.append(timed(lambda c=config: import_bib(c, [EXPORT], match="reinforcement",
                                                               dry_run=True))[0])
                full.append(timed(lambda c=config: import_bib(c, [EXPORT], dry_run=True))[0])
            picked = import_bib(load_config(work / "import0"), [EXPORT], match="reinforcement",
                                dry_run=True).picked
            rows.append(("kb import --match reinforcement (Zotero export)", min(pick),
                         f"picked {picked[0]} of {picked[1]} entries" if picked else ""))
            rows.append(("kb import, all entries (Zotero export)", min(full), "--dry-run"))
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'seconds':>8}  notes")
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:>8.3f}  {note}")


if __name__ == "__main__":
    main()
