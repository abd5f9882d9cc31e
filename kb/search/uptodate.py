"""Does the cache already match the files? Answered from file times and sizes alone.

Every command asks this first. When the answer is yes, :func:`fresh_store` hands back the cache
opened for reading, and the command searches it without taking the lock, without the sync
and without importing the content models (pydantic) or SQLModel: a ``kb search`` process
then costs little more than Python's start-up. When the answer is no, or in any doubt (no
cache, another schema version, an unreadable file), it returns None and
:func:`kb.search.cache.open_synced` opens, checks, repairs and syncs the cache as usual.

The listing and hashing of the files here are the sync's own (:mod:`kb.search.sync` uses
them), so the two cannot disagree on what changed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.course.files import INDEX_PAGES, page_states, scan_folder
from kb.fs import read_limited
from kb.search.schema import DB_NAME, HIT_COLUMNS
from kb.search.store_schema import StoreSchema
from kb.search.store_writes import SyncWrites
from kb.search.store import Store

if TYPE_CHECKING:
    from kb.course.config import Config


@dataclass
class SyncReport:
    """What one sync changed (nothing, when the cache was found fresh)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    broken: list[str] = field(default_factory=list)  # paper files that could not be loaded
    sessions_changed: bool = False
    rebuilt: bool = False  # the cache was damaged and has been rebuilt
    notes: list[str] = field(default_factory=list)  # one line each, for the user

    @property
    def dirty(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.sessions_changed)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def paper_files(config: Config) -> dict[str, tuple[int, int]]:
    """The papers/<key>.md files kb.course.load.load_project reads (the same listing, under the same
    rule: regular files, links only to files inside the course): key -> (mtime_ns, size)."""
    return page_states(config.papers_dir, inside=(config.root,))


def listed_paper_file(config: Config, key: str) -> Path:
    """The file a listed paper key came from, the key unchecked. Not
    :func:`kb.course.load.paper_path`, which checks the key and raises for one kb check reports
    (a reserved name, say): the sync must still read that file and count it as broken, and
    this module imports no content models."""
    return config.papers_dir / f"{key}.md"


def side_hash(config: Config) -> str:
    """One hash of every session and poster page (their paths and bytes), listed as the loader
    lists them and read within its size limit: a page too large for kb, or one that cannot be
    read, counts by what kb can see of it."""
    digest = hashlib.sha256()
    limit = config.options.max_file_size
    for folder in (config.sessions_dir, config.posters_dir):
        for entry in scan_folder(folder, INDEX_PAGES, inside=(config.root,))[0]:
            try:
                data = read_limited(entry.path, limit)
            except OSError as exc:
                data = f"\0unreadable {exc.errno}".encode()
            digest.update(entry.path.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


# Every table and column a query reads: a cache that lacks one is not fresh (the full open
# repairs it), whatever else is wrong with it is the full check's business.
_PROBES = (
    f"SELECT {', '.join(HIT_COLUMNS)}, type, tags, abstract, summary, notes, path, file_hash, "
    "mtime_ns, size, text_hash FROM paper LIMIT 0",
    "SELECT paper_key, tag FROM tag LIMIT 0",
    "SELECT number, slug, title, date, body FROM session LIMIT 0",
    "SELECT session, position, key, kind, note FROM reading LIMIT 0",
)


def fresh_store(config: Config) -> Store | None:
    """The cache, opened read-only, if it is sound and matches the files; else None.

    Matching: every paper file has the stored modification time and size, none was added or
    removed, and the session and poster pages hash as stored; then a sync would change
    nothing. Sound: the schema version is current, the keyword index holds one row per paper
    (the checks of :meth:`Store.problems` that need no table classes), and every column a
    query reads is there.
    """
    path = config.cache_dir / DB_NAME
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    except sqlite3.Error:
        return None
    store = Store(conn, path)
    try:
        if StoreSchema(store).problems(tables=False) or store.meta("texts") is None:
            raise LookupError
        for probe in _PROBES:
            conn.execute(probe)
        if not SyncWrites(store).same_files(paper_files(config)):
            raise LookupError
        if store.meta("side_hash") != side_hash(config):
            raise LookupError
    except (LookupError, sqlite3.Error, OSError):
        store.close()
        return None
    return store
