"""The calendar of the sessions, ``sessions.ics`` (iCalendar, RFC 5545), one event per dated session."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlparse

from kb.model.entries import Paper, Session

CALENDAR = "sessions.ics"


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
