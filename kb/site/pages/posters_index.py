"""The posters overview (``posters/``): a grid of poster cards under each session's heading."""

from __future__ import annotations

from kb.site.pages.common import Href, SiteData, poster_cards, render
from kb.site.render import md_escape


def posters_index(data: SiteData, href: Href) -> str:
    """The posters overview: a grid of poster cards under each session's heading."""
    posters = [p for p in data.project.posters if p.slug in data.poster_src]
    if not posters:
        return "No posters yet.\n"
    parts = []
    for session in sorted(data.project.sessions, key=lambda s: s.session):
        mine = sorted((p for p in posters if p.session == session.session), key=lambda p: p.title.lower())
        if not mine:
            continue
        parts.append("## " + md_escape(f"Session {session.session}: {session.title}"))
        if session.slug in data.session_src:
            parts.append(render("presented.html", session=session,
                                href=href(data.session_src[session.slug])))
        parts.append(poster_cards(data, mine, href))
    numbers = {s.session for s in data.project.sessions}
    others = sorted((p for p in posters if p.session not in numbers), key=lambda p: p.title.lower())
    if others:
        parts += ["## Other posters", poster_cards(data, others, href)]
    return "\n\n".join(parts) + "\n"
