"""Build time and size of the course site: this repository, and a generated 1,000-paper course.

Prints one table row per build:

- this repository, with the real all-MiniLM-L6-v2 model: a cold build (empty .kb/ cache in a
  copy of the repository, so every paper is embedded) and a warm rebuild (nothing changed);
- a synthetic course of 1,000 papers (made-up titles and summaries from a word list, 20
  sessions of 10 readings, 10 posters), with a fake embedder (feature hashing, no model) and,
  unless ``--quick``, with the real model (cold, then warm).

Every build is ``mkdocs build --strict`` in-process. Run: ``.venv/bin/python scripts/bench_site.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from kb.search.embed import HashingEmbedder
from kb.course.scaffold import init_course

ROOT = Path(__file__).resolve().parents[1]
WORDS = (
    "adaptive aligned attention bandit bayesian calibrated causal contrastive curriculum dense "
    "diffusion direct distilled efficient emergent entropy episodic explicit factual federated "
    "gradient graph grounded hierarchical implicit inverse iterative kernel latent learned "
    "linear local margin masked memory meta modular monotone multilingual neural offline online "
    "optimal ordinal policy preference probabilistic progressive recurrent regularised reward "
    "robust safe scalable selective sparse spectral stable structured temporal token truthful "
    "uncertain unified value variational verified weighted agents benchmarks chains critics "
    "decoders dialogue estimators experts feedback games heads language models networks "
    "objectives planners priors prompts proofs rankings reasoning representations returns "
    "rewards samplers search summaries tasks tools trajectories transformers verifiers"
).split()


def site_stats(site: Path) -> tuple[int, float]:
    files = [p for p in site.rglob("*") if p.is_file()]
    return sum(p.suffix == ".html" for p in files), sum(p.stat().st_size for p in files) / 1e6


def timed_build(root: Path, embedder: Any = None) -> tuple[float, int, float]:
    """Seconds of one strict build, the number of HTML pages and the site's size in MB."""
    config = load_config(str(root / "mkdocs.yml"), strict=True,
                         site_dir=str(Path(tempfile.mkdtemp(prefix="kb-bench-site-"))))
    if embedder is not None:
        config.plugins["kb"].embedder = embedder
    start = time.perf_counter()
    build(config)
    seconds = time.perf_counter() - start
    pages, size = site_stats(Path(config.site_dir))
    shutil.rmtree(config.site_dir)
    return seconds, pages, size


def copy_repository(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("mkdocs.yml", "papers", "docs"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


def synthetic_course(root: Path, n: int, seed: int = 7) -> Path:
    """A valid course of ``n`` made-up papers, 20 sessions of 10 readings and 10 posters."""
    rng = random.Random(seed)
    init_course(root, title=f"Synthetic course, {n} papers")
    (root / "papers" / "vaswani2017attention.md").unlink()
    for path in (root / "docs").rglob("*.md"):
        if path.parent.name in ("sessions", "posters"):
            path.unlink()
    keys, titles = [], set()
    for i in range(n):
        while True:
            title = " ".join(rng.sample(WORDS, 6)).capitalize()
            if title not in titles:
                titles.add(title)
                break
        key = f"paper{i:04d}"
        keys.append(key)
        summary = " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."
        data = {"type": "article", "title": title,
                "authors": [f"Author{rng.randrange(400)}, A." for _ in range(rng.randint(1, 5))],
                "year": rng.randint(1995, 2024), "venue": f"Journal of {rng.choice(WORDS).title()}",
                "tags": [rng.choice(["architecture", "rlhf"])], "summary": summary}
        text = "---\n" + yaml.safe_dump(data, sort_keys=False) + "---\n\n## Key ideas\n\n- " + \
            " ".join(rng.sample(WORDS, 12)) + "\n"
        (root / "papers" / f"{key}.md").write_text(text, encoding="utf-8")
    for s in range(1, 21):
        readings = [{"key": k, "kind": rng.choice(["required", "optional", "presentation"])}
                    for k in rng.sample(keys, 10)]
        meta = {"session": s, "date": (dt.date(2025, 10, 1) + dt.timedelta(weeks=s - 1)).isoformat(),
                "title": f"Session on {rng.choice(WORDS)}", "readings": readings}
        (root / "docs" / "sessions" / f"{s:02d}-session.md").write_text(
            "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\nThe session's plan.\n",
            encoding="utf-8")
    for p in range(1, 11):
        meta = {"title": f"Poster {p}", "authors": [f"Group {p}"], "session": p,
                "papers": rng.sample(keys, 3), "tags": ["rlhf"]}
        (root / "docs" / "posters" / f"poster-{p}.md").write_text(
            "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\nNotes.\n", encoding="utf-8")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000, help="papers in the synthetic course")
    parser.add_argument("--quick", action="store_true",
                        help="skip the synthetic course with the real model (embeds every paper)")
    args = parser.parse_args()
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    rows: list[tuple[str, str, str, float, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        repo = copy_repository(Path(tmp) / "repo")
        papers = len(list((repo / "papers").glob("*.md")))
        for cache in ("cold", "warm"):
            rows.append((f"this repository ({papers} papers)", "all-MiniLM-L6-v2", cache,
                         *timed_build(repo)))
        synth = synthetic_course(Path(tmp) / "synthetic", args.papers)
        fake = HashingEmbedder(dim=256)
        for cache in ("cold", "warm"):
            rows.append((f"synthetic ({args.papers} papers)", "hashing (fake)", cache,
                         *timed_build(synth, fake)))
        if not args.quick:
            for cache in ("cold", "warm"):
                rows.append((f"synthetic ({args.papers} papers)", "all-MiniLM-L6-v2", cache,
                             *timed_build(synth)))
    header = ("site", "embedder", ".kb cache", "build s", "pages", "size MB")
    print(f"{header[0]:<28} {header[1]:<18} {header[2]:<9} {header[3]:>8} {header[4]:>6} {header[5]:>8}")
    print("-" * 82)
    for name, embedder, cache, seconds, pages, size in rows:
        print(f"{name:<28} {embedder:<18} {cache:<9} {seconds:>8.2f} {pages:>6} {size:>8.1f}")
    print(f"\n{os.cpu_count()} CPU cores; mkdocs build --strict in-process, related: 5 papers per page;"
          "\ncold = empty .kb/ cache (every paper embedded), warm = rebuild with nothing changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
