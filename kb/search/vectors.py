"""The vector cache: embeddings keyed by (model, hash of the embedded text), in .kb/vectors.sqlite.

It is a database of its own with a version of its own (:data:`VECTOR_SCHEMA`, SQLite's
``user_version``), so rebuilding the paper tables (a new schema, a damaged file) never
re-embeds the library: a paper whose text is unchanged finds its vector here again.

Each row carries a digest of (model, text hash, bytes). A vector read back is used only if
its digest, its length (``dim`` float32 values) and its values (all finite) are sound; any
other row is deleted and counted in :attr:`VectorCache.dropped`, and the caller embeds that
text again. So NaN values, blobs of the wrong length or dimension, and vectors swapped
between rows are found and repaired instead of silently changing rankings.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

VECTOR_SCHEMA = 1
_DDL = ("CREATE TABLE IF NOT EXISTS vector (model TEXT NOT NULL, text_hash TEXT NOT NULL, "
        "dim INTEGER NOT NULL, digest TEXT NOT NULL, data BLOB NOT NULL, "
        "PRIMARY KEY (model, text_hash)) WITHOUT ROWID")
_CHUNK = 500


def digest(model: str, text_hash: str, data: bytes) -> str:
    """The check value stored beside a vector's bytes."""
    h = hashlib.blake2b(digest_size=16)
    h.update(model.encode() + b"\0" + text_hash.encode() + b"\0")
    h.update(data)
    return h.hexdigest()


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def prepare(conn: sqlite3.Connection) -> bool:
    """Create the table, or recreate it when the file holds another version; True if it was
    (re)created. Raises sqlite3.DatabaseError when the file is not a readable database."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    columns = [row[1] for row in conn.execute("PRAGMA table_info(vector)")]
    if version == VECTOR_SCHEMA and columns == ["model", "text_hash", "dim", "digest", "data"]:
        return False
    with conn:
        conn.execute("DROP TABLE IF EXISTS vector")
        conn.execute(_DDL)
        conn.execute(f"PRAGMA user_version = {VECTOR_SCHEMA}")
    return bool(version or columns)


class VectorCache:
    """Embeddings of texts, per model, in one SQLite connection (a file or memory)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None):
        self.conn = conn
        self.path = path
        self.dropped = 0  # unsound rows found (and deleted) since opening

    @classmethod
    def memory(cls) -> VectorCache:
        conn = sqlite3.connect(":memory:")
        prepare(conn)
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    def get(self, model: str, hashes: Iterable[str], dim: int | None = None
            ) -> dict[str, np.ndarray]:
        """The sound cached vectors of ``hashes`` (text hash -> vector); others are left out.

        ``dim``: the model's dimension, when known; a vector of another length is unsound.
        """
        out: dict[str, np.ndarray] = {}
        bad: list[str] = []
        for chunk in _chunks(list(dict.fromkeys(hashes))):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT text_hash, dim, digest, data FROM vector WHERE model = ? "
                f"AND text_hash IN ({marks})", [model, *chunk])
            for h, n, check, data in rows:
                vector = _sound(model, h, n, check, data, dim)
                if vector is None:
                    bad.append(h)
                else:
                    out[h] = vector
        if bad:
            self.dropped += len(bad)
            self._delete(model, bad)
        return out

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Store vectors (replacing any under the same hashes). A cache that cannot be written
        (read-only, full) keeps what it has: the vectors are still used in this process."""
        rows = []
        for h, v in vectors.items():
            data = np.ascontiguousarray(v, dtype=np.float32).tobytes()
            rows.append((model, h, int(np.asarray(v).shape[-1]), digest(model, h, data), data))
        try:
            with self.conn:
                self.conn.executemany("INSERT OR REPLACE INTO vector VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.OperationalError:
            pass

    def _delete(self, model: str, hashes: list[str]) -> None:
        try:
            with self.conn:
                for chunk in _chunks(hashes):
                    marks = ",".join("?" * len(chunk))
                    self.conn.execute(f"DELETE FROM vector WHERE model = ? AND text_hash IN ({marks})",
                                      [model, *chunk])
        except sqlite3.OperationalError:
            pass  # read-only: the unsound rows are ignored, as they will be next time


def _sound(model: str, h: str, dim: int, check: str, data: bytes, want: int | None
           ) -> np.ndarray | None:
    if not isinstance(data, bytes) or dim <= 0 or len(data) != 4 * dim:
        return None
    if want is not None and dim != want:
        return None
    if check != digest(model, h, data):
        return None
    vector = np.frombuffer(data, dtype=np.float32)
    if not np.isfinite(vector).all():
        return None
    return vector
