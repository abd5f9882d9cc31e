"""The map page on a phone and a desktop, in headless Chromium: a tap shows a paper's title
and sessions (a second tap, or the card's link, opens it), a mouse click opens it at once,
the keyboard reaches it; the citation lines and their switch; every session in the legend;
the timeline to scale and inside its column at 390 and 1280 px. Screenshots (light and dark)
go to test-output/ under `make screenshots`."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest

from conftest import paper, watched, write
from kb.course.scaffold import init_course
from kb.search.embed import HashingEmbedder
from site_helpers import add_rlhf, build_site, screenshot, serve_folder

pytestmark = pytest.mark.browser

SESSION_3 = """---
session: 3
date: 2025-10-29
title: Rereading the recipe
readings:
- key: ouyang2022training
  kind: required
---
Every paper of this session was first read in session 2.
"""
INSTRUCTGPT = "Training language models to follow instructions with human feedback"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small course: three sessions (the third reads only a paper session 2 read first), a
    paper of 1997 no session reads, and citations: InstructGPT cites the two others."""
    root = tmp_path_factory.mktemp("map") / "course"
    init_course(root, title="Map course")
    add_rlhf(root)
    write(root, "docs/sessions/03-rereading.md", SESSION_3)
    write(root, "papers/hochreiter1997long.md", paper(
        "hochreiter1997long", title="Long Short-Term Memory", year=1997,
        authors=["Hochreiter, Sepp", "Schmidhuber, Jürgen"]))
    path = root / "papers/ouyang2022training.md"
    path.write_text(path.read_text().replace(
        "---\n", "---\ncites:\n- christiano2017deep\n- vaswani2017attention\n", 1))
    folder = build_site(root, embedder=HashingEmbedder())
    with serve_folder(folder) as base:
        yield base


@pytest.fixture
def chromium(browser: object) -> object:
    """The session's one Chromium (tests/conftest.py)."""
    return browser


def open_tab(chromium, width: int, scheme: str = "light"):  # type: ignore[no-untyped-def]
    phone = width < 600
    context = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                   is_mobile=phone, has_touch=phone)
    return watched(context.new_page())


def dot(tab, title: str):  # type: ignore[no-untyped-def]
    return tab.locator(f'svg.kb-map-svg circle[data-title="{title}"]')


def link(tab, title: str):  # type: ignore[no-untyped-def]
    return tab.locator("svg.kb-map-svg a").filter(has=tab.locator(f'circle[data-title="{title}"]'))


