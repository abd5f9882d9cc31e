"""Which files in a content folder kb reads (shared by the loader and the cache's sync).

Standard library only: the search process lists folders through this without importing the
content models.
"""

from __future__ import annotations

import errno
import operator
import os
import stat
from pathlib import Path

from kb.fs import _SPECIAL

INDEX_PAGES = ("index.md", "README.md")
_NAME = operator.attrgetter("name")


NOT_READ_FIX = "replace it with a regular UTF-8 file inside the course, or remove it"


def file_problem(path: Path, *, inside: tuple[Path, ...] = ()) -> str | None:
    """Why kb will not read ``path``, or None: kb reads only regular files, through symbolic
    links only when the target lies in one of the folders ``inside`` (when given)."""
    try:
        info = os.stat(path)  # follows symbolic links
    except FileNotFoundError:
        if path.is_symlink():
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
        return "the file does not exist"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop (the link leads back to itself)"
        return f"cannot be read: {exc.strerror}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file but " + _SPECIAL.get(stat.S_IFMT(info.st_mode), "a special file")
    if not os.access(path, os.R_OK):
        return "permission denied: kb cannot read the file"
    if inside and path.is_symlink():
        target = path.resolve()
        if not any(target.is_relative_to(folder.resolve()) for folder in inside):
            return f"a symbolic link to {target}, outside the course"
    return None


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symbolic link loop: not a folder, and file_problem says what it is
        return False


def _regular(entry: os.DirEntry[str]) -> os.stat_result | None:
    """The stat of a plain regular file (not a link), made once and kept by the entry; None
    for anything else, which :func:`_other` looks at closely."""
    try:
        if entry.is_file(follow_symlinks=False):
            info = entry.stat()
            if stat.S_ISREG(info.st_mode):
                return info
    except OSError:
        pass
    return None


def _other(entry: os.DirEntry[str], inside: tuple[Path, ...]) -> tuple[os.stat_result | None, str | None]:
    """An .md entry that is not a plain regular file: (its stat, None) for a link to a page kb
    reads, (None, why) for one kb refuses (:func:`file_problem`), (None, None) for a folder."""
    if _is_dir(entry):
        return None, None
    problem = file_problem(Path(entry.path), inside=inside)
    if problem is None:
        try:
            return entry.stat(), None
        except OSError as exc:
            problem = f"cannot be read: {exc.strerror}"
    return None, problem


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    if not folder.is_dir():
        return []
    with os.scandir(folder) as listing:
        return sorted(listing, key=_NAME)


def scan_folder(folder: Path, skip: tuple[str, ...] = (), *, inside: tuple[Path, ...] = ()
                ) -> tuple[list[os.DirEntry[str]], list[Path], list[tuple[Path, str]]]:
    """What kb reads in ``folder``: its .md files sorted by name, the other files, which it
    ignores (kb check warns about them), and the .md entries it refuses to read with the reason
    (see :func:`file_problem`: FIFOs, devices, broken links, links out of ``inside``). Hidden
    files (among them the temporary files of :func:`atomic_write`), sub-folders and ``skip``
    names are left out. The cache's sync lists files by the same rule, with the loader's
    ``inside`` (:func:`page_states`), so both agree on what a page is.

    A plain regular file costs one stat: a library of 100,000 papers is listed on every
    command. Whether it can be read is found out by opening it (:func:`read_limited`,
    kb.course.load.read_text), which reports a file that cannot be read as such; links and special
    files get :func:`file_problem`'s full checks.
    """
    limits = (*inside, folder) if inside else ()
    pages, strays, refused = [], [], []
    for entry in _entries(folder):
        name = entry.name
        if name.startswith(".") or name in skip:
            continue
        if not name.endswith(".md"):
            if not _is_dir(entry):
                strays.append(Path(entry.path))
            continue
        if _regular(entry) is not None:
            pages.append(entry)
            continue
        info, problem = _other(entry, limits)
        if info is not None:
            pages.append(entry)
        elif problem is not None:
            refused.append((Path(entry.path), problem))
    return pages, strays, refused


def nested_files(folder: Path) -> list[Path]:
    """Every file in the sub-folders of ``folder``, at any depth, sorted (hidden files and
    folders left out, as the generator leaves them out; links to folders not followed)."""
    out: list[Path] = []
    if not folder.is_dir():
        return out
    for path, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if Path(path) != folder:
            out.extend(Path(path) / n for n in sorted(names) if not n.startswith("."))
    return out


def page_states(folder: Path, *, inside: tuple[Path, ...] = ()) -> dict[str, tuple[int, int]]:
    """The pages of :func:`scan_folder` (the same rule, the same ``inside``) as name without
    ".md" -> (mtime_ns, size), in one pass in the folder's own order: the stat that decided
    a file is a page gives its time and size."""
    limits = (*inside, folder) if inside else ()
    out: dict[str, tuple[int, int]] = {}
    if not folder.is_dir():
        return out
    with os.scandir(folder) as listing:  # each entry let go as soon as it is seen
        for entry in listing:
            name = entry.name
            if name.startswith(".") or not name.endswith(".md"):
                continue
            info = _regular(entry) or _other(entry, limits)[0]
            if info is not None:
                out[name[:-3]] = (info.st_mtime_ns, info.st_size)
    return out
