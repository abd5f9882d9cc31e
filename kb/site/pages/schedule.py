"""The course schedule, generated from the session files: a table of the sessions.

A session file is all it takes: its number, date, title, required readings, slides and the
posters presented in it appear in the schedule page (``sessions/index.md``), in any page
that holds the marker ``<!-- kb:schedule -->`` (the home page, typically) and in the
calendar file ``sessions.ics`` that students subscribe to (:mod:`kb.site.pages.calendar`).
Past and upcoming sessions are told apart by the build date: today, or ``SOURCE_DATE_EPOCH``
for reproducible builds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kb.model.entries import Paper, Poster, Session
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


@dataclass
class Row:
    """One session as the schedule shows it."""

    session: Session
    status: str
    href: str
    readings: list[tuple[Paper, str]] = field(default_factory=list)   # (paper, page href)
    posters: list[tuple[Poster, str]] = field(default_factory=list)   # (poster, page href)


def rows(sessions: list[Session], papers: dict[str, Paper], posters: list[Poster],
         session_src: dict[str, str], poster_src: dict[str, str], paper_src: Callable[[str], str],
         href: Href, today: dt.date) -> list[Row]:
    """The schedule's rows in session order; readings are the required ones (else all)."""
    status = statuses(sessions, today)
    out = []
    for session in sorted(sessions, key=lambda s: s.session):
        if session.slug not in session_src:
            continue
        kinds = {r.kind for r in session.readings}
        chosen = [r for r in session.readings if r.kind == "required"] if "required" in kinds \
            else [r for r in session.readings if r.kind == "presentation"]
        keys = [k for k in dict.fromkeys(r.key for r in chosen) if k in papers]
        shown = [(p, href(poster_src[p.slug])) for p in posters
                 if p.session == session.session and p.slug in poster_src]
        out.append(Row(session, status.get(session.session, ""), href(session_src[session.slug]),
                       [(papers[k], href(paper_src(k))) for k in keys], shown))
    return out
