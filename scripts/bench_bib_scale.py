"""Benchmark: does reading and importing a .bib file grow linearly with its size?

Generates synthetic libraries (made-up titles, names and abstracts from a fixed word list;
each entry about 700 bytes, so 70,000 entries make a 50 MB file) and times each step at each
size; the last column is seconds per 1,000 entries, which stays flat when the step is linear.

    .venv/bin/python scripts/bench_bib_scale.py [--sizes 5000,70000] [--steps read,dry,import]
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

from kb.bib.importer import import_bib  # noqa: E402
from kb.bib.read import read_bib  # noqa: E402
from kb.config import load_config  # noqa: E402
from kb.init import init_course  # noqa: E402

WORDS = ("learning model language policy reward gradient neural network training data "
         "attention transformer scaling human feedback preference optimization agent "
         "reinforcement evaluation benchmark robust sparse dense retrieval memory graph "
         "vision speech token decoding sampling calibration uncertainty alignment safety "
         "causal inference bayesian kernel convex stochastic online offline curriculum").split()
NAMES = ("Smith Chen Garcia Müller Rossi Novak Kim Silva Dubois Tanaka Okafor Haddad Larsen "
         "Ivanova Kowalski Nguyen Brown Wilson Moreau Schmidt").split()


def entry(i: int, rng: random.Random) -> str:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 11))).capitalize()
    authors = " and ".join(f"{rng.choice(NAMES)}, {chr(65 + rng.randrange(26))}."
                           for _ in range(rng.randint(1, 5)))
    abstract = " ".join(rng.choice(WORDS) for _ in range(70))
    return (f"@article{{entry{i},\n  title = {{{title} {i}}},\n  author = {{{authors}}},\n"
            f"  journal = {{Journal of {rng.choice(WORDS).capitalize()}}},\n"
            f"  year = {{{rng.randint(1990, 2025)}}},\n  doi = {{10.5555/bench.{i}}},\n"
            f"  abstract = {{{abstract}}}\n}}\n\n")


def library(n: int, path: Path) -> Path:
    rng = random.Random(n)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(entry(i, rng))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,70000", help="entry counts, comma-separated")
    parser.add_argument("--steps", default="read,dry,import",
                        help="read (parse + evaluate), dry (import --dry-run), import (writes)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    steps = args.steps.split(",")
    work = Path(tempfile.mkdtemp(prefix="bench-bib-scale-"))
    rows = []
    try:
        for n in sizes:
            bib = library(n, work / f"lib{n}.bib")
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
                rows.append((n, mb, step, took, took / n * 1000))
                shutil.rmtree(course)
    finally:
        shutil.rmtree(work)
    print(f"{'entries':>8} {'MB':>6} {'step':<7} {'seconds':>8} {'s/1k':>6}")
    for n, mb, step, took, per in rows:
        print(f"{n:>8} {mb:>6.1f} {step:<7} {took:>8.2f} {per:>6.3f}")


if __name__ == "__main__":
    main()
