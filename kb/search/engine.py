"""Search over a course's papers: keyword (bm25 over FTS5), semantic (embeddings), hybrid (fusion).

::

    kb = open_kb(config)                      # sync cache with the files, load the index
    kb.search("reward models from human preferences", k=5, filters=Filters(year_from=2020))
    kb.related("ouyang2022training")          # nearest papers, the paper itself left out
    kb.suggest(3)                             # papers close to session 3, not yet listed

:class:`KnowledgeBase` answers the queries; the papers' vectors and the query's come from
:class:`~kb.search.paper_vectors.PaperVectors`, hybrid ranking follows the one rule of
:mod:`kb.search.fusion` (cosine plus the idf-weighted share of the query's words the paper
holds), and each search result explains itself (:mod:`kb.search.explain`: the content words it
holds, why it was found, the sentence that shows it, and whether it is a strong match).

Scores: keyword hits carry kb's bm25 (:mod:`kb.search.keyword`: higher is better, above 0 for
every hit), semantic hits the cosine similarity, hybrid hits the fused score; they order hits
within one result list and are not comparable across modes. A semantic or hybrid hit is
``strong`` when its score reaches the mode's threshold (:data:`kb.search.fusion.STRONG`); when
no hit of a search is, nothing in the library is a strong match and the hits are only the
nearest papers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kb.course.config import Config
from kb.errors import KbError, NotFoundError
from kb.course.filters import Filters
from kb.progress import Progress, as_progress
from kb.search.blas import one_blas_thread
from kb.search.fusion import (COVERAGE_WEIGHT, FUSION_DEPTH, QUICK_COVERAGE_WEIGHT,
                              STATIC_STRONG, STRONG, coverage, fused, strong, term_weights)
from kb.search.keyword import query_terms
from kb.search.paper_vectors import PaperVectors
from kb.search.uptodate import SyncReport, fresh_store
from kb.search.store import Filter, Store, filter_sql

if TYPE_CHECKING:
    import numpy as np

    from kb.search.explain import Excerpt

    from kb.model.entries import Project
    from kb.search.embed import Embedder
    from kb.search.index import VectorIndex

__all__ = ["FUSION_DEPTH", "MODES", "Filters", "Hit", "KnowledgeBase", "SearchHit", "Suggestion",
           "open_kb"]

MODES = ("hybrid", "semantic", "keyword")


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
class SearchHit(Hit):
    """A search result that explains itself (:mod:`kb.search.explain`).

    ``matched``: the query's content words the paper holds; ``why``: "keyword", "meaning" or
    "both"; ``strong``: whether the score reaches the mode's threshold (None in keyword mode,
    which is not judged); ``excerpt``: the passage that shows the match, with the spans of the
    query's words in it, or None for a paper with no prose.
    """

    matched: list[str] = field(default_factory=list)
    why: str = "keyword"
    strong: bool | None = None
    excerpt: Excerpt | None = None

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["excerpt"] = self.excerpt.as_dict() if self.excerpt is not None else None
        return data


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


class KnowledgeBase:
    """A synced, searchable course answering queries: search, related, suggest."""

    def __init__(self, config: Config, store: Store, embedder: Embedder | None = None,
                 report: SyncReport | None = None, *, progress: bool | Progress = False,
                 hnsw_threshold: int | None = None):
        self.config = config
        self.store = store
        self.report = report if report is not None else SyncReport(unchanged=store.count())
        self.progress = as_progress(progress)
        self.vectors = PaperVectors(config, store, embedder, self.progress, self.report.notes,
                                    hnsw_threshold)

    def __len__(self) -> int:
        return self.store.count()

    @property
    def keys(self) -> list[str]:
        return self.vectors.keys

    @property
    def index(self) -> VectorIndex:
        """The papers' vector index (loaded or built on first use)."""
        return self.vectors.index

    @property
    def embedded(self) -> int:
        """How many texts building the index embedded (the rest came from caches)."""
        return self.vectors.embedded

    def embed_query(self, text: str) -> np.ndarray:
        return self.vectors.embed_query(text)

    @property
    def quick(self) -> bool:
        """Whether the quick model (:mod:`kb.search.static`) ranks by meaning here: its own
        coverage weight and thresholds apply (:mod:`kb.search.fusion`)."""
        # the embedder given, if any: the configured model is never the quick one, and making
        # it would import numpy into a keyword search
        return bool(getattr(self.vectors.given, "quick", False))

    def close(self) -> None:
        self.store.close()
        self.vectors.close()

    # ------------------------------------------------------------ rankings

    def _semantic(self, vector: np.ndarray, depth: int, filt: Filter | None,
                  exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        allowed = self.store.filter_keys(filt) if filt is not None else None
        return self.index.search(vector, depth, allowed=allowed, exclude=exclude)

    def check(self, filters: Filters | None) -> None:
        """Raise FilterError when ``filters`` names a session, tag, type or key nobody has."""
        if filters is not None and not filters.empty:
            filters.check(self.store.known(self.config.options.tags))

    def selected(self, filters: Filters | None) -> set[str]:
        """The keys of the papers that pass ``filters`` (every paper's with none); a value
        that names nothing raises FilterError, as in :meth:`search`."""
        self.check(filters)
        filt = filter_sql(filters)
        return self.store.filter_keys(filt) if filt is not None else set(self.keys)

    # ------------------------------------------------------------ public

    def search(self, query: str, *, mode: str = "hybrid", k: int = 10,
               filters: Filters | None = None, explain: bool = True) -> list[SearchHit]:
        """The top ``k`` papers for ``query`` in the given mode, filtered, each explained
        (``explain=False``: without matched words and excerpts, for a ranking alone)."""
        if mode not in MODES:
            raise KbError(f"unknown search mode {mode!r}", field="mode",
                          fix="use one of: " + ", ".join(MODES))
        self.check(filters)
        query = query.strip()
        if not query or k <= 0 or not len(self):
            return []
        filt = filter_sql(filters)
        terms = query_terms(query)
        if mode == "keyword":
            # bm25's idf counts the papers holding each word; an excerpt's choice weighs them
            # by those counts when there are several (one word alone weighs all there is)
            counts = self.store.term_hits(terms)
            ranked = self.store.keyword(query, k, filt, hits=counts)
            unknown: dict[str, int | None] = {t: None for t in terms}
            return self._explained(ranked, mode, terms, counts if len(terms) > 1 else unknown,
                                   None, None, explain)
        _ = self.index  # the library's vectors first: a model that must be loaded loads for both
        if mode == "semantic":
            # no word is counted (the mode's speed is the model's): an excerpt's words weigh
            # alike here
            vector = self.embed_query(query)
            ranked = self._semantic(vector, k, filt)
            return self._explained(ranked, mode, terms, {t: None for t in terms}, dict(ranked),
                                   vector, explain)
        depth = max(k, FUSION_DEPTH)
        allowed = self.store.filter_keys(filt) if filt is not None else None
        # The two rankings are independent: bm25 runs in SQLite on the worker thread while this
        # one embeds the query and scans the vectors (both release the GIL), so a query costs
        # the longer of the two on two cores, not their sum. The worker has the store's
        # connection to itself until its result is in.
        ranking = _InBackground(lambda: self._words(query, terms, depth, filt))
        try:
            vector = self.embed_query(query)
            with one_blas_thread():  # the other core is the keyword ranking's
                semantic = self.index.search(vector, depth, allowed=allowed)
        finally:
            ranking.join()
        keyword, counts = ranking.result()
        cosines = dict(semantic)
        for key, _ in keyword:
            if key not in cosines:
                row = self.index.vector(key)
                cosines[key] = float(row @ vector) if row is not None else 0.0
        weights = term_weights(counts, len(self))
        held = self.store.holding({t: n for t, n in counts.items() if weights.get(t)}, cosines)
        weight = QUICK_COVERAGE_WEIGHT if self.quick else COVERAGE_WEIGHT
        scored = sorted(((key, fused(cos, coverage(held.get(key, ()), weights), weight))
                         for key, cos in cosines.items()), key=lambda item: (-item[1], item[0]))
        return self._explained(scored[:k], mode, terms, counts, cosines, vector, explain)

    def _words(self, query: str, terms: list[str], depth: int, filt: Filter | None
               ) -> tuple[list[tuple[str, float]], dict[str, int]]:
        """The keyword ranking and how many papers hold each of the query's words."""
        counts = self.store.term_hits(terms)
        return self.store.keyword(query, depth, filt, hits=counts), counts

    def _explained(self, scored: Sequence[tuple[str, float]], mode: str, terms: list[str],
                   counts: Mapping[str, int | None], cosines: dict[str, float] | None,
                   vector: np.ndarray | None, explain: bool) -> list[SearchHit]:
        """The hits of ``scored``, with their explanations (:mod:`kb.search.explain`).

        ``counts``: how many papers hold each query word (None: not counted, the words weigh
        alike in choosing an excerpt)."""
        from kb.search.explain import explain as explanations
        from kb.search.passages import passages_of

        rows = self.store.rows(key for key, _ in scored)
        scored = [(key, score) for key, score in scored if key in rows]
        hits = [_hit(rows[key], score, SearchHit, strong=strong(mode, score, self.quick))
                for key, score in scored]
        if not explain or not hits:
            return hits
        keys = [hit.key for hit in hits]
        weights = term_weights({t: n if n is not None else 1 for t, n in counts.items()},
                               len(self))
        fields = self.store.indexed(keys)
        texts = {key: passages_of(fields[key]["abstract"], fields[key]["summary"],
                                  fields[key]["notes"]) for key in keys if key in fields}
        rows_of = None
        if vector is not None:
            found = self.vectors.passages
            rows_of = found.rows
        close_at = (STATIC_STRONG if self.quick else STRONG)["semantic"]
        found_out = explanations(texts, terms, weights, fields, mode=mode, cosines=cosines,
                                 query=vector, passage_vectors=rows_of, close_at=close_at)
        for hit in hits:
            explained = found_out.get(hit.key)
            if explained is not None:
                hit.matched, hit.why = explained.matched, explained.why
                hit.excerpt = explained.excerpt
        return hits

    def related(self, key: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The ``k`` papers nearest to paper ``key`` by meaning (``key`` itself excluded)."""
        self.check(filters)
        if key not in self.keys:  # said before the library is embedded, not after
            raise self._unknown_paper(key)
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
            parts.append(self.vectors.cached_vector(topic))
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
        titles = {k: row["title"] for k, row in self.store.rows(self.keys, ("title",)).items()}
        return unknown_key(key, self.keys, self.report.broken, self.config.options.papers_dir,
                           titles=titles)

    def _hits(self, scored: Sequence[tuple[str, float]]) -> list[Hit]:
        rows = self.store.rows(key for key, _ in scored)
        return [_hit(rows[key], score) for key, score in scored if key in rows]


_T = TypeVar("_T")


class _InBackground(Generic[_T]):
    """One call on a thread of its own (a hybrid query's keyword ranking), started at once.

    A thread, not concurrent.futures: that module imports logging, 5-10 ms of a search
    process that needs neither, and a thread per query costs a tenth of a millisecond."""

    def __init__(self, call: Callable[[], _T]):
        self._call = call
        self._value: _T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kb-keyword", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> _T:
        """The call's value (or its exception, raised here), once it has finished."""
        self.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


_H = TypeVar("_H", bound=Hit)


def _hit(row: dict[str, Any], score: float, kind: type[_H] = Hit,  # type: ignore[assignment]
         **more: Any) -> _H:
    """The hit (a ``kind``, with the ``more`` fields of its kind) of a paper's stored row."""
    return kind(key=row["key"], title=row["title"], authors=json.loads(row["authors"]),
                year=row["year"], venue=row["venue"], arxiv=row["arxiv"], doi=row["doi"],
                score=round(float(score), 6), **more)


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