def test_a_tap_shows_the_paper_and_a_second_tap_opens_it(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(chromium, 390)
    tab.goto(site + "map/", wait_until="load")
    card = tab.locator(".kb-map-card")
    assert card.is_hidden()
    dot(tab, INSTRUCTGPT).tap()
    tab.wait_for_timeout(100)
    assert tab.url == site + "map/"                          # the first tap opened nothing
    assert card.is_visible()
    assert card.locator("strong").inner_text() == INSTRUCTGPT
    assert "2022 · read in session 2: Learning from human feedback; session 3: Rereading " \
           "the recipe" in card.inner_text()
    box, plot = card.bounding_box(), tab.locator(".kb-map-plot").bounding_box()
    assert box["x"] >= plot["x"] - 1 and box["x"] + box["width"] <= plot["x"] + plot["width"] + 1
    lit = tab.locator(".kb-map-edges line.kb-lit")
    assert lit.count() == 2                                  # its two citations stand out
    dot(tab, "Deep reinforcement learning from human preferences").tap()
    assert card.locator("strong").inner_text() == "Deep reinforcement learning from human preferences"
    assert lit.count() == 1
    tab.locator("h1").tap()                                  # a tap elsewhere closes the card
    assert card.is_hidden() and lit.count() == 0
    dot(tab, INSTRUCTGPT).tap()
    dot(tab, INSTRUCTGPT).tap()                              # the second tap opens the paper
    tab.wait_for_url(re.compile(r"/papers/ouyang2022training/$"))
    assert tab.locator("h1").first.inner_text() == INSTRUCTGPT
    assert tab.errors == []
    tab.context.close()


def test_the_cards_link_opens_the_paper(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(chromium, 390)
    tab.goto(site + "map/", wait_until="load")
    dot(tab, "Long Short-Term Memory").tap()
    card = tab.locator(".kb-map-card")
    assert "1997 · not read in a session" in card.inner_text()
    card.locator("a", has_text="Open the paper").tap()
    tab.wait_for_url(re.compile(r"/papers/hochreiter1997long/$"))
    tab.context.close()


def test_a_mouse_click_opens_at_once_and_the_keyboard_shows_the_card(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(chromium, 1280)
    tab.goto(site + "map/", wait_until="load")
    link(tab, INSTRUCTGPT).focus()
    card = tab.locator(".kb-map-card")
    assert card.is_visible() and INSTRUCTGPT in card.inner_text()
    tab.keyboard.press("Escape")
    assert card.is_hidden()
    dot(tab, "Long Short-Term Memory").click()
    tab.wait_for_url(re.compile(r"/papers/hochreiter1997long/$"))
    tab.go_back(wait_until="load")
    link(tab, INSTRUCTGPT).focus()
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"/papers/ouyang2022training/$"))
    assert tab.errors == []
    tab.context.close()


def test_citation_lines_behind_the_dots_and_their_switch(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(chromium, 1280)
    tab.goto(site + "map/", wait_until="load")
    lines = tab.locator(".kb-map-edges line")
    assert lines.count() == 2 and lines.first.is_visible()
    order = tab.evaluate("""() => { const svg = document.querySelector('.kb-map-svg');
        const kids = [...svg.children].map(e => e.tagName.toLowerCase());
        return [kids.indexOf('g'), kids.indexOf('a')]; }""")
    assert 0 <= order[0] < order[1]                          # drawn first: behind the dots
    switch = tab.get_by_label(re.compile("Show the citations between papers"))
    switch.uncheck()
    assert not lines.first.is_visible()
    switch.check()
    assert lines.first.is_visible()
    tab.context.close()


def test_every_session_in_the_legend_with_distinct_marks(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(chromium, 1280)
    tab.goto(site + "map/", wait_until="load")
    items = tab.locator("ul.kb-legend li")
    texts = items.all_inner_texts()
    assert [t.split(".")[0] for t in texts[:3]] == ["1", "2", "3"]
    assert "3. Rereading the recipe (1)" in texts                 # no point has its mark, still listed
    marks = tab.evaluate("""() => [...document.querySelectorAll('ul.kb-legend .kb-swatch')].map(
        s => getComputedStyle(s).borderColor + ' ' + getComputedStyle(s).backgroundColor)""")
    assert len(set(marks)) == len(marks)
    tab.context.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_map_and_timeline_fit_the_column(site: str, chromium, width: int, scheme: str) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(chromium, width, scheme)
    tab.goto(site + "map/", wait_until="load")
    if scheme == "dark":
        tab.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    column = tab.locator("article").bounding_box()
    for selector in (".kb-map-plot", ".kb-timeline-svg", ".kb-timeline-box"):
        box = tab.locator(selector).bounding_box()
        assert box["x"] >= column["x"] - 1 and box["x"] + box["width"] <= column["x"] + column["width"] + 1
    # to scale: the years' ticks are evenly spaced, and 1997 lies where its year says
    ticks = tab.evaluate("""() => [...document.querySelectorAll('.kb-timeline-year')].map(
        t => [Number(t.textContent), t.getBoundingClientRect().x + t.getBoundingClientRect().width / 2])""")
    years = [y for y, _ in ticks]
    assert years[0] <= 2000 and years[-1] >= 2020
    gaps = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(ticks)]
    assert max(gaps) - min(gaps) < 1.0
    old = tab.locator('.kb-timeline-svg circle:has(title:text-matches("Long Short-Term Memory"))')
    spot = old.bounding_box()
    per_year = gaps[0]
    expected = ticks[0][1] + (1997 - ticks[0][0]) * per_year
    assert abs(spot["x"] + spot["width"] / 2 - expected) < 2
    # every dot of the map and of the timeline is inside its picture
    for picture in (".kb-map-plot", ".kb-timeline-svg"):
        frame = tab.locator(picture).bounding_box()
        for box in [c.bounding_box() for c in tab.locator(f"{picture} circle").all()]:
            assert frame["x"] - 1 <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
    screenshot(tab, f"map-{width}-{scheme}.png")
    tab.goto(site + "papers/ouyang2022training/", wait_until="load")
    if scheme == "dark":
        tab.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    assert tab.locator("h2", has_text="Cites in this course").count() == 1
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(tab, f"paper-cites-{width}-{scheme}.png")
    assert tab.errors == []
    tab.context.close()
