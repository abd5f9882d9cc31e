"""The cache database of one course: writing its tables and reading them, in plain SQL.

:class:`Store` holds one :mod:`sqlite3` connection to ``.kb/kb.sqlite`` (or to a copy in
memory, when the cache cannot be written: see :mod:`kb.search.cache`, which opens, checks,
locks and repairs it). The tables are those of :mod:`kb.search.tables`; every statement is
plain SQL on that connection, the one way the cache is queried. :func:`kb.search.sync.sync`
decides what to write; the search engine reads.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.search.keyword import bm25_top
from kb.search.schema import FTS_COLUMNS, FTS_DDL, HIT_COLUMNS, SCHEMA_VERSION

from kb.course.filters import Filters, Known

if TYPE_CHECKING:
    from kb.model.entries import Paper, Project

# The table classes (SQLModel) are imported where the tables are created, checked or turned
# back into papers, never by a query: a search process reads with this module alone.
_CHUNK = 500
Filter = tuple[str, dict[str, Any]]


def filter_sql(filters: Filters | None) -> Filter | None:
    """A SELECT of the paper keys that pass ``filters``, with its parameters (None: no filter)."""
    if filters is None or filters.empty:
        return None
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.session is not None:
        where.append("key IN (SELECT key FROM reading WHERE session = :session)")
        params["session"] = filters.session
    for i, tag in enumerate(filters.tags):
        where.append(f"key IN (SELECT paper_key FROM tag WHERE tag = :tag{i})")
        params[f"tag{i}"] = tag
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


def schema_ddl() -> list[str]:
    """CREATE statements of the cache: the SQLModel tables, their indexes, the FTS5 index."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from kb.search.tables import TABLES

    dialect = sqlite.dialect()
    out = []
    for table in TABLES:
        out.append(str(CreateTable(table).compile(dialect=dialect)))
        out.extend(str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes)
    return [*out, FTS_DDL]


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Store:
    """The cache tables of one course over one SQLite connection."""

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

    # ------------------------------------------------------------ schema

    def create(self) -> None:
        """Create every table of an empty database, with the schema version."""
        with self.conn:
            for statement in schema_ddl():
                self.conn.execute(statement)
            self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))

    def drop_all(self) -> None:
        """Drop every table and index (a cache of another schema, before :meth:`create`)."""
        names = [name for (name,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'paper_fts_%'")]
        with self.conn:
            for name in names:
                self.conn.execute(f'DROP TABLE IF EXISTS "{name}"')

    def reset(self) -> None:
        """Empty every table (the next sync rebuilds the cache from the files)."""
        self.drop_all()
        self.create()
        self._count = self._hashes = None

    def meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def problems(self, *, tables: bool = True) -> list[str]:
        """What is wrong with the tables (empty: sound), checked in milliseconds: the schema
        version, the columns of every table (unless ``tables`` is False: that check needs the
        table classes), and one keyword-index row per paper."""
        version = self.meta("schema")
        if version != str(SCHEMA_VERSION):
            return [f"schema version {version}, kb uses {SCHEMA_VERSION}"]
        problems = []
        if tables:
            from kb.search.tables import TABLES

            for table in TABLES:
                found = [row[1] for row in self.conn.execute(f'PRAGMA table_info("{table.name}")')]
                if found != [c.name for c in table.columns]:
                    problems.append(f"table {table.name} has the columns {found}")
        fts = [row[1] for row in self.conn.execute("PRAGMA table_info(paper_fts)")]
        if fts != ["key", *FTS_COLUMNS]:
            problems.append("the keyword index is missing or has other columns")
        if problems:
            return problems
        papers = self.count()
        indexed = self.conn.execute("SELECT count(*) FROM paper_fts_docsize").fetchone()[0]
        if indexed != papers:
            problems.append(f"the keyword index holds {indexed} papers, the table {papers}")
        return problems

    # ------------------------------------------------------------ writing

    def file_states(self) -> dict[str, tuple[int, int]]:
        """key -> (modification time in ns, size) of every stored paper's file, read from the
        covering index ``paper_state`` alone (a paper row, with its prose, is many times
        larger)."""
        return {key: (m, n) for key, m, n in self.conn.execute(
            "SELECT key, mtime_ns, size FROM paper")}

    def same_files(self, files: dict[str, tuple[int, int]]) -> bool:
        """Whether the stored papers' files are ``files`` (key -> (mtime_ns, size)), no more,
        no fewer: :meth:`file_states` == ``files``, compared row by row as they come."""
        get = files.get
        count = 0
        for key, mtime, size in self.conn.execute("SELECT key, mtime_ns, size FROM paper"):
            if get(key) != (mtime, size):
                return False
            count += 1
        return count == len(files)

    def file_hashes(self, keys: Iterable[str]) -> dict[str, str]:
        """key -> content hash of the stored file, for the given papers (unknown keys left out)."""
        out: dict[str, str] = {}
        for chunk in chunks(list(keys)):
            out.update(self.conn.execute(
                f"SELECT key, file_hash FROM paper WHERE key IN ({','.join('?' * len(chunk))})",
                chunk).fetchall())
        return out

    def put_papers(self, papers: dict[str, Paper], *,
                   files: dict[str, tuple[str, str, int, int]] | None = None,
                   gone: Iterable[str] = ()) -> None:
        """Write (or replace) papers with their tags and keyword-index rows; drop ``gone``.

        ``files``: key -> (path as the user sees it, content hash, mtime_ns, size). Papers
        without a file (the benchmark corpora) are removed again by the next sync.
        """
        from kb.search.embed import embed_text, text_hash

        files = files or {}
        drop = list(papers) + list(gone)
        if not drop:
            return
        rows: list[tuple[Any, ...]] = []
        tags: list[tuple[str, str]] = []
        fts: list[tuple[str, ...]] = []
        for key, paper in papers.items():
            path, fhash, mtime, size = files.get(key, ("", "", 0, 0))
            rows.append((key, paper.type, paper.title, json.dumps(paper.authors, ensure_ascii=False),
                         paper.year, paper.venue, paper.arxiv, paper.doi,
                         json.dumps(paper.tags, ensure_ascii=False), paper.abstract,
                         paper.summary, paper.notes, path, fhash, mtime, size,
                         text_hash(embed_text(paper))))
            tags.extend((key, tag) for tag in dict.fromkeys(paper.tags))
            fts.append((key, paper.title, "; ".join(paper.authors), paper.abstract or "",
                        paper.summary or "", paper.notes, " ".join(paper.tags)))
        marks = ",".join("?" * len(rows[0])) if rows else ""
        # A paper's keyword-index row has the paper row's rowid, so it is found without a scan.
        with self.conn:
            for chunk in chunks(drop):
                where = ",".join("?" * len(chunk))
                self.conn.execute("DELETE FROM paper_fts WHERE rowid IN "
                                  f"(SELECT rowid FROM paper WHERE key IN ({where}))", chunk)
                self.conn.execute(f"DELETE FROM paper WHERE key IN ({where})", chunk)
                self.conn.execute(f"DELETE FROM tag WHERE paper_key IN ({where})", chunk)
            if rows:
                self.conn.executemany(f"INSERT INTO paper VALUES ({marks})", rows)
            self.conn.executemany("INSERT INTO tag VALUES (?, ?)", tags)
            self.conn.executemany(
                f"INSERT INTO paper_fts (rowid, key, {', '.join(FTS_COLUMNS)}) "
                "SELECT rowid, ?, ?, ?, ?, ?, ?, ? FROM paper WHERE key = ?",
                [(*row, row[0]) for row in fts])
            self._write_texts()
        self._count = self._hashes = None

    def keep_texts(self) -> None:
        """Store :meth:`texts` in the meta table (every write of papers does, with the papers)."""
        with self.conn:
            self._write_texts()

    def _write_texts(self) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('texts', ?)", (texts_digest(
            self.conn.execute("SELECT key, text_hash FROM paper ORDER BY key")),))

    def touch(self, times: list[tuple[int, int, str]]) -> None:
        """Record new (mtime_ns, size) of files whose bytes are unchanged."""
        if times:
            with self.conn:
                self.conn.executemany("UPDATE paper SET mtime_ns = ?, size = ? WHERE key = ?", times)

    def put_sessions(self, project: Project, side_hash: str) -> None:
        """Replace the session and reading rows; remember the hash of the files they came from."""
        sessions: list[tuple[Any, ...]] = []
        readings: list[tuple[Any, ...]] = []
        numbers = set()
        for s in project.sessions:
            if s.session in numbers:
                continue  # kb check reports the duplicate number; the first one counts here
            numbers.add(s.session)
            sessions.append((s.session, s.slug, s.title,
                             s.date.isoformat() if s.date else None, s.body))
            readings.extend((s.session, i, r.key, r.kind, r.note) for i, r in enumerate(s.readings))
        with self.conn:
            self.conn.execute("DELETE FROM session")
            self.conn.execute("DELETE FROM reading")
            self.conn.executemany("INSERT INTO session VALUES (?, ?, ?, ?, ?)", sessions)
            self.conn.executemany("INSERT INTO reading VALUES (?, ?, ?, ?, ?)", readings)
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('side_hash', ?)", (side_hash,))

    # ------------------------------------------------------------ reading

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
                     tags={t for (t,) in c.execute("SELECT DISTINCT tag FROM tag")} | set(vocabulary),
                     types={t.lower() for (t,) in c.execute("SELECT DISTINCT type FROM paper")},
                     keys={k for (k,) in c.execute("SELECT key FROM paper")})

    def filter_keys(self, filt: Filter) -> set[str]:
        return {key for (key,) in self.conn.execute(*filt)}

    def keyword(self, query: str, k: int, filt: Filter | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (key, score) for ``query`` by FTS5 bm25 (higher score is better)."""
        return bm25_top(self.conn, query, k, filt, total=self.count())
