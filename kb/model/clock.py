"""Times of day of sessions (``time:`` and ``end:``, written "HH:MM" on the 24-hour clock) and
the mistakes people make writing them, each explained with the value echoed and the fix.

A time is best quoted (``time: "14:00"``): YAML 1.1 reads an unquoted ``14:00`` as the number
840 (minutes, base 60). kb takes such a number back as the time it was written as, so both
spellings work; a plain number below 60 (``time: 14``) is refused, as it names no time.

Errors are raised as :func:`fix_error`: a pydantic error of type ``kb_fix`` that carries its
own fix, which ``kb check`` shows as the fix of the ``schema`` issue.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic_core import PydanticCustomError

FIX_ERROR = "kb_fix"
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_LOOSE = re.compile(r"^(\d{1,2})\s*(?:[:.h]\s*(\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|h|uhr)?$",
                    re.I)
_DATETIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s+|T)(\d{1,2}[:.]\d{2})(?::\d{2}(?:\.\d+)?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?$")


def fix_error(message: str, fix: str) -> PydanticCustomError:
    """A validation error whose message and fix ``kb check`` shows as they are."""
    return PydanticCustomError(FIX_ERROR, "{message}", {"message": message, "fix": fix})


def _fix(field: str, when: dt.time | None = None) -> str:
    example = when.strftime("%H:%M") if when else "14:00"
    return f'write {field}: "{example}" (hours and minutes on the 24-hour clock, in quotes)'


def _guess(text: str) -> dt.time | None:
    """The time a loosely written value means ('2pm', '14.00', '14h30', '14:00:00'), or None."""
    found = _LOOSE.match(text.strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    suffix = (found.group(4) or "").lower().replace(".", "")
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def parse_time(value: object, field: str) -> dt.time | None:
    """``value`` of the ``field`` (time or end) as a time of day; raises :func:`fix_error`."""
    if value is None or isinstance(value, dt.time):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise fix_error(f"{value!r} is not a time", _fix(field))
    if isinstance(value, int):  # an unquoted 14:00, read by YAML 1.1 as 840 (base 60)
        if value < 60:
            raise fix_error(f"{value} is a number, not a time", _fix(field, _guess(str(value))))
        hours, minutes = divmod(value, 60)
        if hours >= 24 and value % 60 == 0 and value // 3600 < 24:  # 14:00:00 -> 50400
            hours, rest = divmod(value, 3600)
            written = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
            raise fix_error(f"{written} gives seconds", _fix(field, dt.time(hours, rest // 60)))
        if hours >= 24:
            raise fix_error(f"{hours}:{minutes:02d} is not a time of day", _fix(field))
        return dt.time(hours, minutes)
    text = value.strip()
    found = _HHMM.match(text)
    if found:
        return dt.time(int(found.group(1)), int(found.group(2)))
    return _refuse(text, field)


def _refuse(text: str, field: str) -> dt.time:
    guess = _guess(text)
    raise fix_error(f"{text!r} is not a time written HH:MM", _fix(field, guess))


def datetime_problem(value: object) -> PydanticCustomError | None:
    """The error for a ``date:`` that holds a time as well ('2026-12-09 14:00'), or None."""
    if not isinstance(value, str):
        return None
    found = _DATETIME.match(value.strip())
    if not found:
        return None
    day, time = found.group(1), _guess(found.group(2))
    try:
        day = dt.date.fromisoformat("-".join(f"{int(p):02d}" for p in day.split("-"))).isoformat()
    except ValueError:
        pass
    when = time.strftime("%H:%M") if time else "HH:MM"
    return fix_error(f"{value.strip()!r} holds a time as well as a date",
                     f'write the date as {day} and the time as time: "{when}"')


def end_problem(start: dt.time | None, end: dt.time) -> PydanticCustomError | None:
    """The error for an ``end:`` without a ``time:`` or not after it, or None."""
    if start is None:
        return fix_error(f"end: {end:%H:%M} without time:",
                         'add time: "HH:MM", when the session starts (or remove end:)')
    if end <= start:
        return fix_error(f"end: {end:%H:%M} is not after time: {start:%H:%M}",
                         "correct end: or time: (a session ends on the day it starts)")
    return None


def hhmm(value: dt.time) -> str:
    """'14:00'."""
    return value.strftime("%H:%M")
