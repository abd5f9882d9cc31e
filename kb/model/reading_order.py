"""The order a session page suggests its readings in, and the discussion questions it gathers.

The suggested order (a session's ``order: suggested``, the default):

1. by kind: required, then background (what the session assumes), then presentation (what
   students present in it), then optional;
2. within a kind, a paper before the papers of that kind that cite it (``cites``: paper key ->
   the course keys it cites; without the argument, each paper's own ``cites`` field, where the
   model has one), so what others build on is read first; a citation circle is broken at its
   oldest paper;
3. papers that no citation orders: the older first (a paper without a year last), then as
   the session lists them.

``order: listed`` keeps the readings exactly as the session lists them: the curator's own order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from kb.model.entries import Paper, Reading

KIND_ORDER = ("required", "background", "presentation", "optional")
ORDER_RULE = ("required first, then background, presentations and optional readings; within "
              "each, a paper before those that cite it, else the older first")

_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_QUESTIONS_RE = re.compile(r"^(?:(?:questions?|points?)(?: for discussion| to discuss)?|"
                           r"discussion(?: questions| points)?)[ \t]*:?$", re.I)
_ITEM_RE = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+(.*)$")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(```|~~~)")


def reading_order(readings: Sequence[Reading], papers: Mapping[str, Paper],
                  cites: Mapping[str, Sequence[str]] | None = None, *,
                  listed: bool = False) -> list[Reading]:
    """``readings`` (each paper once, its first listing) in the suggested order, or as listed
    when ``listed``; see the module docstring for the rule."""
    unique = list({r.key: r for r in reversed(readings)}.values())[::-1]
    if listed:
        return unique
    if cites is None:
        cites = {key: list(getattr(paper, "cites", None) or []) for key, paper in papers.items()}
    position = {r.key: i for i, r in enumerate(unique)}

    def rank(reading: Reading) -> tuple[int, int, int]:
        paper = papers.get(reading.key)
        year = paper.year if paper is not None and paper.year is not None else 10**6
        return (0, year, position[reading.key])

    out: list[Reading] = []
    for kind in KIND_ORDER:
        group = [r for r in unique if r.kind == kind]
        keys = {r.key for r in group}
        # before[a] = the papers of this kind that a cites: they come first
        before = {r.key: {k for k in cites.get(r.key, ()) if k in keys and k != r.key} for r in group}
        left = sorted(group, key=rank)
        while left:
            ready = [r for r in left if not before[r.key] & {x.key for x in left}]
            chosen = ready[0] if ready else left[0]  # a circle: its oldest paper first
            out.append(chosen)
            left.remove(chosen)
    return out


def discussion_questions(paper: Paper) -> list[str]:
    """The paper's questions for discussion: its ``questions`` field, else the items (or
    paragraphs) under a heading of its notes named 'Questions for discussion', 'Discussion
    questions', 'Questions' or the like, up to the next heading of that level or above."""
    if paper.questions:
        return [q.strip() for q in paper.questions if q.strip()]
    lines = paper.notes.splitlines()
    level = 0
    section: list[str] = []
    fenced = False
    for line in lines:
        if _FENCE_RE.match(line):
            fenced = not fenced
        heading = None if fenced else _HEADING_RE.match(line)
        if heading:
            if level and len(heading.group(1)) <= level:
                break
            if not level and _QUESTIONS_RE.match(heading.group(2).strip()):
                level = len(heading.group(1))
                continue
        if level:
            section.append(line)
    return _items(section)


def _items(lines: list[str]) -> list[str]:
    """List items (with their continuation lines) of a Markdown section, else its paragraphs."""
    items: list[list[str]] = []
    paragraphs: list[list[str]] = [[]]
    in_item, blank = False, False
    for line in lines:
        found = _ITEM_RE.match(line)
        if found:
            items.append([found.group(1).strip()])
            in_item, blank = True, False
        elif not line.strip():
            paragraphs.append([])
            blank = True
        elif in_item and (not blank or line.startswith((" ", "\t"))):
            items[-1].append(line.strip())  # a continuation line of the item
            blank = False
        else:
            paragraphs[-1].append(line.strip())
            in_item, blank = False, False
    if items:
        return [" ".join(i) for i in items]
    return [" ".join(p) for p in paragraphs if p]
