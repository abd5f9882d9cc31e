"""The calendar of the sessions, ``sessions.ics`` (iCalendar, RFC 5545), one event per dated session.

A session with a ``time:`` is a timed event (``DTSTART``, and ``DTEND`` with an ``end:``) in
the course's ``timezone`` option, given by ``TZID`` and described by a ``VTIMEZONE`` made from
the zone's rules (zoneinfo) over the years of the sessions; without the option the times are
floating (local wherever the calendar is read). A session without a time is an all-day event;
one without a date is left out (``kb check`` warns: ``no-date``). ``LOCATION`` is the session's
``location:``.

Every text value goes through one rule, :func:`ics_text` (RFC 5545 TEXT escaping, control
characters removed), so no title, place or name can end a line or start a property.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo
from collections.abc import Callable
from urllib.parse import quote, urlparse

from kb.model.entries import Paper, Session
from kb.model.names import name_list
from kb.model.reading_order import reading_order
from kb.model.reading_time import Estimate, reading_minutes, total

CALENDAR = "sessions.ics"
KIND_LINE = {"required": "Required reading", "background": "Background",
             "presentation": "Presentation", "optional": "Optional"}
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~-._"


def _controls_out(text: str) -> str:
    """``text`` without control characters (a CR alone splits an .ics line for some readers),
    line and paragraph separators, and bidi or zero-width format characters; line feeds kept."""
    return "".join(ch for ch in text if ch == "\n"
                   or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs"))


def ics_text(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): control characters removed (CR LF and CR read as line
    ends first), then backslash, semicolon, comma and line feed escaped."""
    text = _controls_out(text.replace("\r\n", "\n"))
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\n", "\\n")


def ics_uri(url: str) -> str:
    """A URI value: control characters removed and anything outside a URI percent-encoded."""
    return quote(_controls_out(url).replace("\n", ""), safe=_URL_SAFE)


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


