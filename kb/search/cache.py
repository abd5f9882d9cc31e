"""Opening the cache under .kb/: checked, locked, repaired, or set aside with a note.

Two SQLite files live in the cache folder: ``kb.sqlite`` (the tables, :mod:`kb.search.store`)
and ``vectors.sqlite`` (:mod:`kb.search.vectors`). Opening either one:

- checks the folder and the file are what they should be (``.kb`` a file, or ``kb.sqlite``
  a folder, is an error naming the path, never a traceback);
- takes an exclusive lock (``kb.lock``, :func:`fcntl.flock`) while the file is checked,
  rebuilt or synced, so commands started together wait for one another instead of
  deleting the database another one is creating;
- checks the tables in milliseconds (schema version, columns, one keyword-index row per
  paper); a cache of another schema version is rebuilt silently, a damaged one (not a
  database, malformed, missing rows) is rebuilt with one line saying so;
- never takes an I/O error ("disk I/O error") for damage: that is an error that leaves the
  cache as it is;
- when the cache cannot be written (a read-only folder or file, a full disk), works on a
  copy in memory with a note: the files are read, the results are right, nothing is saved.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from kb.course.config import Config
from kb.errors import StoreError
from kb.model.entries import Project
from kb.search.store import Store
from kb.search.store_schema import StoreSchema
from kb.search.sync import SyncReport, sync
from kb.search.vectors import VectorCache, prepare

DB_NAME = "kb.sqlite"
VECTORS_NAME = "vectors.sqlite"
LOCK_NAME = "kb.lock"
WAIT_SECONDS = 60.0  # how long SQLite waits for another process's write to finish

# SQLite's primary result codes, and what each means for a cache.
_DAMAGED = {1, 11, 26}  # SQLITE_ERROR (a table or column missing), CORRUPT, NOTADB
_UNWRITABLE = {3, 8, 14, 23}  # PERM, READONLY, CANTOPEN, AUTH
_FULL = {13}
_IO = {10}
_BUSY = {5, 6}
_MESSAGES = (("disk i/o error", _IO), ("disk is full", _FULL), ("malformed", _DAMAGED),
             ("not a database", _DAMAGED), ("readonly", _UNWRITABLE),
             ("unable to open", _UNWRITABLE), ("locked", _BUSY), ("no such", _DAMAGED))


class Damaged(Exception):
    """The cache file is readable but wrong (what is wrong in the message)."""


def error_code(exc: BaseException) -> int:
    """SQLite's primary result code of an error (0 when it is not known)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    for needle, codes in _MESSAGES:
        if needle in text:
            return min(codes)
    return 0


def _unwritable(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT)
    return error_code(exc) in _UNWRITABLE | _FULL


def _why_unwritable(config: Config, exc: BaseException) -> str:
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or \
        error_code(exc) in _FULL
    where = config.relative(config.cache_dir)
    why = f"the disk holding {where}/ is full" if full else f"the cache {where}/ cannot be written"
    return f"note: {why}; reading the files instead (slower; nothing is saved)"


def _io_error(config: Config, path: Path, exc: BaseException) -> StoreError:
    return StoreError(f"the cache could not be read: {exc}", path=config.relative(path),
                      fix="check the disk (the cache was left as it is); kb sync --rebuild "
                          "rebuilds it from the files")


def _meaning(config: Config, path: Path, exc: sqlite3.Error, *, unknown: str | None = None
             ) -> Literal["unwritable", "damaged"]:
    """The one translation of an SQLite error met on the cache file ``path``: StoreError where
    nothing can be done (a failing disk, another program's lock), else what to do about it:
    "unwritable" (go on with a copy in memory) or "damaged" (rebuild it from the files). An
    error of no known kind counts as damage, unless ``unknown`` says what to tell the user."""
    code = error_code(exc)
    if code in _IO:
        raise _io_error(config, path, exc) from None
    if code in _UNWRITABLE | _FULL:
        return "unwritable"
    if code in _BUSY:
        raise StoreError("the cache is locked by another program", path=config.relative(path),
                         fix="wait for it to finish, then retry") from None
    if code in _DAMAGED or unknown is None:
        return "damaged"
    raise StoreError(f"{unknown}: {exc}", path=config.relative(path),
                     fix="retry; kb sync --rebuild rebuilds it from the files") from None


def _folder_error(config: Config, exc: OSError) -> StoreError:
    """The error for a cache folder (or its lock file) that cannot be made or used."""
    return StoreError(f"the cache folder cannot be used: {exc}", path=config.relative(config.cache_dir),
                      fix="check its permissions, or set cache_dir")


def check_paths(config: Config) -> Path:
    """The database path, after checking that the folder and file are what they should be."""
    folder = config.cache_dir
    if folder.exists() and not folder.is_dir():
        raise StoreError("this is a file, but kb keeps its cache in a folder of that name",
                         path=config.relative(folder),
                         fix=f"move the file away (kb recreates {config.options.cache_dir}/), "
                             "or set cache_dir in the kb plugin options")
    for name in (DB_NAME, VECTORS_NAME, LOCK_NAME):
        path = folder / name
        if path.is_dir():
            raise StoreError("this is a folder, but kb keeps a cache file of that name",
                             path=config.relative(path), fix="remove the folder; kb rebuilds the file")
    return folder / DB_NAME


