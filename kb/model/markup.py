"""What counts as markup left in text meant to be plain (titles, abstracts, names).

``kb check`` flags it (the 'latex' and 'html' issues), and text from the metadata services is
decoded when it matches, so that what ``kb add`` writes passes the check. Kept free of heavy
imports: ``kb check`` loads it on every run.
"""

from __future__ import annotations

import re

LATEX_RE = re.compile(r"\\[A-Za-z]+|\\[\"'^`~=.]|[{}]|(?<!\\)\$[^$]+\$")
HTML_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")
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
