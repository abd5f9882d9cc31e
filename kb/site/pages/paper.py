"""A paper's page (``papers/<key>/``): metadata, summary, abstract, notes, uses, related, BibTeX."""

from __future__ import annotations

import html

from kb.bib.mapping import export_bibtex
from kb.model.entries import Paper
from kb.site.pages.common import Href, SiteData, front_matter, paper_src, render, tag_chips
from kb.site.render import fence


def paper_stub(paper: Paper) -> str:
    """The virtual file of a paper page: the page meta only; the body is rendered later.

    The title is HTML-escaped because mkdocs-material prints ``page.title`` as HTML. Tags
    are not handed to mkdocs-material: the page shows kb's own chips, linking to tag pages.
    """
    return front_matter({"title": html.escape(paper.title)})


def paper_page(data: SiteData, paper: Paper, href: Href, notes: str) -> str:
    """The body of a paper's page; ``notes`` is the curator's Markdown, citations resolved."""
    parts = [render("paper_meta.html", paper=paper, tags=tag_chips(paper.tags, href))]
    if paper.summary:
        parts += ["## Summary", render("text.html", text=paper.summary, kind="summary")]
    if paper.abstract:
        parts += ["## Abstract", render("text.html", text=paper.abstract, kind="abstract")]
    if notes.strip() and data.notes is not None:
        parts += ["## Notes", render("notes.html", notes_html=data.notes.convert(notes, shift=1))]
    sessions = [{"session": s, "kind": kind, "note": note, "href": href(data.session_src[s.slug])}
                for s, kind, note in data.readers.get(paper.key, []) if s.slug in data.session_src]
    posters = [{"poster": p, "href": href(data.poster_src[p.slug])}
               for p in data.discussed.get(paper.key, []) if p.slug in data.poster_src]
    if sessions or posters:
        parts += ["## Read in the course", render("paper_uses.html", sessions=sessions, posters=posters)]
    for heading, keys in (("Cites in this course", data.cites.get(paper.key, [])),
                          ("Cited by in this course", data.cited_by.get(paper.key, []))):
        if keys:
            items = [{"href": href(paper_src(k)), "title": data.papers[k].title,
                      "authors": data.papers[k].authors, "year": data.papers[k].year} for k in keys]
            parts += [f"## {heading}", render("paper_links.html", items=items)]
    related = data.related.get(paper.key, [])
    if related:
        items = [{"href": href(paper_src(r.key)), "title": r.title, "authors": r.authors,
                  "year": r.year} for r in related]
        parts += ["## Related papers", render("related.html", items=items)]
    parts += ["## BibTeX", fence(export_bibtex([paper], omit=data.bib_omit), "bibtex")]
    return "\n\n".join(parts) + "\n"
