"""The search page as a reader on a phone or a slow link meets it, in headless Debian Chromium.

This repository's site (conftest.py: ``repo_site_url``). A slow link is played by holding back
the requests for a model's files (``Held``, Playwright's ``route``) and letting them go when
the test says; the link's kind by the Network Information API the page reads
(``navigator.connection``), set before any page script runs. What is checked: the first answer
by meaning comes from the quick model while the full one is held back; the full model's
download is one visible line of text counting every file; on a slow link it waits to be asked;
a list the reader has scrolled or touched is never reordered (better results are offered);
on a phone the filters fold behind one control and nothing scrolls sideways.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from site_helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.model]

QUERY = "teaching a chatbot to follow instructions from people's rankings"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
QUICK_FILES = "**/assets/kb/quick/**"
# the full model's files: transformers.js and ONNX Runtime, the encoder, the vectors by it
FULL_FILES = ("**/assets/kb/vendor/**", "**/assets/kb/model/**", "**/assets/kb/search/vectors.bin",
              "**/assets/kb/search/passages.bin")
SLOW_LINK = ("Object.defineProperty(Navigator.prototype, 'connection', {configurable: true, "
             "get: () => ({effectiveType: '3g', downlink: 1.4, rtt: 300, saveData: false})});")
FAST_LINK = ("Object.defineProperty(Navigator.prototype, 'connection', {configurable: true, "
             "get: () => ({effectiveType: '4g', downlink: 10, rtt: 50, saveData: false})});")
NO_LINK_API = "delete Navigator.prototype.connection;"  # as in Safari and Firefox
TIER = "document.querySelector('.kb-search__results').getAttribute('data-tier')"


@pytest.fixture
def site(repo_site_url: str) -> str:
    """This repository's site for https://host/course/, served below /course/."""
    return repo_site_url


class Held:
    """Requests matching ``patterns`` wait in the test's hands until ``release()``."""

    def __init__(self, tab: Any, *patterns: str) -> None:
        self.routes: list[Any] = []
        self.released = False
        for pattern in patterns:
            tab.route(pattern, self._hold)

    def _hold(self, route: Any) -> None:
        if self.released:
            route.continue_()
        else:
            self.routes.append(route)

    def release(self) -> None:
        self.released = True
        for route in self.routes:
            route.continue_()
        self.routes.clear()


def open_search(new_page: Any, site: str, query: str = QUERY, *, link: str = FAST_LINK,
                viewport: dict[str, int] = DESK, hold: tuple[str, ...] = (),
                extra: str = "") -> tuple[Any, Held]:
    tab = new_page(init_script=link, viewport=viewport)
    held = Held(tab, *hold)
    tab.goto(site + "search/?query=" + query.replace(" ", "+") + extra)
    return tab, held


def wait_tier(tab: Any, tier: str, timeout: float = 60_000) -> None:
    tab.wait_for_function(f"{TIER} === {tier!r}", timeout=timeout)


def shown(tab: Any) -> list[str]:
    return tab.locator(".kb-search__result").evaluate_all("els => els.map(e => e.dataset.key)")


def ranked(tab: Any, query: str, **options: object) -> list[str]:
    return tab.evaluate("([q, o]) => window.kb.search(q, o).then(r => r.map(h => h.key))",
                        [query, {"k": 20, **options}])


def model_bytes(tab: Any) -> int:
    return int(tab.evaluate("window.kb.loadIndex().then(d => d.model.bytes)"))


def test_first_answer_by_meaning_is_the_quick_models_while_the_full_one_loads(new_page, site: str) -> None:  # type: ignore[no-untyped-def]
    tab, held = open_search(new_page, site, hold=FULL_FILES)
    wait_tier(tab, "quick")
    assert tab.evaluate("window.kb.status()")["model"] == "loading"  # fast link: unasked
    line = tab.locator(".kb-search__model")
    assert line.is_visible() and tab.locator(".kb-search__progress").is_visible()
    total = model_bytes(tab)
    assert total > 30e6
    text = line.inner_text()
    found = re.fullmatch(r"Loading the full model: (\d+\.\d) of (\d+\.\d) MB", text.strip())
    assert found, text
    assert found.group(2) == f"{total / 1e6:.1f}"  # every file, counted from the first byte
    assert "words and meaning" in tab.locator(".kb-search__status").inner_text()
    tab.evaluate("window.__progress = []; window.kb.onStatus((s, p) => p && window.__progress.push(p))")
    held.release()
    wait_tier(tab, "full", timeout=120_000)  # the reader did nothing: the list is updated
    progress = tab.evaluate("window.__progress")
    assert progress and {p["total"] for p in progress} == {total}
    # every file the full model downloaded is counted, to its last byte
    files = tab.evaluate("window.kb.loadIndex().then(d => d.model.files)")
    fetched = {u.split("/course/", 1)[1] for u in tab.requests}
    assert progress[-1]["loaded"] == sum(f["bytes"] for f in files if f["path"] in fetched)
    assert sum(f["bytes"] for f in files) == total
    assert tab.locator(".kb-search__offer").is_hidden()
    assert line.inner_text().strip() == "The full model is loaded."
    assert shown(tab) == ranked(tab, QUERY, tier="full")
    assert tab.errors == []


