"""The repository's own course site, built and served on localhost, in headless Chromium.

Chromium comes from Debian's package (`make chromium`); without it these tests fail, they
do not skip. The site (conftest.py: ``repo_site``, built once per session) uses the real model
(related papers), so they are also marked ``model``. `make screenshots` writes screenshots into test-output/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, run
from kb.course.config import load_config as load_kb
from kb.course.load import load_project
from kb.course.scaffold import init_course
from site_helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.model]

INSTRUCTGPT = "Training language models to follow instructions with human feedback"


@pytest.fixture
def site(repo_site_url: str) -> str:
    """This repository's site (built once per session with --strict), served on localhost."""
    return repo_site_url


def test_home_page_loads_without_console_errors(site: str, page) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(site)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.title() == "RL for Language Model Training"
    nav = page.locator("nav.md-nav--primary").inner_text()
    assert nav.index("Sessions") < nav.index("Posters") < nav.index("Papers") < nav.index("Tags")
    assert page.errors == []
    screenshot(page, "home.png")


def test_search_box_finds_the_prose_and_leads_to_kb_search_for_papers(site: str, page) -> None:  # type: ignore[no-untyped-def]
    """The theme's search box searches the pages people wrote (paper pages are left out of its
    index: it listed their tags and metadata as prose); kb's search page finds papers, one
    click away."""
    page.goto(site)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # typed key by key once the theme's search is ready: a query set in one go (fill) was
    # sometimes dropped on a busy machine
    page.locator(".md-search-result__meta", has_text="Type to start searching").wait_for(timeout=30_000)
    page.locator("input.md-search__input").press_sequentially("instruction following", delay=20)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15_000)
    links = page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")
    assert links and not [h for h in links if "/papers/" in h], links
    jump = page.locator(".kb-search-jump")
    assert jump.is_visible() and "Search papers by meaning" in jump.inner_text()
    assert jump.get_attribute("href").startswith(site + "search/?query=instruction")
    assert page.errors == []


def test_session_page_lists_readings_and_its_bib_imports(site: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = load_project(load_kb(ROOT))
    session = next(s for s in project.sessions if s.session == 4)
    page.goto(site + f"sessions/{session.slug}/")
    cards = page.locator(".kb-card")
    keys = [cards.nth(i).get_attribute("data-key") for i in range(cards.count())]
    assert sorted(keys) == sorted({r.key for r in session.readings})
    assert page.get_by_text(INSTRUCTGPT).first.is_visible()
    screenshot(page, "session.png")
    with page.expect_download() as caught:
        page.get_by_text("Download the readings as BibTeX").click()
    download = caught.value
    assert download.suggested_filename == f"{session.slug}.bib"
    bib = tmp_path / download.suggested_filename
    download.save_as(str(bib))
    fresh = tmp_path / "fresh"
    init_course(fresh)
    result = run(fresh, "import", "--dry-run", str(bib))
    assert result.exit_code == 0, result.output
    readings = len({r.key for r in session.readings})
    counts = re.search(rf"{re.escape(bib.name)}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", result.output)
    assert counts, result.output
    read_, imported, _merged, duplicates, failed = map(int, counts.groups())
    assert read_ == readings and failed == 0 and imported + duplicates == readings
    assert "dry run: nothing was written" in result.output
    assert page.errors == []


def test_paper_page_shows_related_papers(site: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + "papers/ouyang2022training/")
    assert page.locator("h1").first.inner_text() == INSTRUCTGPT
    related = page.locator("ol.kb-related li a")
    assert related.count() == load_kb(ROOT).options.related
    hrefs = [related.nth(i).get_attribute("href") for i in range(related.count())]
    assert all(re.search(r"/papers/[^/]+/$", h) and "ouyang2022training" not in h for h in hrefs), hrefs
    copy = page.locator("#bibtex ~ .highlight .md-code__button")  # the BibTeX copy button
    copy.first.wait_for(state="attached", timeout=10_000)
    screenshot(page, "paper.png")
    related.first.click()
    page.wait_for_url(re.compile(r"/papers/[^/]+/$"))
    assert page.locator(".kb-paper-meta").count() == 1
    assert page.errors == []


def test_papers_table_filters_and_sorts_after_instant_navigation(site: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(site)
    page.locator("nav.md-nav--primary").get_by_role("link", name="Papers", exact=True).click()
    page.wait_for_url(re.compile(r"/papers/$"))
    table = page.locator("table.kb-papers")
    total = len(load_project(load_kb(ROOT)).papers)
    assert page.locator(".kb-count").inner_text() == f"{total} papers"
    page.locator(".kb-filter").fill("reward")
    visible = table.locator("tbody tr:visible")
    shown = visible.count()
    assert 0 < shown < total
    assert page.locator(".kb-count").inner_text() == f"{shown} papers"
    assert all("reward" in t.lower() for t in visible.all_inner_texts())
    page.locator(".kb-filter").fill("")
    page.locator(".kb-tag-filter").select_option("policy-gradient")
    tagged = table.locator("tbody tr:visible").all_inner_texts()
    assert tagged and all("policy-gradient" in t for t in tagged)
    page.locator(".kb-tag-filter").select_option("")
    year = table.locator("th", has_text="Year")
    year.click()
    years = [int(y) for y in table.locator("tbody tr td:nth-child(3)").all_inner_texts() if y]
    assert years == sorted(years)
    year.click()
    years = [int(y) for y in table.locator("tbody tr td:nth-child(3)").all_inner_texts() if y]
    assert years == sorted(years, reverse=True)
    screenshot(page, "papers.png")
    assert page.errors == []


def test_dark_and_light_palette_toggle(site: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(site)
    scheme = page.locator("body").get_attribute("data-md-color-scheme")
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    assert page.locator("body").get_attribute("data-md-color-scheme") != scheme
    assert page.errors == []
