"""Search over a course's papers: keyword (FTS5 bm25), semantic (embeddings), hybrid (fusion).

::

    kb = open_kb(config)                      # sync cache with the files, load the index
    kb.search("reward models from human preferences", k=5, filters=Filters(year_from=2020))
    kb.related("ouyang2022training")          # nearest papers, the paper itself left out
    kb.suggest(3)                             # papers close to session 3, not yet listed

Hybrid ranking fuses the keyword and the semantic ranking by weighted reciprocal rank fusion:
``score(d) = sum_i w_i / (RRF_K + rank_i(d))`` over the top :data:`FUSION_DEPTH` of each list
(rank from 1). The constants were chosen on SciFact's train claims and checked on its test
claims (scripts/eval_search.py): a small RRF_K, which trusts the top of each list, beat the
customary 60 on both splits (nDCG@10 0.911 against 0.875 over all 69 claims).

Scores: keyword hits carry the negated bm25 (higher is better), semantic hits the cosine
similarity, hybrid hits the fused score; they order hits within one result list and are not
comparable across modes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kb.course.config import Config
from kb.errors import KbError, NotFoundError
from kb.course.filters import Filters
from kb.progress import Progress, as_progress
from kb.search.blas import one_blas_thread
from kb.search.uptodate import SyncReport, fresh_store
from kb.search.store import Filter, Store, filter_sql

if TYPE_CHECKING:
    import numpy as np

    from kb.model.entries import Project
    from kb.search.embed import Embedder
    from kb.search.index import VectorIndex
    from kb.search.vectors import VectorCache

__all__ = ["FUSION_DEPTH", "MODES", "Filters", "Hit", "KnowledgeBase", "Suggestion", "open_kb",
           "rrf"]

MODES = ("hybrid", "semantic", "keyword")
RRF_K = 1
KEYWORD_WEIGHT = 1.0
SEMANTIC_WEIGHT = 1.0
FUSION_DEPTH = 100
EMBED_BATCH = 64


@dataclass
class Hit:
    """One search result: the paper's identity and its score in this result list."""

    key: str
    title: str
    authors: list[str]
    year: int | None
    venue: str | None
    arxiv: str | None
    doi: str | None
    score: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Suggestion(Hit):
    """A suggested paper, with the session's readings it is closest to (key, cosine), best
    first; empty when the session has no readings to compare with (the title and page alone
    chose it)."""

    closest: list[tuple[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["closest"] = [{"key": key, "score": score} for key, score in self.closest]
        return data


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None,
        k: int = RRF_K) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion of several rankings (best first), ties by key."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _embed_all(embedder: Embedder, texts: list[str], progress: Progress) -> np.ndarray:
    """Embed ``texts`` in batches, saying first when the model must be loaded (which takes
    seconds), then with a bar (terminal) or a line per phase."""
    import numpy as np

    from kb.search.embed import SMALL_BATCH, normalize

    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    load = getattr(embedder, "load", None)  # a model loaded on first use announces the wait
    if load is not None and not getattr(embedder, "loaded", True) and len(texts) > SMALL_BATCH:
        progress.phase(f"loading the embedding model {embedder.name}...")
        load()
    parts = []
    with progress.bar(f"embedding with {embedder.name}", len(texts)) as advance:
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            parts.append(embedder.embed(batch))
            advance(len(batch))
    return normalize(np.concatenate(parts))


class KnowledgeBase:
    """A synced, searchable course: the store, the embedder and the vector index."""

    def __init__(self, config: Config, store: Store, embedder: Embedder | None = None,
                 report: SyncReport | None = None, *, progress: bool | Progress = False,
                 hnsw_threshold: int | None = None):
        self.config = config
        self.store = store
        self._embedder = embedder
        self.report = report if report is not None else SyncReport(unchanged=store.count())
        self.progress = as_progress(progress)
        self.hnsw_threshold = hnsw_threshold
        self.embedded = 0  # texts embedded to build the index (the rest came from the cache)
        self._items: list[tuple[str, str]] | None = None
        self._index: VectorIndex | None = None
        self._vectors: VectorCache | None = None

    def __len__(self) -> int:
        return self.store.count()

    @property
    def items(self) -> list[tuple[str, str]]:
        """(key, text hash) of every paper, ordered by key (read on first use)."""
        if self._items is None:
            self._items = self.store.text_hashes()
        return self._items

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.items]

    @property
    def embedder(self) -> Embedder:
        """The embedder (the configured model unless one was given); loads nothing yet."""
        embedder = self._embedder
        if embedder is None:
            from kb.search.embed import default_embedder

            embedder = self._embedder = default_embedder(self.config.options.model)
        return embedder

    @property
    def index(self) -> VectorIndex:
        """The vector index, loaded from .kb/ or built now (embedding what the cache lacks)."""
        if self._index is None:
            self._index = self._load_index()
        return self._index

    def _load_index(self) -> VectorIndex:
        from kb.search.index import HNSW_THRESHOLD, VectorIndex, fingerprint

        threshold = self.hnsw_threshold if self.hnsw_threshold is not None else HNSW_THRESHOLD
        name = self.embedder.name
        print_ = fingerprint(name, self.store.texts())
        index = VectorIndex.load(self.config.cache_dir, name, print_, threshold,
                                 repair=lambda: self._new_index(print_, threshold).matrix)
        return index if index is not None else self._new_index(print_, threshold)

    def _new_index(self, print_: str, threshold: int) -> VectorIndex:
        """The index built from the rows of the last saved one, the vector cache and the
        embedder (for what both lack), and saved."""
        from kb.search.index import VectorIndex, saved_rows

        name = self.embedder.name
        reuse = saved_rows(self.config.cache_dir, name, self.embedder.dim)
        matrix, self.embedded = _vectors(self.store, self.vectors, self.embedder, self.items,
                                         self.progress, reuse)
        index = VectorIndex(self.keys, matrix, hnsw_threshold=threshold)
        try:
            index.save(self.config.cache_dir, name, print_, [h for _, h in self.items])
        except OSError:  # a read-only cache folder: search still works, only slower next time
            pass
        return index

    @property
    def vectors(self) -> VectorCache:
        """The vector cache, opened on first use."""
        if self._vectors is None:
            from kb.search.cache import open_vectors

            self._vectors, note = open_vectors(self.config)
            if note:
                self.report.notes.append(note)
        return self._vectors

    def close(self) -> None:
        self.store.close()
        if self._vectors is not None:
            self._vectors.close()

    # ------------------------------------------------------------ rankings

    def _keyword(self, query: str, depth: int, filt: Filter | None) -> list[tuple[str, float]]:
        return self.store.keyword(query, depth, filt)

    def _semantic(self, vector: np.ndarray, depth: int, filt: Filter | None,
                  exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        allowed = self.store.filter_keys(filt) if filt is not None else None
        return self.index.search(vector, depth, allowed=allowed, exclude=exclude)

    def embed_query(self, text: str) -> np.ndarray:
        from kb.search.embed import normalize

        light = getattr(self.embedder, "light_encoder", None)  # the model's numpy twin loads fast
        if light is not None and not getattr(self.embedder, "loaded", True) and light() is None:
            self.progress.phase(f"loading the embedding model {self.embedder.name}...")
        return normalize(self.embedder.embed([text]))[0]

    def check(self, filters: Filters | None) -> None:
        """Raise FilterError when ``filters`` names a session, tag, type or key nobody has."""
        if filters is not None and not filters.empty:
            filters.check(self.store.known(self.config.options.tags))

    # ------------------------------------------------------------ public

    def search(self, query: str, *, mode: str = "hybrid", k: int = 10,
               filters: Filters | None = None) -> list[Hit]:
        """The top ``k`` papers for ``query`` in the given mode, filtered."""
        if mode not in MODES:
            raise KbError(f"unknown search mode {mode!r}", field="mode",
                          fix="use one of: " + ", ".join(MODES))
        self.check(filters)
        query = query.strip()
        if not query or k <= 0 or not len(self):
            return []
        filt = filter_sql(filters)
        if mode == "keyword":
            return self._hits(self._keyword(query, k, filt))
        _ = self.index  # the library's vectors first: a model that must be loaded loads for both
        if mode == "semantic":
            return self._hits(self._semantic(self.embed_query(query), k, filt))
        depth = max(k, FUSION_DEPTH)
        allowed = self.store.filter_keys(filt) if filt is not None else None
        # The two rankings are independent: bm25 runs in SQLite on the worker thread while this
        # one embeds the query and scans the vectors (both release the GIL), so a query costs
        # the longer of the two on two cores, not their sum. The worker has the store's
        # connection to itself until its result is in.
        ranking = _worker().submit(self._keyword, query, depth, filt)
        try:
            vector = self.embed_query(query)
            with one_blas_thread():  # the other core is the keyword ranking's
                semantic = [key for key, _ in self.index.search(vector, depth, allowed=allowed)]
        finally:
            wait([ranking])
        keyword = [key for key, _ in ranking.result()]
        fused = rrf([keyword, semantic], [KEYWORD_WEIGHT, SEMANTIC_WEIGHT])
        return self._hits(fused[:k])

    def related(self, key: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The ``k`` papers nearest to paper ``key`` by meaning (``key`` itself excluded)."""
        self.check(filters)
        vector = self.index.vector(key)
        if vector is None:
            raise self._unknown_paper(key)
        return self._hits(self._semantic(vector, k, filter_sql(filters), exclude=[key]))

    def related_many(self, keys: Sequence[str] | None = None, k: int = 5) -> dict[str, list[Hit]]:
        """:meth:`related` for many papers (default: all) in one index pass: key -> hits."""
        keys = list(self.keys if keys is None else keys)
        for key in keys:
            if self.index.vector(key) is None:
                raise self._unknown_paper(key)
        if not keys:
            return {}
        rows = [self.index.positions[key] for key in keys]
        found = self.index.search_many(self.index.matrix[rows], k, [{key} for key in keys])
        papers = self.store.rows({hit for hits in found for hit, _ in hits})
        return {key: [_hit(papers[h], score) for h, score in hits if h in papers]
                for key, hits in zip(keys, found)}

    def suggest(self, session: int, k: int = 10, filters: Filters | None = None, *,
                explain: int = 2) -> list[Suggestion]:
        """Papers close to a session's topic and readings that its reading list lacks.

        The topic is the mean of two unit vectors: the embedding of the session's title and
        page, and the centroid of its readings' embeddings (either alone when the other is
        missing); ``filters`` narrow the candidates. Each suggestion names the ``explain``
        readings of the session nearest to it.
        """
        import numpy as np

        from kb.search.embed import normalize

        row, readings = self._session(session)
        self.check(filters)
        listed = list(dict.fromkeys(readings))
        parts = []
        topic = "\n\n".join(t for t in (row["title"], row["body"]) if t.strip())
        if topic:
            parts.append(self._cached_vector(topic))
        known = [(key, v) for key, v in ((key, self.index.vector(key)) for key in listed)
                 if v is not None]
        if known:
            parts.append(normalize(np.mean([v for _, v in known], axis=0, keepdims=True))[0])
        if not parts:
            return []
        centre = normalize(np.mean(parts, axis=0, keepdims=True))[0]
        out = []
        for hit in self._hits(self._semantic(centre, k, filter_sql(filters), exclude=listed)):
            vector = self.index.vector(hit.key)
            closest: list[tuple[str, float]] = []
            if vector is not None and known:
                scores = np.stack([v for _, v in known]) @ vector
                order = sorted(range(len(known)), key=lambda i: (-scores[i], known[i][0]))
                closest = [(known[i][0], round(float(scores[i]), 4)) for i in order[:explain]]
            out.append(Suggestion(**asdict(hit), closest=closest))
        return out

    # ------------------------------------------------------------ helpers

    def _cached_vector(self, text: str) -> np.ndarray:
        from kb.search.embed import text_hash

        h = text_hash(text)
        cached = self.vectors.get(self.embedder.name, [h], self.embedder.dim).get(h)
        if cached is not None:
            return cached
        vector = self.embed_query(text)
        self.vectors.put(self.embedder.name, {h: vector})
        return vector

    def _session(self, number: int) -> tuple[dict[str, Any], list[str]]:
        found = self.store.session_row(number)
        if found is None:  # the same error as a --session filter naming no session
            Filters(session=number).check(self.store.known())
            raise AssertionError(f"session {number} is known but has no row")  # pragma: no cover
        return found

    def _unknown_paper(self, key: str) -> NotFoundError:
        from kb.course.lookups import unknown_key  # only on the way to an error

        if not len(self):
            return NotFoundError("the knowledge base has no papers yet",
                                 path=f"{self.config.options.papers_dir}/{key}.md", field="key",
                                 fix="add papers/<key>.md files (see kb init)")
        return unknown_key(key, self.keys, self.report.broken, self.config.options.papers_dir)

    def _hits(self, scored: Sequence[tuple[str, float]]) -> list[Hit]:
        rows = self.store.rows(key for key, _ in scored)
        return [_hit(rows[key], score) for key, score in scored if key in rows]


_WORKER: ThreadPoolExecutor | None = None


def _worker() -> ThreadPoolExecutor:
    """One thread, started on the first hybrid query, for its keyword ranking."""
    global _WORKER
    if _WORKER is None:
        _WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-keyword")
    return _WORKER


def _hit(row: dict[str, Any], score: float) -> Hit:
    return Hit(key=row["key"], title=row["title"], authors=json.loads(row["authors"]),
               year=row["year"], venue=row["venue"], arxiv=row["arxiv"], doi=row["doi"],
               score=round(float(score), 6))


def _vectors(store: Store, cache: VectorCache, embedder: Embedder, items: list[tuple[str, str]],
             progress: Progress, reuse: dict[str, np.ndarray] | None = None
             ) -> tuple[np.ndarray, int]:
    """One vector per (key, text hash): from ``reuse`` (rows of the last index), then from the
    vector cache, embedding only what both lack."""
    import numpy as np

    cached = dict(reuse or {})
    cached.update(cache.get(embedder.name, [h for _, h in items if h not in cached],
                            embedder.dim))
    missing = [(key, h) for key, h in items if h not in cached]
    if missing:
        texts = store.paper_texts(key for key, _ in missing)
        todo = list(dict.fromkeys((h, texts[key]) for key, h in missing if key in texts))
        fresh = _embed_all(embedder, [t for _, t in todo], progress)
        new = {h: fresh[i] for i, (h, _) in enumerate(todo)}
        cache.put(embedder.name, new)
        cached.update(new)
    dim = next(iter(cached.values())).shape[0] if cached else embedder.dim
    matrix = np.zeros((len(items), dim), dtype=np.float32)
    for i, (_, h) in enumerate(items):
        matrix[i] = cached[h]
    return matrix, len(missing)


def open_kb(config: Config, project: Project | None = None, *, embedder: Embedder | None = None,
            progress: bool | Progress = False, embed: bool = True,
            hnsw_threshold: int | None = None) -> KnowledgeBase:
    """Sync the cache (store, vectors, index) with the files and return a searchable handle.

    A cache that already matches the files (:func:`kb.search.uptodate.fresh_store`) is read as it
    is, without the lock or the sync. Nothing is embedded (and the model is not loaded) unless
    a paper's text changed; an unreadable cache is rebuilt from the files. With
    ``embed=False`` the vectors and the index wait until a semantic query, related() or
    suggest() needs them (keyword search never does).
    """
    store = fresh_store(config) if project is None else None
    report = None
    if store is None:
        from kb.search.cache import open_synced

        store, report = open_synced(config, project)
    kb = KnowledgeBase(config, store, embedder, report, progress=progress,
                       hnsw_threshold=hnsw_threshold)
    if embed:
        _ = kb.index
    return kb
