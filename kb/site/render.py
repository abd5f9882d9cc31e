"""Escaping, templates and citations: the pieces every page renderer shares.

Paper files are untrusted text. Whatever lands in HTML goes through a Jinja environment
with autoescape (or :func:`html.escape`); whatever lands in Markdown goes through
:func:`md_escape` (text) or :func:`md_code` (a code span); the curator's notes are
rendered by :class:`SafeMarkdown`, a Markdown instance with raw HTML switched off.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

import jinja2
import markdown as markdown_lib

from kb.errors import KbError
from kb.model.entries import Paper
from kb.model.names import lead_authors, name_list, short_authors
from kb.model.reading_time import duration
from kb.model.venues import short_venue



class SiteError(KbError):
    """What stops a site build; its text is the whole message a generator shows."""


FILE_EXTENSIONS = frozenset({"pymdownx.snippets", "markdown_include.include", "mdx_include"})
_HEADING_RE = re.compile(r"<(/?)h([1-6])(?=[\s>])")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")
_BREAK_RE = re.compile(r"[ \t]*[\r\n]+[ \t]*")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja environment of kb's HTML fragments: autoescape on, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kb.site", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["short_authors"] = short_authors
    env.filters["name_list"] = name_list
    env.filters["paragraphs"] = paragraphs
    env.filters["short_venue"] = short_venue
    env.filters["duration"] = duration
    env.globals["safe_url"] = safe_url
    return env


def fragment(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` into one raw HTML block that Markdown passes through.

    Blank lines are dropped, because Markdown would end the HTML block at the first one.
    """
    text = environment().get_template(template).render(**context)
    return "\n".join(line for line in text.splitlines() if line.strip())


def safe_url(value: str | None) -> bool:
    """Only http(s) links become hrefs (no javascript: or data: from a content file)."""
    return bool(value) and urlparse(value or "").scheme in ("http", "https")


def md_escape(text: str) -> str:
    """``text`` made safe for a Markdown inline context: HTML escaped, Markdown syntax quoted,
    line breaks made spaces (a line of its own could start a heading, a list or a table row)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(_one_line(text), quote=False))


def md_code(text: str) -> str:
    """``text`` as a Markdown code span (shown as it is, HTML escaped by Markdown) that no
    backtick inside it can end early: the fence is one backtick longer than its longest run."""
    text = _one_line(text)
    if not text.strip():
        return ""
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _one_line(text: str) -> str:
    return _BREAK_RE.sub(" ", text) if "\n" in text or "\r" in text else text


def cite_label(paper: Paper) -> str:
    """The visible text of a citation: 'Vaswani et al. 2017'."""
    names = lead_authors(paper.authors or paper.editors, both=" & ") or paper.title
    return f"{names} {paper.year}" if paper.year else names


def paragraphs(text: str | None) -> list[str]:
    """A plain-text field split into paragraphs at blank lines (for <p> elements)."""
    if not text:
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def fence(code: str, lang: str = "") -> str:
    """A fenced code block that no backtick run inside ``code`` can close early."""
    longest = max((len(m.group(0)) for m in re.finditer(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"


class SafeMarkdown:
    """Markdown with the site's extensions but without raw HTML: tags show as text.

    For the curator's notes in paper files, which the site treats as untrusted text.
    """

    def __init__(self, extensions: list[Any], configs: dict[str, Any]):
        # extensions that read files from disk have no place in untrusted text
        extensions = [e for e in extensions if not (isinstance(e, str) and e in FILE_EXTENSIONS)]
        configs = {k: v for k, v in configs.items() if k not in FILE_EXTENSIONS}
        self._md = markdown_lib.Markdown(extensions=extensions, extension_configs=configs)
        self._md.preprocessors.deregister("html_block")  # raw HTML shows as text
        self._md.inlinePatterns.deregister("html")

    def convert(self, text: str, *, shift: int = 0) -> str:
        """``text`` as HTML; headings moved ``shift`` levels down (to sit below the page's)."""
        self._md.reset()
        out = self._md.convert(text)
        if shift:
            out = _HEADING_RE.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}", out)
        return out
