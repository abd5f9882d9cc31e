"""Search quality on SciFact (BEIR layout): nDCG@10 and recall@10 for keyword, semantic, hybrid.

Reads ../shared/data/retrieval/scifact-mini (2,101 abstracts, 69 claims with relevance
judgments from its test and train qrels), loads the abstracts into a kb store (FTS5 and the
bundled all-MiniLM-L6-v2 vectors), runs every claim through ``KnowledgeBase.search`` in each
mode, and prints one table (all claims, and the test split), with the rule before (reciprocal
rank fusion, k = 1, chosen on the train split). A second table shows hybrid's coverage weight
(chosen on the course's development set) at other values, on both splits.

The store lives in .kb/eval-scifact/ (a cache): the first run embeds the abstracts (about
1.5 minutes on 2 cores), later runs reuse the vectors.

The course set (scripts/course_questions.py: questions in a student's words over this
repository's papers, each naming its paper) measures how often each mode finds the named
paper, in ``kb search`` and in the built site's search (headless Chromium, the int8 ONNX
query encoder in the browser), and how far the two agree: the overlap of their top 5 and the
cosine of their query vectors.

The development set (eval/questions.jsonl, scripts/eval_devset.py) reports R@1, R@5 and
MRR@10 per kind of question (paraphrase, finding, everyday, neighbour) for each kb mode and for
textbook baselines computed in the same run (BM25, MiniLM cosine, RRF k=60), on the course
alone and with a few hundred real BibTeX distractors, and the top-1 scores of the questions no
paper answers beside those of the answerable ones.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/eval_search.py [--set scifact|course|dev|all]
        [--distractors N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from kb.course.config import Config, KbOptions  # noqa: E402
from kb.search.embed import DEFAULT_MODEL, default_embedder  # noqa: E402
from kb.search.store_schema import StoreSchema  # noqa: E402
from kb.search.store_writes import SyncWrites  # noqa: E402
from kb.model.entries import Paper  # noqa: E402
from kb.search.engine import KnowledgeBase  # noqa: E402
import kb.search.fusion as fusion  # noqa: E402
from kb.search.fusion import COVERAGE_WEIGHT, FUSION_DEPTH  # noqa: E402
from kb.search.cache import cache_lock, open_store  # noqa: E402
from kb.search.sync import SyncReport  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "retrieval" / "scifact-mini"
K = 10


def read_jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_qrels(folder: Path, names: tuple[str, ...] = ("test", "train")) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for name in names:
        path = folder / f"{name}.tsv"
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            parts = line.split("\t")
            if i == 0 or len(parts) != 3:
                continue
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def ndcg(ranking: list[str], relevant: dict[str, int], k: int = K) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranking[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranking: list[str], relevant: dict[str, int], k: int = K) -> float:
    hits = sum(1 for doc in ranking[:k] if relevant.get(doc, 0) > 0)
    return hits / sum(1 for r in relevant.values() if r > 0)


def scores(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> tuple[float, float]:
    """Mean nDCG@10 and recall@10 over the claims of ``qrels``."""
    n = len(qrels)
    return (sum(ndcg(runs[q], qrels[q]) for q in qrels) / n,
            sum(recall(runs[q], qrels[q]) for q in qrels) / n)


def build(data: Path, model: str) -> KnowledgeBase:
    cache = ROOT / ".kb" / "eval-scifact"
    config = Config(cache, KbOptions(cache_dir=".", model=model))
    with cache_lock(config):
        store = open_store(config)
    corpus = read_jsonl(data / "corpus.jsonl")
    if store.count() != len(corpus):
        StoreSchema(store).reset()
        SyncWrites(store).put_papers({d["_id"]: Paper.model_construct(
            key=d["_id"], type="article", title=d.get("title") or "", authors=[], editors=[],
            year=None, venue=None, arxiv=None, doi=None, url=None, pdf=None, tags=[],
            abstract=d["text"], summary=None, bibtex={}, notes="") for d in corpus})
    base = KnowledgeBase(config, store, default_embedder(model), SyncReport(),
                         progress=sys.stderr.isatty())
    started = time.perf_counter()
    _ = base.index
    print(f"corpus: {len(corpus)} abstracts; index ready in {time.perf_counter() - started:.1f} s "
          f"({base.embedded} embedded now, the rest from the cache)\n")
    return base


def rrf(rankings: list[list[str]], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of rankings (best first): sum of 1 / (k + rank), ties by key."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def ranks(found: list[str], key: str) -> int | None:
    return found.index(key) + 1 if key in found else None


def found_row(label: str, positions: list[int | None]) -> str:
    n = len(positions)
    hit = {k: sum(1 for r in positions if r is not None and r <= k) / n for k in (1, 3, 5)}
    mrr = sum(1 / r for r in positions if r is not None) / n
    return f"| {label} | {hit[1]:.2f} | {hit[3]:.2f} | {hit[5]:.2f} | {mrr:.3f} |"


def course(model: str) -> None:
    """The course set in `kb search` and in the site's search, and their agreement."""
    import numpy as np

    from course_questions import QUESTIONS
    from kb.course.config import load_config
    from kb.search.engine import open_kb
    from site_browser import chromium, search, served_site

    kb = open_kb(load_config(ROOT))
    modes = ("hybrid", "semantic", "keyword")
    cli: dict[str, list[int | None]] = {m: [] for m in modes}
    site: dict[str, list[int | None]] = {m: [] for m in modes}
    overlap: dict[str, list[float]] = {m: [] for m in modes}
    cosines: list[float] = []
    missed: list[str] = []
    with served_site(ROOT) as url, chromium() as context:
        page = context.new_page()
        page.goto(url + "search/")
        page.evaluate("window.kb.loadModel()")
        for question, key in QUESTIONS:
            for mode in modes:
                mine = [h.key for h in kb.search(question, mode=mode, k=5)]
                theirs = [h["key"] for h in search(page, question, k=5, mode=mode)]
                cli[mode].append(ranks(mine, key))
                site[mode].append(ranks(theirs, key))
                overlap[mode].append(len(set(mine) & set(theirs)) / 5)
                if mode == "hybrid" and key not in theirs:
                    missed.append(f"{key} for {question!r}: site top 5 {theirs}")
            vector = np.asarray(page.evaluate("q => window.kb.embed(q)", question), np.float32)
            cosines.append(float(vector @ kb.embed_query(question)))
    kb.close()
    print(f"\nCourse set: {len(QUESTIONS)} questions in a student's words over this repository's "
          f"{len(kb)} papers, each naming its paper (model {model}; the site's query encoder is "
          "the int8 ONNX export in headless Chromium)")
    print("| search | found @1 | found @3 | found @5 | MRR@5 |")
    print("| --- | --- | --- | --- | --- |")
    for mode in modes:
        print(found_row(f"kb search, {mode}", cli[mode]))
        print(found_row(f"site, {mode}", site[mode]))
    print("\nCLI and site agreement on the course set (target: top-5 overlap >= 80%, cosine >= 0.99)")
    print("| mode | top-5 overlap, mean | top-5 overlap, min | questions with identical top 5 |")
    print("| --- | --- | --- | --- |")
    for mode in modes:
        same = sum(1 for o in overlap[mode] if o == 1.0)
        print(f"| {mode} | {100 * np.mean(overlap[mode]):.1f}% | {100 * min(overlap[mode]):.0f}% "
              f"| {same} of {len(QUESTIONS)} |")
    print(f"\nquery vectors, browser (int8 ONNX) against kb search: cosine min {min(cosines):.4f}, "
          f"mean {np.mean(cosines):.4f}")
    if missed:
        print("\nnamed paper not in the site's hybrid top 5:")
        for line in missed:
            print(f"- {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="BEIR folder")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="embedding model")
    parser.add_argument("--set", choices=("scifact", "course", "dev", "all"), default="all",
                        help="which evaluation to run")
    parser.add_argument("--distractors", type=int, default=None,
                        help="dev set: how many distractor entries (default 300; 0: course alone)")
    parser.add_argument("--json", type=Path, help="dev set: write every number to this file")
    args = parser.parse_args()
    if args.set in ("scifact", "all"):
        scifact(args)
    if args.set in ("course", "all"):
        course(args.model)
    if args.set in ("dev", "all"):
        import eval_devset

        eval_devset.run(eval_devset.DISTRACTORS if args.distractors is None else args.distractors,
                        args.json)


def scifact(args: argparse.Namespace) -> None:
    base = build(args.data, args.model)
    queries = {q["_id"]: q["text"] for q in read_jsonl(args.data / "queries.jsonl")}
    qrels = read_qrels(args.data / "qrels")
    train = read_qrels(args.data / "qrels", ("train",))
    test = read_qrels(args.data / "qrels", ("test",))
    queries = {q: t for q, t in queries.items() if q in qrels}

    runs: dict[str, dict[str, list[str]]] = {"keyword": {}, "semantic": {}, "hybrid": {}}
    depth: dict[str, dict[str, list[str]]] = {"keyword": {}, "semantic": {}}
    for qid, text in queries.items():
        for mode in ("keyword", "semantic"):
            depth[mode][qid] = [h.key for h in base.search(text, mode=mode, k=FUSION_DEPTH,
                                                           explain=False)]
            runs[mode][qid] = depth[mode][qid][:K]
        runs["hybrid"][qid] = [h.key for h in base.search(text, mode="hybrid", k=K,
                                                          explain=False)]
    runs["RRF k=1 (the rule before)"] = {
        q: [d for d, _ in rrf([depth["keyword"][q], depth["semantic"][q]], k=1)[:K]]
        for q in queries}

    print(f"SciFact-mini, model {args.model}: all {len(qrels)} claims, and the {len(test)} "
          f"claims of its test split (the RRF constant of the rule before was tuned on the "
          f"{len(train)} train claims)")
    print(f"| mode | nDCG@{K} (all) | recall@{K} (all) | nDCG@{K} (test) | recall@{K} (test) |")
    print("| --- | --- | --- | --- | --- |")
    for mode, run in runs.items():
        label = f"hybrid (cosine + {COVERAGE_WEIGHT:g} x coverage)" if mode == "hybrid" else mode
        (n, r), (tn, tr) = scores(run, qrels), scores(run, test)
        print(f"| {label} | {n:.3f} | {r:.3f} | {tn:.3f} | {tr:.3f} |")

    print(f"\nHybrid's coverage weight on the {len(train)} train claims and the {len(test)} test "
          f"claims (top {FUSION_DEPTH} of each list; * = the library default, chosen on the "
          "course's development set)")
    print(f"| coverage weight | nDCG@{K} (train) | recall@{K} (train) | nDCG@{K} (test) |")
    print("| --- | --- | --- | --- |")
    for weight in (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 1.0):
        fusion.COVERAGE_WEIGHT = weight
        try:
            fused = {q: [h.key for h in base.search(queries[q], k=K, explain=False)]
                     for q in queries}
        finally:
            fusion.COVERAGE_WEIGHT = COVERAGE_WEIGHT
        (n, r), (tn, _) = scores(fused, train), scores(fused, test)
        mark = " *" if weight == COVERAGE_WEIGHT else ""
        print(f"| {weight:g}{mark} | {n:.3f} | {r:.3f} | {tn:.3f} |")
    base.close()


if __name__ == "__main__":
    main()
