"""The course layer in headless Chromium: every page fits a phone, axe finds no serious issue.

Builds this repository's site (with the real model, for the map) and serves it, as
test_browser.py does. axe-core comes from the npm registry at the version pinned in
kb/site/vendor.py (sha256-checked, fetched once by scripts/vendor_browser.py or here).
Screenshots go to test-output/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.course.config import load_config as load_kb
from kb.course.load import load_project
from kb.fs import cache_home
from kb.site.vendor import AXE, ensure_package
import test_browser
from test_browser import ROOT, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.model]
site = test_browser.site          # the same fixtures: this repository's site, served, and Chromium
browser = test_browser.browser

WIDTHS = (1280, 390)
# Elements wider than the viewport, outside any box that scrolls or clips them. Off-canvas
# parts of the theme (the drawer, the search overlay) are fixed and hidden; they are skipped.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width) {
    out.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + width);
  }
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.position === "fixed" || /auto|scroll|hidden|clip/.test(style.overflowX)) return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    const style = getComputedStyle(el);
    if (style.position === "fixed" || style.visibility === "hidden" || clipped(el)) continue;
    out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ?
      "." + el.className.trim().split(/\\s+/).join(".") : "") + " right=" + Math.round(box.right));
    if (out.length > 8) break;
  }
  return out;
}"""


def _pages(folder: Path) -> list[str]:
    """Every generated HTML page of the built site, as a path below its root."""
    out = []
    for path in sorted(folder.rglob("index.html")):
        rel = path.parent.relative_to(folder).as_posix()
        out.append("" if rel == "." else rel + "/")
    return out


@pytest.fixture(scope="module")
def axe_script() -> Path:
    return ensure_package(AXE, cache_home() / "npm") / "axe.min.js"


@pytest.fixture
def tab(browser):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    page.close()


def crawl(site: str) -> list[str]:
    """Every page of the served site reachable by links from the home page (paths below it);
    a link to a page that does not exist fails."""
    import urllib.error
    import urllib.parse
    import urllib.request

    seen, queue, broken = {""}, [""], []
    while queue:
        rel = queue.pop()
        try:
            text = urllib.request.urlopen(site + rel).read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            broken.append(f"{rel}: {exc.code}")
            continue
        for href in re.findall(r'href="([^"#?]*)', text):
            url = urllib.parse.urljoin(site + rel, href)
            if not url.startswith(site) or not url.endswith("/"):
                continue
            target = url[len(site):]
            if target not in seen and not target.startswith("assets/"):
                seen.add(target)
                queue.append(target)
    assert not broken, broken
    return sorted(seen)


def test_no_element_wider_than_the_viewport_on_any_page(site: str, tab) -> None:  # type: ignore[no-untyped-def]
    pages = crawl(site)
    project = load_project(load_kb(ROOT))
    assert {f"papers/{key}/" for key in project.papers} <= set(pages)
    assert {"sessions/", "posters/", "map/", "tags/", "papers/"} <= set(pages)
    problems = []
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 800})
        for rel in pages:
            tab.goto(site + rel, wait_until="load")
            found = tab.evaluate(OVERFLOW_JS)
            if found:
                problems.append(f"{rel or 'home'} at {width} px: {found}")
    assert not problems, "\n".join(problems)
    assert tab.errors == []


AXE_PAGES = {"home": "", "session": "sessions/04-rlhf-and-ppo/", "paper": "papers/ouyang2022training/",
             "papers": "papers/", "map": "map/", "poster": "posters/rlhf-recipe/",
             "schedule": "sessions/", "posters": "posters/", "tags": "tags/"}
SCHEMES = {"light": "default", "dark": "slate"}


def _set_scheme(tab, scheme: str) -> None:  # type: ignore[no-untyped-def]
    """The colour scheme switched at once (the theme's colour transitions off, so that axe
    sees the final colours)."""
    tab.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    tab.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", SCHEMES[scheme])


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_axe_finds_no_serious_or_critical_violation(site: str, tab, axe_script: Path, scheme: str) -> None:  # type: ignore[no-untyped-def]
    found = []
    for name, rel in AXE_PAGES.items():
        tab.goto(site + rel, wait_until="networkidle")
        _set_scheme(tab, scheme)
        tab.add_script_tag(path=str(axe_script))
        violations = tab.evaluate("""async () => {
          const result = await axe.run(document, {resultTypes: ["violations"]});
          return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }""")
        found += [f"{name} ({scheme}): {v['id']} [{v['impact']}] {v['nodes']}"
                  for v in violations if v["impact"] in ("serious", "critical")]
    assert not found, "\n".join(found)
    assert tab.errors == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_screenshots_of_the_course_pages(site: str, tab, width: int, scheme: str) -> None:  # type: ignore[no-untyped-def]
    tab.set_viewport_size({"width": width, "height": 900})
    for name, rel in AXE_PAGES.items():
        tab.goto(site + rel, wait_until="networkidle")
        _set_scheme(tab, scheme)
        screenshot(tab, f"course-{name}-{width}-{scheme}.png")
    assert tab.errors == []


def test_phone_papers_table_is_cards_and_venues_are_short(site: str, tab) -> None:  # type: ignore[no-untyped-def]
    tab.set_viewport_size({"width": 390, "height": 900})
    tab.goto(site + "papers/", wait_until="networkidle")
    title = tab.locator("table.kb-papers tbody tr td:first-child").first
    assert title.bounding_box()["width"] > 300  # a card, not a 50 px column
    assert tab.locator("table.kb-papers thead").bounding_box()["height"] <= 1
    venues = tab.locator("table.kb-papers tbody td[data-label=Venue]").all_inner_texts()
    assert "arXiv" in venues and not any("arXiv:" in v for v in venues)
    tab.goto(site + "papers/ouyang2022training/", wait_until="networkidle")
    block = tab.locator("#bibtex ~ .highlight pre").first
    assert block.bounding_box()["width"] <= 390
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390


def test_map_points_open_the_paper(site: str, tab) -> None:  # type: ignore[no-untyped-def]
    tab.goto(site + "map/", wait_until="networkidle")
    points = tab.locator("svg.kb-map-svg a")  # SVG links: xlink:href, which the theme leaves alone
    assert points.count() == len(load_project(load_kb(ROOT)).papers)
    label = points.first.get_attribute("aria-label")
    assert points.first.locator("title").text_content() == label
    points.first.locator("circle").click()
    tab.wait_for_url(re.compile(r"/papers/[^/]+/$"))
    assert tab.locator("h1").first.inner_text() in label
