"""The cache database: tables synced from the content files, and an FTS5 keyword index.

The files are the truth; everything here is rebuilt from them. Tables (kb/search/tables.py)::

    paper    one row per loadable papers/<key>.md: metadata, prose, the file's content hash,
             time and size, and the hash of the text that is embedded (kb.search.embed.embed_text)
    author   (paper_key, position, name)          tag      (paper_key, tag)
    session  one row per session page             reading  (session, position, key, kind, note)
    poster   one row per poster                   vector   (model, text_hash) -> float32 bytes
    meta     schema version and the hash of the session and poster files
    paper_fts  FTS5 over title, authors, abstract, summary, notes and tags (SQLite only)

Sync is incremental: a paper file whose modification time and size are as stored is not read;
otherwise its bytes are hashed, and only a file whose hash changed is parsed and rewritten.
Session and poster files are few; they are hashed together and reloaded together when any of
them changes.

The database is ``.kb/kb.sqlite`` unless the ``database_url`` option names another one (e.g.
PostgreSQL, with ``pip install 'kb[postgres]'``). A cache that cannot be read (deleted,
truncated, not a database, an older schema) is thrown away and rebuilt; only a database that
cannot be opened at all (a server that is down, a missing driver) is an error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, text
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError
from sqlmodel import Session as DbSession
from sqlmodel import col

from kb.config import Config
from kb.content import INDEX_PAGES, load_paper, load_project, scan_folder
from kb.search.embed import embed_text, text_hash
from kb.errors import MissingDependencyError, StoreError
from kb.search.keyword import fts_query
from kb.models import Paper, Project
from kb.search.tables import (REGISTRY, SCHEMA_VERSION, AuthorRow, MetaRow, PaperRow, PosterRow,
                       ReadingRow, SessionRow, TagRow, VectorRow, row_paper)

FTS_COLUMNS = ("title", "authors", "abstract", "summary", "notes", "tags")
# bm25 weights per column (the unindexed key first): a word in the title or the tags says more
# about the paper than the same word somewhere in the notes.
FTS_WEIGHTS = (0.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0)
_FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS paper_fts USING fts5("
    "key UNINDEXED, " + ", ".join(FTS_COLUMNS) + ", tokenize='porter unicode61')"
)


_FILTERS = {
    "session": "key IN (SELECT key FROM reading WHERE session = :session)",
    "tag": "key IN (SELECT paper_key FROM tag WHERE tag = :tag)",
    "year_from": "year >= :year_from",
    "year_to": "year <= :year_to",
    "type": "type = :type",
}


@dataclass
class SyncReport:
    """What one sync changed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    broken: list[str] = field(default_factory=list)  # paper files that could not be loaded
    sessions_changed: bool = False
    rebuilt: bool = False  # the cache was unreadable and has been rebuilt

    @property
    def dirty(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.sessions_changed)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _paper_files(folder: Path) -> dict[str, tuple[Path, int, int]]:
    """papers/<key>.md files, as kb.content.load_project finds them: key -> (path, mtime, size)."""
    out = {}
    for entry in scan_folder(folder)[0]:
        st = entry.stat()
        out[entry.name[:-3]] = (Path(entry.path), st.st_mtime_ns, st.st_size)
    return out


def _side_files(config: Config) -> list[Path]:
    return [Path(entry.path) for folder in (config.sessions_dir, config.posters_dir)
            for entry in scan_folder(folder, INDEX_PAGES)[0]]


def _side_hash(config: Config) -> str:
    digest = hashlib.sha256()
    for path in _side_files(config):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix):] not in ("", ":memory:"):
        return Path(url[len(prefix):])
    return None


def _create_engine(url: str) -> Engine:
    try:
        engine = create_engine(url)
    except (ImportError, ModuleNotFoundError) as exc:
        raise MissingDependencyError(
            f"the database driver for {url.split(':', 1)[0]!r} is not installed ({exc.name or exc})",
            field="plugins.kb.database_url",
            fix="pip install 'kb[postgres]' for PostgreSQL, or leave database_url empty for SQLite",
        ) from None
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot use the database URL: {exc}", field="plugins.kb.database_url",
                         fix="write an SQLAlchemy URL such as postgresql+psycopg://user@host/db"
                         ) from None
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    return engine


