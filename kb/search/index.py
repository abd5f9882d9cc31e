"""The vector index: faiss over the papers' normalised embeddings, persisted in the cache.

Inner product on L2-normalised vectors is cosine similarity. Below :data:`HNSW_THRESHOLD`
vectors the search is exact (one numpy matrix product, what faiss' ``IndexFlatIP`` computes);
from there on a faiss HNSW graph (M=32) answers in a fraction of the time at a recall@10
near 1. Filtered searches score the allowed rows exactly.

Why the threshold is 200,000 (scripts/bench_search.py, 384-d vectors, 2 shared cores): exact
search costs 1-2.5 ms at 10k and 5 ms at 100k vectors (11 ms on one BLAS thread, as in a
hybrid query, whose keyword ranking has the other core), HNSW 0.4-0.6 ms at a recall@10 of
0.997-0.999; but the graph takes 8-18 s to build at 100k and is rebuilt whenever a paper's
text changes (one changed paper at 100k: 28 s with HNSW, 6 s for the whole exact open), while
embedding the query costs 13-30 ms anyway. HNSW pays off only where exact search costs more
than the query embedding, from about 200k vectors on.

The index is saved under ``.kb/`` with a fingerprint of (model, keys, text hashes), found
through the digest of the keys and text hashes that the cache keeps
(:meth:`kb.search.store.Store.texts`), and the text hash of every row. A saved index whose
fingerprint matches is used as it is (its vectors mapped from the file, not read, until a
query needs them; a value that is not finite, seen then, has the index rebuilt from the
vector cache); one whose fingerprint differs lends the rows of texts that did not change
(:func:`saved_rows`), so one changed paper costs one vector from the cache, not all of them.
A file that cannot be read, or holds values that are not finite, is ignored. faiss is
imported only when an index is built or read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from kb.fs import atomic_write

HNSW_THRESHOLD = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
SINGLE_THREAD_QUERIES = 4


def fingerprint(model: str, texts: str) -> str:
    """A digest of the model name and of the keys and text hashes of the rows in order
    (``texts``: :func:`kb.search.store.texts_digest`)."""
    return hashlib.sha256(f"{model}\0{texts}".encode()).hexdigest()


def _exact_top(matrix: np.ndarray, queries: np.ndarray, want: int
               ) -> tuple[np.ndarray, np.ndarray, bool]:
    """The ``want`` best rows per query by inner product, best first (ties: lower row first):
    what faiss' IndexFlatIP returns, without importing faiss into a search process; and
    whether every score was finite (a row holding NaN or infinity makes its score so).

    One matrix-vector product per query, so that a query's scores do not depend on the batch
    it came in (a matrix product sums in another order, and the last digit can differ).
    """
    n = matrix.shape[0]
    scores = np.empty((len(queries), want), dtype=np.float32)
    ids = np.empty((len(queries), want), dtype=np.int64)
    finite = True
    for row, query in enumerate(queries):
        sims = matrix @ query
        finite = finite and bool(np.isfinite(sims).all())
        part = np.argpartition(-sims, want - 1)[:want] if want < n else np.arange(n)
        order = np.lexsort((part, -sims[part]))
        ids[row] = part[order]
        scores[row] = sims[ids[row]]
    return scores, ids, finite


def slug(model: str) -> str:
    """The model's name as a part of a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", model).strip("_")[:80] or "model"


