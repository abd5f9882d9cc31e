"""The cache database of one course: its connection and the queries that read it, in plain SQL.

:class:`Store` holds one :mod:`sqlite3` connection to ``.kb/kb.sqlite`` (or to a copy in
memory, when the cache cannot be written: see :mod:`kb.search.cache`, which opens, checks,
locks and repairs it). The tables are those of :mod:`kb.search.tables`; every statement is
plain SQL on that connection, the one way the cache is queried. :func:`kb.search.sync.sync`
decides what to write (through :class:`kb.search.store_writes.SyncWrites`);
:class:`kb.search.store_schema.StoreSchema` creates and checks the tables; the search engine
reads through :class:`Store` itself.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.search.keyword import bm25_top, holding, term_hits
from kb.search.schema import FTS_COLUMNS, HIT_COLUMNS

from kb.course.filters import Filters, Known

if TYPE_CHECKING:
    from kb.model.entries import Paper


# The table classes (SQLModel) are imported where the tables are created, checked or turned
# back into papers, never by a query: a search process reads with this module alone.
_CHUNK = 500
Filter = tuple[str, dict[str, Any]]


def filter_sql(filters: Filters | None) -> Filter | None:
    """A SELECT of the paper keys that pass ``filters``, with its parameters (None: no filter):
    the rule of :class:`kb.course.filters.Filters` in SQL."""
    if filters is None or filters.empty:
        return None
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.session is not None:
        where.append("key IN (SELECT key FROM reading WHERE session = :session)")
        params["session"] = filters.session
    if filters.tags:  # any of them
        names = ", ".join(f":tag{i}" for i in range(len(filters.tags)))
        where.append(f"key IN (SELECT paper_key FROM tag WHERE tag IN ({names}))")
        params.update({f"tag{i}": tag for i, tag in enumerate(filters.tags)})
    if filters.year_from is not None:
        where.append("year >= :year_from")
        params["year_from"] = filters.year_from
    if filters.year_to is not None:
        where.append("year <= :year_to")
        params["year_to"] = filters.year_to
    if filters.type:
        where.append("lower(type) = :type")
        params["type"] = filters.type
    if filters.keys:
        where.append("key IN (" + ", ".join(f":key{i}" for i in range(len(filters.keys))) + ")")
        params.update({f"key{i}": key for i, key in enumerate(filters.keys)})
    return "SELECT key FROM paper WHERE " + " AND ".join(where), params


def texts_digest(items: Iterable[tuple[str, str]]) -> str:
    """A digest of (key, text hash) pairs, in order: the vector index of these texts is saved
    under it (kb.search.index.fingerprint)."""
    return hashlib.sha256("".join(f"{key}\0{h}\n" for key, h in items).encode()).hexdigest()


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Store:
    """The cache tables of one course over one SQLite connection, read by the queries below."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None, *,
                 note: str | None = None):
        self.conn = conn
        self.path = path  # None: a copy in memory, which nothing is saved to
        self.note = note  # why the cache is in memory, said once to the user
        self.rebuilt = False  # set by kb.search.cache when damage was repaired
        self._count: int | None = None
        self._hashes: list[tuple[str, str]] | None = None  # text_hashes(), until a write

    def close(self) -> None:
        self.conn.close()

    def forget(self) -> None:
        """Drop what was read and kept (the count, the hashes): the tables were written."""
        self._count = self._hashes = None

    # ------------------------------------------------------------ reading

    def meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def count(self) -> int:
        if self._count is None:
            self._count = int(self.conn.execute("SELECT count(*) FROM paper").fetchone()[0])
        return self._count

    def texts(self) -> str:
        """:func:`texts_digest` of every paper's (key, text hash), ordered by key: kept in the
        meta table by every write, so that an open finds the saved vector index without
        reading the rows (computed from them when it is missing)."""
        value = self.meta("texts")
        return value if value is not None else texts_digest(self.text_hashes())

    def text_hashes(self) -> list[tuple[str, str]]:
        """(key, text_hash) of every paper, ordered by key."""
        if self._hashes is None:
            self._hashes = self.conn.execute(
                "SELECT key, text_hash FROM paper ORDER BY key").fetchall()
        return list(self._hashes)

    def all_keys(self) -> list[str]:
        return [key for (key,) in self.conn.execute("SELECT key FROM paper ORDER BY key")]

    def rows(self, keys: Iterable[str], columns: Sequence[str] = HIT_COLUMNS
             ) -> dict[str, dict[str, Any]]:
        """key -> {column: value} for the given papers (unknown keys are left out)."""
        names = ", ".join(f'"{c}"' for c in dict.fromkeys(["key", *columns]))
        out: dict[str, dict[str, Any]] = {}
        cursor = self.conn.cursor()
        for chunk in chunks(list(dict.fromkeys(keys))):
            cursor.execute(f"SELECT {names} FROM paper WHERE key IN ({','.join('?' * len(chunk))})",
                           chunk)
            fields = [d[0] for d in cursor.description]
            for row in cursor:
                out[row[0]] = dict(zip(fields, row))
        return out

    def paper_texts(self, keys: Iterable[str]) -> dict[str, str]:
        """The embedded text of each given paper, rebuilt from its stored fields."""
        from kb.search.embed import embed_text
        from kb.search.tables import TABLES, paper_of

        columns = [c.name for c in next(t for t in TABLES if t.name == "paper").columns]
        return {key: embed_text(paper_of(values))
                for key, values in self.rows(keys, columns).items()}

    def indexed(self, keys: Iterable[str]) -> dict[str, dict[str, str]]:
        """key -> the texts the keyword index holds of the paper, by column (FTS_COLUMNS)."""
        names = ", ".join(f"f.{c}" for c in FTS_COLUMNS)
        out: dict[str, dict[str, str]] = {}
        for chunk in chunks(list(dict.fromkeys(keys))):
            rows = self.conn.execute(
                f"SELECT p.key, {names} FROM paper AS p JOIN paper_fts AS f ON f.rowid = p.rowid "
                f"WHERE p.key IN ({','.join('?' * len(chunk))})", list(chunk))
            for key, *texts in rows:
                out[key] = dict(zip(FTS_COLUMNS, (t or "" for t in texts)))
        return out

    def papers(self, keys: Iterable[str]) -> dict[str, Paper]:
        """The given papers rebuilt from their stored fields (unknown keys are left out)."""
        from kb.search.tables import TABLES, paper_of

        columns = [c.name for c in next(t for t in TABLES if t.name == "paper").columns]
        return {key: paper_of(values) for key, values in self.rows(keys, columns).items()}

    def session_row(self, number: int) -> tuple[dict[str, Any], list[str]] | None:
        """A session's row (number, slug, title, date, body) and its reading keys in order."""
        row = self.conn.execute("SELECT number, slug, title, date, body FROM session "
                                "WHERE number = ?", (number,)).fetchone()
        if row is None:
            return None
        keys = [k for (k,) in self.conn.execute(
            "SELECT key FROM reading WHERE session = ? ORDER BY position", (number,))]
        return dict(zip(("number", "slug", "title", "date", "body"), row)), keys

    def session_numbers(self) -> list[int]:
        return [n for (n,) in self.conn.execute("SELECT number FROM session ORDER BY number")]

    def known(self, vocabulary: Iterable[str] = ()) -> Known:
        """What a filter may name in the cache (``vocabulary``: the configured tags)."""
        c = self.conn
        return Known(sessions={n for (n,) in c.execute("SELECT number FROM session")},
                     tags={t for (t,) in c.execute("SELECT DISTINCT tag FROM tag")},
                     vocabulary=set(vocabulary),
                     types={t.lower() for (t,) in c.execute("SELECT DISTINCT type FROM paper")},
                     keys={k for (k,) in c.execute("SELECT key FROM paper")})

    def filter_keys(self, filt: Filter) -> set[str]:
        return {key for (key,) in self.conn.execute(*filt)}

    def keyword(self, query: str, k: int, filt: Filter | None = None, *,
                hits: dict[str, int] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (key, score) for ``query`` by kb's bm25 (:mod:`kb.search.keyword`);
        ``hits``: :meth:`term_hits` of its words, when already counted."""
        return bm25_top(self.conn, query, k, filt, total=self.count(), hits=hits)

    def term_hits(self, terms: list[str]) -> dict[str, int]:
        """How many papers hold each of the query words ``terms``."""
        return term_hits(self.conn, terms)

    def holding(self, hits: Mapping[str, int | None], keys: Iterable[str]
                ) -> dict[str, set[str]]:
        """key -> which of the words of ``hits`` (word -> papers holding it, None when not
        counted) each paper holds."""
        rowid: dict[int, str] = {}
        wanted = list(dict.fromkeys(keys))
        for chunk in chunks(wanted):
            rowid.update(self.conn.execute(
                f"SELECT rowid, key FROM paper WHERE key IN ({','.join('?' * len(chunk))})",
                list(chunk)).fetchall())
        held = holding(self.conn, hits, sorted(rowid))
        return {rowid[r]: terms for r, terms in held.items()}
