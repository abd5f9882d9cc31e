"""The schedule in headless Chromium: "next session" is decided at view time by kb.js (the
build's mark stays for readers without JavaScript), and the phone cards carry the readings.

A small course is built with a fake embedder and served on localhost; Playwright's clock sets
the day the reader looks at the schedule.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import watched, write
from kb.course.scaffold import init_course
from kb.search.embed import HashingEmbedder
from site_helpers import add_rlhf, build_site, serve_folder, set_option

pytestmark = [pytest.mark.browser]

# The build's day: 2025-10-01 12:00 UTC, before every session, so the build marks session 1 next.
BUILD_DAY = "1759320000"
SESSIONS = {
    3: ("2025-11-05", '"12:30"', '"14:00"'),
    4: ("2025-11-12", None, None),
    5: ("2025-11-19", '"12:30"', '"14:00"'),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("schedule") / "course"
    init_course(root, title="Schedule Course")
    set_option(root, "related", "0")
    set_option(root, "library_map", "false")
    set_option(root, "timezone", "Europe/Berlin")
    add_rlhf(root)
    for number, (date, start, end) in SESSIONS.items():
        times = (f"time: {start}\nend: {end}\n" if start else "")
        write(root, f"docs/sessions/{number:02d}-week-{number}.md",
              f"---\nsession: {number}\ndate: {date}\n{times}location: Room {number}\n"
              f"title: Week {number}\nreadings:\n- key: christiano2017deep\n  kind: optional\n---\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY)
        folder = build_site(root, embedder=HashingEmbedder())
    with serve_folder(folder) as base:
        yield base


@pytest.fixture
def chromium(browser: object) -> object:
    """The session's one Chromium (tests/conftest.py)."""
    return browser


def _open(chromium, site: str, when: str | None, *, width: int = 1280,  # type: ignore[no-untyped-def]
          javascript: bool = True):
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   java_script_enabled=javascript)
    page = watched(context.new_page())
    if when is not None:
        page.clock.set_fixed_time(when)
    page.goto(site + "sessions/", wait_until="load")  # kb.js has marked the schedule by then
    return context, page


def _statuses(page) -> dict[int, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Session number -> (status class of its row, the badge it shows, or '')."""
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('table.kb-schedule tbody tr'))
      .map(row => [row.querySelector('.kb-col-number').textContent.trim(),
                   (row.className.match(/kb-status-([\\w-]+)/) || [])[1] || '',
                   Array.from(row.querySelectorAll('.kb-badge')).map(b => b.textContent).join(',')])""")
    return {int(number): (status, badge) for number, status, badge in rows}


def test_next_is_chosen_in_the_browser_for_the_day_it_is_viewed(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    # a Thursday between sessions 3 (5 Nov) and 4 (12 Nov), in Berlin
    context, page = _open(chromium, site, "2025-11-06T10:00:00+01:00")
    try:
        assert _statuses(page) == {1: ("past", ""), 2: ("past", ""), 3: ("past", ""),
                                   4: ("next", "next"), 5: ("upcoming", "")}
        assert page.get_attribute(".kb-schedule-wrap", "data-kb-marked") == "2025-11-06T10:00"
        assert page.errors == []
    finally:
        context.close()


def test_a_session_today_is_today_until_its_end(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    context, page = _open(chromium, site, "2025-11-05T13:00:00+01:00")  # during session 3
    try:
        assert _statuses(page)[3] == ("today", "today")
        assert _statuses(page)[4] == ("upcoming", "")
    finally:
        context.close()
    # 14:30 in Berlin (13:30 UTC): session 3 has ended, session 4 is next
    context, page = _open(chromium, site, "2025-11-05T13:30:00Z")
    try:
        assert _statuses(page)[3] == ("past", "") and _statuses(page)[4] == ("next", "next")
    finally:
        context.close()


def test_without_javascript_the_build_mark_stays(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    context, page = _open(chromium, site, None, javascript=False)
    try:
        statuses = _statuses(page)
        assert statuses[1] == ("next", "next")
        assert all(status == "upcoming" for number, (status, _) in statuses.items() if number > 1)
    finally:
        context.close()


def test_the_phone_card_names_the_readings_time_and_place(site: str, chromium) -> None:  # type: ignore[no-untyped-def]
    context, page = _open(chromium, site, "2025-11-06T10:00:00+01:00", width=390)
    try:
        row = page.locator("table.kb-schedule tbody tr").nth(2)  # session 3
        assert row.evaluate("r => getComputedStyle(r).display") == "block"  # a card
        text = " ".join(row.inner_text().split()).lower()
        assert "wed 05 nov 2025 12:30–14:00 week 3 room 3" in text
        assert "optional deep reinforcement learning from human preferences ≈ 1 min*" in text
        # date and time share a line in the card
        date, time = (row.locator(sel).bounding_box() for sel in ("time", ".kb-time"))
        assert date is not None and time is not None and abs(date["y"] - time["y"]) < 4
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    finally:
        context.close()
