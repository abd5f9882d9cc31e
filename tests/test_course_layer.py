"""What a student prepares from (issue 23): honest reading lists on the schedule, reading times
and a suggested order, the discussion questions gathered on the session page, and sessions with
times and places in the calendar."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import icalendar
import pytest
from pydantic import Field

from conftest import paper, run, write
from kb.model.entries import Paper, Reading, Session
from kb.model.reading_order import discussion_questions, reading_order
from kb.model.reading_time import duration, reading_minutes, total
from kb.site.pages.calendar import calendar, ics_text
from site_helpers import article, build_site, set_option, text_of

# 2025-10-29 12:00 UTC
BUILD_DAY = "1761739200"


def _paper(key: str = "k", **fields: object) -> Paper:
    return Paper(key=key, title=fields.pop("title", f"Title of {key}"), **fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- reading time

@pytest.mark.parametrize("fields,expected", [
    ({"bibtex": {"numpages": "14", "pages": "1--2"}}, (84, "numpages", 14)),
    ({"bibtex": {"pages": "1877--1901"}}, (150, "pages", 25)),
    ({"bibtex": {"pages": "12–20"}}, (54, "pages", 9)),
    ({"bibtex": {"comments": "Accepted at ICLR; 9 pages, 3 figures"}}, (54, "arxiv-comment", 9)),
    # words of abstract + summary + notes, at 200 a minute
    ({"abstract": "word " * 300, "summary": "word " * 50, "notes": "word " * 50}, (2, "words", 400)),
    ({"bibtex": {"pages": "e1234"}, "summary": "a short one"}, (1, "words", 3)),
    ({"bibtex": {"pages": "20--10"}}, (0, "none", 0)),
    ({}, (0, "none", 0)),
])
def test_reading_time_from_each_length_source(fields: dict[str, object],
                                              expected: tuple[int, str, int]) -> None:
    estimate = reading_minutes(_paper(**fields))
    assert (estimate.minutes, estimate.source, estimate.amount) == expected


def test_reading_times_read_as_estimates() -> None:
    assert [duration(m) for m in (0, 6, 45, 60, 84, 90, 441)] == [
        "≈ 1 min", "≈ 6 min", "≈ 45 min", "≈ 1 h", "≈ 1 h 25 min", "≈ 1 h 30 min", "≈ 7 h 20 min"]
    paged = reading_minutes(_paper(bibtex={"pages": "1--15"}))
    assert str(paged) == "≈ 1 h 30 min" and paged.explain() == "15 pages at 6 min a page"
    worded = reading_minutes(_paper(summary="one two three"))
    assert worded.from_text and "the paper itself is longer" in worded.explain()
    unknown = reading_minutes(_paper())
    assert str(unknown) == "?" and not unknown.known
    both = total([paged, worded, unknown])
    assert (both.minutes, both.readings, both.unknown, both.from_text) == (91, 3, 1, 1)
    assert str(both) == "≈ 1 h 30 min + 1 ?"
    assert str(total([])) == "-" and str(total([unknown])) == "?"


def test_kb_report_uses_the_same_estimate(course: Path) -> None:
    write(course, "papers/long2020paper.md", paper("long2020paper", bibtex={"numpages": "10"}))
    session = (course / "docs/sessions/01-introduction.md").read_text()
    write(course, "docs/sessions/01-introduction.md", session.replace(
        "readings:\n", "readings:\n- key: long2020paper\n  kind: required\n"))
    data = json.loads(run(course, "report", "--json").output)
    assert data["times"]["long2020paper"] == {"minutes": 60, "source": "numpages", "amount": 10}
    # with the example session's own required reading, pages 5998--6008 (11 pages)
    assert data["times"]["vaswani2017attention"] == {"minutes": 66, "source": "pages", "amount": 11}
    assert data["sessions"][0]["required"]["minutes"] == 126
    assert data["sessions"][0]["required"]["text"] == "2h05"


# ---------------------------------------------------------------- order and questions

def test_the_suggested_order_puts_required_first_then_what_others_build_on() -> None:
    papers = {k: _paper(k, year=y) for k, y in
              (("survey2024", 2024), ("base2017", 2017), ("method2020", 2020), ("extra2019", 2019),
               ("talk2022", 2022), ("bg2015", 2015))}
    readings = [Reading(key="survey2024", kind="optional"), Reading(key="method2020", kind="required"),
                Reading(key="talk2022", kind="presentation"), Reading(key="base2017", kind="required"),
                Reading(key="extra2019", kind="optional"), Reading(key="bg2015", kind="background")]
    by_year = [r.key for r in reading_order(readings, papers)]
    assert by_year == ["base2017", "method2020", "bg2015", "talk2022", "extra2019", "survey2024"]
    # the citation graph wins over the year: base2017 builds on method2020 here
    cites = {"base2017": ["method2020"], "extra2019": ["survey2024"]}
    by_cites = [r.key for r in reading_order(readings, papers, cites)]
    assert by_cites == ["method2020", "base2017", "bg2015", "talk2022", "survey2024", "extra2019"]
    # a citation circle is broken at its oldest paper; a paper listed twice comes once
    circle = [r.key for r in reading_order(readings[:2] + readings[3:4] + readings[1:2], papers,
                                           {"base2017": ["method2020"], "method2020": ["base2017"]})]
    assert circle == ["base2017", "method2020", "survey2024"]
    listed = [r.key for r in reading_order(readings, papers, cites, listed=True)]
    assert listed == [r.key for r in readings]


def test_the_order_reads_a_cites_field_when_papers_have_one() -> None:
    class Cited(Paper):
        cites: list[str] = Field(default_factory=list)

    papers = {"a2020": Cited(key="a2020", title="A", year=2020, cites=["b2021"]),
              "b2021": Cited(key="b2021", title="B", year=2021)}
    readings = [Reading(key="a2020"), Reading(key="b2021")]
    assert [r.key for r in reading_order(readings, papers)] == ["b2021", "a2020"]


NOTES = """## Key ideas