@contextmanager
def cache_lock(config: Config) -> Iterator[None]:
    """Hold the cache's exclusive lock (waiting for another kb process to let go of it)."""
    folder = config.cache_dir
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def connect(path: Path) -> sqlite3.Connection:
    """A connection to a cache file. Usable from another thread (a hybrid query ranks by
    keyword on one, see kb.search.engine), one thread at a time."""
    conn = sqlite3.connect(path, timeout=WAIT_SECONDS, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _prepared(store: Store) -> None:
    """Create the tables of an empty database; drop a cache of another schema version; raise
    Damaged when the tables are wrong."""
    tables = store.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if not tables:
        StoreSchema(store).create()
        return
    problems = StoreSchema(store).problems()
    if problems and problems[0].startswith("schema version"):
        StoreSchema(store).reset()
    elif problems:
        raise Damaged("; ".join(problems))


def _open_file(path: Path) -> Store:
    store = Store(connect(path), path)
    try:
        _prepared(store)
    except BaseException:
        store.close()
        raise
    return store


def _rebuilt(config: Config, path: Path, why: str) -> Store:
    _remove(path)
    store = _open_file(path)
    store.rebuilt = True
    store.note = (f"note: the cache {config.relative(path)} was damaged ({why}); "
                  "rebuilt it from the files")
    return store


def _in_memory(config: Config, path: Path, note: str) -> Store:
    """A copy of the cache in memory (empty when the file cannot be read)."""
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    for uri in (f"file:{path}?mode=ro", f"file:{path}?immutable=1"):
        if not path.is_file():
            break
        try:
            source = sqlite3.connect(uri, uri=True)
            try:
                source.backup(memory)
            finally:
                source.close()
            break
        except sqlite3.Error:
            memory.close()
            memory = sqlite3.connect(":memory:", check_same_thread=False)
    store = Store(memory, None, note=note)
    try:
        _prepared(store)
    except (Damaged, sqlite3.DatabaseError):
        store.close()
        store = Store(sqlite3.connect(":memory:", check_same_thread=False), None, note=note)
        StoreSchema(store).create()
    return store


def open_store(config: Config) -> Store:
    """The cache tables, checked (a damaged file rebuilt, an unwritable one copied to memory).

    Call under :func:`cache_lock` (:func:`open_synced` does).
    """
    path = check_paths(config)
    try:
        return _open_file(path)
    except Damaged as exc:
        return _rebuilt(config, path, str(exc))
    except sqlite3.Error as exc:
        if _meaning(config, path, exc) == "unwritable":
            return _in_memory(config, path, _why_unwritable(config, exc))
        return _rebuilt(config, path, str(exc))


def open_synced(config: Config, project: Project | None = None) -> tuple[Store, SyncReport]:
    """Open the cache and sync it with the files, holding the lock; the report carries a note
    when the cache was rebuilt or could not be written."""
    path = check_paths(config)
    try:
        with cache_lock(config):
            store = open_store(config)
            try:
                report = _sync(store, config, project)
            except sqlite3.Error as exc:
                store.close()
                if _meaning(config, path, exc, unknown="the cache could not be updated") == "unwritable":
                    store = _in_memory(config, path, _why_unwritable(config, exc))
                else:
                    store = _rebuilt(config, path, str(exc))
                report = _sync(store, config, project)
    except OSError as exc:  # the lock file or the folder cannot be made
        if not _unwritable(exc):
            raise _folder_error(config, exc) from None
        store = _in_memory(config, path, _why_unwritable(config, exc))
        report = _sync(store, config, project)
    return store, report


def _sync(store: Store, config: Config, project: Project | None) -> SyncReport:
    report = sync(store, config, project)
    if store.note:
        report.notes.append(store.note)
    return report


def open_vectors(config: Config) -> tuple[VectorCache, str | None]:
    """The vector cache (in memory when it cannot be written) and a note, if there is one."""
    path = check_paths(config).with_name(VECTORS_NAME)
    try:
        with cache_lock(config):
            try:
                conn = connect(path)
                prepare(conn)
                return VectorCache(conn, path), None
            except sqlite3.Error as exc:
                if _meaning(config, path, exc) == "unwritable":
                    return _vectors_read_only(path), _why_unwritable(config, exc)
                _remove(path)
                conn = connect(path)
                prepare(conn)
                return VectorCache(conn, path), (
                    f"note: the vector cache {config.relative(path)} was damaged ({exc}); "
                    "made a new one")
    except OSError as exc:
        if not _unwritable(exc):
            raise _folder_error(config, exc) from None
        return _vectors_read_only(path), _why_unwritable(config, exc)


def clear(config: Config) -> None:
    """Delete the cache's files (holding the lock), so that the next command rebuilds the
    tables, re-embeds the papers and rebuilds the index from the files."""
    check_paths(config)
    if not config.cache_dir.is_dir():
        return
    with cache_lock(config):
        for path in config.cache_dir.iterdir():
            if path.name != LOCK_NAME and path.is_file():
                path.unlink()


def _vectors_read_only(path: Path) -> VectorCache:
    """The vectors of a cache that cannot be written, read where possible, in memory."""
    cache = VectorCache.memory()
    if path.is_file():
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.backup(cache.conn)
            finally:
                source.close()
            prepare(cache.conn)
        except sqlite3.Error:
            cache = VectorCache.memory()
    return cache