class VectorIndex:
    """Paper keys, their vectors (one row each) and a faiss index over them."""

    def __init__(self, keys: list[str], matrix: np.ndarray, *,
                 hnsw_threshold: int = HNSW_THRESHOLD, faiss_index: Any = None,
                 repair: Callable[[], np.ndarray] | None = None):
        """``repair``: for a matrix read from a file, not yet known to hold finite values only;
        called once for a sound matrix (the same rows) if a value turns out not to be."""
        self.keys = keys
        self._matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.hnsw_threshold = hnsw_threshold
        self._faiss = faiss_index
        self._repair = repair

    @cached_property
    def positions(self) -> dict[str, int]:
        return {key: i for i, key in enumerate(self.keys)}

    @property
    def matrix(self) -> np.ndarray:
        """The vectors, one row per key (a matrix read from a file is checked here first)."""
        if self._repair is not None:
            self._checked(bool(np.isfinite(self._matrix).all()), whole=True)
        return self._matrix

    def _checked(self, sound: bool, *, whole: bool) -> None:
        """Record what a look at the values found: all finite (``whole``: in every row), or
        not, when the matrix is replaced by the repaired one."""
        if not sound and self._repair is not None:
            repair, self._repair = self._repair, None
            self._matrix = np.ascontiguousarray(repair(), dtype=np.float32)
            self._faiss = None
        elif whole:
            self._repair = None

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def approximate(self) -> bool:
        return len(self.keys) >= self.hnsw_threshold

    @property
    def faiss_index(self) -> Any:
        if self._faiss is None:
            self._faiss = self._build()
        return self._faiss

    def _build(self) -> Any:
        import faiss

        dim = self.matrix.shape[1] if self.matrix.ndim == 2 else 1
        index: Any
        if self.approximate:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            index = faiss.IndexFlatIP(dim)
        if len(self.keys):
            index.add(self.matrix)
        if self.approximate:
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return index

    def vector(self, key: str) -> np.ndarray | None:
        pos = self.positions.get(key)
        if pos is None:
            return None
        if self._repair is not None:
            self._checked(bool(np.isfinite(self._matrix[pos]).all()), whole=False)
        return self._matrix[pos]

    def search(self, query: np.ndarray, k: int, *, allowed: set[str] | None = None,
               exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` nearest keys to ``query`` as (key, cosine), best first.

        ``allowed`` limits the result to those keys (scored exactly); ``exclude`` drops keys.
        """
        excluded = set(exclude)
        if not self.keys or k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is not None:
            rows = np.array(sorted(self.positions[key] for key in allowed
                                   if key in self.positions and key not in excluded), dtype=np.int64)
            if rows.size == 0:
                return []
            scores = self._matrix[rows] @ query[0]
            if self._repair is not None and not np.isfinite(scores).all():
                self._checked(False, whole=False)
                scores = self._matrix[rows] @ query[0]
            top = np.argsort(-scores, kind="stable")[:k]
            return [(self.keys[int(rows[i])], float(scores[i])) for i in top]
        return self.search_many(query, k, [excluded])[0]

    def search_many(self, queries: np.ndarray, k: int,
                    exclude: Sequence[set[str]] | None = None) -> list[list[tuple[str, float]]]:
        """:meth:`search` for many query rows in one faiss call; ``exclude[i]`` per query."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(len(queries), -1)
        exclude = exclude or [set()] * len(queries)
        if not self.keys or k <= 0:
            return [[] for _ in range(len(queries))]
        want = min(len(self.keys), k + max((len(e) for e in exclude), default=0))
        if self.approximate:
            scores, ids = _search(self.faiss_index, queries, want)
        else:
            scores, ids, finite = _exact_top(self._matrix, queries, want)
            if self._repair is not None:
                self._checked(finite, whole=True)
                if not finite:
                    scores, ids, _ = _exact_top(self._matrix, queries, want)
        results = []
        for row_scores, row_ids, excluded in zip(scores, ids, exclude):
            hits = [(self.keys[int(i)], float(score)) for score, i in zip(row_scores, row_ids)
                    if i >= 0 and self.keys[int(i)] not in excluded]
            results.append(hits[:k])
        return results

    # ------------------------------------------------------------ persistence

    @staticmethod
    def files(cache_dir: Path, model: str) -> tuple[Path, Path, Path]:
        base = cache_dir / f"vectors-{slug(model)}"
        return base.with_suffix(".json"), base.with_suffix(".npy"), base.with_suffix(".faiss")

    def save(self, cache_dir: Path, model: str, print_: str, hashes: Sequence[str] = ()) -> None:
        """Write keys, vectors and (for HNSW) the graph; the JSON with the fingerprint last.

        ``hashes``: the text hash of each row, kept for :func:`saved_rows`."""
        meta_path, npy_path, faiss_path = self.files(cache_dir, model)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = npy_path.with_name(npy_path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.save(handle, self.matrix)
        tmp.replace(npy_path)
        if self.approximate:
            import faiss

            tmp = faiss_path.with_name(faiss_path.name + ".tmp")
            faiss.write_index(self.faiss_index, str(tmp))
            tmp.replace(faiss_path)
        else:
            faiss_path.unlink(missing_ok=True)
        atomic_write(meta_path, json.dumps({"fingerprint": print_, "keys": self.keys,
                                            "hashes": "".join(hashes),
                                            "hnsw_threshold": self.hnsw_threshold}))

    @classmethod
    def load(cls, cache_dir: Path, model: str, print_: str,
             hnsw_threshold: int = HNSW_THRESHOLD,
             repair: Callable[[], np.ndarray] | None = None) -> VectorIndex | None:
        """The saved index if its fingerprint matches and it reads cleanly, else None.

        The vectors are mapped from the file, not read: an open that runs no query costs
        nothing for them. Whether they are all finite is seen when they are used (a query's
        scores, a row, :attr:`matrix`); if one is not, ``repair`` gives the matrix instead.
        Without ``repair`` they are checked here."""
        meta_path, npy_path, faiss_path = cls.files(cache_dir, model)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("fingerprint") != print_ or meta.get("hnsw_threshold") != hnsw_threshold:
                return None
            keys = list(meta["keys"])
            matrix = np.load(npy_path, allow_pickle=False, mmap_mode="r")
            if matrix.ndim != 2 or matrix.shape[0] != len(keys) or matrix.dtype != np.float32:
                return None
            if repair is None and not np.isfinite(matrix).all():
                return None
            index = cls(keys, matrix, hnsw_threshold=hnsw_threshold, repair=repair)
            if index.approximate:
                import faiss

                graph: Any = faiss.read_index(str(faiss_path))
                if graph.ntotal != len(keys):
                    return None
                graph.hnsw.efSearch = HNSW_EF_SEARCH
                index._faiss = graph
            return index
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            return None


def _search(index: Any, queries: np.ndarray, want: int) -> tuple[np.ndarray, np.ndarray]:
    """faiss search (HNSW); a few queries on one thread. Splitting one query over threads gains little
    and, on a busy machine, waits for a preempted thread: exact search over 100k vectors took
    12 ms on one thread against 54 ms on two cores that were also running other work."""
    if len(queries) > SINGLE_THREAD_QUERIES:
        return index.search(queries, want)
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(queries, want)
    finally:
        faiss.omp_set_num_threads(threads)


def saved_rows(cache_dir: Path, model: str, dim: int) -> dict[str, np.ndarray]:
    """text hash -> vector of the rows of a saved index, whatever its fingerprint (empty
    when there is none, it cannot be read, or its values are not all finite)."""
    meta_path, npy_path, _ = VectorIndex.files(cache_dir, model)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        joined = str(meta.get("hashes", ""))
        hashes = [joined[i:i + 64] for i in range(0, len(joined), 64)]
        matrix = np.load(npy_path, allow_pickle=False)
    except (OSError, ValueError, TypeError, AttributeError):
        return {}
    if matrix.ndim != 2 or matrix.shape != (len(hashes), dim) or matrix.dtype != np.float32 \
            or not np.isfinite(matrix).all():
        return {}
    return dict(zip(hashes, matrix))