- Not a question.

## Questions for discussion

1. "Aligned" here means preferred by a few dozen contracted labellers. What does that
   leave out?
2. Which of the three steps matters most?
   - a sub-point that belongs to the second question

### Further thoughts

3. Still the same section (a lower heading).

## Related

- Not a question either.
"""


def test_discussion_questions_come_from_the_notes_or_the_questions_field() -> None:
    questions = discussion_questions(_paper(notes=NOTES))
    assert questions == [
        '"Aligned" here means preferred by a few dozen contracted labellers. What does that leave out?',
        "Which of the three steps matters most?",
        "a sub-point that belongs to the second question",
        "Still the same section (a lower heading).",
    ]
    assert discussion_questions(_paper(notes="## Discussion questions\n\nWhy now?\n")) == ["Why now?"]
    assert discussion_questions(_paper(notes=NOTES, questions=["Own question?"])) == ["Own question?"]
    assert discussion_questions(_paper(notes="## Key ideas\n\n- none\n")) == []


def test_kb_fields_names_the_new_fields() -> None:
    text = run(None, "fields").output
    assert "  questions  list of str\n" in text
    assert "'Questions for discussion'" in " ".join(text.split())
    for name in ("time", "end", "location", "presenters", "order"):
        assert re.search(rf"^  {name} +", text, re.M), name
    assert 'time (HH:MM, quoted: "14:00") or none' in text


# ---------------------------------------------------------------- session fields and kb check

def _session(course: Path, extra: str, *, date: str = "2025-10-22") -> None:
    text = (course / "docs/sessions/01-introduction.md").read_text()
    text = re.sub(r"^date: .*\n", (f"date: {date}\n" if date else "") + extra, text, count=1, flags=re.M)
    write(course, "docs/sessions/01-introduction.md", text)


@pytest.mark.parametrize("extra,date,message,fix", [
    ("", "2026-12-09 14:00", "'2026-12-09 14:00' holds a time as well as a date",
     'write the date as 2026-12-09 and the time as time: "14:00"'),
    ("", "2026-12-09T09:30:00", "'2026-12-09T09:30:00' holds a time as well as a date",
     'write the date as 2026-12-09 and the time as time: "09:30"'),
    ('time: "2pm"\n', "2025-10-22", "'2pm' is not a time written HH:MM",
     'write time: "14:00" (hours and minutes on the 24-hour clock, in quotes)'),
    ("time: 14\n", "2025-10-22", "14 is a number, not a time",
     'write time: "14:00" (hours and minutes on the 24-hour clock, in quotes)'),
    ('time: "14:00"\nend: "12:00"\n', "2025-10-22", "end: 12:00 is not after time: 14:00",
     "correct end: or time: (a session ends on the day it starts)"),
    ('end: "12:00"\n', "2025-10-22", "end: 12:00 without time:",
     'add time: "HH:MM", when the session starts (or remove end:)'),
])
def test_date_and_time_mistakes_are_explained_with_the_value_and_a_fix(
        course: Path, extra: str, date: str, message: str, fix: str) -> None:
    _session(course, extra, date=date)
    data = json.loads(run(course, "check", "--format", "json").output)
    found = [i for i in data["issues"] if i["code"] == "schema"]
    assert [(i["message"], i["fix"]) for i in found] == [(message, fix)]


def test_an_unquoted_time_is_read_as_the_time_it_was_written_as(course: Path) -> None:
    _session(course, "time: 14:00\nend: 15:30\nlocation: Room 1\npresenters: [Ada Lovelace]\n")
    assert run(course, "check").exit_code == 0
    from kb.course.config import load_config
    from kb.course.load import load_project

    session = load_project(load_config(course)).sessions[0]
    assert (session.time, session.end) == (dt.time(14, 0), dt.time(15, 30))
    assert session.location == "Room 1" and session.presenters == ["Ada Lovelace"]


def test_an_undated_session_is_warned_about(course: Path) -> None:
    _session(course, "", date="")
    result = run(course, "check")
    assert result.exit_code == 0
    assert ("docs/sessions/01-introduction.md:2: warning [date] session 1 has no date, so it is "
            "missing from the calendar (sessions.ics) (no-date)") in result.output
    assert "fix: add date: YYYY-MM-DD" in result.output


def test_the_timezone_option_is_an_iana_name(course: Path) -> None:
    set_option(course, "timezone", "Europe/Berln")
    result = run(course, "check")
    assert result.exit_code == 2
    assert "[plugins.kb.timezone] unknown time zone 'Europe/Berln': did you mean Europe/Berlin?" \
        in " ".join(result.output.split())
    set_option(course, "timezone", "Europe/Berlin")
    assert run(course, "check").exit_code == 0


# ---------------------------------------------------------------- the calendar

def _sessions() -> tuple[list[Session], dict[str, Paper]]:
    papers = {"p": _paper("p", title="Reward, models; and\\ more", bibtex={"numpages": "10"})}
    timed = Session(slug="01-a", session=1, date=dt.date(2025, 11, 5), time="12:30", end="14:00",
                    location="Nauklerstr. 35, seminar room 1", title="Timed\rsession\x07, one",
                    presenters=["Ada Lovelace"], readings=[Reading(key="p")])
    allday = Session(slug="02-b", session=2, date=dt.date(2025, 7, 9), title="All day")
    undated = Session(slug="03-c", session=3, title="Undated")
    return [timed, allday, undated], papers


def test_a_timed_event_with_location_and_an_all_day_one_parse_back() -> None:
    sessions, papers = _sessions()
    text = calendar("Course", sessions, papers, "https://c.example.org/", lambda s: f"s/{s.slug}/",
                    dt.date(2025, 10, 1), timezone="Europe/Berlin")
    assert "\r" not in text.replace("\r\n", "")
    parsed = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    assert len(events) == 2  # the undated session is left out (kb check warns)
    timed = events["session-1-01-a@c.example.org"]
    assert str(timed["SUMMARY"]) == "Session 1: Timedsession, one"  # CR and BEL removed
    assert str(timed["LOCATION"]) == "Nauklerstr. 35, seminar room 1"
    start, end = timed["DTSTART"].dt, timed["DTEND"].dt
    assert start.isoformat() == "2025-11-05T12:30:00+01:00" and end - start == dt.timedelta(minutes=90)
    assert "Required reading: Reward, models; and\\ more, ≈ 1 h" in str(timed["DESCRIPTION"])
    assert "Presenting: Ada Lovelace" in str(timed["DESCRIPTION"])
    allday = events["session-2-02-b@c.example.org"]
    assert allday["DTSTART"].dt == dt.date(2025, 7, 9) and allday["DTEND"].dt == dt.date(2025, 7, 10)
    assert "LOCATION" not in allday


def test_the_vtimezone_alone_gives_the_right_offsets() -> None:
    """Renamed so that no reader can look the zone up: only the VTIMEZONE says what it is."""
    sessions, papers = _sessions()
    sessions[1] = Session(slug="02-b", session=2, date=dt.date(2026, 7, 8), time="09:00",
                          title="Summer")
    text = calendar("Course", sessions, papers, None, lambda s: None, dt.date(2025, 10, 1),
                    timezone="Europe/Berlin").replace("Europe/Berlin", "Course/Local")
    parsed = icalendar.Calendar.from_ical(text)
    starts = sorted(e["DTSTART"].dt for e in parsed.walk("VEVENT"))
    assert [s.utcoffset() for s in starts] == [dt.timedelta(hours=1), dt.timedelta(hours=2)]
    assert [s.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2025-11-05 11:30", "2026-07-08 07:00"]


def test_without_a_timezone_the_times_are_floating() -> None:
    sessions, papers = _sessions()
    text = calendar("Course", sessions, papers, None, lambda s: None, dt.date(2025, 10, 1))
    assert "DTSTART:20251105T123000\r\n" in text and "VTIMEZONE" not in text
    start = next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))["DTSTART"].dt
    assert start == dt.datetime(2025, 11, 5, 12, 30) and start.tzinfo is None


def test_every_calendar_text_is_escaped_by_one_rule() -> None:
    assert ics_text("a\\b;c,d\ne\r\nf\rg\x00h\u2028i\u202ej") == "a\\\\b\\;c\\,d\\ne\\nfgh" + "ij"
    _, papers = _sessions()
    hostile = Session(slug="04-x", session=4, date=dt.date(2025, 12, 3),
                      title="Evil\r\nBEGIN:VEVENT\rUID:x", location="Room\rEND:VCALENDAR")
    text = calendar("Name\r\nX-EVIL:1", [hostile], papers, None, lambda s: None, dt.date(2025, 1, 1))
    lines = text.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VCALENDAR") == 1
    assert not any(line.startswith(("X-EVIL", "UID:x")) for line in lines)
    event = next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))
    assert str(event["SUMMARY"]) == "Session 4: Evil\nBEGIN:VEVENTUID:x"
    assert str(event["LOCATION"]) == "RoomEND:VCALENDAR"


# ---------------------------------------------------------------- the site

OPTIONAL_ONLY = """---
session: 3
date: 2025-11-05
time: "12:30"
end: "14:00"
location: Nauklerstr. 35, seminar room 1
title: Reading week
presenters: [Grace Hopper]
readings:
- key: christiano2017deep
  kind: optional
