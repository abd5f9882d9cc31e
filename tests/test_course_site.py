"""The course layer of the site: schedule and calendar, poster pages and media, the map."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from conftest import write
from kb.search.embed import HashingEmbedder
from kb.site.pages.calendar import _fold
from kb.site.pages.libmap import project_2d
from site_helpers import article, build_site, set_option, text_of

SESSION_3 = """---
session: 3
date: 2025-11-05
title: Direct preference optimisation, a look ahead
slides: https://example.org/slides-3.pdf
readings:
- key: christiano2017deep
  kind: required
---
Next week.
"""
# 2025-10-29 12:00 UTC: session 2 (22 Oct) is past, session 3 (5 Nov) comes next.
BUILD_DAY = "1761739200"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")


@pytest.fixture(autouse=True)
def build_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build of this module happens on BUILD_DAY."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY)


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_a_new_session_file_appears_in_schedule_home_and_calendar(rlhf: Path) -> None:
    write(rlhf, "docs/sessions/03-dpo.md", SESSION_3)
    home = (rlhf / "docs/index.md").read_text()
    write(rlhf, "docs/index.md", home + "\n## Schedule\n\n<!-- kb:schedule -->\n")
    site = build_site(rlhf)
    schedule = article(read(site, "sessions/index.html"))
    rows = re.findall(r'<tr class="kb-status-(\w+)">\s*<td class="kb-col-number">(\d+)</td>', schedule)
    assert rows == [("past", "1"), ("past", "2"), ("next", "3")]
    row3 = schedule[schedule.index('kb-status-next'):]
    assert '<a href="03-dpo/">Direct preference optimisation, a look ahead</a>' in row3
    assert '<span class="kb-badge kb-badge-next">next</span>' in row3
    assert 'href="https://example.org/slides-3.pdf"' in row3
    assert '<a href="../papers/christiano2017deep/">Deep reinforcement learning' in row3
    row2 = schedule[schedule.index('kb-status-past">\n<td class="kb-col-number">2'):]
    assert '<a href="../posters/reward-models/">Reward models in practice</a>' in row2[:2000]
    home_html = article(read(site, "index.html"))
    assert 'kb:schedule' not in home_html and '<a href="sessions/03-dpo/">Direct preference' in home_html
    assert 'href="sessions.ics" download="sessions.ics"' in home_html
    ics = (site / "sessions.ics").read_bytes().decode("utf-8")
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 3
    event = ics[ics.index("UID:session-3-03-dpo@"):]
    assert "DTSTART;VALUE=DATE:20251105\r\nDTEND;VALUE=DATE:20251106\r\n" in event
    assert "SUMMARY:Session 3: Direct preference optimisation\\, a look ahead\r\n" in event
    assert "Required reading: Deep reinforcement learning from human preferences" in event.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    nav = re.findall(r'href="([^"#]*)" class="md-nav__link', read(site, "index.html"))
    assert nav[:2] == [".", "sessions/"]


def test_calendar_links_the_pages_when_site_url_is_set(rlhf: Path) -> None:
    config = rlhf / "mkdocs.yml"
    config.write_text(config.read_text() + "site_url: https://course.example.org/rl/\n")
    ics = (build_site(rlhf) / "sessions.ics").read_bytes().decode().replace("\r\n ", "")
    assert "URL:https://course.example.org/rl/sessions/02-human-feedback/\r\n" in ics
    assert "UID:session-2-02-human-feedback@course.example.org\r\n" in ics


def test_long_calendar_lines_fold_at_75_octets() -> None:
    line = "SUMMARY:" + "Überlänge " * 20
    folded = _fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))


def test_poster_with_pdf_and_image_copied_and_shown(rlhf: Path) -> None:
    media = rlhf / "docs/posters/media"
    media.mkdir(parents=True)
    (media / "reward-models.pdf").write_bytes(PDF)
    (media / "reward-models.png").write_bytes(PNG)
    outside = rlhf / "posters-print"
    outside.mkdir()
    (outside / "big.pdf").write_bytes(PDF)
    path = rlhf / "docs/posters/reward-models.md"
    path.write_text(path.read_text().replace(
        "session: 2\n", "session: 2\ngroup: Group 2 (Tue)\nfile: media/reward-models.pdf\n"
        "image: media/reward-models.png\n"))
    site = build_site(rlhf)
    assert (site / "posters/media/reward-models.pdf").read_bytes() == PDF
    page = article(read(site, "posters/reward-models/index.html"))
    assert '<object class="kb-poster-pdf" data="../media/reward-models.pdf" type="application/pdf"' in page
    assert '<img class="kb-poster-image" src="../media/reward-models.png"' in page
    assert "Group 2 (Tue)" in text_of(page)
    overview = article(read(site, "posters/index.html"))
    assert '<img src="media/reward-models.png" alt="" loading="lazy">' in overview
    # a poster kept outside docs/ is copied next to its page
    path.write_text(path.read_text().replace("file: media/reward-models.pdf",
                                             "file: ../../posters-print/big.pdf"))
    site = build_site(rlhf)
    assert (site / "posters/reward-models/big.pdf").read_bytes() == PDF
    assert 'data="big.pdf"' in read(site, "posters/reward-models/index.html")


@pytest.mark.parametrize(("value", "message"), [
    ("media/missing.pdf", "'media/missing.pdf' does not exist"),
    ("notes.txt", "'notes.txt' is not a .pdf file"),
    ("../../../etc/passwd.pdf", "'../../../etc/passwd.pdf' lies outside the course repository"),
])
def test_bad_poster_file_stops_the_build_naming_poster_and_field(
        rlhf: Path, value: str, message: str, caplog: pytest.LogCaptureFixture) -> None:
    path = rlhf / "docs/posters/reward-models.md"
    path.write_text(path.read_text().replace("session: 2\n", f"session: 2\nfile: {value}\n"))
    with pytest.raises(Abort):
        build_site(rlhf)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    assert f"docs/posters/reward-models.md:5: error [file] {message}" in logged


def test_map_points_link_to_every_paper_page(rlhf: Path) -> None:
    set_option(rlhf, "library_map", "true")
    site = build_site(rlhf, embedder=HashingEmbedder())
    page = article(read(site, "map/index.html"))
    svg = page[page.index('class="kb-map-svg"'):page.index("</svg>")]
    links = re.findall(r'<a xlink:href="([^"]+)" aria-label="([^"]+)"><circle', svg)
    assert sorted(h for h, _ in links) == ["../papers/christiano2017deep/",
                                          "../papers/ouyang2022training/",
                                          "../papers/vaswani2017attention/"]
    for href, _ in links:
        assert (site / "map" / href / "index.html").resolve().is_file()
    labels = dict(links)
    assert "read in session 2: Learning from human feedback" in labels["../papers/ouyang2022training/"]
    assert "Timeline" in text_of(page) and page.count('class="kb-timeline-svg"') == 1
    nav = re.findall(r'href="([^"#]*)" class="md-nav__link', read(site, "index.html"))
    assert nav[-1] == "map/"


def test_projection_is_deterministic_and_scaled() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(20, 8))
    coords, share = project_2d(matrix)
    again, _ = project_2d(matrix.copy())
    assert coords.shape == (20, 2) and np.allclose(coords, again)
    assert coords.min() == 0.0 and coords.max() == 1.0
    assert 0 < share[1] <= share[0] < 1
    single, _ = project_2d(matrix[:1])
    assert single.tolist() == [[0.5, 0.5]]
