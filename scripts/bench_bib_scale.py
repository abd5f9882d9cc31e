"""Benchmark: does reading and importing a .bib file grow linearly with its size?

Generates synthetic libraries (made-up titles, names and abstracts; each entry about 700
bytes, so 70,000 entries make a 50 MB file) and times each step at each size; the last column
is seconds per 1,000 entries, which stays flat when the step is linear.

Titles are drawn from one of two vocabularies (``--titles``): ``few``, a list of 50 words, so
every title shares most of its letter sequences with thousands of others (the hardest case for
finding near-identical titles, which kb does for every entry), or ``real``, the words of the
titles in ../shared/data/bib_messy drawn as often as they occur there (closer to a real
library). Both end in the entry's number, so no two titles are alike.

    .venv/bin/python scripts/bench_bib_scale.py [--sizes 5000,70000] [--steps read,dry,import]
                                                [--titles few,real]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.curate.importer import import_bib  # noqa: E402
from kb.bib.read import read_bib  # noqa: E402
from kb.course.config import load_config  # noqa: E402
from kb.course.scaffold import init_course  # noqa: E402

WORDS = ("learning model language policy reward gradient neural network training data "
         "attention transformer scaling human feedback preference optimization agent "
         "reinforcement evaluation benchmark robust sparse dense retrieval memory graph "
         "vision speech token decoding sampling calibration uncertainty alignment safety "
         "causal inference bayesian kernel convex stochastic online offline curriculum").split()
NAMES = ("Smith Chen Garcia Müller Rossi Novak Kim Silva Dubois Tanaka Okafor Haddad Larsen "
         "Ivanova Kowalski Nguyen Brown Wilson Moreau Schmidt").split()


def real_words() -> list[str]:
    """Every word of every title in the real .bib files, as often as it occurs there."""
    from kb.bib.latex import latex_to_text
    from kb.model.ids import title_key

    files = sorted((ROOT.parent / "shared" / "data" / "bib_messy").rglob("*.bib"))
    return [word for bib in read_bib(files) for e in bib.entries
            for word in title_key(latex_to_text(e.fields.get("title", ""))).split()]


def entry(i: int, rng: random.Random, vocabulary: list[str]) -> str:
    title = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 11))).capitalize()
    authors = " and ".join(f"{rng.choice(NAMES)}, {chr(65 + rng.randrange(26))}."
                           for _ in range(rng.randint(1, 5)))
    abstract = " ".join(rng.choice(WORDS) for _ in range(70))
    return (f"@article{{entry{i},\n  title = {{{title} {i}}},\n  author = {{{authors}}},\n"
            f"  journal = {{Journal of {rng.choice(WORDS).capitalize()}}},\n"
            f"  year = {{{rng.randint(1990, 2025)}}},\n  doi = {{10.5555/bench.{i}}},\n"
            f"  abstract = {{{abstract}}}\n}}\n\n")


def library(n: int, path: Path, vocabulary: list[str] | None = None) -> Path:
    rng = random.Random(n)
    words = list(WORDS) if vocabulary is None else vocabulary
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(entry(i, rng, words))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,70000", help="entry counts, comma-separated")
    parser.add_argument("--steps", default="read,dry,import",
                        help="read (parse + evaluate), dry (import --dry-run), import (writes)")
    parser.add_argument("--titles", default="few,real",
                        help="title vocabularies: few (50 words), real (the real files' words)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    steps = args.steps.split(",")
    work = Path(tempfile.mkdtemp(prefix="bench-bib-scale-"))
    rows = []
    try:
        for titles, n in [(t, n) for t in args.titles.split(",") for n in sizes]:
            bib = library(n, work / f"lib{n}.bib", real_words() if titles == "real" else None)
            mb = bib.stat().st_size / 1_048_576
            for step in steps:
                course = work / f"course-{n}-{step}"
                init_course(course, title="Bench")
                config = load_config(course)
                start = time.perf_counter()
                if step == "read":
                    read_bib([bib])
                else:
                    import_bib(config, [bib], dry_run=step == "dry")
                took = time.perf_counter() - start
                rows.append((titles, n, mb, step, took, took / n * 1000))
                shutil.rmtree(course)
    finally:
        shutil.rmtree(work)
    print("| titles | entries | MB | step | seconds | s per 1k entries |")
    print("| --- | ---: | ---: | --- | ---: | ---: |")
    for titles, n, mb, step, took, per in rows:
        print(f"| {titles} | {n} | {mb:.1f} | {step} | {took:.2f} | {per:.3f} |")


if __name__ == "__main__":
    main()
