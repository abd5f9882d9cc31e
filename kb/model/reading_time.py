"""How long a reading takes: one estimate for the site, the calendar and ``kb report``.

The rule, one rate for every paper:

1. A paper with a page count takes **6 minutes a page**. The count comes, in this order, from
   the ``numpages`` BibTeX field, the ``pages`` range (``1877--1901`` is 25 pages), or arXiv's
   "N pages" comment kept in a ``comment``, ``comments`` or ``note`` field (all under
   ``bibtex:``).
2. Any other paper takes the time of its text at **200 words a minute**: the words of its
   abstract, summary and the curator's notes, at least one minute. This times what kb has
   of the paper, not the paper itself, so it is shown as such ("from its abstract and notes").
3. A paper with neither has no estimate (``source`` is ``none``, shown as "?").

Estimates are shown rounded and marked as estimates: "≈ 45 min", "≈ 1 h 30 min" (from an
hour on, to the nearest 5 minutes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kb.model.entries import Paper

MINUTES_PER_PAGE = 6
WORDS_PER_MINUTE = 200
#: A page count above this is taken for a misread field (a volume's page numbers, say).
MAX_PAGES = 2000
_RANGE_RE = re.compile(r"^\s*(\d+)\s*(?:-+|–|—)\s*(\d+)\s*$")
_COMMENT_RE = re.compile(r"(\d+)\s*(?:pages|pp\b|p\.)", re.I)
_COMMENT_FIELDS = ("comment", "comments", "note")
PAGE_SOURCES = ("numpages", "pages", "arxiv-comment")
RULE = (f"{MINUTES_PER_PAGE} min a page where the page count is known, else {WORDS_PER_MINUTE} "
        "words a minute of the abstract, summary and notes")


@dataclass(frozen=True)
class Estimate:
    """The reading time of one paper: ``minutes`` and where the length came from
    (``numpages``, ``pages``, ``arxiv-comment``, ``words`` or ``none``); ``amount`` is the
    number of pages or words it was computed from."""

    minutes: int
    source: str
    amount: int = 0

    @property
    def known(self) -> bool:
        return self.source != "none"

    @property
    def from_text(self) -> bool:
        """Timed by kb's text about the paper (abstract, summary, notes), not by its length."""
        return self.source == "words"

    def __str__(self) -> str:
        return duration(self.minutes) if self.known else "?"

    def explain(self) -> str:
        """How the estimate was made, for a tooltip: '15 pages at 6 min a page'."""
        if self.source in PAGE_SOURCES:
            return f"{self.amount} pages at {MINUTES_PER_PAGE} min a page"
        if self.source == "words":
            return (f"no page count: {self.amount} words of its abstract, summary and notes at "
                    f"{WORDS_PER_MINUTE} words a minute; the paper itself is longer")
        return "no page count and no text to time"


def page_count(paper: Paper) -> tuple[int, str] | None:
    """(pages, where the count came from) from the paper's BibTeX fields, or None."""
    fields = {k.lower(): v for k, v in paper.bibtex.items()}
    numpages = fields.get("numpages", "").strip()
    if numpages.isdigit() and 0 < int(numpages) <= MAX_PAGES:
        return int(numpages), "numpages"
    found = _RANGE_RE.match(fields.get("pages", ""))
    if found:
        first, last = int(found.group(1)), int(found.group(2))
        if first <= last and last - first < MAX_PAGES:
            return last - first + 1, "pages"
    for name in _COMMENT_FIELDS:
        comment = _COMMENT_RE.search(fields.get(name, ""))
        if comment and 0 < int(comment.group(1)) <= MAX_PAGES:
            return int(comment.group(1)), "arxiv-comment"
    return None


def text_words(paper: Paper) -> int:
    """The words of what kb has of the paper: abstract, summary and notes."""
    return sum(len((part or "").split()) for part in (paper.abstract, paper.summary, paper.notes))


def reading_minutes(paper: Paper) -> Estimate:
    """The reading time of ``paper`` (see the module docstring for the rule)."""
    counted = page_count(paper)
    if counted:
        return Estimate(counted[0] * MINUTES_PER_PAGE, counted[1], counted[0])
    words = text_words(paper)
    if words:
        return Estimate(max(1, math.ceil(words / WORDS_PER_MINUTE)), "words", words)
    return Estimate(0, "none")


@dataclass(frozen=True)
class Total:
    """The reading time of several readings: the sum of the known estimates, with how many
    readings there were, how many had no estimate and how many were timed by their text."""

    minutes: int = 0
    readings: int = 0
    unknown: int = 0
    from_text: int = 0

    def __str__(self) -> str:
        """'≈ 1 h 30 min', '≈ 45 min + 1 ?', '?' (no estimate at all) or '-' (no readings)."""
        if not self.readings:
            return "-"
        if self.unknown == self.readings:
            return "?"
        return duration(self.minutes) + (f" + {self.unknown} ?" if self.unknown else "")


def total(estimates: Iterable[Estimate]) -> Total:
    """The :class:`Total` of ``estimates``."""
    items = list(estimates)
    return Total(sum(e.minutes for e in items), len(items), sum(not e.known for e in items),
                 sum(e.from_text for e in items))


def duration(minutes: int) -> str:
    """Minutes as an estimate people read: '≈ 45 min', '≈ 1 h', '≈ 2 h 25 min'."""
    if minutes < 60:
        return f"≈ {max(minutes, 1)} min"
    rounded = 5 * round(minutes / 5)
    hours, rest = divmod(rounded, 60)
    return f"≈ {hours} h" + (f" {rest} min" if rest else "")