def test_a_slow_link_waits_to_be_asked(new_page, site: str) -> None:  # type: ignore[no-untyped-def]
    tab, _ = open_search(new_page, site, link=SLOW_LINK)
    wait_tier(tab, "quick")
    line = tab.locator(".kb-search__model")
    button = line.locator("button.kb-search__load")
    size = f"{model_bytes(tab) / 1e6:.1f}"
    assert line.is_visible() and button.is_visible()
    assert re.sub(r"\s+", " ", line.inner_text()).strip() == f"Better ranking: Load the full model ({size} MB)"
    assert tab.evaluate("window.kb.status()")["model"] == "idle"
    full = [u for u in tab.requests if "/assets/kb/vendor/" in u or "/assets/kb/model/" in u]
    assert full == []
    button.click()
    wait_tier(tab, "full", timeout=120_000)
    assert line.inner_text().strip() == "The full model is loaded."
    assert tab.errors == []


@pytest.mark.parametrize(("viewport", "policy"), [(PHONE, "ask"), (DESK, "background")])
def test_without_the_links_kind_a_phone_asks_and_a_desk_loads(new_page, site: str, viewport, policy) -> None:  # type: ignore[no-untyped-def]
    tab, held = open_search(new_page, site, link=NO_LINK_API, viewport=viewport, hold=FULL_FILES)
    assert tab.evaluate("'connection' in navigator") is False
    wait_tier(tab, "quick")
    line = tab.locator(".kb-search__model").inner_text()
    if policy == "ask":
        assert line.startswith("Better ranking:") and tab.evaluate("window.kb.status().model") == "idle"
    else:
        assert line.startswith("Loading the full model:")
    held.release()
    assert tab.errors == []


def scroll_results(tab: Any) -> None:
    box = tab.locator(".kb-search__result").nth(1).bounding_box()
    tab.mouse.move(box["x"] + 20, box["y"] + 10)
    tab.mouse.wheel(0, 400)
    tab.wait_for_function("window.scrollY > 100")


@pytest.mark.parametrize("step", ["keyword to quick", "quick to full"])
def test_results_never_reorder_under_the_reader(new_page, site: str, step: str) -> None:  # type: ignore[no-untyped-def]
    first, then = step.split(" to ")
    # a desk's screen, shorter than the list; the full model loads unasked only for its step
    tab, held = open_search(new_page, site, link=SLOW_LINK if then == "quick" else FAST_LINK,
                            hold=(QUICK_FILES,) if then == "quick" else FULL_FILES)
    wait_tier(tab, first)
    before = shown(tab)
    assert len(before) == 20
    scroll_results(tab)
    held.release()
    offer = tab.locator(".kb-search__offer")
    offer.wait_for(state="visible", timeout=120_000)
    assert offer.inner_text().startswith("Better-ranked results are ready.")
    assert shown(tab) == before and tab.evaluate(TIER) == first  # nothing moved
    better = ranked(tab, QUERY, tier=then)
    assert better != before, "the two rankings agree: this query cannot show a reorder"
    # the offer sits at the foot of the screen, in view, over nothing the reader looks at
    box = offer.bounding_box()
    assert box["y"] + box["height"] <= DESK["height"] and box["y"] > DESK["height"] / 2
    offer.locator("button").click()
    wait_tier(tab, then)
    assert shown(tab) == better and offer.is_hidden()
    assert tab.evaluate("document.activeElement.classList.contains('kb-search__title')")
    assert tab.errors == []


def test_unread_results_are_updated_in_place(new_page, site: str) -> None:  # type: ignore[no-untyped-def]
    tab, held = open_search(new_page, site, link=SLOW_LINK, hold=(QUICK_FILES,))
    wait_tier(tab, "keyword")
    keyword = shown(tab)
    held.release()
    wait_tier(tab, "quick")
    assert shown(tab) == ranked(tab, QUERY, tier="quick") != keyword
    assert tab.locator(".kb-search__offer").is_hidden()
    assert tab.errors == []


def test_filters_fold_on_a_phone_and_stay_open_on_a_desk(new_page, site: str) -> None:  # type: ignore[no-untyped-def]
    tab, _ = open_search(new_page, site, link=SLOW_LINK, viewport=PHONE, extra="&session=4")
    wait_tier(tab, "quick")
    fold = tab.locator("button.kb-search__fold")
    filters = tab.locator(".kb-search__filters")
    assert fold.is_visible() and filters.is_hidden()
    assert fold.inner_text().strip().startswith("Filters (1 set)")
    assert fold.get_attribute("aria-expanded") == "false"
    # the first screen: the query box, the full model's offer and the first result
    for part in ("input[name=q]", ".kb-search__model", ".kb-search__result >> nth=0"):
        box = tab.locator(part).bounding_box()
        assert box and 0 <= box["y"] < PHONE["height"] - 40, part
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # a query from the address is to be read: no focus in the box, so no keyboard over it
    assert tab.evaluate("document.activeElement.name") != "q"
    for scheme, name in (("default", "light"), ("slate", "dark")):
        tab.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
        screenshot(tab, f"search-page-phone-ask-{name}.png", full_page=False)
    fold.click()
    assert filters.is_visible() and fold.get_attribute("aria-expanded") == "true"
    assert tab.locator("select[name=session]").input_value() == "4"
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tab.locator("select[name=tag]").select_option("rlhf")
    tab.wait_for_function("document.querySelector('.kb-search__fold').textContent.includes('2 set')")
    fold.click()
    assert filters.is_hidden()
    tab.set_viewport_size(DESK)
    assert fold.is_hidden() and filters.is_visible()
    tab.goto(site + "search/")  # no query yet: the box has the focus, to type one
    tab.wait_for_function("document.activeElement && document.activeElement.name === 'q'")
    assert tab.errors == []
