"""The course layer in headless Chromium: every page fits a phone, axe finds no serious issue.

Uses this repository's site (with the real model, for the map), built once per session and
served (conftest.py: ``repo_site``, ``repo_site_url``), as test_browser.py does. axe-core comes from the npm registry at the version pinned in
kb/site/vendor.py (sha256-checked, fetched once by scripts/vendor_browser.py or here).
`make screenshots` writes screenshots into test-output/.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest

from conftest import ROOT, watched
from kb.course.config import load_config as load_kb
from kb.course.load import load_project
from kb.fs import cache_home
from kb.site.vendor import AXE, ensure_package
from site_helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.model]

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


@pytest.fixture
def site(repo_site_url: str) -> str:
    return repo_site_url


@pytest.fixture(scope="module")
def axe_script() -> Path:
    return ensure_package(AXE, cache_home() / "npm") / "axe.min.js"


@pytest.fixture
def tab(page):  # type: ignore[no-untyped-def]
    """A tab of the session's Chromium (conftest.py: ``page``)."""
    return page


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


def role(rel: str) -> str:
    """A page's kind, from its path: a page of a folder's own (home, map/, papers/, sessions/,
    ...) is its own kind; the pages below one folder share theirs (papers/*, sessions/*, ...)."""
    return rel if rel.count("/") <= 1 else rel.split("/")[0] + "/*"


# Material's instant navigation follows a link only to a page of the site's sitemap, whose
# addresses it moves to the page's scheme and host but not its port: on a test server's port it
# loads every page in full. Served at its own address (conftest.py: ``repo_site``'s site_url),
# the site navigates as it does for its readers.
DEPLOYED = "https://host.example/course/"
# follow a link as a reader does; resolves once the theme has swapped the new page in
FOLLOW_JS = """url => new Promise(resolve => {
  const old = document.querySelector("[data-md-component=container]");
  const link = Object.assign(document.createElement("a"), {href: url});
  document.body.append(link);
  const done = document$.subscribe(() => {
    if (location.href !== url || document.querySelector("[data-md-component=container]") === old) return;
    setTimeout(() => done.unsubscribe());
    resolve(location.href);
  });
  setTimeout(() => resolve("still at " + location.href), 10000);
  link.click();
})"""


