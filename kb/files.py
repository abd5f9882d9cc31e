"""Which files in a content folder kb reads (shared by the loader and the cache's sync), and
writing a file whole or not at all.

Standard library only: the search process lists folders through this without importing the
content models.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from kb.errors import ContentError

INDEX_PAGES = ("index.md", "README.md")


def scan_folder(folder: Path, skip: tuple[str, ...] = ()) -> tuple[list[os.DirEntry[str]], list[Path]]:
    """What kb reads in ``folder``: its .md files sorted by name, and the other files, which it
    ignores (kb check warns about them). Hidden files, sub-folders and ``skip`` names are left
    out. The cache's sync lists files through this too, so both agree on what a page is."""
    if not folder.is_dir():
        return [], []
    pages, strays = [], []
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith(".") or entry.name in skip or entry.is_dir():
                continue
            if entry.name.endswith(".md"):
                pages.append(entry)
            else:
                strays.append(Path(entry.path))
    return pages, strays


def atomic_write(path: Path, text: str | bytes, *, overwrite: bool = True) -> None:
    """Write ``text`` to ``path`` all at once: a reader sees the old file or the new, never half.

    ``text`` as str is written as UTF-8 with "\\n" line ends; bytes are written as they are.

    With ``overwrite=False`` an existing file is left untouched and ContentError is raised.
    """
    tmp = _temporary(path, text, sync=True)
    try:
        _place(tmp, path, overwrite)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_all(files: Sequence[tuple[Path, str | bytes, bool]]) -> dict[Path, ContentError]:
    """:func:`atomic_write` for many (path, text, overwrite) at once, as a batch.

    Each file is still whole or absent, but the data of all of them reach the disk with one
    sync before any is moved into place, instead of one sync per file (which made a
    1,371-entry import spend seconds waiting on the disk). Returns the files left alone
    because they existed and ``overwrite`` was False, with their error.
    """
    temps: list[tuple[Path, str, bool]] = []
    try:
        for path, text, overwrite in files:
            temps.append((path, _temporary(path, text, sync=not hasattr(os, "sync")), overwrite))
        if hasattr(os, "sync"):
            os.sync()
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


def _temporary(path: Path, text: str | bytes, *, sync: bool) -> str:
    """``text`` written to a new hidden file beside ``path`` (with ``sync``: on the disk); its
    name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        handle: IO[Any] = (os.fdopen(fd, "wb") if isinstance(text, bytes)
                           else os.fdopen(fd, "w", encoding="utf-8", newline="\n"))
        with handle:
            handle.write(text)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


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
