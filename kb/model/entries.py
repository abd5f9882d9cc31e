"""The content model: Paper, Session, Reading, Poster, and the Issue record (no I/O here).

The field reference for users is built from these models by :mod:`kb.model.fields` (``kb fields``):
names, types, defaults and limits come from here, one description per field from there, and
a test fails when a field has none.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kb.model.clock import datetime_problem, end_problem, parse_time
from kb.model.limits import SESSION_MAX, YEAR_LIMIT, YEAR_MIN

ENTRY_TYPES = frozenset(
    {
        # BibTeX
        "article", "book", "booklet", "inbook", "incollection", "inproceedings", "conference",
        "manual", "mastersthesis", "misc", "phdthesis", "proceedings", "techreport", "unpublished",
        # BibLaTeX
        "online", "software", "dataset", "thesis", "report", "collection", "mvbook",
        "mvcollection", "mvproceedings", "bookinbook", "suppbook", "suppcollection",
        "suppperiodical", "periodical", "patent", "reference", "mvreference", "inreference",
        "letter", "set", "xdata", "artwork", "audio", "image", "movie", "music",
        "performance", "video", "standard", "legislation", "jurisdiction", "legal",
        "electronic", "www",
    }
)


#: A year as BibTeX writes it: four digits, and maybe the letter a bibliography style adds to
#: tell apart two papers of one author and year ('2023a', '2023b').
_YEAR_TEXT = re.compile(r"^\s*(\d{4})([a-z]?)\s*$")
YEAR_SUFFIX_RULE = ("kb drops the letter after a year (2023a), which bibliography styles add to "
                    "tell apart two papers of one author and year")


def year_of(text: str) -> int | None:
    """The year ``text`` names: '2023' and '2023a' are 2023 (the letter is dropped, on import,
    in kb check and on export alike); anything else is None."""
    found = _YEAR_TEXT.match(text)
    return int(found.group(1)) if found else None


def year_suffix(text: str) -> str:
    """The letter of a year written '2023a' ('a'), or '' for a plain year or no year at all."""
    found = _YEAR_TEXT.match(text)
    return found.group(2) if found else ""


def year_problem(year: int | None) -> str | None:
    """Why ``year`` cannot be a publication year (too early or in the future), or None."""
    if year is None:
        return None
    latest = dt.date.today().year + 1
    if not YEAR_MIN <= year <= latest:
        return f"year {year} is outside {YEAR_MIN}-{latest}"
    return None


ReadingKind = Literal["required", "optional", "background", "presentation"]
READING_KINDS: tuple[str, ...] = ("required", "optional", "background", "presentation")


class _Model(BaseModel):
    # Unknown fields are kept (and reported as warnings by kb check), never dropped.
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class Paper(_Model):
    key: str = Field(exclude=True)
    type: str = "misc"
    title: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    editors: list[str] = Field(default_factory=list)
    year: int | None = Field(None, ge=-YEAR_LIMIT, le=YEAR_LIMIT)
    venue: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None
    pdf: str | None = None
    tags: list[str] = Field(default_factory=list)
    abstract: str | None = None
    summary: str | None = None
    questions: list[str] = Field(default_factory=list)
    bibtex: dict[str, str] = Field(default_factory=dict)
    cites: list[str] = Field(default_factory=list)
    notes: str = Field("", exclude=True)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        value = value.lower()
        if value not in ENTRY_TYPES:
            raise ValueError(f"unknown entry type {value!r}")
        return value

    @field_validator("bibtex", mode="before")
    @classmethod
    def _bibtex(cls, value: object) -> object:
        if isinstance(value, dict):  # numbers in YAML (volume: 12) are kept as text
            return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}
        return value

    @property
    def text(self) -> str:
        """The searchable prose of the paper: title, abstract or summary, and notes."""
        parts = [self.title, self.abstract or "", self.summary or "", self.notes]
        return "\n\n".join(p for p in parts if p)


class Reading(_Model):
    key: str = Field(min_length=1)
    kind: ReadingKind = "required"
    note: str | None = None
    presenters: list[str] = Field(default_factory=list)


ReadingOrder = Literal["suggested", "listed"]


class Session(_Model):
    slug: str = Field(exclude=True)
    session: int = Field(ge=0, le=SESSION_MAX)
    date: dt.date | None = None
    time: dt.time | None = None
    end: dt.time | None = None
    location: str | None = None
    title: str = Field(min_length=1)
    presenters: list[str] = Field(default_factory=list)
    readings: list[Reading] = Field(default_factory=list)
    order: ReadingOrder = "suggested"
    slides: str | None = None
    body: str = Field("", exclude=True)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        """A number is not a date (pydantic would read 20261209 as seconds since 1970), and
        ``date: 2026-12-09 14:00`` says to write the time under ``time:``."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(f"{value!r} is a number, not a date")
        problem = datetime_problem(value)
        if problem is not None:
            raise problem
        return value

    @field_validator("readings", mode="before")
    @classmethod
    def _bare_keys(cls, value: object) -> object:
        """``- beltagy2020longformer`` (a bare key, as a poster's ``papers:`` lists them) is a
        reading of the default kind, ``required``; an empty ``readings:`` is an empty list."""
        if value is None:
            return []
        if isinstance(value, list):
            return [{"key": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("time", "end", mode="before")
    @classmethod
    def _clock(cls, value: object, info: ValidationInfo) -> object:
        return parse_time(value, info.field_name or "time")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, value: dt.time | None, info: ValidationInfo) -> dt.time | None:
        if value is not None and "time" in info.data:
            problem = end_problem(info.data["time"], value)
            if problem is not None:
                raise problem
        return value


class Poster(_Model):
    slug: str = Field(exclude=True)
    title: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    group: str | None = None
    session: int | None = Field(None, ge=0, le=SESSION_MAX)
    papers: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    file: str | None = None
    image: str | None = None
    body: str = Field("", exclude=True)


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem found in the content: where, what, and how to fix it."""

    severity: Severity
    path: str
    message: str
    fix: str = ""
    field: str | None = None
    line: int | None = None
    code: str = ""

    def format(self, *, one_line: bool = False) -> str:
        """The issue as people read it: place, severity, field, message, code, then the fix
        on a line of its own (or in the same line, for a log)."""
        where = self.path + (f":{self.line}" if self.line else "")
        field = f" [{self.field}]" if self.field else ""
        text = f"{where}: {self.severity}{field} {self.message}"
        if one_line:
            details = "; ".join(p for p in (self.code, f"fix: {self.fix}" if self.fix else "") if p)
            return text + (f" ({details})" if details else "")
        text += f" ({self.code})" if self.code else ""
        return text + (f"\n    fix: {self.fix}" if self.fix else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity, "code": self.code, "path": self.path, "line": self.line,
            "field": self.field, "message": self.message, "fix": self.fix,
        }


@dataclass
class Source:
    """Where a loaded object came from: its file (relative to the root) and field lines."""

    path: str
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)
    body_line: int = 1  # the line on which the body (after the front matter) starts

    def line(self, *loc: str | int) -> int | None:
        """The line of a field, or of its nearest enclosing field that has one."""
        loc_t = tuple(loc)
        while loc_t:
            if loc_t in self.lines:
                return self.lines[loc_t]
            loc_t = loc_t[:-1]
        return self.lines.get(())


@dataclass
class Project:
    """Everything loaded from a course repository, with the problems met while loading."""

    papers: dict[str, Paper] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)
    posters: list[Poster] = field(default_factory=list)
    sources: dict[tuple[str, str], Source] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # keys of paper files that failed to load
    broken_sessions: set[int] = field(default_factory=set)  # numbers of session files that failed
    #: Per kind (paper, session, poster): the files that failed to load (relative paths).
    unloaded: dict[str, set[str]] = field(default_factory=dict)
    files_read: int = 0

    def failed(self, kind: str) -> int:
        """How many ``kind`` files (paper, session, poster) failed to load."""
        return len(self.unloaded.get(kind, ()))

    def counted(self, kind: str) -> int:
        """How many ``kind`` files there are: those loaded and those that failed to load."""
        loaded = {"paper": len(self.papers), "session": len(self.sessions),
                  "poster": len(self.posters)}[kind]
        return loaded + self.failed(kind)

    def source(self, kind: str, name: str) -> Source:
        return self.sources.get((kind, name), Source(path=f"{kind}s/{name}"))

    def session(self, number: int) -> Session | None:
        return next((s for s in self.sessions if s.session == number), None)
