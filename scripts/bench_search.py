"""Search performance: sync cold/warm, embedding overhead, index and query latency, CLI latency.

Prints four tables:

1. sync at 1k/10k/100k synthetic paper files: cold (empty cache: parse, store, FTS5, vectors,
   index), warm (nothing changed: hash check only; the model is never loaded), one file
   changed. The synthetic entries get synthetic clustered vectors stored under the real
   model's name (embedding 100k texts with the real model would take hours on 2 cores).
2. embedding throughput of kb (open_kb on a fresh course of real SciFact abstracts) against a
   bare ``model.encode`` of the same texts in the same run, and the overhead ratio.
3. the vector index alone on the synthetic vectors: exact (IndexFlatIP) against HNSW,
   latency and HNSW recall@10, which sets kb.search.index.HNSW_THRESHOLD.
4. query latency p50/p95 per mode in-process (real model for the query, synthetic vectors in
   the index) and as a CLI process (``kb search``), at each size.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_search.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from kb.course.config import DEFAULT_MODEL, load_config  # noqa: E402
from kb.search.embed import SentenceTransformerEmbedder, normalize  # noqa: E402
from kb.search.index import VectorIndex  # noqa: E402
from kb.course.scaffold import init_course  # noqa: E402
from kb.search.engine import open_kb  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "data" / "retrieval" / "scifact-mini"
KB = str(Path(sys.executable).with_name("kb"))
DIM = 384
WARM_RUNS = 5  # a no-change open takes a fraction of a second: the median of a few


def vocabulary(n: int = 4000, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    sy = ["ka", "ro", "mi", "tel", "an", "sor", "vi", "len", "qu", "ex", "dra", "po", "lin",
          "ter", "ga", "nu", "bel", "os", "cri", "fa", "mon", "ze", "tra", "hal"]
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(sy, size=int(rng.integers(2, 5)))))
    return sorted(words)


def write_library(root: Path, n: int, seed: int = 0) -> None:
    """``n`` synthetic paper files (Zipf-distributed words, a few tags, years, types)."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary()
    weights = 1 / np.arange(1, len(vocab) + 1) ** 1.07
    weights /= weights.sum()
    papers = root / "papers"
    papers.mkdir(parents=True, exist_ok=True)
    tags = [f"topic-{i}" for i in range(20)]
    types = ["article", "inproceedings", "misc"]
    words = rng.choice(len(vocab), size=(n, 70), p=weights)
    for i in range(n):
        w = [vocab[j] for j in words[i]]
        title = " ".join(w[:8]).capitalize()
        summary = " ".join(w[8:])
        text = (f"---\ntype: {types[i % 3]}\ntitle: {title}\nauthors:\n- Author{i % 997}, A.\n"
                f"- Writer{i % 331}, B.\nyear: {1990 + i % 35}\ntags:\n- {tags[i % 20]}\n"
                f"summary: {summary}\n---\nNotes on paper {i}.\n")
        (papers / f"p{i:06d}.md").write_text(text, encoding="utf-8")


