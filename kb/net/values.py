"""Checked reading of what a service sent: JSON parsed within bounds, each field of the type
the service documents, or a :class:`~kb.net.errors.BadResponseError` naming the field.

A hostile or broken answer must end in a clear error, never in a traceback further down (a
title that is a list of lists, ``"issued": "2020"``, a year of 10**100, NaN, JSON nested
100,000 deep), and never in a paper file holding a dict where a title belongs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from pydantic import ValidationError

from kb.model.entries import year_problem
from kb.net.errors import BadResponseError

MAX_DEPTH = 64  # JSON nesting kb reads; Crossref's works nest about 6 deep


def kind(value: object) -> str:
    """How a JSON value is described in a message: 'a list', 'text', 'true', ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else "an object"


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: object) -> int:
    """The nesting depth of a parsed JSON value (iterative: no recursion to run out of)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def load_json(text: str, where: str, fix: str) -> Any:
    """``text`` parsed as strict JSON (no NaN or Infinity) nested at most :data:`MAX_DEPTH`
    deep. ``where`` starts the message ('DOI 10.1000/x: the Crossref answer')."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BadResponseError(f"{where} is JSON nested deeper than kb reads ({MAX_DEPTH} "
                               "levels)", fix=fix) from None
    except ValueError as exc:
        raise BadResponseError(f"{where} is not valid JSON ({exc})", fix=fix) from None
    if _depth(data) > MAX_DEPTH:
        raise BadResponseError(f"{where} is JSON nested deeper than kb reads ({MAX_DEPTH} "
                               "levels)", fix=fix)
    return data


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Fields:
    """The fields of one JSON object, read with their types checked. ``where`` names the
    answer in messages ("DOI 10.1000/x: the Crossref answer"), ``path`` the object's place."""

    def __init__(self, data: Mapping[str, Any], where: str, fix: str, path: str = "") -> None:
        self.data = data
        self.where = where
        self.fix = fix
        self.path = path

    def wrong(self, name: str, value: object, expected: str) -> BadResponseError:
        return BadResponseError(f"{self.where}'s {self.path}{name} is {kind(value)} "
                                f"({_show(value)}) where {expected} belongs", fix=self.fix)

    def text(self, name: str, *, numbers: bool = False) -> str | None:
        """A text field (a number too, as text, with ``numbers``); None when absent."""
        value = self.data.get(name)
        if value is None or isinstance(value, str):
            return value
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise self.wrong(name, value, "text")

    def texts(self, name: str) -> list[str]:
        """A list of texts (one text counts as a list of one); [] when absent."""
        value = self.data.get(name)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) or v is None for v in value):
            return [v for v in value if v]
        raise self.wrong(name, value, "a list of texts")

    def object(self, name: str) -> Fields | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.wrong(name, value, "an object")
        return Fields(value, self.where, self.fix, f"{self.path}{name}.")

    def objects(self, name: str) -> list[Fields]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.wrong(name, value, "a list of objects")
        return [Fields(v, self.where, self.fix, f"{self.path}{name}[{i}].")
                for i, v in enumerate(value)]

    def year(self, name: str) -> int | None:
        """The year of a date object (``{"date-parts": [[2020, 5, 1]]}``), None when the
        date is absent or unknown (``[[null]]``); a year no paper can have is an error."""
        date = self.object(name)
        if date is None:
            return None
        parts = date.data.get("date-parts")
        if parts is None:
            return None
        if not isinstance(parts, list) or not all(isinstance(p, list) for p in parts):
            raise date.wrong("date-parts", parts, "a list of [year, month, day] lists")
        if not parts or not parts[0] or parts[0][0] is None:
            return None
        year = parts[0][0]
        if not isinstance(year, int) or isinstance(year, bool):
            raise date.wrong("date-parts", year, "a year (a whole number)")
        problem = year_problem(year)
        digits = len(str(abs(year)))
        if problem and digits > 12:
            problem = problem.replace(str(year), f"{str(year)[:12]}... ({digits} digits)")
        if problem:
            raise BadResponseError(f"{self.where}'s {self.path}{name}: {problem}", fix=self.fix)
        return year


def invalid(error: ValidationError, where: str, fix: str) -> BadResponseError:
    """A model's ValidationError on values from a service, as a BadResponseError."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    return BadResponseError(f"{where} gives a {field} kb cannot use ({first['msg']})", fix=fix)
