"""Files read within a size limit and written whole or not at all.

Standard library only, and nothing of the course: the course's files, the cache's index, the
network cache and the site's vendored files are written through the same rule (a reader sees
the old file or the new one, never half of one).
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from kb.errors import ContentError

_SPECIAL = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
            stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def cache_home() -> Path:
    """kb's cache shared by every course of this user: ``$KB_CACHE_HOME``, else
    ``$XDG_CACHE_HOME/kb``, else ``~/.cache/kb``."""
    if os.environ.get("KB_CACHE_HOME"):
        return Path(os.environ["KB_CACHE_HOME"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kb"


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``flock`` on the folder itself, no lock file): two
    commands editing files in it take turns, so neither edit is lost."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def read_limited(path: Path | str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, but never more than ``max_bytes + 1`` of them:
    a result longer than ``max_bytes`` means the file is larger than kb reads.

    Opened without blocking, so a FIFO swapped in after the listing cannot hang the caller;
    raises OSError when the file cannot be opened or is not a regular file.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since the listing
            raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
        return handle.read(max_bytes + 1)


class NotRegularFile(OSError):
    """What :func:`read_limited` found is not a regular file (any more)."""


def publish_folder(out: Path, target: Path, marker: str) -> None:
    """Move the finished folder ``out`` to ``target`` in one rename; when another process got
    there first (its ``marker`` file is in place), keep theirs and leave ``out`` to be removed."""
    try:
        out.rename(target)
    except OSError:
        if not (target / marker).is_file():
            raise


def atomic_write(path: Path, text: str | bytes, *, overwrite: bool = True) -> None:
    """Write ``text`` to ``path`` all at once: a reader sees the old file or the new, never half.

    ``text`` as str is written as UTF-8 with "\\n" line ends; bytes are written as they are.

    With ``overwrite=False`` an existing file is left untouched and ContentError is raised.
    """
    try:
        tmp = _temporary(path, text, sync=True)
    except OSError as exc:  # named by the file it was to become, not its temporary name
        exc.filename = str(path)
        raise
    try:
        _place(tmp, path, overwrite)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_all(files: Sequence[tuple[Path, str | bytes, bool]]) -> dict[Path, ContentError]:
    """:func:`atomic_write` for many (path, text, overwrite) at once, as a batch.

    Each file is still whole or absent: all are written to temporary files first, their data
    reach the disk with one flush of their file system (:func:`_sync_file_systems`), and only
    then is any moved into place. One ``fsync`` per file made a 1,371-entry import wait
    seconds on the disk (each commits the file system's journal). Returns the files left
    alone because they existed and ``overwrite`` was False, with their error.
    """
    temps: list[tuple[Path, str, bool]] = []
    try:
        folders = {path.parent for path, _, _ in files}
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        for path, text, overwrite in files:
            tmp, fd = _write_temporary(path, text)
            os.close(fd)
            temps.append((path, tmp, overwrite))
        if temps:
            _sync_file_systems(folders)
        refused: dict[Path, ContentError] = {}
        for path, tmp, overwrite in temps:
            try:
                _place(tmp, path, overwrite)
            except ContentError as exc:
                refused[path] = exc
        return refused
    finally:
        for _, tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _sync_file_systems(folders: Iterable[Path]) -> None:
    """Bring everything written to the file systems holding ``folders`` to the disk: Linux's
    ``syncfs`` (those file systems only, one journal commit each), elsewhere ``os.sync``.
    Raises OSError when the disk reports a failed write (a full or failing disk)."""
    import ctypes

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # not Linux: flush everything
        os.sync()
        return
    devices: set[int] = set()
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        try:
            device = os.fstat(fd).st_dev
            if device not in devices:
                devices.add(device)
                if syncfs(fd) != 0:
                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code), str(folder))
        finally:
            os.close(fd)


def _temporary(path: Path, text: str | bytes, *, sync: bool) -> str:
    """``text`` written to a new hidden file beside ``path`` (with ``sync``: on the disk); its
    name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, fd = _write_temporary(path, text)
    try:
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def _write_temporary(path: Path, text: str | bytes) -> tuple[str, int]:
    """``text`` written to a new hidden file ``.<name>.<8 random characters>.tmp`` beside
    ``path`` (whose folder exists); its name and its descriptor, still open. Its mode is the
    replaced file's, or for a new file the one the umask gives."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    mode = _replaced_mode(path)
    for _ in range(100):
        # os.urandom, as secrets.token_hex reads it, without the imports of secrets (random,
        # hmac, base64: 3 ms of every command)
        tmp = f"{path.parent}/.{path.name}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return tmp, fd


def _place(tmp: str, path: Path, overwrite: bool) -> None:
    """Move the synced ``tmp`` to ``path``; without ``overwrite`` only where no file is."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails if the file exists: no silent overwrite, no race
    except FileExistsError:
        raise ContentError("the file exists already and was not overwritten",
                           path=path, fix="choose another key") from None
    os.unlink(tmp)


_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp$")
STALE_TEMP_SECONDS = 60.0  # a live write holds its temporary file for milliseconds


def _replaced_mode(path: Path) -> int | None:
    """The mode of the file ``path`` that a write replaces (kept), or None for a new file."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def output_problem(path: Path) -> str | None:
    """Why kb will not write an output file at ``path``, or None: it replaces only a regular
    file, or creates a new one in a folder that exists (never a link, a pipe, a device)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            return f"the folder {str(path.parent)!r} does not exist"
        return None
    except OSError as exc:
        return f"cannot use it: {exc.strerror}"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link; kb writes only to a regular file or a new path"
    if not stat.S_ISREG(info.st_mode):
        return "it is " + _SPECIAL.get(stat.S_IFMT(info.st_mode), "a special file") + \
            ", not a regular file"
    return None


def remove_stale_temp_files(folder: Path, *, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temporary files that killed writes of :func:`atomic_write` left in ``folder``
    (those older than ``older_than`` seconds, so a write in progress keeps its own); returns them."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    with os.scandir(folder) as entries:
        for entry in entries:
            if not _TEMP_RE.match(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime >= older_than:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except FileNotFoundError:  # its write finished or another run removed it
                continue
    return sorted(removed)
