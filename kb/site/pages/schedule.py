"""The course schedule, generated from the session files: a table of the sessions.

A session file is all it takes: its number, date and time, place, title, readings by kind
(required and presented ones named, with presenters; optional and background ones named when
nothing is required, else counted), their reading time, slides and the posters presented in
it appear in the schedule page (``sessions/index.md``), in any page
that holds the marker ``<!-- kb:schedule -->`` (the home page, typically) and in the
calendar file ``sessions.ics`` that students subscribe to (:mod:`kb.site.pages.calendar`).
Past and upcoming sessions are told apart by the build date (today, or ``SOURCE_DATE_EPOCH``
for reproducible builds), and again in the browser at view time by kb.js, which reads the
dates and times from the schedule's data attributes; the build's marks stay for readers
without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kb.model.entries import Paper, Poster, Reading, Session
from kb.model.reading_order import KIND_ORDER, reading_order
from kb.model.reading_time import Estimate, Total, total
from kb.site.render import SiteError

SCHEDULE_PAGE = "sessions/index.md"
MARKER = "<!-- kb:schedule -->"
MARKER_RE = re.compile(r"^[ \t]*<!--\s*kb:schedule\s*-->[ \t]*$", re.M)

Href = Callable[[str], str]
LATEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last second a date can hold


def build_date() -> dt.date:
    """The day the site is built: ``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC) when
    set, else today. A value that is not such a number, or lies past the year 9999, is an
    error naming the variable and the value (never ignored, never an overflow)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return dt.date.today()
    shown = repr(epoch if len(epoch) <= 40 else epoch[:40] + "...")
    fix = "set it to a whole number of seconds, e.g. $(git log -1 --format=%ct), or unset it"
    if not re.fullmatch(r"[0-9]+", epoch):
        raise SiteError(f"kb: SOURCE_DATE_EPOCH={shown} is not a whole number of seconds since "
                        "1970-01-01 UTC", fix=fix)
    if len(epoch) > 12 or int(epoch) > LATEST_EPOCH:
        raise SiteError(f"kb: SOURCE_DATE_EPOCH={shown} lies past the year 9999", fix=fix)
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()


def statuses(sessions: Iterable[Session], today: dt.date) -> dict[int, str]:
    """Session number -> 'past', 'today', 'next', 'upcoming' or '' (no date)."""
    dated = sorted((s for s in sessions if s.date is not None), key=lambda s: (s.date, s.session))
    out: dict[int, str] = {}
    next_seen = False
    for session in dated:
        assert session.date is not None
        if session.date < today:
            out[session.session] = "past"
        elif session.date == today:
            out[session.session] = "today"
            next_seen = True
        elif not next_seen:
            out[session.session] = "next"
            next_seen = True
        else:
            out[session.session] = "upcoming"
    return out


STATUS_LABEL = {"past": "", "today": "today", "next": "next", "upcoming": ""}
GROUP_LABEL = {"required": "required", "background": "background", "presentation": "presented",
               "optional": "optional"}


@dataclass
class Item:
    """One reading as the schedule names it."""

    paper: Paper
    href: str
    time: Estimate
    presenters: list[str] = field(default_factory=list)


@dataclass
class Group:
    """A session's readings of one kind: named (``items``), or only counted."""

    kind: str
    label: str
    count: int
    items: list[Item] = field(default_factory=list)
    presenters: list[str] = field(default_factory=list)  # the session's, for several readings


@dataclass
class Row:
    """One session as the schedule shows it."""

    session: Session
    status: str
    href: str
    groups: list[Group] = field(default_factory=list)   # named, in the suggested kind order
    counted: list[Group] = field(default_factory=list)  # given as a count ("+ 3 optional")
    posters: list[tuple[Poster, str]] = field(default_factory=list)   # (poster, page href)
    required_time: Total = field(default_factory=Total)
    all_time: Total = field(default_factory=Total)


def presenters(session: Session, reading: Reading) -> list[str]:
    """Who presents ``reading``: its own presenters, else the session's when the reading is the
    session's one presentation."""
    if reading.presenters:
        return list(reading.presenters)
    if reading.kind != "presentation":
        return []
    shown = {r.key for r in session.readings if r.kind == "presentation"}
    return list(session.presenters) if len(shown) == 1 else []


def reading_groups(session: Session, papers: dict[str, Paper], paper_href: Callable[[str], str],
                   time: Callable[[str], Estimate]) -> tuple[list[Group], list[Group]]:
    """(named groups, counted groups) of a session's readings. Required readings and
    presentations are always named (a presentation with its presenters, see
    :func:`presenters`; the session's presenters of several presentations are named once for
    the group); optional and background readings are named when the session has no required
    reading, else counted."""
    ordered = [r for r in reading_order(session.readings, papers, listed=session.order == "listed")
               if r.key in papers]
    kinds = {r.kind for r in ordered}
    named, counted = [], []
    for kind in KIND_ORDER:
        readings = [r for r in ordered if r.kind == kind]
        if not readings:
            continue
        group = Group(kind, GROUP_LABEL[kind], len(readings))
        if kind in ("required", "presentation") or "required" not in kinds:
            group.items = [Item(papers[r.key], paper_href(r.key), time(r.key), presenters(session, r))
                           for r in readings]
            if kind == "presentation" and not any(item.presenters for item in group.items):
                group.presenters = list(session.presenters)
            named.append(group)
        else:
            counted.append(group)
    return named, counted


def rows(sessions: list[Session], papers: dict[str, Paper], posters: list[Poster],
         session_src: dict[str, str], poster_src: dict[str, str], paper_src: Callable[[str], str],
         href: Href, today: dt.date, time: Callable[[str], Estimate]) -> list[Row]:
    """The schedule's rows in session order (see :func:`reading_groups` for the readings)."""
    status = statuses(sessions, today)
    out = []
    for session in sorted(sessions, key=lambda s: s.session):
        if session.slug not in session_src:
            continue
        named, counted = reading_groups(session, papers, lambda k: href(paper_src(k)), time)
        keys = [k for k in dict.fromkeys(r.key for r in session.readings) if k in papers]
        required = [k for k in dict.fromkeys(r.key for r in session.readings if r.kind == "required")
                    if k in papers]
        shown = [(p, href(poster_src[p.slug])) for p in posters
                 if p.session == session.session and p.slug in poster_src]
        out.append(Row(session, status.get(session.session, ""), href(session_src[session.slug]),
                       named, counted, shown, total(time(k) for k in required),
                       total(time(k) for k in keys)))
    return out
