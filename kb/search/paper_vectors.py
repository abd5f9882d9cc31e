"""The papers' vectors and the query's: from the saved index, the vector cache, or the model.

:class:`PaperVectors` builds (or loads) the vector index of a course's papers and the vectors
of their passages (:mod:`kb.search.passages`, which pick a result's excerpt), embedding only
the texts that neither the last saved index nor the vector cache holds, and embeds queries
with the same model. :class:`~kb.search.engine.KnowledgeBase` asks it for vectors and ranks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.course.config import Config
from kb.progress import Progress
from kb.search.store import Store

if TYPE_CHECKING:
    import numpy as np

    from kb.search.embed import Embedder
    from kb.search.index import VectorIndex
    from kb.search.passages import PassageIndex
    from kb.search.vectors import VectorCache

EMBED_BATCH = 64


class PaperVectors:
    """The embedder, the vector cache and the vector index of one course's papers."""

    def __init__(self, config: Config, store: Store, embedder: Embedder | None, progress: Progress,
                 notes: list[str], hnsw_threshold: int | None = None):
        self.config = config
        self.store = store
        self._embedder = embedder
        self.progress = progress
        self.notes = notes  # where a note for the user goes (the sync report's)
        self.hnsw_threshold = hnsw_threshold
        self.embedded = 0  # texts embedded to build the index (the rest came from the cache)
        self.embedded_passages = 0  # passages embedded (the rest came from the caches)
        self._items: list[tuple[str, str]] | None = None
        self._index: VectorIndex | None = None
        self._passages: PassageIndex | None = None
        self._vectors: VectorCache | None = None

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
    def given(self) -> Embedder | None:
        """The embedder given or already made, None while the configured one is not made."""
        return self._embedder

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
        """The vector index, loaded from .kb/ or built now (embedding what the cache lacks),
        with the passages' vectors beside it."""
        if self._index is None:
            self._index = self._load_index()
        return self._index

    @property
    def passages(self) -> PassageIndex:
        """The vectors of the papers' passages (loaded or built with the index)."""
        _ = self.index
        assert self._passages is not None
        return self._passages

    def _load_index(self) -> VectorIndex:
        from kb.search.index import HNSW_THRESHOLD, VectorIndex, fingerprint, slug
        from kb.search.passages import PassageIndex

        threshold = self.hnsw_threshold if self.hnsw_threshold is not None else HNSW_THRESHOLD
        name = self.embedder.name
        print_ = fingerprint(name, self.store.texts())
        index = VectorIndex.load(self.config.cache_dir, name, print_, threshold,
                                 repair=lambda: self._new_index(print_, threshold).matrix)
        if index is None:
            return self._new_index(print_, threshold)
        self._passages = PassageIndex.load(self.config.cache_dir, slug(name), print_,
                                           index.keys, self.embedder.dim)
        if self._passages is None:
            self._passages = self._new_passages(print_)
        return index

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
        self._passages = self._new_passages(print_)
        return index

    def _new_passages(self, print_: str) -> PassageIndex:
        """The passages' vectors built from the last saved ones and the embedder (for the
        papers whose text changed), and saved under the index's fingerprint."""
        from kb.search.index import slug
        from kb.search.passages import PassageIndex, saved_passages

        name = self.embedder.name
        reuse = saved_passages(self.config.cache_dir, slug(name), self.embedder.dim)
        offsets, matrix, self.embedded_passages = _passage_vectors(
            self.store, self.embedder, self.items, self.progress, reuse)
        passages = PassageIndex(self.keys, offsets, matrix)
        try:
            passages.save(self.config.cache_dir, slug(name), print_, [h for _, h in self.items])
        except OSError:
            pass
        return passages

    @property
    def vectors(self) -> VectorCache:
        """The vector cache, opened on first use."""
        if self._vectors is None:
            from kb.search.cache import open_vectors

            self._vectors, note = open_vectors(self.config)
            if note:
                self.notes.append(note)
        return self._vectors

    def embed_query(self, text: str) -> np.ndarray:
        from kb.search.embed import normalize

        light = getattr(self.embedder, "light_encoder", None)  # the model's numpy twin loads fast
        if light is not None and not getattr(self.embedder, "loaded", True) and light() is None:
            self.progress.phase(f"loading the embedding model {self.embedder.name}...")
        return normalize(self.embedder.embed([text]))[0]

    def cached_vector(self, text: str) -> np.ndarray:
        from kb.search.embed import text_hash

        h = text_hash(text)
        cached = self.vectors.get(self.embedder.name, [h], self.embedder.dim).get(h)
        if cached is not None:
            return cached
        vector = self.embed_query(text)
        self.vectors.put(self.embedder.name, {h: vector})
        return vector

    def close(self) -> None:
        if self._vectors is not None:
            self._vectors.close()


def _embed_all(embedder: Embedder, texts: list[str], progress: Progress,
               unit: str = "papers") -> np.ndarray:
    """Embed ``texts`` in batches, saying first when the model must be loaded (which takes
    seconds), then with a bar (terminal) or a line per phase."""
    import numpy as np

    from kb.search.embed import LIGHT_BATCH, normalize

    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    load = getattr(embedder, "load", None)  # a model loaded on first use announces the wait
    if load is not None and not getattr(embedder, "loaded", True) and len(texts) > LIGHT_BATCH:
        progress.phase(f"loading the embedding model {embedder.name}...")
        load()
    parts = []
    with progress.bar(f"embedding with {embedder.name}", len(texts), unit) as advance:
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            parts.append(embedder.embed(batch))
            advance(len(batch))
    return normalize(np.concatenate(parts))


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


def _passage_vectors(store: Store, embedder: Embedder, items: list[tuple[str, str]],
                     progress: Progress, reuse: dict[str, np.ndarray]
                     ) -> tuple[np.ndarray, np.ndarray, int]:
    """The offsets and float16 rows of the passages of each (key, text hash), in order: a
    paper's rows from ``reuse`` (the last saved passages, by text hash) when its text is
    unchanged, else embedded now. Returns (offsets, matrix, passages embedded).

    The vector cache does not keep passages: it holds what costs a paper's embedding, and a
    changed paper's few sentences are embedded again with it."""
    import numpy as np

    from kb.search.passages import passages

    need = [key for key, h in items if h not in reuse]
    texts = {key: passages(paper) for key, paper in store.papers(need).items()}
    todo = list(dict.fromkeys(t for ts in texts.values() for t in ts))
    found: dict[str, np.ndarray] = {}
    if todo:
        fresh = _embed_all(embedder, todo, progress, "passages")
        found = {t: fresh[i] for i, t in enumerate(todo)}
    parts: list[np.ndarray] = []
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    for i, (key, h) in enumerate(items):
        if h in reuse:
            rows = np.asarray(reuse[h], dtype=np.float16)
        elif texts.get(key):
            rows = np.stack([found[t] for t in texts[key]]).astype(np.float16)
        else:
            rows = np.zeros((0, embedder.dim), dtype=np.float16)
        parts.append(rows)
        offsets[i + 1] = offsets[i] + len(rows)
    matrix = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float16)
    return offsets, np.ascontiguousarray(matrix, dtype=np.float16), len(todo)
