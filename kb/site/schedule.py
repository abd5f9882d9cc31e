"""The course schedule, generated from the session files: a table and an .ics calendar.

A session file is all it takes: its number, date, title, required readings, slides and the
posters presented in it appear in the schedule page (``sessions/index.md``), in any page
that holds the marker ``<!-- kb:schedule -->`` (the home page, typically) and in the
calendar file ``sessions.ics`` that students subscribe to. Past and upcoming sessions are
told apart by the build date: today, or ``SOURCE_DATE_EPOCH`` for reproducible builds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from kb.model.entries import Paper, Poster, Session

SCHEDULE_PAGE = "sessions/index.md"
CALENDAR = "sessions.ics"
MARKER = "<!-- kb:schedule -->"
MARKER_RE = re.compile(r"^[ \t]*<!--\s*kb:schedule\s*-->[ \t]*$", re.M)

Href = Callable[[str], str]


def build_date() -> dt.date:
    """The day the site is built: ``SOURCE_DATE_EPOCH`` (seconds, UTC) when set, else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


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


# ------------------------------------------------------------------ iCalendar (RFC 5545)

def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return re.sub(r"\r?\n", "\\\\n", text)


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def calendar(name: str, sessions: list[Session], papers: dict[str, Paper], site_url: str | None,
             page_path: Callable[[Session], str | None], today: dt.date) -> str:
    """An .ics file with one all-day event per dated session.

    ``page_path`` gives the session page's URL path in the site; with mkdocs' ``site_url``
    set, events link to the pages. UIDs are stable across builds, so a subscribed calendar
    updates its events instead of adding copies.
    """
    base = site_url.rstrip("/") + "/" if site_url else ""
    host = urlparse(base).hostname or "kb.invalid"
    lines: list[str] = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kb//course schedule//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}"]
    stamp = today.strftime("%Y%m%dT000000Z")
    for session in sorted(sessions, key=lambda s: s.session):
        if session.date is None:
            continue
        path = page_path(session)
        url = base + path if base and path is not None else None
        required = [papers[r.key].title for r in session.readings
                    if r.kind == "required" and r.key in papers]
        details = [f"Required reading: {t}" for t in required]
        if session.slides and urlparse(session.slides).scheme in ("http", "https"):
            details.append(f"Slides: {session.slides}")
        if url:
            details.append(url)
        lines += ["BEGIN:VEVENT",
                  f"UID:session-{session.session}-{session.slug}@{host}",
                  f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{session.date:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{session.date + dt.timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(f'Session {session.session}: {session.title}')}"]
        if details:
            lines.append(f"DESCRIPTION:{_escape(chr(10).join(details))}")
        if url:
            lines.append(f"URL:{url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
