"""The papers index (``papers/``): a sortable, filterable table of every paper."""

from __future__ import annotations

from kb.model.rules import TAG_RE
from kb.site.pages.common import ALL_BIB, Href, SiteData, paper_src, render, tag_src

# The table repeats what the paper pages say: kept out of search so results name the papers.
PAPERS_INDEX_META = {"title": "Papers", "hide": ["toc"], "search": {"exclude": True}}


def papers_index(data: SiteData, href: Href) -> str:
    """The papers index: a sortable, filterable table of every paper, and the .bib download."""
    rows = [{"paper": p, "href": href(paper_src(p.key))}
            for p in sorted(data.papers.values(), key=lambda p: p.title.lower())]
    tags = sorted({t for p in data.papers.values() for t in p.tags if TAG_RE.match(t)})
    tag_hrefs = {t: href(tag_src(t)) for t in tags}
    parts = [render("papers_table.html", rows=rows, tags=tags, tag_hrefs=tag_hrefs)]
    parts.append(render("download.html", href=href(ALL_BIB), filename="bibliography.bib",
                        label="Download the whole bibliography as BibTeX"))
    return "\n\n".join(parts) + "\n"
