"""``kb init``: a new course repository from the templates shipped with kb.

It holds what the course needs to build, here and in CI: mkdocs.yml with the kb plugin, an
example paper, session and poster, a .gitignore, and a GitHub Actions workflow that checks
the course, builds the site and publishes it with GitHub Pages (``.github/workflows/site.yml``).
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from kb.fs import atomic_write
from kb.errors import KbError

TEMPLATE = "templates/init"
MARKERS = ("mkdocs.yml", "papers", "docs")


def _dotted(rel: str) -> str:
    """``dot-github/workflows/site.yml`` -> ``.github/workflows/site.yml``: the templates keep
    no dot-files, which package data would leave out."""
    return "/".join("." + part[4:] if part.startswith("dot-") else part for part in rel.split("/"))


def _template_files() -> list[tuple[str, str]]:
    """(relative path, text) of every template file."""
    root = resources.files("kb").joinpath(TEMPLATE)
    out: list[tuple[str, str]] = []

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, rel + "/")
            elif not child.name.endswith((".pyc",)):
                out.append((_dotted(rel), child.read_text("utf-8")))

    walk(root, "")
    return out


def init_course(directory: Path, *, title: str = "My Reading Group") -> list[Path]:
    """Write a new, valid course repository into ``directory`` (created if missing).

    Refuses, writing nothing, when ``directory`` already holds a course.
    """
    existing = [m for m in MARKERS if (directory / m).exists()]
    if existing:
        raise KbError(f"{directory} already holds {', '.join(existing)}; kb init writes only "
                      "into a new or empty folder", path=directory,
                      fix="choose a new folder, or use the existing course as it is")
    files = _template_files()
    written = []
    for rel, text in files:
        text = text.replace('"__TITLE__"', json.dumps(title, ensure_ascii=False))
        path = directory / rel
        if rel == ".gitignore" and path.exists():  # the folder's own: kb's lines added to it
            merged = _merged_ignore(path.read_text(encoding="utf-8", errors="replace"), text)
            if merged is None:
                continue
            atomic_write(path, merged)
        else:
            atomic_write(path, text, overwrite=False)
        written.append(path)
    return written


def _merged_ignore(own: str, ours: str) -> str | None:
    """``own`` .gitignore with the lines of kb's that it lacks appended (None: it has them)."""
    have = {line.strip() for line in own.splitlines()}
    lines = ours.splitlines()
    missing = [line for line in lines if line.strip() and not line.startswith("#")
               and line.strip() not in have]
    if not missing:
        return None
    comments = [line for line in lines if line.startswith("#")]
    return own + ("" if own.endswith("\n") or not own else "\n") + "\n".join([*comments, *missing]) + "\n"
