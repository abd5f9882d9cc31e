"""A session's page: kb's head (date, time, place, slides, presenters), the instructor's text,
then what a student prepares from: the readings in a suggested order with their reading times,
the readings as cards grouped by kind, the discussion questions of the readings gathered from
the paper files, and the session's posters."""

from __future__ import annotations

import re

from markupsafe import Markup

from kb.model.entries import Session
from kb.model.reading_order import KIND_ORDER, ORDER_RULE, discussion_questions, reading_order
from kb.model.reading_time import RULE, total
from kb.site.pages.common import (Href, SiteData, paper_cards, paper_src, poster_cards, render,
                                  session_bib)
from kb.site.pages.schedule import presenters
from kb.site.sanitize import clean

_ONE_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.S)


def session_additions(data: SiteData, session: Session, href: Href) -> tuple[str, str]:
    """(head, tail) Markdown around the instructor's text of a session page."""
    head = render("session_head.html", session=session, timezone=data.timezone)
    parts: list[str] = []
    listed = session.order == "listed"
    ordered = [r for r in reading_order(session.readings, data.papers, listed=listed)
               if r.key in data.papers]
    if ordered:
        parts += ["## Reading order", _plan(data, session, href, listed)]
        parts.append("## Readings")
        for kind in KIND_ORDER:
            entries: list[tuple[str, str | None, str | None]] = [
                (r.key, None, r.note) for r in ordered if r.kind == kind]
            if entries:
                parts += [f"### {kind.capitalize()}", paper_cards(data, entries, href, timed=True)]
        parts.append(render("download.html", href=href(session_bib(session)),
                            filename=f"{session.slug}.bib", label="Download the readings as BibTeX"))
    blocks = []
    for reading in ordered:
        paper = data.papers[reading.key]
        questions = [_inline(data, q) for q in discussion_questions(paper)]
        if questions:
            blocks.append({"paper": paper, "kind": reading.kind, "questions": questions,
                           "href": href(paper_src(reading.key))})
    if blocks:
        parts += ["## Questions for discussion", render("questions.html", blocks=blocks)]
    posters = [p for p in data.project.posters if p.session == session.session]
    if posters:
        parts += ["## Posters", poster_cards(data, posters, href)]
    return head, "\n\n".join(parts)


def _plan(data: SiteData, session: Session, href: Href, listed: bool) -> str:
    ordered = [r for r in reading_order(session.readings, data.papers, listed=listed)
               if r.key in data.papers]
    items = [{"paper": data.papers[r.key], "kind": r.kind, "href": href(paper_src(r.key)),
              "time": data.time(r.key), "presenters": presenters(session, r)} for r in ordered]
    rule = "In the order the instructor lists them." if listed else f"Suggested order: {ORDER_RULE}."
    return render("reading_plan.html", items=items, rule=rule, time_rule=RULE,
                  required=total(data.time(r.key) for r in ordered if r.kind == "required"),
                  all=total(data.time(r.key) for r in ordered))


def _inline(data: SiteData, text: str) -> Markup:
    """A question (untrusted Markdown from a paper file) as safe inline HTML."""
    html = data.notes.convert(text) if data.notes is not None else ""
    found = _ONE_PARAGRAPH.match(html.strip())
    return Markup(clean(found.group(1) if found else html))
