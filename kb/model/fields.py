"""The front-matter fields of papers, sessions, readings and posters, read from the models
themselves (names, types, defaults, limits) with one description each, for ``kb fields`` and
the README. A field added to a model without a description here fails the test suite, so the
reference cannot drift from the code."""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kb.model.entries import ENTRY_TYPES, READING_KINDS, Paper, Poster, Reading, Session

#: What each kind of reading asks of students.
KINDS: dict[str, str] = {
    "required": "everyone reads it before the session (counted in kb report's load)",
    "optional": "for those who want more",
    "background": "context the session assumes",
    "presentation": "presented in the session by a student or a group",
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Paper": {
        "type": f"BibTeX or biblatex entry type ({len(ENTRY_TYPES)} known), e.g. article, "
                "inproceedings, incollection, book, phdthesis, techreport, misc",
        "title": "the paper's title",
        "authors": "list of 'Last, First' names",
        "editors": "list of 'Last, First' names (books, proceedings)",
        "year": "publication year, four digits; kb drops the letter bibliography styles add "
                "(2023a is 2023) on import, in kb check and on export",
        "venue": "journal, conference or publisher; an arXiv preprint's venue is arXiv (its id "
                 "goes under arxiv:)",
        "arxiv": "arXiv id without version, e.g. 2203.02155",
        "doi": "DOI without https://doi.org/, e.g. 10.1000/xyz123",
        "url": "landing page (http or https)",
        "pdf": "link to a PDF (http or https)",
        "tags": "tags, lowercase-with-hyphens (the vocabulary is plugins.kb.tags)",
        "abstract": "the paper's abstract, where the curator has one",
        "summary": "a short summary in the curator's words",
        "questions": "questions for discussion, gathered on the page of each session that reads "
                     "the paper; without it, the list items under a notes heading 'Questions for "
                     "discussion' (or 'Discussion questions') are gathered",
        "bibtex": "further BibTeX fields kept for export (pages, volume, publisher, ...)",
        "cites": "keys of the course's papers this paper cites (kb enrich --references fills "
                 "it from OpenAlex); the site shows them as 'Cites' and 'Cited by'",
    },
    "Session": {
        "session": "session number, unique",
        "date": "the session's date; a session without one is left out of the calendar "
                "(kb check warns: no-date)",
        "time": "when it starts, on the 24-hour clock in the timezone option's zone (the calendar "
                "then has a timed event instead of an all-day one)",
        "end": "when it ends, after time: (the calendar event's end)",
        "location": "where it takes place (room, building, or 'online'); shown on the schedule "
                    "and in the calendar",
        "title": "the session's title",
        "presenters": "names of the students presenting in the session (each reading may name "
                      "its own presenters)",
        "readings": "the reading list: one mapping per reading (the fields below), or a bare "
                    "key for a required reading ('- vaswani2017attention')",
        "order": "suggested: the session page suggests an order (required, background, "
                 "presentation, optional; within a kind a paper before those that cite it, else "
                 "the older first, else as listed); listed: the order of readings: as written",
        "slides": "link to the slides (http or https)",
    },
    "Reading": {
        "key": "the paper's key (its file name in papers/ without .md)",
        "kind": "what the reading asks of students (see the reading kinds below)",
        "note": "a note for students, shown with the reading",
        "presenters": "names of those presenting this reading (for kind presentation)",
    },
    "Poster": {
        "title": "the poster's title",
        "authors": "names or group labels",
        "group": "the students' group, shown on the poster's page and card",
        "session": "number of the session the poster belongs to",
        "papers": "keys of the papers it discusses",
        "tags": "tags, lowercase-with-hyphens",
        "file": "the poster as PDF, a path relative to the poster's file (shown inline)",
        "image": "the poster as PNG, JPEG, GIF or WebP, relative to the poster's file",
    },
}

FILES: dict[str, str] = {
    "Paper": "papers/<key>.md: the file name is the citation key, the body holds the notes",
    "Session": "docs/sessions/<NN>-<slug>.md: the body is the instructor's page",
    "Reading": "one item of a session's readings:",
    "Poster": "docs/posters/<slug>.md: the body holds the notes",
}

MODELS: tuple[type[BaseModel], ...] = (Paper, Session, Reading, Poster)


@dataclass(frozen=True)
class FieldDoc:
    """One front-matter field: name, type, whether required, default, limits, description."""

    name: str
    type: str
    required: bool
    default: str
    limits: str
    description: str


def type_name(annotation: Any) -> str:
    """'str', 'int or none', 'list of str', 'one of a, b', 'date (YYYY-MM-DD)'."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(map(str, args))
    if origin in (typing.Union, types.UnionType):
        names = [type_name(a) for a in args if a is not type(None)]
        return " or ".join(names) + (" or none" if type(None) in args else "")
    if origin is list:
        return "list of " + type_name(args[0]) if args else "list"
    if origin is dict:
        return "mapping" + (f" of {type_name(args[0])} to {type_name(args[1])}" if args else "")
    if annotation is dt.date:
        return "date (YYYY-MM-DD)"
    if annotation is dt.time:
        return 'time (HH:MM, quoted: "14:00")'
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation.__name__.lower()
    return getattr(annotation, "__name__", str(annotation))


def _limits(info: FieldInfo) -> str:
    words = {"min_length": "at least {} characters or items", "max_length": "at most {} long", "ge": ">= {}",
             "gt": "> {}", "le": "<= {}", "lt": "< {}"}
    out = []
    for meta in info.metadata:
        for name, text in words.items():
            value = getattr(meta, name, None)
            if value is not None:
                out.append("not empty" if (name, value) == ("min_length", 1) else text.format(value))
    return ", ".join(out)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return ""
    value = info.get_default(call_default_factory=True)
    return "" if value in (None, [], {}, "") else str(value)


def fields_of(model: type[BaseModel]) -> list[FieldDoc]:
    """The front-matter fields of ``model`` (fields that come from the file name or the body
    are left out), in the model's order."""
    described = DESCRIPTIONS[model.__name__]
    return [FieldDoc(name, type_name(info.annotation), info.is_required(), _default(info),
                     _limits(info), described.get(name, ""))
            for name, info in model.model_fields.items() if not info.exclude]


def reference() -> list[str]:
    """The whole reference as text lines (``kb fields``)."""
    lines: list[str] = []
    for model in MODELS:
        docs = fields_of(model)
        width = max(len(d.name) for d in docs)
        lines += [f"{model.__name__}  {FILES[model.__name__]}"]
        for d in docs:
            extra = "; ".join(p for p in ("required" if d.required else "",
                                          f"default {d.default}" if d.default else "", d.limits) if p)
            lines.append(f"  {d.name:<{width}}  {d.type}{f' ({extra})' if extra else ''}")
            lines.append(f"  {'':<{width}}  {d.description}")
        lines.append("")
    lines.append("Reading kinds")
    width = max(map(len, READING_KINDS))
    lines += [f"  {kind:<{width}}  {KINDS[kind]}" for kind in READING_KINDS]
    return lines


def as_json() -> dict[str, object]:
    from dataclasses import asdict

    return {"models": {m.__name__: {"file": FILES[m.__name__],
                                    "fields": [asdict(d) for d in fields_of(m)]} for m in MODELS},
            "kinds": KINDS}