- key: vaswani2017attention
  kind: background
- key: ouyang2022training
  kind: presentation
---
Nothing is required this week.
"""


@pytest.fixture
def site(course: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from site_helpers import add_rlhf

    set_option(course, "related", "0")
    set_option(course, "library_map", "false")
    set_option(course, "timezone", "Europe/Berlin")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY)
    add_rlhf(course)
    write(course, "docs/sessions/03-reading-week.md", OPTIONAL_ONLY)
    notes = (course / "papers/ouyang2022training.md").read_text()
    write(course, "papers/ouyang2022training.md", notes.replace(
        "Notes.\n", "Notes.\n\n## Questions for discussion\n\n1. What does *aligned* leave out?\n"
        "2. <script>alert(1)</script> Why rank outputs?\n"))
    christiano = (course / "papers/christiano2017deep.md").read_text()
    write(course, "papers/christiano2017deep.md", christiano.replace(
        "tags:", "questions:\n- Why clips and not single frames?\ntags:"))
    return build_site(course)


def _row(schedule: str, number: int) -> str:
    start = schedule.index(f'<td class="kb-col-number">{number}</td>')
    return schedule[start:schedule.index("</tr>", start)]


def test_the_schedule_names_readings_by_kind(site: Path) -> None:
    schedule = article((site / "sessions/index.html").read_text(encoding="utf-8"))
    three = _row(schedule, 3)
    # nothing required: the optional and background readings are named, not left out
    assert '<a href="../papers/christiano2017deep/">Deep reinforcement learning from human' in three
    assert '<a href="../papers/vaswani2017attention/">' in three
    text = text_of(three)
    assert text.index("background") < text.index("presented") < text.index("optional")
    # the one presentation is labelled with the session's presenter
    assert ("Training language models to follow instructions with human feedback by Grace Hopper"
            in text)
    assert 'data-kb-date="2025-11-05" data-kb-start="12:30" data-kb-end="14:00"' in three
    assert "12:30–14:00" in text and "Nauklerstr. 35, seminar room 1" in text
    assert "Reading time: ≈ 1 h 10 min in all (2 of 3 without a page count)" in text
    two = _row(schedule, 2)
    # a session with a required reading: it is named, the optional one counted
    assert "required Training language models" in text_of(two)
    assert '<a href="02-human-feedback/#readings">+ 1 optional</a>' in two
    assert "presented Attention Is All You Need ≈ 1 h 5 min" in text_of(two)  # no presenters given
    assert 'data-kb-timezone="Europe/Berlin"' in schedule
    assert "Times are Europe/Berlin time." in text_of(schedule)


def test_the_session_page_suggests_an_order_and_gathers_the_questions(site: Path) -> None:
    page = article((site / "sessions/03-reading-week/index.html").read_text(encoding="utf-8"))
    text = text_of(page)
    assert "Session 3 · Wed 05 Nov 2025 · 12:30–14:00 (Europe/Berlin) · Nauklerstr. 35" in text
    assert "Presenting: Grace Hopper" in text
    start = text.index("Reading order")
    plan = text[start:text.index("Readings", start + 1)]
    assert plan.startswith("Reading order ¶ Nothing is required for this session")
    assert "Training language models to follow instructions with human feedback presentation " \
        "presented by Grace Hopper · ≈ 1 min (no page count: its abstract and notes only)" in plan
    assert "Reading time: ≈ 1 h 10 min for everything (2 of 3 without a page count)" in plan
    assert plan.index("Attention") < plan.index("Training language") < plan.index("Deep reinforcement")
    questions = text[text.index("Questions for discussion"):]
    assert "What does aligned leave out?" in questions and "<em>aligned</em>" in page
    assert "Why clips and not single frames?" in questions  # from the questions: field
    assert "<script>alert" not in page and "Why rank outputs?" in questions


def test_the_site_calendar_has_the_timed_session(site: Path) -> None:
    parsed = icalendar.Calendar.from_ical((site / "sessions.ics").read_bytes())
    events = {int(str(e["UID"]).split("-")[1]): e for e in parsed.walk("VEVENT")}
    assert events[3]["DTSTART"].dt.isoformat() == "2025-11-05T12:30:00+01:00"
    assert str(events[3]["LOCATION"]) == "Nauklerstr. 35, seminar room 1"
    assert events[2]["DTSTART"].dt == dt.date(2025, 10, 22)  # no time: all day
