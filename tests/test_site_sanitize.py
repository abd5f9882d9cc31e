"""The site's one sanitising policy: papers and posters are untrusted, sessions trusted by default."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from conftest import paper, write
from kb.site.sanitize import clean, clean_text
from planted import plant_site_payloads
from site_helpers import article, build_site, set_option

class _Live(HTMLParser):
    """Collects every element or attribute of ``html`` that could run script."""

    BANNED = frozenset({"script", "iframe", "svg", "object", "embed", "form", "base", "meta", "style", "math"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BANNED:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = "".join((value or "").split()).lower()
            if name.startswith("on") or name == "style" or (name == "id" and value == "__config"):
                self.found.append(f"<{tag} {name}>")
            elif name in ("href", "src", "action", "data", "formaction") and \
                    value.startswith(("javascript:", "data:", "vbscript:")):
                self.found.append(f"<{tag} {name}={value}>")


def live_markup(html: str) -> list[str]:
    parser = _Live()
    parser.feed(html)
    return parser.found


@pytest.fixture
def planted(course: Path) -> Path:
    set_option(course, "related", "0")
    plant_site_payloads(course)
    return course


def test_policy_drops_script_handlers_and_bad_schemes_in_every_spelling() -> None:
    dirty = ('<p onclick="x()">a</p><a href="&#106;avascript:alert(1)">b</a>'
             '<a href="JaVaScRiPt:alert%281%29">c</a><a href=" java&#x09;script:x">d</a>'
             '<img src="data:text/html,x" onerror="alert(1)"><script>alert(1)</script>'
             '<svg onload="alert(1)"><a href="x">e</a></svg><div id="__config" class="md-dialog x">f</div>')
    out = clean(dirty)
    assert live_markup(out) == []
    assert out == ('<p>a</p><a>b</a><a>c</a><a>d</a><img><div class="x">f</div>')


def test_policy_keeps_what_markdown_and_the_extensions_produce() -> None:
    html = ('<h2 id="x">T<a class="headerlink" href="#x" title="Permanent link">¶</a></h2>'
            '<div class="admonition note"><p class="admonition-title">Note</p></div>'
            '<table><thead><tr><th align="left">a</th></tr></thead></table>'
            '<div class="highlight"><pre><span></span><code><span class="nt">x</span></code></pre></div>'
            '<ul class="task-list"><li><input type="checkbox" disabled="" checked=""> done</li></ul>'
            '<p><a href="../other/">rel</a> <a href="https://example.org/">abs</a> '
            '<a href="mailto:a@example.org">mail</a> <img alt="f" src="fig.png"></p>')
    assert clean(html) == html


def test_clean_text_leaves_only_escaped_text() -> None:
    assert clean_text('<img src=x onerror="alert(1)"> heading &amp; <b>bold</b>') == \
        " heading &amp; bold"


def test_planted_paper_and_poster_pages_carry_no_live_markup(planted: Path) -> None:
    site = build_site(planted, strict=False)
    paper_page = (site / "papers/evil2024notes/index.html").read_text(encoding="utf-8")
    poster_page = (site / "posters/evil-poster/index.html").read_text(encoding="utf-8")
    for page in (paper_page, poster_page):
        assert live_markup(article(page)) == []
    notes = article(paper_page)
    assert '<img alt="figure" src="x.png">' in notes      # the image stays, its handler goes
    assert '<a href="#top">focus me</a>' in notes
    assert "<a>reference style</a>" in notes and "<a>entity</a>" in notes
    body = article(poster_page)
    assert "<p>Inside <em>a div</em>.</p>" in body and "Poster notes, kept as text." in body
    assert '<h2 id="heading"><img src="x"> heading' in body
    assert 'data-key="evil2024notes"' in body           # kb's own cards pass the policy
    toc = re.findall(r'href="#heading"[^>]*>\s*<span class="md-ellipsis">\s*(.*?)\s*</span>',
                     poster_page, re.S)
    assert set(toc) == {"heading"}
    index = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert "<script>" not in index and "<img src=x" not in index


SESSION = """---
session: 2
title: Instructor's page
---
<div class="embed"><script>window.kbSessionScript = 1;</script></div>
<b onclick="void 0">bold</b>
"""


def test_session_pages_keep_raw_html_unless_the_config_says_otherwise(planted: Path) -> None:
    write(planted, "docs/sessions/02-instructor.md", SESSION)
    page = article((build_site(planted, strict=False) / "sessions/02-instructor/index.html")
                   .read_text(encoding="utf-8"))
    assert "<script>window.kbSessionScript = 1;</script>" in page
    assert '<b onclick="void 0">bold</b>' in page
    set_option(planted, "trust_html", "false")
    page = article((build_site(planted, strict=False) / "sessions/02-instructor/index.html")
                   .read_text(encoding="utf-8"))
    assert live_markup(page) == []
    assert "<b>bold</b>" in page


def test_too_many_tags_is_an_error_naming_the_file_not_a_slow_build(
        course: Path, caplog: pytest.LogCaptureFixture) -> None:
    set_option(course, "related", "0")
    tags = [f"t{i}" for i in range(5000)]
    write(course, "papers/tagged2020many.md", paper("tagged2020many", tags=tags))
    with pytest.raises(Abort):
        build_site(course)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "papers/tagged2020many.md:" in logged
    assert "5000 tags, more than the 50 kb accepts (too-many-tags" in logged
