"""The result table of ``kb search``, ``kb related`` and ``kb suggest``, in plain text.

::

    keyword search: innovation

      #   key                        paper                                   score
     ──────────────────────────────────────────────────────────────────────────────
      1   jassawalla_cultures_2002   Cultures That Support Product-Innovation 5.3345
                                     Processes
                                     Jassawalla and Sashittal, 2002

The paper column takes the room the fixed-width columns leave and is the only one that
wraps, so an 80-column pipe stays readable. Every cell (titles, names, keys come from paper
files anyone may have written) goes through :func:`kb.model.terminal.for_terminal` first.
Written with the standard library alone: the table is the last step of a keyword search,
and a rendering library would cost the process more time than the search itself.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kb.model.names import lead_authors
from kb.model.terminal import for_terminal

if TYPE_CHECKING:
    from kb.search.engine import Hit

_MIN_PAPER = 20
_DIM, _RESET = "\x1b[2m", "\x1b[0m"


def output_width() -> int:
    """The terminal's width, or $COLUMNS (default 80) when the output is not a terminal."""
    if sys.stdout.isatty():
        return os.get_terminal_size(sys.stdout.fileno()).columns
    try:
        return max(40, int(os.environ.get("COLUMNS", "80")))
    except ValueError:
        return 80


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def hits_table(hits: Sequence[Hit], title: str, width: int, *, dim: bool = False,
               notes: Sequence[str] = ()) -> str:
    """The table of ``hits`` under ``title``, ``width`` columns wide (``dim``: bylines in ANSI
    dim); ``notes[i]``, when given and not empty, is a last line under hit ``i``'s byline."""
    numbers = [str(i) for i in range(1, len(hits) + 1)]
    scores = [f"{h.score:.4f}" for h in hits]
    keys = [for_terminal(h.key) for h in hits]
    title = for_terminal(title)
    w_num = max(1, *(len(n) for n in numbers))
    w_key = max(3, *(len(k) for k in keys))
    w_score = max(5, *(len(s) for s in scores))
    # one space of border on each side, two of padding per column, one between columns
    w_paper = max(_MIN_PAPER, width - (w_num + w_key + w_score) - 13)
    full = w_num + w_key + w_paper + w_score + 13

    def row(num: str, key: str, paper: str, score: str) -> str:
        return f"  {num:>{w_num}}   {key:<{w_key}}   {paper:<{w_paper}}   {score:>{w_score}}  "

    lines = [f"{title:<{full}}", " " * full, row("#", "key", "paper", "score"),
             " " + "─" * (full - 2) + " "]
    for n, (num, hit, key, score) in enumerate(zip(numbers, hits, keys, scores)):
        byline = for_terminal(", ".join(str(p) for p in (lead_authors(hit.authors), hit.year) if p))
        cells = _wrap(for_terminal(hit.title), w_paper)
        extra = _wrap(byline, w_paper) if byline else []
        note = for_terminal(notes[n]) if n < len(notes) else ""
        for i, text in enumerate(cells + extra + (_wrap(note, w_paper) if note else [])):
            line = row(num if i == 0 else "", key if i == 0 else "", text,
                       score if i == 0 else "")
            if dim and len(cells) <= i < len(cells) + len(extra):
                start = 2 + w_num + 3 + w_key + 3
                line = line[:start] + _DIM + line[start:start + w_paper] + _RESET + line[start + w_paper:]
            lines.append(line)
    lines.append(" " * full)
    return "\n".join(lines) + "\n"
