"""Results that explain themselves in the built site: excerpts, matched words, "no strong match".

This repository's site in headless Chromium (the fixtures of test_browser_search.py), against
``kb search`` on the same course: the site's explanation of each result is the CLI's.
"""

# ruff: noqa: F811  (the fixtures of test_browser_search.py, imported, are arguments here)
from __future__ import annotations

import functools
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import paper, write
from kb.search.embed import HashingEmbedder
from site_helpers import build_site, set_option
from test_browser import _Quiet
from test_browser_search import (  # noqa: F401  (fixtures)
    QUERIES, chromium, cli, page, playwright, search, site)

pytestmark = [pytest.mark.browser, pytest.mark.model]

LONG_DOCUMENTS = "making transformers handle very long documents efficiently"


def test_site_explains_results_as_the_cli_does(page, site: str, cli) -> None:  # type: ignore[no-untyped-def]
    page.goto(site)
    same = total = 0
    for query in QUERIES:
        theirs = {h["key"]: h for h in search(page, query, k=5)}
        for mine in cli.search(query, k=5):
            hit = theirs.get(mine.key)
            if hit is None:
                continue
            total += 1
            assert hit["matched"] == mine.matched, (query, mine.key)
            assert hit["strong"] == mine.strong or abs(mine.score - 0.5) < 0.01, (query, mine.key)
            excerpt = mine.excerpt.as_dict() if mine.excerpt else None
            if excerpt is None or excerpt["by"] == "words":
                assert hit["excerpt"] == excerpt, (query, mine.key)
            same += hit["excerpt"] == excerpt and hit["why"] == mine.why
    # by meaning, the int8 vectors may pick another sentence of the same paper, rarely
    assert total >= 30 and same >= 0.9 * total, (same, total)
    assert page.errors == []


def test_search_page_shows_the_excerpt_with_its_words_marked(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + "search/?query=reward+model+over-optimisation")
    page.wait_for_function("document.querySelector('.kb-search__status').textContent"
                           ".includes('words and meaning')", timeout=60_000)
    first = page.locator(".kb-search__result").first
    assert first.get_attribute("data-key") == "gao2022scaling"
    excerpt = first.locator(".kb-search__excerpt")
    assert excerpt.get_attribute("data-by") == "words"
    marked = [m.lower() for m in excerpt.locator("mark").all_inner_texts()]
    assert {"reward", "model"} <= set(marked) and "over-optimisation" in excerpt.inner_text()
    assert "matches: reward, model, optimisation" in first.inner_text()
    assert page.errors == []


def test_search_page_says_when_nothing_is_a_strong_match(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site)
    hits = page.evaluate("q => window.kb.search(q, {k: 5}).then(r => ({strong: r.strong, "
                         "each: r.map(h => h.strong)}))", LONG_DOCUMENTS)
    assert hits == {"strong": False, "each": [False] * 5}
    assert page.evaluate("q => window.kb.search(q, {k: 3, mode: 'keyword'}).then(r => "
                         "[r.strong, r[0].strong])", LONG_DOCUMENTS) == [None, None]
    page.goto(site + "search/?query=" + LONG_DOCUMENTS.replace(" ", "+"))
    page.wait_for_function("document.querySelector('.kb-search__status').textContent"
                           ".includes('words and meaning')", timeout=60_000)
    status = page.locator(".kb-search__status").inner_text()
    assert status.startswith(f"No strong match for \u201c{LONG_DOCUMENTS}\u201d; the nearest")
    assert page.locator(".kb-search__result").count() > 0
    assert page.errors == []


def test_excerpts_are_text_never_markup(course: Path, chromium) -> None:  # type: ignore[no-untyped-def]
    set_option(course, "related", "0")
    write(course, "papers/evil2024notes.md", paper(
        "evil2024notes", title="Reward hacking in the wild", tags=["rlhf"],
        summary="A reward model <img src=x onerror=alert(1)> is fooled; <b>bold</b> claims "
                "about reward <script>alert(2)</script> follow.").replace(
        "Notes.\n", "- The reward is <i>hacked</i> & nobody notices.\n"
                     "- It is hacked &lt;img src=x onerror=alert(3)&gt; again.\n"))
    folder = build_site(course, strict=False, embedder=HashingEmbedder())
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tab = chromium.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        tab.goto(f"http://127.0.0.1:{server.server_address[1]}/search/?query=reward+hacked")
        result = tab.locator(".kb-search__result[data-key=evil2024notes]")
        result.wait_for(timeout=20_000)
        excerpt = result.locator(".kb-search__excerpt")
        assert excerpt.inner_text() == "The reward is hacked & nobody notices."  # tags dropped
        assert excerpt.locator("mark").all_inner_texts() == ["reward", "hacked"]
        assert result.locator("img, b, i, script").count() == 0
        assert dialogs == []
    finally:
        tab.close()
        server.shutdown()
        server.server_close()
