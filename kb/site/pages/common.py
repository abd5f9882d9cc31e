"""What the page renderers of :mod:`kb.site.pages` share: site paths, the build's data, cards.

Each renderer takes the loaded :class:`SiteData` and an ``href`` function that turns a
source path (``papers/<key>.md``, ``bib/bibliography.bib``) into a link relative to the page being
rendered, and returns Markdown: fixed headings in Markdown (so they reach the table of
contents and search), everything taken from content files in escaped HTML fragments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from kb.model.entries import Paper, Poster, Project, Session
from kb.model.reading_time import Estimate, reading_minutes
from kb.site.render import SafeMarkdown, fragment
from kb.model.rules import TAG_RE

Href = Callable[[str], str]

PAPERS_DIR = "papers"          # virtual folder of the paper pages in the site
PAPERS_INDEX = "papers/index.md"
TAGS_PAGE = "tags.md"
TAG_DIR = "tags"               # one page per tag: tags/<tag>.md
POSTERS_INDEX = "posters/index.md"
BIB_DIR = "bib"
ALL_BIB = "bib/bibliography.bib"


def paper_src(key: str) -> str:
    """The site source path of paper ``key``'s page."""
    return f"{PAPERS_DIR}/{key}.md"


def session_bib(session: Session) -> str:
    """The site path of a session's .bib download."""
    return f"{BIB_DIR}/{session.slug}.bib"


def tag_src(tag: str) -> str:
    """The site source path of a tag's page."""
    return f"{TAG_DIR}/{tag}.md"


def tag_chips(tags: list[str], href: Href, number: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Chip data for the ``tag_chips`` macro of templates/tags.html (well-formed tags only)."""
    return [{"name": t, "href": href(tag_src(t)), "count": number.get(t, 0) if number is not None else None}
            for t in dict.fromkeys(tags) if TAG_RE.match(t)]


def render(template: str, **context: Any) -> str:
    return fragment(template, **context)


@dataclass
class Related:
    """One related paper as the page shows it."""

    key: str
    title: str
    authors: list[str]
    year: int | None
    score: float


@dataclass
class SiteData:
    """Everything the page renderers need, computed once per build."""

    project: Project
    session_src: dict[str, str]                  # session slug -> site source path
    poster_src: dict[str, str]                   # poster slug -> site source path
    related: dict[str, list[Related]] = field(default_factory=dict)
    notes: SafeMarkdown | None = None
    readers: dict[str, list[tuple[Session, str, str | None]]] = field(default_factory=dict)
    discussed: dict[str, list[Poster]] = field(default_factory=dict)
    bib_omit: frozenset[str] = frozenset()      # BibTeX fields the site leaves out (kb.model.privacy)
    poster_thumbs: dict[str, str] = field(default_factory=dict)  # poster slug -> site path of its image
    poster_pdfs: frozenset[str] = frozenset()   # slugs of posters with a PDF
    cites: dict[str, list[str]] = field(default_factory=dict)     # key -> course papers it cites
    cited_by: dict[str, list[str]] = field(default_factory=dict)  # key -> course papers citing it
    #: paper key -> its reading time; the build computes them from the papers before their
    #: private fields are dropped (an arXiv "N pages" comment counts, only the number shows)
    times: dict[str, Estimate] = field(default_factory=dict)
    timezone: str = ""                           # the sessions' IANA time zone, or ''

    def __post_init__(self) -> None:
        readers: dict[str, list[tuple[Session, str, str | None]]] = defaultdict(list)
        for session in self.project.sessions:
            for reading in session.readings:
                readers[reading.key].append((session, reading.kind, reading.note))
        discussed: dict[str, list[Poster]] = defaultdict(list)
        for poster in self.project.posters:
            for key in dict.fromkeys(poster.papers):
                discussed[key].append(poster)
        self.readers, self.discussed = dict(readers), dict(discussed)
        self.cites, self.cited_by = citation_graph(self.project.papers)

    @property
    def papers(self) -> dict[str, Paper]:
        return self.project.papers

    def time(self, key: str) -> Estimate:
        """The reading time of paper ``key``."""
        if key not in self.times:
            self.times[key] = reading_minutes(self.papers[key])
        return self.times[key]


def citation_graph(papers: dict[str, Paper]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Who cites whom in the course, from the papers' ``cites:`` fields: for each key the
    papers it cites and the papers citing it, each list in key order. Keys that name no paper
    of the course, and a paper citing itself, are left out (kb check reports them)."""
    cites: dict[str, list[str]] = {}
    cited_by: dict[str, list[str]] = defaultdict(list)
    for key in sorted(papers):
        found = [k for k in dict.fromkeys(papers[key].cites) if k in papers and k != key]
        if found:
            cites[key] = sorted(found)
            for other in cites[key]:
                cited_by[other].append(key)
    return cites, dict(cited_by)


def front_matter(meta: dict[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


def paper_cards(data: SiteData, entries: list[tuple[str, str | None, str | None]], href: Href,
                *, timed: bool = False) -> str:
    """Cards of papers (key, kind label, note); ``timed`` shows each one's reading time."""
    cards = [{"paper": data.papers[key], "kind": kind, "note": note, "href": href(paper_src(key)),
              "tags": tag_chips(data.papers[key].tags, href),
              "time": data.time(key) if timed else None}
             for key, kind, note in entries if key in data.papers]
    return render("cards.html", cards=cards)


def poster_cards(data: SiteData, posters: list[Poster], href: Href) -> str:
    """A grid of poster cards (with the poster's image, when it has one)."""
    thumbs, pdfs = data.poster_thumbs, data.poster_pdfs
    items = [{"poster": p, "href": href(data.poster_src[p.slug]),
              "thumb": href(thumbs[p.slug]) if p.slug in thumbs else "",
              "papers": len([k for k in dict.fromkeys(p.papers) if k in data.papers]),
              "pdf": p.slug in pdfs, "tags": tag_chips(p.tags, href)}
             for p in posters]
    return render("poster_grid.html", posters=items)


