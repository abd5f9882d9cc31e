"""What counts as markup left in text meant to be plain (titles, abstracts, names).

``kb check`` flags it (the 'latex' and 'html' issues), and text from the metadata services is
decoded when it matches, so that what ``kb add`` writes passes the check. Kept free of heavy
imports: ``kb check`` loads it on every run.
"""

from __future__ import annotations

import re

LATEX_RE = re.compile(r"\\[A-Za-z]+|\\[\"'^`~=.]|[{}]|(?<!\\)\$[^$]+\$")
# a tag: its attributes may hold quoted values with < or > in them (<img x="<" onerror=...>)
HTML_RE = re.compile(r"""</?[A-Za-z][A-Za-z0-9-]*(\s(?:[^<>"']|"[^"]*"|'[^']*')*)?/?>""")
_ESCAPED_BRACE = re.compile(r"(?<!\\)((?:\\\\)*)\\[{}]")


def brace_problem(value: str) -> str | None:
    """Why ``value`` cannot stand verbatim between braces in a .bib file (a brace without its
    partner, counted as BibTeX readers count them: ``\\{`` is no brace), or None."""
    depth = 0
    for char in _ESCAPED_BRACE.sub("", value):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return "a '}' closes no '{'"
    return "a '{' is never closed" if depth else None


# Characters no field should hold: C0 and C1 controls (a bare carriage return splits a line in
# .ics and .bib files; ESC starts a terminal sequence), line and paragraph separators, and the
# invisible ones that change how text reads (bidi overrides and isolates, zero-width marks).
# The zero-width joiner and non-joiner stay allowed: Persian, Indic scripts and emoji need them.
_INVISIBLE = {0x200B: "ZERO WIDTH SPACE",
              0x2060: "WORD JOINER", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
              0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
              0x061C: "ARABIC LETTER MARK", 0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
              0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING",
              0x202C: "POP DIRECTIONAL FORMATTING", 0x202D: "LEFT-TO-RIGHT OVERRIDE",
              0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE",
              0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
              0x2069: "POP DIRECTIONAL ISOLATE"}
#: The characters of :func:`control_problem`, as the body of a regex character class: kb check
#: flags them, text from a .bib file or a service drops them (:func:`strip_controls`), and
#: terminal output shows them as escapes (:mod:`kb.model.terminal`).
CONTROL_CLASS = "\x00-\x1f\x7f-\x9f" + "".join(map(chr, _INVISIBLE))
_CONTROL_RE = re.compile(f"[{CONTROL_CLASS}]")
_C0_NAMES = {0x00: "NUL", 0x09: "TAB", 0x0A: "LINE FEED", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED",
             0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE"}


def char_name(char: str) -> str:
    """'U+000D CARRIAGE RETURN': how a message names an invisible character."""
    code = ord(char)
    name = _INVISIBLE.get(code) or _C0_NAMES.get(code) or "control character"
    return f"U+{code:04X} {name}"


def strip_controls(text: str, *, multiline: bool = False) -> str:
    """``text`` without the characters :func:`control_problem` reports (line and paragraph
    separators become line feeds in a ``multiline`` text, spaces elsewhere): what comes from
    a .bib file or a metadata service is cleaned this way before kb writes it."""
    if not _CONTROL_RE.search(text):
        return text
    text = text.replace("\r\n", "\n")

    def keep(found: re.Match[str]) -> str:
        char = found.group(0)
        if char == "\t" or (multiline and char == "\n"):
            return char
        if char in "\n\r\u2028\u2029\x0b\x0c\x85":
            return "\n" if multiline else " "
        return ""

    return _CONTROL_RE.sub(keep, text)


def control_problem(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """(offset, 'U+000D CARRIAGE RETURN') of the first character ``text`` should not hold, or
    None. A ``multiline`` text (notes, abstracts) may hold line feeds and tabs."""
    for found in _CONTROL_RE.finditer(text):
        if multiline and found.group(0) in "\n\t":
            continue
        if not multiline and found.group(0) == "\t":
            continue
        return found.start(), char_name(found.group(0))
    return None


def drop_tags(text: str) -> str:
    """``text`` without anything :data:`HTML_RE` takes for a tag: for text from the services
    once its entities are decoded, so ``&lt;b&gt;`` never becomes a literal ``<b>`` in a
    paper file ("x &lt; y" stays "x < y": a tag starts with a letter)."""
    return HTML_RE.sub("", text) if "<" in text else text
