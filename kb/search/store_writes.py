"""What the sync writes into the cache: papers with their keyword rows, sessions, file states."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kb.search.schema import FTS_COLUMNS
from kb.search.store import chunks, texts_digest

if TYPE_CHECKING:
    from kb.model.entries import Paper, Project
    from kb.search.store import Store


class SyncWrites:
    """The writes of :func:`kb.search.sync.sync` to one :class:`~kb.search.store.Store`, and the
    stored file states it compares with the files."""

    def __init__(self, store: Store):
        self.store = store

    def file_states(self) -> dict[str, tuple[int, int]]:
        """key -> (modification time in ns, size) of every stored paper's file, read from the
        covering index ``paper_state`` alone (a paper row, with its prose, is many times
        larger)."""
        return {key: (m, n) for key, m, n in self.store.conn.execute(
            "SELECT key, mtime_ns, size FROM paper")}

    def same_files(self, files: dict[str, tuple[int, int]]) -> bool:
        """Whether the stored papers' files are ``files`` (key -> (mtime_ns, size)), no more,
        no fewer: :meth:`file_states` == ``files``, compared row by row as they come."""
        get = files.get
        count = 0
        for key, mtime, size in self.store.conn.execute("SELECT key, mtime_ns, size FROM paper"):
            if get(key) != (mtime, size):
                return False
            count += 1
        return count == len(files)

    def file_hashes(self, keys: Iterable[str]) -> dict[str, str]:
        """key -> content hash of the stored file, for the given papers (unknown keys left out)."""
        out: dict[str, str] = {}
        for chunk in chunks(list(keys)):
            out.update(self.store.conn.execute(
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
        with self.store.conn:
            for chunk in chunks(drop):
                where = ",".join("?" * len(chunk))
                self.store.conn.execute("DELETE FROM paper_fts WHERE rowid IN "
                                  f"(SELECT rowid FROM paper WHERE key IN ({where}))", chunk)
                self.store.conn.execute(f"DELETE FROM paper WHERE key IN ({where})", chunk)
                self.store.conn.execute(f"DELETE FROM tag WHERE paper_key IN ({where})", chunk)
            if rows:
                self.store.conn.executemany(f"INSERT INTO paper VALUES ({marks})", rows)
            self.store.conn.executemany("INSERT INTO tag VALUES (?, ?)", tags)
            self.store.conn.executemany(
                f"INSERT INTO paper_fts (rowid, key, {', '.join(FTS_COLUMNS)}) "
                "SELECT rowid, ?, ?, ?, ?, ?, ?, ? FROM paper WHERE key = ?",
                [(*row, row[0]) for row in fts])
            self._write_texts()
        self.store.forget()

    def keep_texts(self) -> None:
        """Store :meth:`texts` in the meta table (every write of papers does, with the papers)."""
        with self.store.conn:
            self._write_texts()

    def _write_texts(self) -> None:
        self.store.conn.execute("INSERT OR REPLACE INTO meta VALUES ('texts', ?)", (texts_digest(
            self.store.conn.execute("SELECT key, text_hash FROM paper ORDER BY key")),))

    def touch(self, times: list[tuple[int, int, str]]) -> None:
        """Record new (mtime_ns, size) of files whose bytes are unchanged."""
        if times:
            with self.store.conn:
                self.store.conn.executemany("UPDATE paper SET mtime_ns = ?, size = ? WHERE key = ?", times)

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
        with self.store.conn:
            self.store.conn.execute("DELETE FROM session")
            self.store.conn.execute("DELETE FROM reading")
            self.store.conn.executemany("INSERT INTO session VALUES (?, ?, ?, ?, ?)", sessions)
            self.store.conn.executemany("INSERT INTO reading VALUES (?, ?, ?, ?, ?)", readings)
            self.store.conn.execute("INSERT OR REPLACE INTO meta VALUES ('side_hash', ?)", (side_hash,))

