"""Tags you can browse: chips with counts on the tags page, and one page per tag.

Every well-formed tag of a paper or poster gets a page (``tags/<tag>.md``) with the tag's
description, its papers as cards and its posters; tag chips on cards, paper pages and poster
pages link there, and so does the tag column of the papers table.
"""

from __future__ import annotations

from collections import Counter

from kb.model.entries import Paper, Poster
from kb.model.plural import plural
from kb.site.pages.common import (PAPERS_INDEX, TAGS_PAGE, Href, SiteData, front_matter, paper_cards,
                           poster_cards, render, tag_chips, tag_src)
from kb.site.render import md_escape
from kb.model.rules import TAG_RE


def counts(papers: dict[str, Paper]) -> Counter[str]:
    """Papers per well-formed tag."""
    return Counter(t for p in papers.values() for t in dict.fromkeys(p.tags) if TAG_RE.match(t))


def all_tags(papers: dict[str, Paper], posters: list[Poster]) -> list[str]:
    """Every tag that gets a page: those of papers and posters, sorted."""
    found = set(counts(papers))
    found.update(t for p in posters for t in p.tags if TAG_RE.match(t))
    return sorted(found)


def tags_page(data: SiteData, vocabulary: dict[str, str], href: Href) -> str:
    """The tags overview: chips with counts (most used first), then what each tag covers."""
    number = counts(data.papers)
    tags = all_tags(data.papers, data.project.posters)
    if not tags:
        return "# Tags\n\nNo paper carries a tag yet.\n"
    ordered = sorted(tags, key=lambda t: (-number[t], t))
    parts = ["# Tags", f"{plural(len(tags), 'tag')} over {plural(len(data.papers), 'paper')}. "
             "Each tag's page lists "
             "its papers and posters.",
             render("chips.html", chips=tag_chips(ordered, href, number), big=True)]
    rows = [{"name": t, "href": href(tag_src(t)), "count": number[t],
             "description": vocabulary.get(t, "")} for t in tags]
    parts += ["## All tags", render("tag_table.html", tags=rows)]
    return "\n\n".join(parts) + "\n"


def tag_stub(tag: str) -> str:
    """A tag page's meta: its cards repeat the papers' own pages, so search leaves it out."""
    return front_matter({"title": f"Tag: {tag}", "search": {"exclude": True}})


def tag_page(data: SiteData, tag: str, description: str, href: Href) -> str:
    """One tag's page: description, its papers as cards (newest first), its posters."""
    papers = sorted((p for p in data.papers.values() if tag in p.tags),
                    key=lambda p: (-(p.year or 0), p.title.lower()))
    posters = [p for p in data.project.posters if tag in p.tags and p.slug in data.poster_src]
    parts = [f"# Tag: {md_escape(tag)}"]
    if description:
        parts.append(md_escape(description))
    parts.append(render("tag_head.html", count=len(papers), table=f"{href(PAPERS_INDEX)}?tag={tag}",
                        all=href(TAGS_PAGE)))
    if papers:
        parts += ["## Papers", paper_cards(data, [(p.key, None, None) for p in papers], href)]
    if posters:
        parts += ["## Posters", poster_cards(data, posters, href)]
    return "\n\n".join(parts) + "\n"
