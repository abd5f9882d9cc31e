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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry,
                                ParsingFailedBlock, String)

from kb.course.files import file_problem
from kb.errors import BibError
from kb.model.suggest import quoted
from kb.model.entries import ENTRY_TYPES

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


MAX_EXPANSION = 1_000_000   # characters one @string macro or field may expand to
MAX_DEPTH = 10_000          # @string macros within macros, crossref parents of parents


class ExpansionError(ValueError):
    """A field whose @string macros expand beyond MAX_EXPANSION or nest beyond MAX_DEPTH."""


class _Macros:
    """The @string macros of all files read together; values evaluated once, on demand.

    Resolution is iterative (no recursion, however long a chain of macros), stops at
    MAX_DEPTH, and refuses a value longer than MAX_EXPANSION: a few hundred bytes of macros
    that double each other cannot exhaust memory.
    """

    def __init__(self) -> None:
        self.raw: dict[str, str] = {}
        self._done: dict[str, str] = {}
        self._failed: dict[str, str] = {}  # name -> why it has no value

    def define(self, name: str, raw: str) -> None:
        self.raw[name.lower()] = raw

    def _refs(self, name: str) -> list[str]:
        return [p.lower() for p in split_concatenation(self.raw[name]) if _is_macro(p)]

    def value(self, name: str, problems: list[str]) -> str | None:
        """The text of macro ``name``; None when it is undefined (or part of a cycle, which
        ``problems`` then names). Raises ExpansionError when it is too deep or too long."""
        name = name.lower()
        if name in self._failed:
            raise ExpansionError(self._failed[name])
        if name in self._done or name not in self.raw:
            return self._done.get(name)
        stack: list[tuple[str, Iterator[str]]] = [(name, iter(self._refs(name)))]
        active = {name}
        while stack:
            current, refs = stack[-1]
            for ref in refs:
                if ref in self._failed:
                    self._fail([n for n, _ in stack], self._failed[ref])
                if ref in self._done or ref not in self.raw or ref in active:
                    continue
                if len(stack) >= MAX_DEPTH:
                    self._fail([n for n, _ in stack], f"@string macros nested more than "
                                                      f"{MAX_DEPTH} deep (from {name!r})")
                stack.append((ref, iter(self._refs(ref))))
                active.add(ref)
                break
            else:
                stack.pop()
                active.discard(current)
                try:
                    self._done[current] = self._join(self.raw[current], problems, current)
                except ExpansionError as exc:
                    self._fail([current, *(n for n, _ in stack)], str(exc))
        return self._done[name]

    def _fail(self, names: list[str], why: str) -> None:
        for n in names:
            self._failed[n] = why
        raise ExpansionError(why)

    def evaluate(self, raw: str, problems: list[str]) -> str:
        """A raw field value -> its text: delimiters removed, macros expanded, parts joined."""
        return self._join(raw, problems, None)

    def _join(self, raw: str, problems: list[str], name: str | None) -> str:
        out, size = [], 0
        for part in split_concatenation(raw):
            if not _is_macro(part):
                text = part[1:-1] if len(part) >= 2 and part[0] in "{\"" else part
            else:
                ref = part.lower()
                value = self._done.get(ref)
                if value is None and ref in self.raw and ref not in self._failed:
                    if name is not None:  # met while resolving: it leads back to itself
                        problems.append(f"circular @string macro {part!r} (it refers back to "
                                        "itself; kept as text)")
                        value = part
                    else:
                        value = self.value(ref, problems)
                if value is None:
                    value = MONTH_MACROS.get(ref)
                if value is None:
                    problems.append(f"undefined @string macro {part!r} (kept as text)")
                    value = part
                text = value
            size += len(text)
            if size > MAX_EXPANSION:
                what = f"@string macro {name!r}" if name else "the value"
                raise ExpansionError(f"{what} expands to more than {MAX_EXPANSION:,} characters")
            out.append(text)
        return "".join(out)


def _is_macro(part: str) -> bool:
    """A part of a concatenation that names a macro (not braced, quoted or a number)."""
    return bool(part) and not part.isdigit() and not (
        len(part) >= 2 and ((part[0] == "{" and part[-1] == "}") or (part[0] == '"' and part[-1] == '"')))


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _read_text(path: Path) -> tuple[str, str | None]:
    problem = file_problem(path)
    if problem == "the file does not exist":
        raise BibError("no such file", path=path, fix="check the path of the .bib file")
    if problem:
        raise BibError(f"not read: {problem}", path=path,
                       fix="give the path of a regular .bib file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BibError(f"cannot read the file: {exc.strerror}", path=path) from None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), None
            except UnicodeDecodeError as exc:
                raise BibError(f"the file starts with a {encoding.upper()} byte order mark but "
                               f"is not valid {encoding.upper()} (at byte {exc.start + len(bom)})",
                               path=path, fix="save the file as UTF-8") from None
    if data[:200].count(b"\x00") * 4 >= min(len(data), 200):
        raise BibError("the file looks like UTF-16 or UTF-32 without a byte order mark",
                       path=path, fix="save the file as UTF-8")
    try:
        return data.decode("utf-8"), None
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
        try:
            value = macros.evaluate(str(fld.value), problems)
        except ExpansionError as exc:
            raise ExpansionError(f"field {name!r}: {exc}") from None
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
    """Each entry inherits from its crossref parent, the parent from its own first: the chain
    is walked iteratively (at most MAX_DEPTH long), a cycle or a missing parent is a warning."""
    done: set[int] = set()
    for entry in entries:
        chain: list[BibEntry] = []
        seen: set[int] = set()
        current, above = entry, None
        while id(current) not in done:
            chain.append(current)
            seen.add(id(current))
            target = current.fields.get("crossref", "").strip()
            if not target:
                break
            parent = index.get(target.lower())
            if parent is None:
                current.warnings.append(f"crossref {target!r} names no entry in the files given "
                                        "(add the file that defines it, e.g. with --refs)")
                break
            if id(parent) in seen:
                current.warnings.append(f"crossref {target!r} is circular")
                break
            if len(chain) >= MAX_DEPTH:
                current.warnings.append(f"crossref chain longer than {MAX_DEPTH} entries; "
                                        f"{target!r} and its parents are not followed")
                break
            if id(parent) in done:
                above = parent
                break
            current = parent
        if above is not None and chain:
            _inherit(chain[-1], above)
        for child, parent in zip(reversed(chain[:-1]), reversed(chain[1:])):
            _inherit(child, parent)
        done.update(id(c) for c in chain)
    for entry in entries:
        for target in filter(None, (t.strip() for t in entry.fields.get("xref", "").split(","))):
            if target.lower() not in index:
                entry.warnings.append(f"xref {target!r} names no entry in the files given")


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
                    result.warnings.append((line, f"@string {quoted(block.key)} is defined twice; "
                                                  "the first definition is used"))
                    continue
                warnings.append(f"key {quoted(block.key)} is given twice in this file "
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
            try:
                fields = _evaluate_fields(entry, macros, warnings)
            except ExpansionError as exc:
                result.failures.append(BibFailure(str(path), line, entry.key, str(exc)))
                continue
            item = BibEntry(str(path), line or 0, entry.key.strip(), entry_type, fields, warnings)
            index.setdefault(item.key.lower(), item)
            all_entries.append(item)
            if number < len(paths):
                result.entries.append(item)
        if number < len(paths):
            files.append(result)
    _resolve_crossrefs(all_entries, index)
    return files
