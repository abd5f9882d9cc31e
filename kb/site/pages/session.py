"""A session's page: the instructor's text between kb's head and its readings as cards."""

from __future__ import annotations

from kb.model.entries import READING_KINDS, Session
from kb.site.pages.common import Href, SiteData, paper_cards, poster_cards, render, session_bib


def session_additions(data: SiteData, session: Session, href: Href) -> tuple[str, str]:
    """(head, tail) Markdown around the instructor's text of a session page."""
    head = render("session_head.html", session=session)
    parts: list[str] = []
    if session.readings:
        parts.append("## Readings")
        for kind in READING_KINDS:
            entries: list[tuple[str, str | None, str | None]] = [
                (r.key, None, r.note) for r in session.readings if r.kind == kind]
            if entries:
                parts += [f"### {kind.capitalize()}", paper_cards(data, entries, href)]
        parts.append(render("download.html", href=href(session_bib(session)),
                            filename=f"{session.slug}.bib", label="Download the readings as BibTeX"))
    posters = [p for p in data.project.posters if p.session == session.session]
    if posters:
        parts += ["## Posters", poster_cards(data, posters, href)]
    return head, "\n\n".join(parts)
