"""Where a site source path ends up, and links between pages: the rules of MkDocs 1.x.

kb's pages link to one another with hrefs relative to the page that holds them. The rules are
MkDocs' (``File.url`` and ``get_relative_url``), which ProperDocs and Zensical keep, so the
same links hold in a site built by any of them with the same ``use_directory_urls``.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")


def is_page(src: str) -> bool:
    """Whether ``src`` is a Markdown page (else a file copied as it is)."""
    return src.lower().endswith(MARKDOWN_SUFFIXES)


def page_url(src: str, directory_urls: bool = True) -> str:
    """The URL of source path ``src`` relative to the site root: ``papers/x.md`` -> ``papers/x/``."""
    if not is_page(src):
        return quote(src)
    parent, filename = posixpath.split(src)
    stem = posixpath.splitext(filename)[0]
    stem = "index" if stem == "README" else stem
    if not directory_urls or stem == "index":
        dest = posixpath.join(parent, stem + ".html")
    else:
        dest = posixpath.join(parent, stem, "index.html")
    dirname, name = posixpath.split(dest)
    if directory_urls and name == "index.html":
        dest = (dirname or ".") + "/"
    return quote(dest)


def _parts(path: str) -> list[str]:
    path = posixpath.normpath("/" + path.lstrip("/"))[1:]
    return path.split("/") if path else []


def relative_url(url: str, other: str) -> str:
    """``url`` relative to ``other`` (both from the site root; a last part with a dot in
    ``other`` is a file name and left out)."""
    dirname, _, basename = other.rpartition("/")
    if "." in basename:
        other = dirname
    other_parts, dest_parts = _parts(other), _parts(url)
    common = 0
    for a, b in zip(other_parts, dest_parts):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(other_parts) - common) + dest_parts[common:]) or "."
    return rel + "/" if url.endswith("/") else rel