def _offset(delta: dt.timedelta | None) -> str:
    seconds = int((delta or dt.timedelta()).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _transitions(zone: zoneinfo.ZoneInfo, start: dt.datetime, stop: dt.datetime) -> list[dt.datetime]:
    """The instants (UTC) between ``start`` and ``stop`` at which ``zone``'s offset changes."""
    found = []
    step = dt.timedelta(hours=12)
    here = start
    while here < stop:
        after = here + step
        if here.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            low, high = here, after
            while high - low > dt.timedelta(seconds=1):
                mid = low + (high - low) / 2
                if mid.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = mid
                else:
                    high = mid
            found.append(high.replace(microsecond=0))
        here = after
    return found


def vtimezone(name: str, first: dt.date, last: dt.date) -> list[str]:
    """A VTIMEZONE for the IANA zone ``name`` covering ``first`` to ``last``: one observance
    from the start of ``first``'s year, then one per change of offset up to the end of
    ``last``'s year (each STANDARD or DAYLIGHT, with its offsets and abbreviation)."""
    zone = zoneinfo.ZoneInfo(name)
    start = dt.datetime(first.year, 1, 1, tzinfo=dt.UTC)
    stop = dt.datetime(last.year + 1, 1, 1, tzinfo=dt.UTC)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{ics_text(name)}"]

    def observance(at: dt.datetime, before: dt.timedelta | None) -> None:
        local = at.astimezone(zone)
        kind = "DAYLIGHT" if local.dst() else "STANDARD"
        wall = (at + (before if before is not None else local.utcoffset() or dt.timedelta()))
        lines.extend([f"BEGIN:{kind}", f"DTSTART:{wall:%Y%m%dT%H%M%S}",
                      f"TZOFFSETFROM:{_offset(before if before is not None else local.utcoffset())}",
                      f"TZOFFSETTO:{_offset(local.utcoffset())}",
                      f"TZNAME:{ics_text(local.tzname() or name)}", f"END:{kind}"])

    observance(start, None)
    for change in _transitions(zone, start, stop):
        observance(change, (change - dt.timedelta(seconds=1)).astimezone(zone).utcoffset())
    lines.append("END:VTIMEZONE")
    return lines


def _when(session: Session, timezone: str) -> list[str]:
    """DTSTART and DTEND of a dated session: timed with its time (in ``timezone``, or floating),
    all-day without."""
    assert session.date is not None
    if session.time is None:
        return [f"DTSTART;VALUE=DATE:{session.date:%Y%m%d}",
                f"DTEND;VALUE=DATE:{session.date + dt.timedelta(days=1):%Y%m%d}"]
    tzid = f";TZID={ics_text(timezone)}" if timezone else ""
    out = [f"DTSTART{tzid}:{dt.datetime.combine(session.date, session.time):%Y%m%dT%H%M%S}"]
    if session.end is not None:
        out.append(f"DTEND{tzid}:{dt.datetime.combine(session.date, session.end):%Y%m%dT%H%M%S}")
    return out


def _details(session: Session, papers: dict[str, Paper], time: Callable[[str], Estimate]) -> list[str]:
    """The readings by kind in the suggested order, with presenters and reading time."""
    ordered = [r for r in reading_order(session.readings, papers, listed=session.order == "listed")
               if r.key in papers]
    out = []
    for reading in ordered:
        line = f"{KIND_LINE[reading.kind]}: {papers[reading.key].title}"
        estimate = time(reading.key)
        if reading.presenters:
            line += f" (presented by {name_list(reading.presenters)})"
        if estimate.known and not estimate.from_text:
            line += f", {estimate}"
        out.append(line)
    if session.presenters:
        out.append(f"Presenting: {name_list(session.presenters)}")
    required = total(time(r.key) for r in ordered if r.kind == "required")
    if required.readings and required.unknown < required.readings:
        out.append(f"Reading time of the required readings: {required}")
    return out


def calendar(name: str, sessions: list[Session], papers: dict[str, Paper], site_url: str | None,
             page_path: Callable[[Session], str | None], today: dt.date, *, timezone: str = "",
             time: Callable[[str], Estimate] | None = None) -> str:
    """An .ics file with one event per dated session (timed or all-day, see the module docstring).

    ``page_path`` gives the session page's URL path in the site; with mkdocs' ``site_url``
    set, events link to the pages. UIDs are stable across builds, so a subscribed calendar
    updates its events instead of adding copies. ``time`` gives a paper's reading time.
    """
    base = site_url.rstrip("/") + "/" if site_url else ""
    host = urlparse(base).hostname or "kb.invalid"
    timed = time or (lambda key: reading_minutes(papers[key]))
    lines: list[str] = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kb//course schedule//EN",
                        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{ics_text(name)}"]
    dated = [s for s in sorted(sessions, key=lambda s: s.session) if s.date is not None]
    days = [s.date for s in dated if s.time is not None and s.date is not None]
    if timezone and days:
        lines += [f"X-WR-TIMEZONE:{ics_text(timezone)}", *vtimezone(timezone, min(days), max(days))]
    stamp = today.strftime("%Y%m%dT000000Z")
    for session in dated:
        path = page_path(session)
        url = ics_uri(base + path) if base and path is not None else None
        details = _details(session, papers, timed)
        if session.slides and urlparse(session.slides).scheme in ("http", "https"):
            details.append(f"Slides: {session.slides}")
        if url:
            details.append(url)
        lines += ["BEGIN:VEVENT",
                  f"UID:{ics_text(f'session-{session.session}-{session.slug}@{host}')}",
                  f"DTSTAMP:{stamp}", *_when(session, timezone),
                  f"SUMMARY:{ics_text(f'Session {session.session}: {session.title}')}"]
        if session.location:
            lines.append(f"LOCATION:{ics_text(session.location)}")
        if details:
            lines.append(f"DESCRIPTION:{ics_text(chr(10).join(details))}")
        if url:
            lines.append(f"URL:{url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
