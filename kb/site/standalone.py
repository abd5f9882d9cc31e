"""Untrusted Markdown made safe before a generator sees it, for ``kb site export``.

With the kb plugin, untrusted pages (papers, posters, any page when ``trust_html: false``)
are sanitised after Markdown, in the generator. A generator without kb renders what it is
given, so the export renders such text itself, with the site's extensions, and sanitises it
with the same policy (:func:`kb.site.sanitize.clean`). What reaches the generator is plain
HTML blocks, which it passes through, and the text's own top-level headings as Markdown
headings (plain text, escaped), so that they stay in the page's table of contents. Relative
links are rewritten as the generator would rewrite them in Markdown (a page's ``.md`` to its
URL, relative to the page's URL), since it leaves links in HTML blocks alone.
"""

from __future__ import annotations

import html as html_lib
import posixpath
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import markdown as markdown_lib

from kb.site.render import md_escape
from kb.site.sanitize import clean
from kb.site.urls import relative_url

_LINK_RE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_HEADERLINK_RE = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


class _TopHeadings(HTMLParser):
    """The offsets of the headings that are not inside another element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.found: list[tuple[int, int, int]] = []  # (level, start line, start column)
        self._open: tuple[int, int, int] | None = None
        self.ends: list[tuple[int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if self.depth == 0 and re.fullmatch(r"h[1-6]", tag):
            self._open = (int(tag[1]), *self.getpos())
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self.depth = max(0, self.depth - 1)
        if self.depth == 0 and self._open is not None and re.fullmatch(r"h[1-6]", tag):
            self.found.append(self._open)
            self.ends.append(self.getpos())
            self._open = None


def _offset(text: str, line: int, column: int) -> int:
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    return starts[line - 1] + column


def _blocks(body: str) -> Iterable[str]:
    """Clean HTML as HTML blocks, its top-level headings as Markdown headings."""
    parser = _TopHeadings()
    parser.feed(body)
    parser.close()
    at = 0
    for (level, line, column), (end_line, end_column) in zip(parser.found, parser.ends):
        start = _offset(body, line, column)
        end = body.index(">", _offset(body, end_line, end_column)) + 1
        if body[at:start].strip():
            yield f'<div class="kb-body">\n{body[at:start].strip()}\n</div>'
        inner = _HEADERLINK_RE.sub("", body[body.index(">", start) + 1:body.rindex("<", start, end)])
        title = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", inner)).split())
        if title:
            yield "#" * level + " " + md_escape(title)
        at = end
    if body[at:].strip():
        yield f'<div class="kb-body">\n{body[at:].strip()}\n</div>'


def sanitised(markdown: str, src: str, *, extensions: Iterable[Any], configs: Mapping[str, Any],
              url: Callable[[str], str], known: Collection[str]) -> str:
    """Untrusted ``markdown`` of page ``src`` as clean HTML blocks and plain headings;
    ``url`` maps a source path to its URL, ``known`` holds every source path of the site."""
    md = markdown_lib.Markdown(extensions=list(extensions), extension_configs=dict(configs))
    here = url(src)

    def link(match: re.Match[str]) -> str:
        value = html_lib.unescape(match.group(2))
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or not parts.path or value.startswith("/"):
            return match.group(0)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src), parts.path))
        if target not in known:  # left as written, as the generator leaves it
            return match.group(0)
        new = relative_url(url(target), here) + (f"#{parts.fragment}" if parts.fragment else "")
        return match.group(1) + html_lib.escape(new) + match.group(3)

    body = _LINK_RE.sub(link, clean(md.convert(markdown)))
    return "\n\n".join(_blocks(body))
