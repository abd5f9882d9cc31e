"""The site's one sanitising policy for HTML that comes from untrusted content.

Everything written in ``papers/`` and in poster notes is untrusted: students write posters,
and paper files arrive by import. Their pages are rendered by Markdown as usual and the
resulting HTML then goes through :func:`clean`, which applies an allow-list with nh3 (the
Ammonia sanitiser). Nothing is filtered by regular expressions before Markdown: whatever
produced a tag or an attribute (raw HTML, an attribute list ``{: ...}``, a reference-style
link, an entity-encoded scheme), the parsed result is what the policy sees.

The policy keeps what Markdown and the common extensions produce (headings with anchors,
tables, code highlighting, admonitions, details, task lists, images) and drops

- elements that run or embed anything (``script``, ``style``, ``iframe``, ``object``,
  ``form``, ``svg``, ...), removed together with their content where that content is code;
- every event handler and ``style`` attribute (no attribute list can add them back);
- links and images whose URL scheme is not http, https or mailto (``javascript:``,
  ``data:``, ``vbscript:`` in any spelling); relative links stay;
- ids and names starting with ``__`` and classes starting with ``md-``, which the theme's
  own script and styles look up (no planted element can stand in for them).

Images stay only when they are the site's own: an image whose address is not relative
(``https://``, ``//host/``, any scheme) would be fetched from elsewhere by every reader's
browser, which tells that server who reads what (a tracking pixel). Such an image becomes a
link to its address, showing its alt text (:func:`_remote_images`); nothing loads unless a
reader clicks it.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache
from html.parser import HTMLParser

import nh3

URL_SCHEMES = frozenset({"http", "https", "mailto"})
TAGS = (nh3.ALLOWED_TAGS - {"map", "area"}) | {"input", "label"}
# Removed with their content, not just unwrapped: what is inside is code, not prose.
CLEAN_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object",
                           "embed", "svg", "math", "textarea", "select", "title"})
GENERIC = frozenset({"class", "id", "title", "lang", "dir", "role"})
ATTRIBUTES: dict[str, set[str]] = {
    "*": set(GENERIC),
    "a": {"href", "hreflang", "download"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "span": {"data-linenos"},       # pymdownx.highlight's line numbers
    "div": {"data-key"},            # kb's paper cards
    "label": {"for"},
    "input": {"checked", "disabled", "name"},
    "details": {"open"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "code": set(),
}
INPUT_TYPES = {"input": {"type": {"checkbox", "radio"}}}  # task lists, content tabs


def _filter(tag: str, name: str, value: str) -> str | None:
    if name in ("id", "name", "for") and value.startswith("__") and not value.startswith("__tabbed_"):
        return None
    if name == "class":
        kept = " ".join(c for c in value.split() if not c.startswith("md-"))
        return kept or None
    return value


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(TAGS), clean_content_tags=set(CLEAN_CONTENT), attributes=ATTRIBUTES,
        attribute_filter=_filter, url_schemes=set(URL_SCHEMES), tag_attribute_values=INPUT_TYPES,
        link_rel=None, strip_comments=True,
    )


def clean(html: str) -> str:
    """``html`` with the untrusted-content policy applied (see the module docstring)."""
    out = _cleaner().clean(html)
    return _remote_images(out) if "<img" in out else out


def is_remote(url: str) -> bool:
    """Whether a browser fetches ``url`` from another site: it has a scheme or starts with
    ``//``, read as a browser reads it (tabs and line breaks dropped, ``\\`` as ``/``)."""
    value = re.sub(r"[\t\n\r]", "", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b"
                                                   "\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
                                                   "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    value = value.replace("\\", "/")
    return value.startswith("//") or bool(_SCHEME_RE.match(value))


_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


class _Images(HTMLParser):
    """The ``<img>`` tags of clean HTML whose ``src`` is remote: (offset, length, src, alt,
    inside a link)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str, str, bool]] = []
        self.links = 0
        self._lines = [0]

    def feed_all(self, html: str) -> None:
        self._lines = [0, *(m.end() for m in re.finditer("\n", html))]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += 1
        if tag != "img":
            return
        values = {name: value or "" for name, value in attrs}
        if is_remote(values.get("src", "")):
            line, column = self.getpos()
            raw = self.get_starttag_text() or ""
            self.found.append((self._lines[line - 1] + column, len(raw), values["src"],
                               values.get("alt", ""), self.links > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.links = max(0, self.links - 1)


def _remote_images(html: str) -> str:
    """``html`` (clean) with each remote image made a link to it showing its alt text (just
    the alt text inside a link, which cannot hold another)."""
    parser = _Images()
    parser.feed_all(html)
    for at, length, src, alt, in_link in reversed(parser.found):
        label = html_lib.escape(alt.strip() or ("image" if in_link else src))
        shown = label if in_link else \
            f'<a class="kb-remote-image" href="{html_lib.escape(src)}">{label}</a>'
        html = html[:at] + shown + html[at + length:]
    return html


def clean_text(html: str) -> str:
    """``html`` reduced to escaped text: for titles and table-of-contents labels."""
    return nh3.clean(html, tags=set(), clean_content_tags=set(CLEAN_CONTENT))
