"""The result table of ``kb search``, ``kb related`` and ``kb suggest``, in plain text.

::

    keyword search: innovation

      #   key                        paper                                   score
     ──────────────────────────────────────────────────────────────────────────────
      1   jassawalla_cultures_2002   Cultures That Support Product-Innovation 5.3345
                                     Processes
                                     Jassawalla and Sashittal, 2002
                                     “Innovation processes thrive where …”
                                     words: innovation

The paper column takes the room the fixed-width columns leave and is the only one that
wraps, so an 80-column pipe stays readable. A search result adds its excerpt (at most
:data:`EXCERPT_LINES` lines of the column, cut around the first word it matched) and what it
matched; on a terminal the bylines are dim and the query's words in the excerpt bold. Every
cell (titles, names, keys, excerpts come from paper files anyone may have written) goes through
:func:`kb.model.terminal.for_terminal` first. Written
with the standard library alone (ANSI codes, no rich): the table is the last step of a
keyword search, and a rendering library's import (rich.console: 40-190 ms measured on the
2-core machine) would cost the process more time than the search itself.
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
_DIM, _BOLD, _RESET = "\x1b[2m", "\x1b[1m", "\x1b[0m"
EXCERPT_LINES = 2
_WHY = {"both": "words and meaning", "keyword": "words", "meaning": "meaning"}


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


def _cut(text: str, spans: Sequence[tuple[int, int]], room: int
         ) -> tuple[str, list[tuple[int, int]]]:
    """``text`` cut to at most ``room`` characters around its first span (an ellipsis where
    it was cut), with the spans moved along."""
    if len(text) <= room:
        return text, list(spans)
    first = spans[0][0] if spans else 0
    start = 0
    if first > room // 3:  # keep some words before the first match
        start = text.rfind(" ", 0, first - room // 4) + 1
    end = start + room - (1 if start else 0) - 1
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    body = text[start:end].rstrip()
    shift = (1 if start else 0) - start
    out = ("…" if start else "") + body + ("…" if end < len(text) else "")
    moved = [(max(a + shift, 0), min(b + shift, len(out))) for a, b in spans
             if a >= start and b <= start + len(body)]
    return out, moved


def _wrap_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text`` at ``width``: the (start, end) of each line in it."""
    lines: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + width)
        if end < len(text):
            cut = text.rfind(" ", start, end + 1)
            end = cut if cut > start else end
        lines.append((start, end))
        start = end
        while start < len(text) and text[start] == " ":
            start += 1
    return lines or [(0, 0)]


def _excerpt_lines(hit: Hit, width: int, bold: bool) -> list[tuple[str, str]]:
    """The excerpt and the matched words of a search hit as (plain, shown) line pairs."""
    excerpt = getattr(hit, "excerpt", None)
    out: list[tuple[str, str]] = []
    if excerpt is not None:
        room = EXCERPT_LINES * width
        while True:  # the longest cut that wraps into EXCERPT_LINES lines
            text, spans = _cut(excerpt.text, excerpt.highlights, room - 2)
            text, spans = "“" + text + "”", [(a + 1, b + 1) for a, b in spans]
            wrapped = _wrap_spans(text, width)
            if len(wrapped) <= EXCERPT_LINES or room <= width:
                break
            room -= max(1, width // 8)
        for start, end in wrapped[:EXCERPT_LINES]:
            plain = for_terminal(text[start:end])
            shown = plain
            if bold and plain == text[start:end]:  # escaped text keeps no offsets: not bolded
                for a, b in sorted(spans, reverse=True):
                    a, b = max(a, start) - start, min(b, end) - start
                    if a < b:
                        shown = shown[:a] + _BOLD + shown[a:b] + _RESET + shown[b:]
            out.append((plain, shown))
    why = getattr(hit, "why", None)
    if why is not None:
        matched = getattr(hit, "matched", [])
        said = _WHY.get(why, why) + (": " + for_terminal(", ".join(matched)) if matched else "")
        out.extend((line, line) for line in _wrap(said, width))
    return out


def hits_table(hits: Sequence[Hit], title: str, width: int, *, dim: bool = False,
               notes: Sequence[str] = (), note: str = "") -> str:
    """The table of ``hits`` under ``title``, ``width`` columns wide (``dim``: bylines in ANSI
    dim and matched words bold); ``notes[i]``, when given and not empty, is a last line under
    hit ``i``'s byline; ``note``, a line under the title. A search hit adds its excerpt and
    the words it matched."""
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

    said = [f"{line:<{full}}" for line in _wrap(note, full)] if note else []
    lines = [f"{title:<{full}}", *said, " " * full,
             row("#", "key", "paper", "score"), " " + "─" * (full - 2) + " "]
    start = 2 + w_num + 3 + w_key + 3  # where the paper column begins
    for n, (num, hit, score) in enumerate(zip(numbers, hits, scores)):
        byline = for_terminal(", ".join(str(p) for p in (lead_authors(hit.authors), hit.year) if p))
        cells = _wrap(for_terminal(hit.title), w_paper)
        extra = _wrap(byline, w_paper) if byline else []
        last = for_terminal(notes[n]) if n < len(notes) else ""
        explained = _excerpt_lines(hit, w_paper, dim)
        shown = {len(cells) + len(extra) + i: pair for i, pair in enumerate(explained)}
        texts = cells + extra + [plain for plain, _ in explained] + (
            _wrap(last, w_paper) if last else [])
        for i, text in enumerate(texts):
            line = row(num if i == 0 else "", for_terminal(hit.key) if i == 0 else "", text,
                       score if i == 0 else "")
            if dim and len(cells) <= i < len(cells) + len(extra):
                line = line[:start] + _DIM + line[start:start + w_paper] + _RESET + line[start + w_paper:]
            elif i in shown and shown[i][1] != text:
                line = line[:start] + shown[i][1] + line[start + len(text):]
            lines.append(line)
    lines.append(" " * full)
    return "\n".join(lines) + "\n"
