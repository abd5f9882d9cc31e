"""A course with every planted payload, built and opened page by page in headless Chromium.

Any dialog (alert, confirm, prompt) fails the test, and so does any element of any page whose
URL attribute holds a javascript: or data: URL or that carries an event handler attribute,
and any request to another host than the site's (a remote image in a poster's notes).
Issue 25's payloads (tests/planted.py: a poster's front matter for the theme, files in
docs/posters/media/, a backtick in a tag on the report page, remote images) are planted too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kb.course.scaffold import init_course
from planted import plant_site_payloads, plant_theme_payloads
from site_helpers import build_site, serve_folder, set_option

pytestmark = pytest.mark.browser

# Run in each page: what could still execute, found in the live DOM (not the HTML text).
FIND_LIVE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/\\s+/g, "").toLowerCase();
      if (attr.name.startsWith("on")) bad.push(el.tagName + " " + attr.name);
      if (["href", "src", "action", "formaction", "data", "srcdoc"].includes(attr.name) &&
          /^(javascript|data|vbscript):/.test(value)) bad.push(el.tagName + " " + attr.name + "=" + value);
    }
  }
  return bad;
}"""


# What a pointer and the keyboard do to each link, image and folded part of the article,
# dispatched to each in one call (as many Playwright hovers took a tenth of a second each): the
# events that fire inline handlers and listeners alike. Returns how many it reached.
POINT_AT_EVERYTHING = """() => {
  const all = document.querySelectorAll("article a, article img, article details, article summary");
  for (const el of all) {
    for (const type of ["pointerover", "pointerenter", "mouseover", "mouseenter", "mousemove"]) {
      el.dispatchEvent(new MouseEvent(type, {bubbles: !type.endsWith("enter"), view: window}));
    }
    for (const type of ["focus", "focusin"]) {
      el.dispatchEvent(new FocusEvent(type, {bubbles: type === "focusin"}));
    }
  }
  return all.length;
}"""


@pytest.fixture(scope="module")
def planted_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    root = tmp_path_factory.mktemp("planted") / "course"
    init_course(root, title="Planted")
    set_option(root, "related", "0")
    plant_site_payloads(root)
    plant_theme_payloads(root)
    site = build_site(root, strict=False)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    with serve_folder(site) as base:
        yield base, pages


def test_no_planted_payload_runs_on_any_page(planted_site: tuple[str, list[str]], page: Any) -> None:
    base, pages = planted_site
    assert "papers/evil2024notes/index.html" in pages and "posters/evil-poster/index.html" in pages
    assert {"posters/meta/index.html", "posters/pixel/index.html", "report/index.html"} <= set(pages)
    assert not [rel for rel in pages if rel.startswith("posters/media/")]  # media/page.md is no page
    tab = page  # fails the test on any request off 127.0.0.1: a remote image would be fetched
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(f"{tab.url}: {d.message}"), d.dismiss()))
    reached = 0
    for rel in pages:
        tab.goto(base + rel.removesuffix("index.html"), wait_until="load")
        tab.wait_for_timeout(50)
        reached += tab.evaluate(POINT_AT_EVERYTHING)   # mouseover / focus payloads
        live = tab.evaluate(FIND_LIVE)
        assert live == [], f"{rel}: {live}"
        assert tab.url.startswith(base + rel.removesuffix("index.html")), tab.url  # no redirect
    assert reached > 2 * len(pages)
    for rel in ("posters/media/evil.html", "posters/media/evil.svg", "posters/media/page/",
                "posters/media/deeper/notes/", "posters/media/unused.png"):
        response = tab.goto(base + rel)          # not published: nothing runs on the origin
        assert response is not None and response.status == 404, rel
    for rel in ("posters/media/shown.png", "posters/media/linked.png"):
        response = tab.goto(base + rel)
        assert response is not None and response.status == 200, rel
    tab.goto(base, wait_until="load")
    nav = tab.eval_on_selector_all(".md-nav__link[href]", "els => els.map(e => e.href)")
    assert nav and not [h for h in nav if "/posters/" in h and not h.endswith("/posters/")]
    assert tab.locator(".md-status, .md-nav__link small").count() == 0  # no status, subtitle
    tab.goto(base + "report/", wait_until="load")
    code = tab.locator("article code", has_text="onerror").first.text_content()
    assert code == "x`<img src=x onerror=alert(64)>"     # the tag, shown as text
    tab.goto(base + "posters/evil-poster/", wait_until="load")
    tab.keyboard.press("Tab")                        # autofocus / onfocus payloads
    tab.locator("input[name=query]").first.fill("alert")  # search results render text
    tab.wait_for_timeout(800)
    assert tab.evaluate(FIND_LIVE) == []
    jump = tab.locator(".kb-search-jump")  # the theme's box leads to kb's search for papers
    assert "search/?query=alert" in (jump.get_attribute("href") or "")
    results = tab.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")
    assert not [h for h in results if "/papers/" in h]  # papers are kb's search page's
    assert dialogs == []