class Store:
    """The cache database of one course repository."""

    def __init__(self, config: Config, engine: Engine):
        self.config = config
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.has_fts = False
        self.rebuilt = False  # the cache was unreadable and has been replaced by an empty one

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, config: Config) -> Store:
        """Open (or create) the cache; an unreadable SQLite cache is deleted and rebuilt."""
        url = config.database_url
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(config, _create_engine(url))
        try:
            store._prepare()
        except DatabaseError as exc:
            return store.rebuild(exc)
        return store

    def rebuild(self, exc: DatabaseError) -> Store:
        """A fresh, empty store in place of an unreadable SQLite cache (else StoreError)."""
        path = _sqlite_path(self.config.database_url)
        self.engine.dispose()
        if "locked" in str(exc.orig or exc):
            raise StoreError("the cache database is locked by another kb process",
                             path=path, fix="wait for the other kb command to finish, then retry"
                             ) from None
        if path is None:
            raise StoreError(f"cannot use the database: {exc.orig or exc}",
                             field="plugins.kb.database_url",
                             fix="check that the database server runs and the URL is right"
                             ) from None
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        store = type(self)(self.config, _create_engine(self.config.database_url))
        store._prepare()
        store.rebuilt = True
        return store

    def _prepare(self) -> None:
        """Create the tables; a cache of another schema version is dropped and recreated."""
        with self.engine.begin() as conn:
            REGISTRY.metadata.create_all(conn)
            version = conn.execute(select(col(MetaRow.value)).where(col(MetaRow.name) == "schema")).scalar()
            if version is not None and version != str(SCHEMA_VERSION):
                if self.sqlite:
                    conn.execute(text("DROP TABLE IF EXISTS paper_fts"))
                REGISTRY.metadata.drop_all(conn)
                REGISTRY.metadata.create_all(conn)
                version = None
            if version is None:
                conn.execute(insert(MetaRow), [{"name": "schema", "value": str(SCHEMA_VERSION)}])
            if self.sqlite:
                try:
                    conn.execute(text(_FTS_DDL))
                    self.has_fts = True
                except OperationalError:  # an SQLite built without FTS5: keyword search falls back
                    self.has_fts = False

    def reset(self) -> None:
        """Empty every table (the next sync rebuilds the cache from the files)."""
        with self.engine.begin() as conn:
            if self.has_fts:
                conn.execute(text("DELETE FROM paper_fts"))
            for table in reversed(REGISTRY.metadata.sorted_tables):
                if table.name != "vector":
                    conn.execute(table.delete())
            conn.execute(insert(MetaRow), [{"name": "schema", "value": str(SCHEMA_VERSION)}])

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[DbSession]:
        with DbSession(self.engine) as db:
            yield db

    # ------------------------------------------------------------ sync

    def _meta(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(col(MetaRow.value)).where(col(MetaRow.name) == name)).scalar()

    def sync(self, project: Project | None = None) -> SyncReport:
        """Bring the tables in line with the files; only changed files are parsed and written.

        ``project`` (from :func:`kb.content.load_project`) is used instead of parsing again.
        """
        config = self.config
        report = SyncReport(rebuilt=self.rebuilt)
        files = _paper_files(config.papers_dir)
        with self.engine.connect() as conn:
            stored = {key: (h, m, n) for key, h, m, n in conn.exec_driver_sql(
                "SELECT key, file_hash, mtime_ns, size FROM paper")}
        # Like git's index: a file whose modification time and size are as stored is not read;
        # one whose bytes hash as stored only gets its new time recorded.
        todo, hashes, touched = [], {}, []
        for key, (path, mtime, size) in files.items():
            old = stored.get(key)
            if old is not None and old[1] == mtime and old[2] == size:
                continue
            hashes[key] = file_hash(path.read_bytes())
            if old is not None and old[0] == hashes[key]:
                touched.append({"m": mtime, "s": size, "k": key})
            else:
                todo.append(key)
        report.removed = sorted(k for k in stored if k not in files)
        side = _side_hash(config)
        report.sessions_changed = side != self._meta("side_hash")
        if project is None and report.sessions_changed:
            project = load_project(config)
        papers: dict[str, Paper] = {}
        scratch = Project()
        for key in todo:
            paper = project.papers.get(key) if project is not None else load_paper(
                files[key][0], config, scratch)
            if paper is None:
                report.broken.append(key)
            else:
                papers[key] = paper
        for key in papers:
            (report.changed if key in stored else report.added).append(key)
        report.unchanged = len(files) - len(todo)
        gone = report.removed + [k for k in report.broken if k in stored]
        self.put_papers(papers, hashes=hashes, files=files, gone=gone)
        if touched:
            with self.engine.begin() as conn:
                conn.execute(text("UPDATE paper SET mtime_ns = :m, size = :s WHERE key = :k"),
                             touched)
        if report.sessions_changed:
            assert project is not None
            self._write_sessions(project, side)
        self.rebuilt = False
        return report

    def put_papers(self, papers: dict[str, Paper], *, hashes: dict[str, str] | None = None,
                   files: dict[str, tuple[Path, int, int]] | None = None,
                   gone: Iterable[str] = ()) -> None:
        """Write (or replace) paper rows, their authors, tags and FTS entries; drop ``gone``.

        :meth:`sync` calls this with the changed files; it also loads papers that have no
        file (the benchmark corpora), which the next :meth:`sync` removes again.
        """
        hashes, files = hashes or {}, files or {}
        drop = list(papers) + list(gone)
        if not drop:
            return
        rows: list[dict[str, Any]] = []
        authors: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        fts: list[dict[str, Any]] = []
        for key, paper in papers.items():
            rows.append({
                "key": key, "type": paper.type, "title": paper.title,
                "authors": json.dumps(paper.authors, ensure_ascii=False), "year": paper.year,
                "venue": paper.venue, "arxiv": paper.arxiv, "doi": paper.doi,
                "tags": json.dumps(paper.tags, ensure_ascii=False), "abstract": paper.abstract,
                "summary": paper.summary, "notes": paper.notes,
                "path": self.config.relative(files[key][0]) if key in files else "",
                "mtime_ns": files[key][1] if key in files else 0,
                "size": files[key][2] if key in files else 0,
                "file_hash": hashes.get(key, ""),
                "text_hash": text_hash(embed_text(paper)),
            })
            authors.extend({"paper_key": key, "position": i, "name": name}
                           for i, name in enumerate(paper.authors))
            tags.extend({"paper_key": key, "tag": tag} for tag in dict.fromkeys(paper.tags))
            fts.append({"key": key, "title": paper.title, "authors": "; ".join(paper.authors),
                        "abstract": paper.abstract or "", "summary": paper.summary or "",
                        "notes": paper.notes, "tags": " ".join(paper.tags)})
        with self.engine.begin() as conn:
            for chunk in _chunks(drop, 500):
                conn.execute(delete(PaperRow).where(col(PaperRow.key).in_(chunk)))
                conn.execute(delete(AuthorRow).where(col(AuthorRow.paper_key).in_(chunk)))
                conn.execute(delete(TagRow).where(col(TagRow.paper_key).in_(chunk)))
                if self.has_fts:
                    marks = ",".join("?" * len(chunk))
                    conn.exec_driver_sql(f"DELETE FROM paper_fts WHERE key IN ({marks})", tuple(chunk))
            for table, values in ((PaperRow, rows), (AuthorRow, authors), (TagRow, tags)):
                if values:
                    conn.execute(insert(table), values)
            if self.has_fts and fts:
                cols = ("key", *FTS_COLUMNS)
                conn.exec_driver_sql(
                    f"INSERT INTO paper_fts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [tuple(r[c] for c in cols) for r in fts])

    def _write_sessions(self, project: Project, side: str) -> None:
        sessions: list[dict[str, Any]] = []
        readings: list[dict[str, Any]] = []
        posters: list[dict[str, Any]] = []
        for s in project.sessions:
            if any(row["number"] == s.session for row in sessions):
                continue  # kb check reports the duplicate number; the first one counts here
            sessions.append({"number": s.session, "slug": s.slug, "title": s.title,
                             "date": s.date.isoformat() if s.date else None, "body": s.body})
            readings.extend({"session": s.session, "position": i, "key": r.key, "kind": r.kind,
                             "note": r.note} for i, r in enumerate(s.readings))
        for p in project.posters:
            posters.append({"slug": p.slug, "title": p.title, "session": p.session,
                            "authors": json.dumps(p.authors, ensure_ascii=False),
                            "papers": json.dumps(p.papers), "tags": json.dumps(p.tags)})
        with self.engine.begin() as conn:
            for table in (SessionRow, ReadingRow, PosterRow):
                conn.execute(delete(table))
            for table, values in ((SessionRow, sessions), (ReadingRow, readings), (PosterRow, posters)):
                if values:
                    conn.execute(insert(table), values)
            conn.execute(delete(MetaRow).where(col(MetaRow.name) == "side_hash"))
            conn.execute(insert(MetaRow), [{"name": "side_hash", "value": side}])

    # ------------------------------------------------------------ reading

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(PaperRow)).scalar() or 0)

    def text_hashes(self) -> list[tuple[str, str]]:
        """(key, text_hash) of every paper, ordered by key."""
        with self.engine.connect() as conn:
            return [(k, h) for k, h in conn.exec_driver_sql(
                "SELECT key, text_hash FROM paper ORDER BY key")]

    def papers(self, keys: Iterable[str]) -> dict[str, PaperRow]:
        """Rows of the given papers (unknown keys are left out)."""
        out: dict[str, PaperRow] = {}
        with self.session() as db:
            for chunk in _chunks(list(keys), 500):
                for row in db.scalars(select(PaperRow).where(col(PaperRow.key).in_(chunk))):
                    out[row.key] = row
        return out

    def paper_texts(self, keys: Iterable[str]) -> dict[str, str]:
        """The embedded text of each given paper, rebuilt from its stored fields."""
        return {key: embed_text(row_paper(row)) for key, row in self.papers(keys).items()}

    def all_keys(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(col(PaperRow.key)).order_by(col(PaperRow.key))).scalars())

    def session_row(self, number: int) -> tuple[SessionRow, list[ReadingRow]] | None:
        with self.session() as db:
            row = db.get(SessionRow, number)
            if row is None:
                return None
            readings = list(db.scalars(select(ReadingRow).where(col(ReadingRow.session) == number)
                                       .order_by(col(ReadingRow.position))))
            return row, readings

    def session_numbers(self) -> list[int]:
        with self.engine.connect() as conn:
            numbers = select(col(SessionRow.number)).order_by(col(SessionRow.number))
            return list(conn.execute(numbers).scalars())

    def filter_sql(self, *, session: int | None = None, tag: str | None = None,
                   year_from: int | None = None, year_to: int | None = None,
                   type: str | None = None) -> tuple[str, dict[str, Any]] | None:
        """A SELECT of the keys that pass the filters, with its parameters (None: no filter)."""
        values = {"session": session, "tag": tag, "year_from": year_from, "year_to": year_to,
                  "type": type.lower() if type else None}
        params = {name: value for name, value in values.items() if value is not None}
        if not params:
            return None
        where = " AND ".join(_FILTERS[name] for name in params)
        return f"SELECT key FROM paper WHERE {where}", params

    def filter_keys(self, sql: tuple[str, dict[str, Any]]) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(text(sql[0]), sql[1]).scalars())

    def keyword(self, query: str, k: int, filt: tuple[str, dict[str, Any]] | None = None
                ) -> list[tuple[str, float]]:
        """Top ``k`` (key, score) for ``query`` by FTS5 bm25 (higher score is better)."""
        match = fts_query(query)
        if not match:
            return []
        weights = ", ".join(str(w) for w in FTS_WEIGHTS)
        sql = f"SELECT key, bm25(paper_fts, {weights}) AS r FROM paper_fts WHERE paper_fts MATCH :q"
        params: dict[str, Any] = {"q": match, "k": k}
        if filt is not None:
            sql += f" AND key IN ({filt[0]})"
            params.update(filt[1])
        sql += " ORDER BY r LIMIT :k"
        with self.engine.connect() as conn:
            return [(key, -float(r)) for key, r in conn.execute(text(sql), params).all()]

    # ------------------------------------------------------------ vectors

    def get_vectors(self, model: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(dict.fromkeys(hashes)), 500):
                rows = conn.execute(select(col(VectorRow.text_hash), col(VectorRow.data)).where(
                    col(VectorRow.model) == model, col(VectorRow.text_hash).in_(chunk)))
                for h, data in rows:
                    out[h] = np.frombuffer(data, dtype=np.float32)
        return out

    def put_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        if not vectors:
            return
        rows = [{"model": model, "text_hash": h, "dim": int(v.shape[0]),
                 "data": np.ascontiguousarray(v, dtype=np.float32).tobytes()}
                for h, v in vectors.items()]
        with self.engine.begin() as conn:
            for chunk in _chunks(rows, 500):
                conn.execute(delete(VectorRow).where(
                    col(VectorRow.model) == model,
                    col(VectorRow.text_hash).in_([r["text_hash"] for r in chunk])))
                conn.execute(insert(VectorRow), chunk)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
