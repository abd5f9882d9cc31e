"""What an instructor writes by hand and kb now reads or answers precisely: readings as bare
keys, dates in other orders (echoed, with the ISO form), session and paper files that fail to
load counted as broken, and counts in the singular."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import paper, run, write
from kb.course.config import load_config
from kb.course.load import load_project
from kb.model.dates import suggest_date
from kb.model.plural import plural

SESSION_2 = "---\nsession: 2\ndate: {date}\ntitle: Long documents\nreadings:\n{readings}---\n"


def test_plural_is_one_rule() -> None:
    assert [plural(n, "paper") for n in (0, 1, 2)] == ["0 papers", "1 paper", "2 papers"]
    assert plural(1, "entry") == "1 entry" and plural(3, "entry") == "3 entries"
    assert plural(2, "more error") == "2 more errors"


def test_a_bare_key_is_a_required_reading(course: Path) -> None:
    write(course, "papers/beltagy2020longformer.md",
          paper("beltagy2020longformer", title="Longformer: The Long-Document Transformer"))
    write(course, "docs/sessions/02-long.md", SESSION_2.format(
        date="2026-12-09", readings="- beltagy2020longformer\n- key: vaswani2017attention\n"
                                    "  kind: optional\n"))
    result = run(course, "check")
    assert result.output == "checked 2 papers, 2 sessions, 1 poster: no problems\n"
    session = load_project(load_config(course)).session(2)
    assert session is not None
    assert [(r.key, r.kind) for r in session.readings] == [
        ("beltagy2020longformer", "required"), ("vaswani2017attention", "optional")]
    fields = run(None, "fields").output
    assert ("the reading list: one mapping per reading (the fields below), or a bare key for a "
            "required reading ('- vaswani2017attention')") in fields


def test_a_bare_key_that_names_no_paper_is_dangling_on_its_line(course: Path) -> None:
    write(course, "docs/sessions/02-long.md", SESSION_2.format(
        date="2026-12-09", readings="- vaswani2017attention\n- beltagy2020longformr\n"))
    result = run(course, "check")
    assert result.output.startswith(
        "docs/sessions/02-long.md:7: error [readings[1].key] reading 'beltagy2020longformr' names "
        "no paper in papers/ (dangling-reference)\n")


def test_kb_add_session_sees_a_bare_key_already_listed(course: Path) -> None:
    from kb.curate.readings import add_reading

    write(course, "docs/sessions/02-long.md", SESSION_2.format(
        date="2026-12-09", readings="- vaswani2017attention\n"))
    config = load_config(course)
    change = add_reading(config, load_project(config), 2, "vaswani2017attention", "optional")
    assert not change.changed
    assert change.message == ("already on session 2's reading list (as required); "
                              "docs/sessions/02-long.md left as it was")


@pytest.mark.parametrize(("written", "message", "fix"), [
    ("09.12.2026", "'09.12.2026' is not a date written YYYY-MM-DD",
     "write 2026-12-09 (day.month.year: 9 December 2026)"),
    ("Dec 9, 2026", "'Dec 9, 2026' is not a date written YYYY-MM-DD",
     "write 2026-12-09 (month day, year: 9 December 2026)"),
    ("12/09/2026", "'12/09/2026' is not a date written YYYY-MM-DD",
     "it is ambiguous: write 2026-12-09 (month/day/year, US usage: 9 December 2026) or "
     "2026-09-12 (day/month/year: 12 September 2026)"),
    ("2025-02-30", "'2025-02-30' is not a date (day value is outside expected range)",
     "write a day that exists, as YYYY-MM-DD"),
    ("20261209", "20261209 is a number, not a date",
     "write 2026-12-09 (year, month, day: 9 December 2026)"),
    ("next week", "'next week' is not a date written YYYY-MM-DD",
     "write the date as YYYY-MM-DD, e.g. 2026-12-09"),
])
def test_a_date_kb_cannot_read_is_echoed_with_its_iso_form(course: Path, written: str,
                                                           message: str, fix: str) -> None:
    write(course, "docs/sessions/02-long.md", SESSION_2.format(date=written, readings=""))
    result = run(course, "check")
    assert result.exit_code == 1
    assert result.output == (
        f"docs/sessions/02-long.md:3: error [date] {message} (schema)\n"
        f"    fix: {fix}\n"
        "checked 1 paper, 2 sessions (1 broken), 1 poster: 1 error, 0 warnings\n")


def test_dates_in_other_orders() -> None:
    assert suggest_date("9 December 2026") == "write 2026-12-09 (day month year: 9 December 2026)"
    assert suggest_date("2026/12/9") == "write 2026-12-09 (year, month, day: 9 December 2026)"
    assert suggest_date("13/09/2026") == "write 2026-09-13 (day/month/year: 13 September 2026)"
    assert suggest_date("09/13/2026") == "write 2026-09-13 (month/day/year: 13 September 2026)"
    assert suggest_date("31.02.2026") is None  # no such day: the plain fix
    assert suggest_date("Ma 9, 2026") is None  # March or May


def test_files_that_fail_to_load_are_counted_as_broken(course: Path) -> None:
    write(course, "docs/sessions/02-long.md", SESSION_2.format(date="09.12.2026", readings=""))
    write(course, "papers/bad.md", paper("bad", title=""))
    write(course, "docs/posters/bad.md", "---\ntitle: [unclosed\n---\n")
    result = run(course, "check", "--errors-only")
    assert result.output.splitlines()[-1] == (
        "checked 2 papers (1 broken), 2 sessions (1 broken), 2 posters (1 broken): "
        "3 errors, 0 warnings")
    counts = json.loads(run(course, "check", "--format", "json").output)["counts"]
    assert counts == {"papers": 2, "sessions": 2, "posters": 2, "errors": 3, "warnings": 0,
                      "broken": {"papers": 1, "sessions": 1, "posters": 1}}
    report = run(course, "report")
    assert "warning: 3 files could not be loaded and are left out; run kb check" in report.output
    assert report.output.splitlines()[1].strip() == "1 session, 1 paper"