def _route_site(context, folder: Path, base: str) -> None:  # type: ignore[no-untyped-def]
    """Requests below ``base`` in ``context`` answered from the built site ``folder``, as a
    static host answers them (a folder's index.html, 404 for anything else)."""
    import mimetypes

    def answer(route) -> None:  # type: ignore[no-untyped-def]
        rel = route.request.url[len(base):].split("#")[0].split("?")[0]
        path = folder / rel
        if path.is_dir():
            path = path / "index.html"
        if rel.startswith("/") or ".." in Path(rel).parts or not path.is_file():
            route.fulfill(status=404, body="not found")
            return
        route.fulfill(status=200, body=path.read_bytes(),
                      content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")

    context.route(base + "**", answer)


def test_no_element_wider_than_the_viewport_on_any_page(site: str, repo_site: Path, tab, browser) -> None:  # type: ignore[no-untyped-def]
    """Every page at a phone's width, and one page of each kind (the one with the most HTML)
    loaded afresh at a phone's and a desktop's. kb's phone rules (kb.css, max-width: 600px)
    reshape only the papers table, the schedule and the map, pages of a kind of their own and
    so loaded afresh at both widths; on every other page the article's column is narrower on
    the phone under the same rules, so what is too wide for the desktop is too wide for the
    phone, where every page is checked. The desktop pass checks each kind's frame: header,
    navigation, search box. At a phone's width every page is then reached as a reader reaches
    it, by following a link (the theme's instant navigation swaps the page in, a tenth of a
    full load's work)."""
    pages = crawl(site)
    project = load_project(load_kb(ROOT))
    assert {f"papers/{key}/" for key in project.papers} <= set(pages)
    assert {"sessions/", "posters/", "map/", "tags/", "papers/"} <= set(pages)
    kinds: dict[str, list[str]] = {}
    for rel in pages:
        kinds.setdefault(role(rel), []).append(rel)
    assert {"papers/*", "sessions/*", "posters/*", "tags/*"} <= set(kinds)
    biggest = [max(group, key=lambda rel: (repo_site / rel / "index.html").stat().st_size)
               for group in kinds.values()]
    problems = []
    for width in (1280, 390):
        # a fresh load at each width: a window widened after a load keeps what the theme's
        # script laid out for the narrow one (the search box stays off to the right)
        tab.set_viewport_size({"width": width, "height": 800})
        for rel in biggest:
            tab.goto(site + rel, wait_until="load")
            found = tab.evaluate(OVERFLOW_JS)
            if found:
                problems.append(f"{rel or 'home'} at {width} px: {found}")
    assert tab.errors == []

    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        _route_site(context, repo_site, DEPLOYED)
        phone = watched(context.new_page())
        with phone.expect_response(DEPLOYED + "sitemap.xml"):  # what instant navigation follows
            phone.goto(DEPLOYED, wait_until="load")
        phone.evaluate("window.kbLoadedOnce = true")
        for rel in pages:
            if rel:
                reached = phone.evaluate(FOLLOW_JS, DEPLOYED + rel)
                assert reached == DEPLOYED + rel, reached
            found = phone.evaluate(OVERFLOW_JS)
            if found:
                problems.append(f"{rel or 'home'} at 390 px, followed from a link: {found}")
        # every page was swapped in, none loaded in full
        assert phone.evaluate("window.kbLoadedOnce") is True
        assert phone.errors == []
        assert [u for u in phone.requests if not u.startswith(DEPLOYED)] == []  # all served here
    finally:
        context.close()
    assert not problems, "\n".join(problems)


AXE_PAGES = {"home": "", "session": "sessions/04-rlhf-and-ppo/", "paper": "papers/ouyang2022training/",
             "papers": "papers/", "map": "map/", "poster": "posters/rlhf-recipe/",
             "schedule": "sessions/", "posters": "posters/", "tags": "tags/"}
SCHEMES = {"light": "default", "dark": "slate"}


def _set_scheme(tab, scheme: str) -> None:  # type: ignore[no-untyped-def]
    """The colour scheme switched at once (the theme's colour transitions off, so that axe
    sees the final colours)."""
    tab.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    tab.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", SCHEMES[scheme])


# A scheme changes colours only (the theme's CSS variables; the page is the same): in the
# second scheme axe runs the rules that read colours.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
AXE_RUN_JS = """async (rules) => {
  const options = {resultTypes: ["violations"]};
  if (rules) options.runOnly = {type: "rule", values: rules};
  const result = await axe.run(document, options);
  return result.violations.map(v => ({id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def test_axe_finds_no_serious_or_critical_violation(site: str, tab, axe_script: Path) -> None:  # type: ignore[no-untyped-def]
    """Every rule in the light scheme, and in the dark one the rules that read colours."""
    found = []
    for name, rel in AXE_PAGES.items():
        tab.goto(site + rel, wait_until="load")
        tab.add_script_tag(path=str(axe_script))
        for scheme, rules in (("light", None), ("dark", COLOUR_RULES)):
            _set_scheme(tab, scheme)
            violations = tab.evaluate(AXE_RUN_JS, rules)
            found += [f"{name} ({scheme}): {v['id']} [{v['impact']}] {v['nodes']}"
                      for v in violations if v["impact"] in ("serious", "critical")]
    assert not found, "\n".join(found)
    assert tab.errors == []


# What a screenshot would show, measured: boxes of the header, the primary navigation, the
# article and its heading, the colours of the page and its text.
LAYOUT_JS = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const article = document.querySelector("article.md-content__inner");
  const h1 = article.querySelector("h1");
  return {scrollWidth: document.documentElement.scrollWidth,
          header: box(document.querySelector(".md-header")),
          nav: box(document.querySelector(".md-sidebar--primary")),
          article: box(article), h1: box(h1), title: h1 ? h1.innerText.replace("\u00b6", "").trim() : "",
          text: article.innerText.length,
          background: getComputedStyle(document.body).backgroundColor,
          color: getComputedStyle(article).color};
}"""


def _rgba(css: str) -> tuple[float, float, float, float]:
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    return values[0], values[1], values[2], values[3] if len(values) > 3 else 1.0


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(color: str, background: str) -> float:
    """WCAG contrast ratio of text ``color`` (its alpha blended over the page) on ``background``."""
    *fg, alpha = _rgba(color)
    bg = _rgba(background)[:3]
    blended = tuple(alpha * f + (1 - alpha) * b for f, b in zip(fg, bg, strict=True))
    light, dark = sorted((_luminance(blended), _luminance(bg)), reverse=True)  # type: ignore[arg-type]
    return (light + 0.05) / (dark + 0.05)


def _heading(repo_site: Path, rel: str) -> str:
    """The page's first heading as the build wrote it."""
    html = (repo_site / rel / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<article class="md-content__inner md-typeset">.*?<h1[^>]*>(.*?)</h1>', html, re.S)
    assert found, rel
    return html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("¶", "").strip()


@pytest.mark.parametrize("width", WIDTHS)
def test_course_pages_in_both_schemes_lay_out_and_read(site: str, repo_site: Path, tab,
                                                       width: int) -> None:  # type: ignore[no-untyped-def]
    """Each course page, light and dark, at a desktop's and a phone's width: the header across
    the top, the navigation beside the article on a desktop and off-canvas on a phone, the
    article filling its column with its heading below the header, nothing sideways, the page
    light or dark as chosen and its text readable on it (WCAG AA). A screenshot of each goes
    to test-output/ under `make screenshots`."""
    tab.set_viewport_size({"width": width, "height": 900})
    problems = []
    for name, rel in AXE_PAGES.items():
        tab.goto(site + rel, wait_until="load")
        title = _heading(repo_site, rel)
        for scheme in SCHEMES:
            _set_scheme(tab, scheme)
            got = tab.evaluate(LAYOUT_JS)
            header, nav, article, h1 = got["header"], got["nav"], got["article"], got["h1"]
            where = f"{name} at {width} px, {scheme}"
            checks = {
                "scrolls sideways": got["scrollWidth"] <= width,
                "header not across the top": header["y"] == 0 and header["w"] == width and header["h"] >= 40,
                "navigation misplaced": (nav["x"] >= 0 and nav["x"] + nav["w"] <= article["x"]) if width >= 1220
                else nav["x"] + nav["w"] <= 0,
                "article outside the window": article["x"] >= 0 and article["x"] + article["w"] <= width,
                "article too narrow": article["w"] >= (600 if width >= 1220 else width - 40),
                "heading hidden": h1 is not None and h1["y"] >= header["h"] and h1["h"] > 0,
                "heading not the page's": got["title"] == title,
                "little text": got["text"] > 200,
                "wrong background": (_luminance(_rgba(got["background"])[:3]) > 0.9) if scheme == "light"
                else (_luminance(_rgba(got["background"])[:3]) < 0.05),
                "text hard to read": _contrast(got["color"], got["background"]) >= 4.5,
            }
            problems += [f"{where}: {what} ({got})" for what, ok in checks.items() if not ok]
            screenshot(tab, f"course-{name}-{width}-{scheme}.png")
    assert not problems, "\n".join(problems)
    assert tab.errors == []


def test_phone_papers_table_is_cards_and_venues_are_short(site: str, tab) -> None:  # type: ignore[no-untyped-def]
    tab.set_viewport_size({"width": 390, "height": 900})
    tab.goto(site + "papers/", wait_until="load")
    title = tab.locator("table.kb-papers tbody tr td:first-child").first
    assert title.bounding_box()["width"] > 300  # a card, not a 50 px column
    assert tab.locator("table.kb-papers thead").bounding_box()["height"] <= 1
    venues = tab.locator("table.kb-papers tbody td[data-label=Venue]").all_inner_texts()
    assert "arXiv" in venues and not any("arXiv:" in v for v in venues)
    tab.goto(site + "papers/ouyang2022training/", wait_until="load")
    block = tab.locator("#bibtex ~ .highlight pre").first
    assert block.bounding_box()["width"] <= 390
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390


def test_map_points_open_the_paper(site: str, tab) -> None:  # type: ignore[no-untyped-def]
    tab.goto(site + "map/", wait_until="load")
    points = tab.locator("svg.kb-map-svg a")  # SVG links: xlink:href, which the theme leaves alone
    assert points.count() == len(load_project(load_kb(ROOT)).papers)
    label = points.first.get_attribute("aria-label")
    assert points.first.locator("title").text_content() == label
    points.first.locator("circle").click()
    tab.wait_for_url(re.compile(r"/papers/[^/]+/$"))
    assert tab.locator("h1").first.inner_text() in label
