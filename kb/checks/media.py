"""A poster's ``file:`` (a PDF) and ``image:`` (PNG, JPEG, GIF, WebP): the one rule for both,
used by ``kb check`` and by the site build, which copies the files it accepts.

Each value is a path relative to the poster's own file, inside the course repository, of a
file that exists and has the field's type. In this order, a value is refused when it:

1. holds a control, bidi or zero-width character (a NUL byte, a newline; the characters
   ``control-char`` names elsewhere, by :func:`kb.model.markup.control_problem`): ``media-path``,
   which the build cannot do without (``control-char`` leaves these two fields to it);
2. is absolute (``/home/me/poster.png``, ``C:\\poster.png``): it names a file on one machine
   only (``media-path``, with the relative path when the file is in the repository);
3. leads outside the course repository (``../../../etc/x.pdf``, or a link out): ``media-path``;
4. has another type than the field's (``.svg``, ``.txt``, an image under ``file:``): ``media-type``,
   naming a file beside it with the same name and a type that fits;
5. names no file: ``media-missing``, with the nearest file names ("did you mean ...?").
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from kb.course.config import Config
from kb.model.entries import Issue, Poster, Project
from kb.model.issue_codes import issue
from kb.model.markup import control_problem
from kb.model.media import POSTER_MEDIA
from kb.model.suggest import suggest

#: the suffixes each field takes: kb.model.media's, the site's publishing rule too
KINDS: dict[str, tuple[str, ...]] = {name: tuple(sorted(s)) for name, s in POSTER_MEDIA.items()}
#: Files looked at for a "did you mean" when the named folder does not exist.
MAX_CANDIDATES = 2000


@dataclass(frozen=True)
class PosterFile:
    """One accepted file of a poster: its field (file or image) and its resolved path."""

    field: str
    path: Path


def _kinds(suffixes: tuple[str, ...]) -> str:
    return ", ".join(sorted(suffixes))


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def _candidates(value: str, target: Path, here: Path, root: Path, allowed: tuple[str, ...]) -> list[str]:
    """Files of the field's type the user may have meant, written as paths from ``here``."""
    folder = target.parent
    if folder.is_dir() and folder.is_relative_to(root):
        head = posixpath.dirname(value)
        return [posixpath.join(head, p.name) for p in sorted(folder.iterdir())
                if p.suffix.lower() in allowed and p.is_file()]
    found: list[str] = []
    for path in here.rglob("*"):
        if len(found) >= MAX_CANDIDATES:
            break
        if path.suffix.lower() in allowed and path.is_file():
            found.append(_relative(path, here))
    return sorted(found)


def _one(config: Config, name: str, value: str, here: Path, where: str,
         line: int | None) -> PosterFile | Issue:
    """The file ``value`` of field ``name`` names, or the issue that refuses it."""
    allowed = KINDS[name]
    root = config.root
    control = control_problem(value)
    if control:
        return issue("media-path", where, f"{value!r} holds an invisible character ({control[1]})",
                     field=name, line=line,
                     fix="write the path again without it, relative to the poster's file")
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute() \
            or PureWindowsPath(value).drive:
        fix = None
        try:
            target = Path(value).resolve()
            if target.is_relative_to(root) and target.is_file():
                fix = f"write it relative to the poster's file: {_relative(target, here)}"
        except (OSError, RuntimeError, ValueError):
            pass
        return issue("media-path", where, f"{value!r} is an absolute path, which names a file on "
                     "one machine only", field=name, line=line, fix=fix)
    try:
        target = (here / value).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, say
        return issue("media-path", where, f"{value!r} cannot be followed: {exc}", field=name,
                     line=line)
    if not target.is_relative_to(root):
        return issue("media-path", where, f"{value!r} lies outside the course repository",
                     field=name, line=line)
    suffix = target.suffix.lower()
    if suffix not in allowed:
        beside = [p for p in (target.with_suffix(s) for s in allowed) if p.is_file()]
        fix = f"give a {_kinds(allowed)} file"
        if name == "file" and suffix in KINDS["image"]:
            fix += "; put images under image:"
        elif suffix == ".svg":
            fix += " (export the SVG as PNG: a browser runs the scripts an SVG may hold)"
        if beside:
            fix = f"did you mean {posixpath.join(posixpath.dirname(value), beside[0].name)}? If not, {fix}"
        return issue("media-type", where, f"{value!r} is not a {_kinds(allowed)} file",
                     field=name, line=line, fix=fix)
    if not target.is_file():
        what = "is not a regular file" if target.exists() else "does not exist"
        return issue("media-missing", where, f"{value!r} {what} (looked for {config.relative(target)})",
                     field=name, line=line,
                     fix=suggest(value, _candidates(value, target, here, root, allowed),
                                 "correct the path; it is relative to the poster's file"))
    return PosterFile(name, target)


def poster_files(config: Config, project: Project, poster: Poster) -> tuple[list[PosterFile], list[Issue]]:
    """The files ``poster`` shows (its ``file:`` and ``image:``) and the issues of the values
    refused (see the module docstring)."""
    source = project.source("poster", poster.slug)
    here = (config.root / source.path).parent
    files: list[PosterFile] = []
    issues: list[Issue] = []
    for name in KINDS:
        value = getattr(poster, name)
        if not value:
            continue
        found = _one(config, name, value, here, source.path, source.line(name))
        if isinstance(found, PosterFile):
            files.append(found)
        else:
            issues.append(found)
    return files, issues


def check_media(project: Project, config: Config) -> Iterator[Issue]:
    """An issue for each poster ``file:`` or ``image:`` the site could not show."""
    for poster in project.posters:
        yield from poster_files(config, project, poster)[1]
