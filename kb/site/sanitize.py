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
"""

from __future__ import annotations

from functools import lru_cache

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
    return _cleaner().clean(html)


def clean_text(html: str) -> str:
    """``html`` reduced to escaped text: for titles and table-of-contents labels."""
    return nh3.clean(html, tags=set(), clean_content_tags=set(CLEAN_CONTENT))
