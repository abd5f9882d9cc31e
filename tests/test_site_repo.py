"""This repository's own course site: `mkdocs build --strict` passes and shows every part.

The site is built once per session (conftest.py: ``repo_site``) and shared with the browser
tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from kb.course.config import load_config as load_kb
from kb.course.load import load_project
from site_helpers import article, text_of


@pytest.fixture
def site(repo_site: Path) -> Path:
    return repo_site


@pytest.mark.model
def test_strict_build_has_a_page_per_paper_session_and_poster(site: Path) -> None:
    project = load_project(load_kb(ROOT))
    assert len(project.papers) >= 40
    for key in project.papers:
        page = (site / "papers" / key / "index.html").read_text(encoding="utf-8")
        assert '<h2 id="bibtex">' in page, key
    for session in project.sessions:
        page = article((site / "sessions" / session.slug / "index.html").read_text("utf-8"))
        cards = re.findall(r'<div class="kb-card" data-key="([^"]+)">', page)
        assert sorted(cards) == sorted({r.key for r in session.readings}), session.slug
        bib = (site / "bib" / f"{session.slug}.bib").read_text(encoding="utf-8")
        assert sorted(re.findall(r"^@\w+\{([^,]+),", bib, re.M)) == sorted({r.key for r in session.readings})
    for poster in project.posters:
        assert (site / "posters" / poster.slug / "index.html").is_file()
    index = article((site / "papers" / "index.html").read_text(encoding="utf-8"))
    assert len(re.findall(r"<tr data-tags=", index)) == len(project.papers)
    assert "Download the whole bibliography" in text_of(index)


@pytest.mark.model
def test_paper_pages_are_not_in_the_navigation(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]*)" class="md-nav__link', home)
    assert "papers/" in links and "tags/" in links
    assert not [link for link in links if re.match(r"papers/[^/]+/", link)]
