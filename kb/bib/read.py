"""Read .bib files into plain entries: macros expanded, crossrefs resolved, problems recorded.

:func:`read_bib` parses each file with bibtexparser 2 (no middlewares: kb evaluates values
itself, so ``@string`` macros from any of the given files, ``#`` concatenation and bare month
macros all work) and returns one :class:`BibFile` per file. Every entry of a file ends up
either in ``entries`` or in ``failures``, never nowhere:

- a field given twice (bibtexparser's ``DuplicateFieldKeyBlock``): the value that holds the
  other is kept, notes and keywords are joined, else the first is kept; a warning names the
  field and the line;
- a key given twice (``DuplicateBlockKeyBlock``): both entries are kept, the second with a
  warning (the importer then sees a duplicate or gives it a new key);
- a block that cannot be parsed (``ParsingFailedBlock``) or an unknown entry type: a failure
  with the line number.

Values keep their LaTeX; decoding display fields is the job of :mod:`kb.bib.mapping`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry,
                                ParsingFailedBlock, String)

from kb.errors import BibError
from kb.models import ENTRY_TYPES

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
MONTH_MACROS = {name[:3]: name.capitalize() for name in MONTHS}
_MONTH_NUMBERS = {**{name: i for i, name in enumerate(MONTHS, 1)},
                  **{name[:3]: i for i, name in enumerate(MONTHS, 1)}, "sept": 9}
# biblatex inheritance: the parent's title becomes the child's booktitle for these types.
_IN_TYPES = frozenset({"inproceedings", "incollection", "inbook", "bookinbook", "suppbook",
                       "suppcollection", "inreference", "conference"})
_NOT_INHERITED = frozenset({"title", "subtitle", "titleaddon", "shorttitle", "ids", "crossref",
                            "xref", "key", "keywords", "abstract", "file", "entryset"})
_NON_ENTRY_BLOCKS = ("@string", "@preamble", "@comment")
# Fields whose two values, when a field is given twice, are both kept (joined by this text).
_JOINED = {"note": "; ", "annote": "; ", "annotation": "; ", "comment": "; ", "keywords": ", ",
           "file": ";"}
_RAW_KEY = re.compile(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()]+)\s*,")

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)


@dataclass
class BibEntry:
    """One entry as read: lowercase field names -> values (LaTeX, macros expanded)."""

    path: str
    line: int
    key: str
    type: str
    fields: dict[str, str]
    warnings: list[str] = field(default_factory=list)


@dataclass
class BibFailure:
    """An entry that could not be read; ``line`` is where it starts in ``path``."""

    path: str
    line: int | None
    key: str | None
    message: str


@dataclass
class BibFile:
    """The outcome of reading one file: its entries, failed entries and file-level warnings."""

    path: str
    entries: list[BibEntry] = field(default_factory=list)
    failures: list[BibFailure] = field(default_factory=list)
    warnings: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def read(self) -> int:
        """Entries met in the file: read = len(entries) + len(failures)."""
        return len(self.entries) + len(self.failures)


def normalize_month(value: str) -> str:
    """'jan', 'January', '01' -> '1'; anything else ('Summer', 'jan--feb') unchanged."""
    text = value.strip().rstrip(".").lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return str(int(text))
    number = _MONTH_NUMBERS.get(text)
    return str(number) if number else value.strip()


def split_concatenation(raw: str) -> list[str]:
    """'pop # " 94"' -> ['pop', '" 94"']: split a value on '#' outside braces and quotes."""
    if "#" not in raw:  # nearly every value: nothing to split, no need to walk it
        return [raw.strip()]
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i].strip())
            start = i + 1
    parts.append(raw[start:].strip())
    return parts


class _Macros:
    """The @string macros of all files read together; values evaluated once, on demand."""

    def __init__(self) -> None:
        self.raw: dict[str, str] = {}
        self._done: dict[str, str] = {}
        self._active: set[str] = set()

    def define(self, name: str, raw: str) -> None:
        self.raw[name.lower()] = raw

    def value(self, name: str, problems: list[str]) -> str | None:
        name = name.lower()
        if name in self._done:
            return self._done[name]
        if name not in self.raw or name in self._active:
            return None
        self._active.add(name)
        try:
            result = self.evaluate(self.raw[name], problems)
        finally:
            self._active.discard(name)
        self._done[name] = result
        return result

    def evaluate(self, raw: str, problems: list[str]) -> str:
        """A raw field value -> its text: delimiters removed, macros expanded, parts joined."""
        out = []
        for part in split_concatenation(raw):
            if len(part) >= 2 and part[0] == "{" and part[-1] == "}":
                out.append(part[1:-1])
            elif len(part) >= 2 and part[0] == '"' and part[-1] == '"':
                out.append(part[1:-1])
            elif part.isdigit() or not part:
                out.append(part)
            else:
                value = self.value(part, problems)
                if value is None:
                    value = MONTH_MACROS.get(part.lower())
                if value is None:
                    problems.append(f"undefined @string macro {part!r} (kept as text)")
                    value = part
                out.append(value)
        return "".join(out)


def _read_text(path: Path) -> tuple[str, str | None]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BibError("no such file", path=path, fix="check the path of the .bib file") from None
    except OSError as exc:
        raise BibError(f"cannot read the file: {exc.strerror}", path=path) from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return data.decode("latin-1"), (f"not valid UTF-8 (first bad byte on line {line}); "
                                        "read as Latin-1")


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "abort_reason", None) or getattr(error, "message", None)
               or error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _evaluate_fields(entry: Entry, macros: _Macros, warnings: list[str]) -> dict[str, str]:
    """Field values of ``entry`` evaluated. Of a field given twice nothing is lost where
    possible: a value the other contains gives way to it, notes and keywords are joined;
    otherwise the first non-empty value is kept and the dropped one named in a warning."""
    values: dict[str, str] = {}
    for fld in entry.fields:
        name = fld.key.strip().lower()
        problems: list[str] = []
        value = macros.evaluate(str(fld.value), problems)
        warnings.extend(f"field {name!r}: {p}" for p in problems)
        if name == "month":
            value = normalize_month(value)
        if name not in values:
            values[name] = value
            continue
        line = f" (again on line {fld.start_line + 1})" if fld.start_line is not None else ""
        first = values[name]
        if value.strip() in first:
            warnings.append(f"field {name!r} is given twice{line}; the first value holds the second")
        elif first.strip() in value:
            values[name] = value
            warnings.append(f"field {name!r} is given twice{line}; the second value holds the "
                            "first and is kept")
        elif name in _JOINED:
            values[name] = first + _JOINED[name] + value
            warnings.append(f"field {name!r} is given twice{line}; the two values are joined")
        else:
            warnings.append(f"field {name!r} is given twice{line}; kept {first[:60]!r}, "
                            f"dropped {value[:60]!r}")
    return values


def _inherit(child: BibEntry, parent: BibEntry) -> None:
    for name, value in parent.fields.items():
        if name not in _NOT_INHERITED and name not in child.fields:
            child.fields[name] = value
    if child.type in _IN_TYPES and "booktitle" not in child.fields and "title" in parent.fields:
        child.fields["booktitle"] = parent.fields["title"]


def _resolve_crossrefs(entries: list[BibEntry], index: dict[str, BibEntry]) -> None:
    done: set[int] = set()

    def resolve(entry: BibEntry, chain: tuple[str, ...]) -> None:
        if id(entry) in done:
            return
        done.add(id(entry))
        target = entry.fields.get("crossref", "").strip()
        if target:
            parent = index.get(target.lower())
            if parent is None:
                entry.warnings.append(f"crossref {target!r} names no entry in the files given "
                                      "(add the file that defines it, e.g. with --refs)")
            elif parent.key.lower() in chain:
                entry.warnings.append(f"crossref {target!r} is circular")
            else:
                resolve(parent, (*chain, entry.key.lower()))
                _inherit(entry, parent)
        for target in filter(None, (t.strip() for t in entry.fields.get("xref", "").split(","))):
            if target.lower() not in index:
                entry.warnings.append(f"xref {target!r} names no entry in the files given")

    for entry in entries:
        resolve(entry, (entry.key.lower(),))


def read_bib(paths: list[Path], refs: list[Path] | tuple[Path, ...] = ()) -> list[BibFile]:
    """Read ``paths`` (whose entries are returned) and ``refs`` (macros and crossref targets
    only); one :class:`BibFile` per path, in order. Raises BibError for an unreadable file."""
    macros = _Macros()
    parsed = []
    for path in [*paths, *refs]:
        text, problem = _read_text(path)
        library = bibtexparser.parse_string(text, parse_stack=[])
        parsed.append((path, library, problem))
        for string in library.strings:
            macros.define(string.key, str(string.value))
    files: list[BibFile] = []
    all_entries: list[BibEntry] = []
    index: dict[str, BibEntry] = {}
    for number, (path, library, problem) in enumerate(parsed):
        result = BibFile(str(path))
        if problem:
            result.warnings.append((None, problem))
        first_line: dict[str, int] = {}
        for block in library.blocks:
            line = block.start_line + 1 if block.start_line is not None else None
            warnings: list[str] = []
            if isinstance(block, DuplicateFieldKeyBlock):
                entry = block.ignore_error_block
            elif isinstance(block, DuplicateBlockKeyBlock):
                entry = block.ignore_error_block
                if isinstance(entry, String):
                    result.warnings.append((line, f"@string {block.key!r} is defined twice; "
                                                  "the first definition is used"))
                    continue
                warnings.append(f"key {block.key!r} is given twice in this file "
                                f"(first on line {first_line.get(block.key.lower(), '?')})")
            elif isinstance(block, ParsingFailedBlock):
                raw = (block.raw or "").lstrip().lower()
                if raw.startswith(_NON_ENTRY_BLOCKS):
                    result.warnings.append((line, f"unreadable {raw.split('{')[0]} block skipped: "
                                                  f"{_first_line(block.error)}"))
                else:
                    key = _RAW_KEY.match(block.raw or "")
                    result.failures.append(BibFailure(str(path), line, key.group(1) if key else None,
                                                      f"cannot parse the entry: {_first_line(block.error)}"))
                continue
            elif isinstance(block, Entry):
                entry = block
            else:
                continue
            if not isinstance(entry, Entry):
                result.failures.append(BibFailure(str(path), line, None, "cannot parse the entry"))
                continue
            entry_type = entry.entry_type.strip().lower()
            first_line.setdefault(entry.key.lower(), line or 0)
            if entry_type not in ENTRY_TYPES:
                result.failures.append(BibFailure(str(path), line, entry.key,
                                                  f"unknown entry type @{entry.entry_type}"))
                continue
            fields = _evaluate_fields(entry, macros, warnings)
            item = BibEntry(str(path), line or 0, entry.key.strip(), entry_type, fields, warnings)
            index.setdefault(item.key.lower(), item)
            all_entries.append(item)
            if number < len(paths):
                result.entries.append(item)
        if number < len(paths):
            files.append(result)
    _resolve_crossrefs(all_entries, index)
    return files
