"""Dates as people write them, and the ISO form kb reads (YYYY-MM-DD).

A session's ``date:`` is read only as ``2026-12-09``: any other order of day and month is
ambiguous somewhere. :func:`date_problem` says what is wrong with a value kb cannot read, echoing
it, and suggests the ISO form where the value says which day it means:

- ``09.12.2026`` is day.month.year (German and most European usage): 2026-12-09;
- ``Dec 9, 2026``, ``9 December 2026``: 2026-12-09;
- ``2026/12/09``, ``2026.12.9``, ``2026-12-9``: 2026-12-09;
- ``13/09/2026`` can only be day/month, ``09/13/2026`` only month/day; ``12/09/2026`` is
  either (9 December in US usage, 12 September in British): both are shown.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_DOTTED = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_MONTH_FIRST = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\.?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
ISO_FIX = "write the date as YYYY-MM-DD, e.g. 2026-12-09"


def _date(year: str | int, month: str | int, day: str | int) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _month(name: str) -> int | None:
    name = name.lower()
    if len(name) < 3:
        return None
    found = [i for i, month in enumerate(MONTHS, start=1) if month.startswith(name)]
    return found[0] if len(found) == 1 else None


def _spoken(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1].capitalize()} {day.year}"


def _one(day: dt.date | None, how: str) -> str | None:
    return f"write {day.isoformat()} ({how}: {_spoken(day)})" if day else None


def suggest_date(text: str) -> str | None:
    """The fix for a date written another way than YYYY-MM-DD, naming the ISO form (both forms
    when the value is ambiguous), or None when the value names no day kb can tell."""
    text = " ".join(text.split())
    if found := _DOTTED.match(text):
        day, month, year = found.groups()
        return _one(_date(year, month, day), "day.month.year")
    if found := _YEAR_FIRST.match(text):
        year, month, day = found.groups()
        return _one(_date(year, month, day), "year, month, day")
    if found := _MONTH_FIRST.match(text):
        month = _month(found.group(1))
        return _one(_date(found.group(3), month, found.group(2)), "month day, year") if month else None
    if found := _DAY_FIRST.match(text):
        month = _month(found.group(2))
        return _one(_date(found.group(3), month, found.group(1)), "day month year") if month else None
    if found := _DIGITS.match(text):
        return _one(_date(*found.groups()), "year, month, day")
    if found := _SLASHED.match(text):
        a, b, year = found.groups()
        us, uk = _date(year, a, b), _date(year, b, a)
        if us and uk and us != uk:
            return (f"it is ambiguous: write {us.isoformat()} (month/day/year, US usage: "
                    f"{_spoken(us)}) or {uk.isoformat()} (day/month/year: {_spoken(uk)})")
        if us:
            return _one(us, "month/day/year")
        if uk:
            return _one(uk, "day/month/year")
    return None


def date_problem(value: object, detail: str = "") -> tuple[str, str]:
    """(message, fix) for a ``date:`` value kb cannot read: the value echoed, and the ISO form
    when the value says which day it means. ``detail`` is the parser's reason, shown for a value
    written YYYY-MM-DD that is no day (2025-02-30)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return f"{value!r} is not a date", ISO_FIX
    if not isinstance(value, str):
        return f"{value!r} is a number, not a date", suggest_date(str(value)) or ISO_FIX
    if _ISO.match(value.strip()):
        return f"{value!r} is not a date" + (f" ({detail})" if detail else ""), \
            "write a day that exists, as YYYY-MM-DD"
    return f"{value!r} is not a date written YYYY-MM-DD", suggest_date(value) or ISO_FIX