class SyntheticVectors:
    """Clustered random unit vectors, named like the real model so the real model can query them."""

    def __init__(self, clusters: int = 256, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.centres = normalize(rng.normal(size=(clusters, DIM)))
        self.name, self.dim = DEFAULT_MODEL, DIM

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            h = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(h)
            out[i] = self.centres[h % len(self.centres)] + 0.6 * rng.normal(size=DIM) / np.sqrt(DIM)
        return normalize(out)


def ms(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return statistics.median(values) * 1000, p95 * 1000


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def bench_sync(root: Path, n: int) -> dict[str, object]:
    config = load_config(root)
    cold, base = timed(open_kb, config, embedder=SyntheticVectors())
    base.close()
    real = SentenceTransformerEmbedder(DEFAULT_MODEL)
    warm_runs = []
    for _ in range(WARM_RUNS):
        warm_run, base = timed(open_kb, load_config(root), embedder=real)
        assert not base.report.dirty
        base.close()
        warm_runs.append(warm_run)
    warm = statistics.median(warm_runs)
    loaded = real.loaded
    path = root / "papers" / "p000000.md"
    path.write_text(path.read_text().replace("Notes on paper 0.", "Revised notes."))
    one, base = timed(open_kb, load_config(root), embedder=SyntheticVectors())
    base.close()
    return {"n": n, "cold": cold, "warm": warm, "one": one, "loaded": loaded,
            "approximate": base.index.approximate}


def bench_embedding(count: int, rounds: int = 2) -> tuple[int, float, float]:
    """Best of ``rounds`` alternating runs of a bare encode and of kb (a busy machine is noisy)."""
    corpus = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").open(encoding="utf-8")]
    texts = [d["text"] for d in corpus[:count]]
    model = SentenceTransformerEmbedder(DEFAULT_MODEL)
    model.embed(["warm up"])
    bare_times, kb_times = [], []
    for _ in range(rounds):
        bare, _ = timed(model.model.encode, texts, batch_size=32, normalize_embeddings=True,
                        convert_to_numpy=True, show_progress_bar=False)
        bare_times.append(bare)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "course"
            init_course(root, title="Bench")
            (root / "papers" / "vaswani2017attention.md").unlink()
            for i, text in enumerate(texts):
                body = json.dumps(text)  # a JSON string is a valid YAML scalar
                (root / "papers" / f"s{i:04d}.md").write_text(
                    f"---\ntitle: SciFact abstract {i}\nabstract: {body}\n---\n", encoding="utf-8")
            kb_time, base = timed(open_kb, load_config(root), embedder=model)
            assert base.embedded == len(texts)
            base.close()
        kb_times.append(kb_time)
    return len(texts), min(bare_times), min(kb_times)


def bench_index(matrix: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    keys = [str(i) for i in range(len(matrix))]
    exact = VectorIndex(keys, matrix, hnsw_threshold=len(keys) + 1)
    _ = exact.faiss_index
    build, hnsw = timed(lambda: VectorIndex(keys, matrix, hnsw_threshold=1))
    build_graph, _ = timed(lambda: hnsw.faiss_index)
    flat_t, hnsw_t, found = [], [], 0
    for q in queries:
        t, truth = timed(exact.search, q, 10)
        flat_t.append(t)
        t, approx = timed(hnsw.search, q, 10)
        hnsw_t.append(t)
        found += len({k for k, _ in truth} & {k for k, _ in approx})
    return {"flat": ms(flat_t)[0], "hnsw": ms(hnsw_t)[0], "recall": found / (10 * len(queries)),
            "build": build + build_graph}


def bench_queries(root: Path, claims: list[str], runs: int) -> dict[str, tuple[float, float]]:
    base = open_kb(load_config(root))  # real model for queries, synthetic vectors from the cache
    base.search("warm up", mode="hybrid")
    out = {}
    for mode in ("keyword", "semantic", "hybrid"):
        times = [timed(base.search, q, mode=mode, k=10)[0] for q in claims]
        out[mode] = ms(times)
    base.close()
    for mode in ("keyword", "hybrid"):
        times = []
        for q in claims[:runs]:
            t, proc = timed(subprocess.run, [KB, "--root", str(root), "search", q, "--mode", mode,
                                             "--json"], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
            times.append(t)
        out["cli " + mode] = ms(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated sizes")
    parser.add_argument("--embed", type=int, default=128, help="texts for the embedding row")
    parser.add_argument("--cli-runs", type=int, default=5, help="CLI processes per mode and size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    claims = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").open()][:40]
    # A SciFact claim gives the model a query of realistic length; three words of the synthetic
    # vocabulary give FTS5 something to match in the synthetic entries.
    vocab = vocabulary()
    pick = np.random.default_rng(5).choice(len(vocab), size=(len(claims), 3),
                                           p=(w := 1 / np.arange(1, len(vocab) + 1)) / w.sum())
    queries_text = [c + " " + " ".join(vocab[j] for j in row) for c, row in zip(claims, pick)]
    started = time.perf_counter()
    load_before = os.getloadavg()

    n, bare, kb_time = bench_embedding(args.embed)
    print(f"Embedding {n} SciFact abstracts with {DEFAULT_MODEL} (same run, same loaded model, "
          "best of 2 alternating rounds)")
    print("| path | seconds | texts/s |")
    print("| --- | --- | --- |")
    print(f"| bare model.encode (batch 32) | {bare:.2f} | {n / bare:.1f} |")
    print(f"| kb open_kb on a fresh course (parse, store, FTS5, embed, index) | {kb_time:.2f} | "
          f"{n / kb_time:.1f} |")
    print(f"| overhead ratio kb / bare | {kb_time / bare:.2f} | |\n")

    sync_rows, index_rows, query_rows = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            root = Path(tmp) / f"course{size}"
            init_course(root, title="Bench")
            (root / "papers" / "vaswani2017attention.md").unlink()
            write_library(root, size)
            sync_rows.append(bench_sync(root, size))
            base = open_kb(load_config(root), embedder=SyntheticVectors(), embed=True)
            matrix = base.index.matrix
            base.close()
            rng = np.random.default_rng(3)
            queries = normalize(matrix[rng.choice(len(matrix), 100)] + 0.05 * rng.normal(
                size=(100, DIM)).astype(np.float32))
            index_rows.append((size, bench_index(matrix, queries)))
            query_rows.append((size, bench_queries(root, queries_text, args.cli_runs)))
            shutil.rmtree(root)

    print("Sync (synthetic entries; clustered synthetic vectors stand in for the model)")
    print("| papers | cold s | warm s (unchanged, median of 5) | model loaded when warm "
          "| 1 file changed s | index |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in sync_rows:
        print(f"| {r['n']} | {r['cold']:.2f} | {r['warm']:.3f} | {'yes' if r['loaded'] else 'no'} "
              f"| {r['one']:.2f} | {'HNSW' if r['approximate'] else 'exact'} |")
    print("\nVector index alone (synthetic clustered 384-d vectors, 100 queries, k=10)")
    print("| vectors | exact p50 ms | HNSW p50 ms | HNSW recall@10 | HNSW build s |")
    print("| --- | --- | --- | --- | --- |")
    for size, r in index_rows:
        print(f"| {size} | {r['flat']:.2f} | {r['hnsw']:.2f} | {r['recall']:.3f} | {r['build']:.1f} |")
    print(f"\nQuery latency ms, p50 / p95 (in-process: {len(claims)} queries, a SciFact claim plus "
          f"three synthetic words, through the real model; CLI: {args.cli_runs} `kb search` "
          "processes; synthetic vectors and entries)")
    print("| papers | keyword | semantic | hybrid | CLI keyword | CLI hybrid |")
    print("| --- | --- | --- | --- | --- | --- |")
    for size, r in query_rows:
        cells = " | ".join(f"{r[m][0]:.1f} / {r[m][1]:.1f}" for m in
                           ("keyword", "semantic", "hybrid", "cli keyword", "cli hybrid"))
        print(f"| {size} | {cells} |")
    print(f"\ntotal benchmark time: {time.perf_counter() - started:.0f} s; load average (1, 5, "
          f"15 min) {' / '.join(f'{x:.2f}' for x in load_before)} at the start, "
          f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
