"""The Markdown of every page kb adds to or generates for the site.

Each function takes the loaded :class:`SiteData` and an ``href`` function that turns a
source path (``papers/<key>.md``, ``bib/bibliography.bib``) into a link relative to the page being
rendered, and returns Markdown: fixed headings in Markdown (so they reach the table of
contents and search), everything taken from content files in escaped HTML fragments.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from kb.bib.mapping import export_bibtex
from kb.model.entries import READING_KINDS, Paper, Poster, Project, Session
from kb.site.render import SafeMarkdown, fence, fragment, md_escape
from kb.model.rules import TAG_RE

Href = Callable[[str], str]

PAPERS_DIR = "papers"          # virtual folder of the paper pages in the site
PAPERS_INDEX = "papers/index.md"
# The table repeats what the paper pages say: kept out of search so results name the papers.
PAPERS_INDEX_META = {"title": "Papers", "hide": ["toc"], "search": {"exclude": True}}
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

    @property
    def papers(self) -> dict[str, Paper]:
        return self.project.papers


def front_matter(meta: dict[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


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
    related = data.related.get(paper.key, [])
    if related:
        items = [{"href": href(paper_src(r.key)), "title": r.title, "authors": r.authors,
                  "year": r.year} for r in related]
        parts += ["## Related papers", render("related.html", items=items)]
    parts += ["## BibTeX", fence(export_bibtex([paper], omit=data.bib_omit), "bibtex")]
    return "\n\n".join(parts) + "\n"


def paper_cards(data: SiteData, entries: list[tuple[str, str | None, str | None]], href: Href) -> str:
    cards = [{"paper": data.papers[key], "kind": kind, "note": note, "href": href(paper_src(key)),
              "tags": tag_chips(data.papers[key].tags, href)}
             for key, kind, note in entries if key in data.papers]
    return render("cards.html", cards=cards)


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


def poster_additions(data: SiteData, poster: Poster, href: Href, media: str = "") -> tuple[str, str]:
    """(head, tail) around a poster's notes: who, group, session, tags, then ``media`` (the
    HTML that shows its PDF or image); after the notes the papers it discusses as cards."""
    session = data.project.session(poster.session) if poster.session is not None else None
    if session is not None and session.slug not in data.session_src:
        session = None
    head = render("poster_head.html", poster=poster, session=session,
                  session_href=href(data.session_src[session.slug]) if session else "",
                  tags=tag_chips(poster.tags, href))
    if media:
        head += "\n\n" + media
    keys = [k for k in dict.fromkeys(poster.papers) if k in data.papers]
    tail = ["## Papers discussed", paper_cards(data, [(k, None, None) for k in keys], href)] if keys else []
    return head, "\n\n".join(tail)


def poster_cards(data: SiteData, posters: list[Poster], href: Href) -> str:
    """A grid of poster cards (with the poster's image, when it has one)."""
    thumbs, pdfs = data.poster_thumbs, data.poster_pdfs
    items = [{"poster": p, "href": href(data.poster_src[p.slug]),
              "thumb": href(thumbs[p.slug]) if p.slug in thumbs else "",
              "papers": len([k for k in dict.fromkeys(p.papers) if k in data.papers]),
              "pdf": p.slug in pdfs, "tags": tag_chips(p.tags, href)}
             for p in posters]
    return render("poster_grid.html", posters=items)


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


def home_page(name: str, description: str | None) -> str:
    """The home page of a course whose docs/ has no index.md."""
    parts = [f"# {md_escape(name)}"]
    if description:
        parts.append(md_escape(description))
    parts.append(f"Browse the [papers]({PAPERS_INDEX}), the [posters]({POSTERS_INDEX}) "
                 f"and the [tags]({TAGS_PAGE}), or search with the box at the top.")
    return "\n\n".join(parts) + "\n"
