"""Front matter written without PyYAML's representer, for the shapes papers have.

``yaml.dump`` spends most of its time in PyYAML's Python representer, which made writing
the papers of an import cost more than reading their .bib file. A paper's front matter is
almost always a mapping of plain strings, integers, lists of strings and one mapping of
strings (``bibtex``); :func:`emit` writes exactly what :func:`kb.course.load.dump_front_matter`'s
``yaml.dump`` writes for those (same quoting, same folding of long lines at the width), and
returns None for anything else, which then goes through ``yaml.dump`` as before. A test
compares the two on every entry of the real .bib files.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import yaml

WIDTH = 100  # the width given to yaml.dump: plain scalars fold at a space past this column

# Characters libyaml writes as they are (with allow_unicode): printable, not a line break;
# libyaml counts no character beyond the Basic Multilingual Plane as printable.
_UNPRINTABLE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
_INDICATORS_FIRST = frozenset("#,[]{}&*!|>'\"%@`")
_RESOLVED = frozenset("0123456789+-.~=<")  # a plain scalar so started may read as a number, ...
_WORDS = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF "
                   "null Null NULL".split())
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()


def _reads_as_string(value: str) -> bool:
    """Whether YAML reads ``value`` unquoted back as a string (not a number, date, bool, null)."""
    if value[0] not in _RESOLVED and value not in _WORDS:
        return True
    return bool(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR)


def _plain_allowed(value: str) -> bool:
    """libyaml's analysis of a scalar for the plain style in block context (the resolver
    aside): no indicator where it would start a token, no space at either end."""
    first = value[0]
    return not (first in _INDICATORS_FIRST or first == " " or value[-1] == " "
                or (first in "?:-" and (len(value) == 1 or value[1] == " "))
                or value.startswith(("---", "...")) or ": " in value or value[-1] == ":"
                or " #" in value)


def _folded(value: str, column: int, indent: int, quoted: bool = False) -> str:
    """``value`` written from ``column`` on, a single space past the width turned into a line
    break and ``indent`` spaces (as libyaml folds plain and single-quoted scalars; in the
    latter, ``quoted``, a quote is written twice). A space breaks the line when the column
    has passed the width and neither neighbour is a space (nor the string's end)."""
    if quoted and "'" in value:
        return _folded_quotes(value, column, indent)
    size = len(value)
    if column + size <= WIDTH:
        return value
    out = []
    start = 0
    while True:
        at = value.find(" ", start + max(WIDTH - column + 1, 0))
        while at != -1 and (at == 0 or at + 1 == size or value[at - 1] == " "
                            or value[at + 1] == " "):
            at = value.find(" ", at + 1)
        if at == -1:
            out.append(value[start:])
            return "".join(out)
        out.append(value[start:at] + "\n" + " " * indent)
        start, column = at + 1, indent


def _folded_quotes(value: str, column: int, indent: int) -> str:
    """:func:`_folded` for a single-quoted value holding quotes, which count twice."""
    words = value.split(" ")
    out = [words[0]]
    column += len(words[0]) + words[0].count("'")
    for before, word in pairwise(words):
        if column > WIDTH and before and word:
            out.append("\n" + " " * indent + word)
            column = indent + len(word) + word.count("'")
        else:
            out.append(" " + word)
            column += 1 + len(word) + word.count("'")
    return "".join(out)


def _scalar(value: str, column: int, indent: int) -> str | None:
    """``value`` as libyaml writes it starting at ``column``, continued lines at ``indent``
    (None: a value this writer leaves to yaml.dump: line breaks, unprintable characters)."""
    if value == "":
        return "''"
    if _UNPRINTABLE.search(value):
        return None
    if _plain_allowed(value) and _reads_as_string(value):
        return _folded(value, column, indent)
    return "'" + _folded(value, column + 1, indent, quoted=True).replace("'", "''") + "'"


def _key(name: object) -> str | None:
    if isinstance(name, str) and _KEY.fullmatch(name) and _reads_as_string(name):
        return name
    return None


def emit(data: dict[str, Any]) -> str | None:
    """The YAML of ``data`` as yaml.dump writes it (block style, width 100, unicode, keys in
    order), or None when ``data`` holds something this writer leaves to yaml.dump."""
    lines: list[str] = []
    for name, value in data.items():
        key = _key(name)
        if key is None:
            return None
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            lines.append(f"{key}: {value}\n")
        elif isinstance(value, str):
            text = _scalar(value, len(key) + 2, 2)
            if text is None:
                return None
            lines.append(f"{key}: {text}\n")
        elif isinstance(value, list) and value:
            lines.append(f"{key}:\n")
            for item in value:
                text = _scalar(item, 2, 2) if isinstance(item, str) else None
                if text is None:
                    return None
                lines.append(f"- {text}\n")
        elif isinstance(value, dict) and value:
            lines.append(f"{key}:\n")
            for inner, item in value.items():
                name2 = _key(inner)
                text = _scalar(item, len(name2) + 4, 4) if (
                    name2 is not None and isinstance(item, str)) else None
                if text is None or name2 is None:
                    return None
                lines.append(f"  {name2}: {text}\n")
        else:
            return None
    return "".join(lines) if lines else None
