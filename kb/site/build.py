"""A loaded course turned into the site's pages and files: kb.site's one entry point.

A generator hands kb what it knows of the site (:class:`Settings`, the source paths of the
files in ``docs/``) and gets back, from a :class:`Site`:

- :meth:`Site.files`: every page and file kb adds (paper pages, the papers index, tags, the
  map, the search page and its data, the report, the .bib downloads, ``sessions.ics``, the
  poster media, kb's CSS and JS), each a :class:`SiteFile` with its text or the file to copy;
- :meth:`Site.markdown`: the Markdown of any page, by the page's role (a paper's page, a
  session's page with its readings, a poster's, any page with ``[@key]`` citations ...);
- :meth:`Site.meta` and :meth:`Site.html`: the page's metadata and HTML made safe to print
  (titles escaped, untrusted pages sanitised after Markdown);
- :meth:`Site.nav`: the navigation, when mkdocs.yml has none.

Two generators use it: the mkdocs plugin (:mod:`kb.site.plugin`, which MkDocs 1.x and
ProperDocs run) and ``kb site export`` (:mod:`kb.site.export`), which writes the pages as
plain Markdown for any generator that reads mkdocs.yml (``standalone=True``: what the plugin
does after Markdown, sanitising untrusted text, is done here, before it). Nothing here
imports a generator, and building never goes online.
"""

from __future__ import annotations

import html as html_lib
import logging
import posixpath
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kb.checks.build import build_stop, log_line
from kb.checks.report import course_report
from kb.checks.validate import check
from kb.course.config import Config, options_from_mapping
from kb.errors import KbError
from kb.model.entries import Issue, Project
from kb.model.privacy import public_project, site_omitted
from kb.model.reading_time import RULE, reading_minutes
from kb.model.rules import TAG_RE
from kb.site.citations import Citations
from kb.site.pages import common as P
from kb.site.pages import libmap, schedule
from kb.site.pages import tags as T
from kb.site.pages.bib import bib_files
from kb.site.pages.calendar import CALENDAR, calendar
from kb.site.pages.home import home_page
from kb.site.pages.paper import paper_page, paper_stub
from kb.site.pages.papers_index import PAPERS_INDEX_META, papers_index
from kb.site.pages.poster import Media, poster_additions, poster_media
from kb.site.pages.posters_index import posters_index
from kb.site.pages.report import REPORT_META, REPORT_PAGE, report_page
from kb.site.pages.search import SEARCH_PAGE, search_files, search_page
from kb.site.pages.session import session_additions
from kb.site.related import related_papers
from kb.site.render import SafeMarkdown, SiteError
from kb.site.sanitize import clean, clean_text
from kb.site.standalone import sanitised
from kb.site.urls import is_page, page_url, relative_url

__all__ = ["ASSET_DIR", "SCRIPTS", "STYLESHEETS", "Settings", "Site", "SiteError", "SiteFile"]

ASSET_DIR = "assets/kb"
ASSETS = ("kb.css", "kb.js", "kb-search.css", "kb-search.js", "kb-search-page.js",
          "tokens.js", "rank.js", "model.js", "quick.js", "wordpiece.js", "page-rules.js")
STYLESHEETS = (f"{ASSET_DIR}/kb.css", f"{ASSET_DIR}/kb-search.css")
# (path, whether pages load it with <script type="module">); tokens.js, rank.js, model.js,
# quick.js and wordpiece.js are imported by kb-search.js, page-rules.js by kb-search-page.js.
SCRIPTS = ((f"{ASSET_DIR}/kb.js", False), (f"{ASSET_DIR}/kb-search.js", True),
           (f"{ASSET_DIR}/kb-search-page.js", True))
UNTRUSTED = frozenset({"paper", "poster"})  # pages whose text comes from papers/ and posters
GENERATED = frozenset({"map"})  # kb's own pages made only of escaped template output (SVG)
#: What ``hide:`` may hide on an untrusted page (:func:`_theme_meta`; see :meth:`Site.meta`).
THEME_HIDE = frozenset({"navigation", "toc", "footer", "path", "tags", "feedback"})
# What MkDocs always adds to the site's Markdown extensions.
BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")
log = logging.getLogger("mkdocs.plugins.kb")


@dataclass(frozen=True)
class Settings:
    """What kb needs of the generator's configuration (mkdocs.yml's own settings)."""

    site_name: str
    docs_dir: Path
    site_description: str | None = None
    site_url: str | None = None
    use_directory_urls: bool = True
    markdown_extensions: tuple[Any, ...] = BUILTIN_EXTENSIONS
    mdx_configs: Mapping[str, Any] = field(default_factory=dict)
    nav: bool = False  # mkdocs.yml has a nav: of its own, so kb makes none

    @classmethod
    def from_mkdocs_yml(cls, root: Path, site: Mapping[str, Any]) -> Settings:
        """The settings of mkdocs.yml as read by :func:`kb.course.config.load_config`."""
        names: list[Any] = list(BUILTIN_EXTENSIONS)
        configs: dict[str, Any] = {}
        raw = site.get("markdown_extensions") or []
        for item in (raw.items() if isinstance(raw, dict) else raw):
            name, config = (next(iter(item.items())) if isinstance(item, dict) else (item, None)) \
                if not isinstance(item, tuple) else item
            if name not in names:
                names.append(name)
            if config:
                configs[name] = dict(config)
        return cls(site_name=str(site.get("site_name") or "Course"),
                   docs_dir=(root / str(site.get("docs_dir") or "docs")).resolve(),
                   site_description=site.get("site_description"), site_url=site.get("site_url"),
                   use_directory_urls=bool(site.get("use_directory_urls", True)),
                   markdown_extensions=tuple(names), mdx_configs=configs,
                   nav=site.get("nav") is not None)


@dataclass(frozen=True)
class SiteFile:
    """One file kb adds to the site: a page (``page``: kb renders it by its role) or a file."""

    src: str                          # path inside the site, e.g. papers/<key>.md
    content: str | bytes | None = None  # its text (a page's is its front matter)
    path: Path | None = None          # or the file on disk it is a copy of
    page: bool = False
    in_nav: bool = True               # False: kept out of the navigation


@contextmanager
def _stage(what: str = "") -> Iterator[None]:
    """Any KbError of one step of the build as a SiteError naming the step."""
    try:
        yield
    except SiteError:
        raise
    except KbError as exc:
        raise SiteError(f"kb: {what}{exc}") from None


def _format(issue: Issue) -> str:
    return log_line(issue)


class Site:
    """The course's site: load with :meth:`open`, then :meth:`files` before any page."""

    def __init__(self, config: Config, project: Project, settings: Settings, *,
                 embedder: Any = None, standalone: bool = False):
        self.kb, self.project, self.settings = config, project, settings
        self.public = public_project(project, config.options.private_fields)
        self.embedder = embedder
        self.standalone = standalone
        self.data: P.SiteData | None = None
        self.citations = Citations(self.public.papers)
        self._roles: dict[str, tuple[str, str]] = {}  # site src path -> (role, key or slug)
        self._media: dict[str, list[Media]] = {}      # poster slug -> its file and image
        self._slots: dict[str, str] = {}              # page src -> kb's HTML put in after cleaning
        self._token = secrets.token_hex(16)          # marks that place; no content can guess it
        self._today = schedule.build_date()
        self._map: libmap.LibraryMap | None = None
        self._added: set[str] = set()
        self._known: set[str] = set()  # every source path of the site
        #: Files in docs/ the site leaves out: in the posters folder, all but the poster pages
        #: and the PDFs and images posters show (see :meth:`_withheld`).
        self.withheld: frozenset[str] = frozenset()
        #: Pages in docs/ kept out of the navigation: the posters (the overview lists them),
        #: or every page would list every poster and the site grow with their square.
        self.unlisted: frozenset[str] = frozenset()

    @classmethod
    def open(cls, root: Path, options: Mapping[str, Any], settings: Settings, *,
             embedder: Any = None, standalone: bool = False,
             warn: Callable[[str], Any] | None = None, strict: bool = False) -> Site:
        """Load and check the course at ``root``: warnings go to ``warn``, errors stop here,
        and so do warnings when ``strict`` (before any slow work: :mod:`kb.checks.build`)."""
        with _stage():
            config = Config(root, options_from_mapping(dict(options)),
                            {"docs_dir": str(settings.docs_dir)})
            project, issues = check(config)
        for issue in issues:
            if issue.severity == "warning":
                (warn or log.warning)(_format(issue))
        stop = build_stop(issues, strict=strict)
        if stop is not None:
            raise SiteError(stop)
        return cls(config, project, settings, embedder=embedder, standalone=standalone)

    # ------------------------------------------------------------------ links

    def url(self, src: str) -> str:
        """The URL of a site source path, relative to the site root."""
        return page_url(src, self.settings.use_directory_urls)

    def href(self, src: str) -> Callable[[str], str]:
        """Links from page ``src``: a target source path -> its URL relative to the page."""
        here = self.url(src)
        return lambda target: relative_url(self.url(target), here)

    # ------------------------------------------------------------------ files

    def files(self, existing: Iterable[str]) -> list[SiteFile]:
        """Every page and file kb adds to a site whose docs/ holds ``existing`` (source paths)."""
        out: list[SiteFile] = []
        existing = list(existing)
        have = set(existing)
        project, kb = self.public, self.kb
        docs = self.settings.docs_dir.resolve()

        def add(src: str, content: str, role: tuple[str, str], in_nav: bool = True) -> None:
            if src in have:
                raise SiteError(f"kb: {kb.relative(docs / src)} clashes with the page kb "
                                "generates there; rename or remove it")
            out.append(SiteFile(src, content, page=True, in_nav=in_nav))
            have.add(src)
            self._roles[src] = role

        def put(src: str, content: str | bytes | None = None, path: Path | None = None) -> None:
            out.append(SiteFile(src, content, path))
            have.add(src)

        session_src = self._content_pages(out, have, docs, kb.sessions_dir, "session",
                                          {s.slug: s.body for s in project.sessions},
                                          {s.slug: s.title for s in project.sessions})
        poster_src = self._content_pages(out, have, docs, kb.posters_dir, "poster",
                                         {p.slug: p.body for p in project.posters},
                                         {p.slug: p.title for p in project.posters})
        with _stage("related papers: "):
            related = related_papers(kb, self.project, embedder=self.embedder)
        notes = SafeMarkdown(list(self.settings.markdown_extensions), dict(self.settings.mdx_configs))
        if self.standalone:  # no sanitising after Markdown: the notes' HTML is cleaned here
            notes.convert = _cleaned(notes.convert)  # type: ignore[method-assign]
        omit = site_omitted(kb.options.private_fields, kb.options.bib_curator_fields)
        times = {key: reading_minutes(paper) for key, paper in self.project.papers.items()}
        self.data = P.SiteData(project, session_src, poster_src, related, notes, bib_omit=omit,
                               times=times, timezone=kb.options.timezone)

        for key, paper in project.papers.items():
            add(P.paper_src(key), paper_stub(paper), ("paper", key), in_nav=False)
        add(P.PAPERS_INDEX, P.front_matter(PAPERS_INDEX_META), ("papers-index", ""))
        add(P.TAGS_PAGE, "---\ntitle: Tags\n---\n", ("tags", ""))
        for tag in T.all_tags(project.papers, project.posters):
            add(P.tag_src(tag), T.tag_stub(tag), ("tag", tag), in_nav=False)
        self._course_files(add, put, have, docs, session_src, poster_src)
        if kb.options.report != "off":
            add(REPORT_PAGE, REPORT_META, ("report", ""), in_nav=kb.options.report == "nav")
        if P.POSTERS_INDEX not in have:
            add(P.POSTERS_INDEX, "---\ntitle: Posters\n---\n", ("posters-index", ""))
        else:
            self._roles[P.POSTERS_INDEX] = ("posters-index", "")
        # the page's HTML links by URL: no generator rewrites a .md link inside raw HTML
        add(SEARCH_PAGE, search_page(relative_url(self.url(P.PAPERS_INDEX), self.url(SEARCH_PAGE))),
            ("search", ""))
        if "index.md" not in have:
            add("index.md", home_page(self.settings.site_name, self.settings.site_description),
                ("home", ""))
        for src, text in bib_files(project, omit).items():
            put(src, text)
        assets = resources.files("kb.site").joinpath("assets")
        for name in ASSETS:
            put(f"{ASSET_DIR}/{name}", assets.joinpath(name).read_text("utf-8"))
        with _stage("search page: "):
            found = search_files(kb, self.project, self.embedder, self.url, session_src)
        for src, content in found.content.items():
            put(src, content)
        for src, path in found.copies.items():
            put(src, path=path)
        self.withheld = frozenset(self._withheld(existing, docs))
        self.unlisted = frozenset(src for src in poster_src.values() if src in existing)
        self._added = {f.src for f in out}
        self._known = have - self.withheld
        return out

    def _withheld(self, existing: list[str], docs: Path) -> set[str]:
        """The files in the posters folder (when it lies in docs/) the site does not publish:
        everything but its pages at the top (the posters, its index) and the PDFs and images
        posters show, under ``file:``/``image:`` or linked from their notes. A student's
        Markdown, HTML or SVG in ``media/`` would otherwise be served from the site's origin
        (``kb check`` reports them as ``stray-file``)."""
        folder = self.kb.posters_dir.resolve()
        if not folder.is_relative_to(docs) or folder == docs:
            return set()
        prefix = folder.relative_to(docs).as_posix() + "/"
        shown = {m.site_src for items in self._media.values() for m in items}
        for poster in self.public.posters:
            src = self.data.poster_src.get(poster.slug) if self.data else None
            if src is not None:
                shown.update(_linked_media(poster.body, posixpath.dirname(src)))
        return {src for src in existing if src.startswith(prefix) and src not in shown
                and not ("/" not in src[len(prefix):] and is_page(src))}

    def _content_pages(self, out: list[SiteFile], have: set[str], docs: Path, folder: Path,
                       role: str, bodies: dict[str, str], titles: dict[str, str]) -> dict[str, str]:
        """Site source path of each session (or poster); generated when its folder is outside docs/."""
        found: dict[str, str] = {}
        inside = folder.resolve().is_relative_to(docs)
        prefix = folder.resolve().relative_to(docs).as_posix() if inside else f"{role}s"
        for slug, body in bodies.items():
            src = f"{prefix}/{slug}.md"
            if not inside:
                out.append(SiteFile(src, P.front_matter({"title": titles[slug]}) + body, page=True,
                                    in_nav=role != "poster"))
                have.add(src)
            if src in have:
                found[slug] = src
                self._roles[src] = (role, slug)
        return found

    def _course_files(self, add: Callable[..., None], put: Callable[..., None], have: set[str],
                      docs: Path, session_src: dict[str, str], poster_src: dict[str, str]) -> None:
        """The schedule page and calendar, the poster media, and the map page."""
        assert self.data is not None
        kb, project = self.kb, self.public
        if schedule.SCHEDULE_PAGE not in have:
            add(schedule.SCHEDULE_PAGE, "---\ntitle: Schedule\n---\n# Schedule\n", ("schedule", ""))
        else:
            self._roles[schedule.SCHEDULE_PAGE] = ("schedule", "")

        def session_url(session: Any) -> str | None:
            src = session_src.get(session.slug)
            return self.url(src) if src and src in have else None

        put(CALENDAR, calendar(self.settings.site_name, list(project.sessions), project.papers,
                               self.settings.site_url, session_url, self._today,
                               timezone=kb.options.timezone, time=self.data.time))
        self._media = {}
        for poster in project.posters:
            if poster.slug not in poster_src:
                continue
            with _stage():
                media = poster_media(kb, project, poster, poster_src[poster.slug][:-len(".md")])
            for item in media:
                if item.path.is_relative_to(docs):  # the generator copies it already: link to it there
                    item = Media(item.field, item.path, item.path.relative_to(docs).as_posix())
                elif item.site_src not in have:
                    put(item.site_src, path=item.path)
                self._media.setdefault(poster.slug, []).append(item)
        self.data.poster_thumbs = {slug: m.site_src for slug, items in self._media.items()
                                   for m in items if not m.is_pdf}
        self.data.poster_pdfs = frozenset(slug for slug, items in self._media.items()
                                          if any(m.is_pdf for m in items))
        with _stage("library map: "):
            self._map = libmap.library_map(kb, self.project, project, embedder=self.embedder)
        if self._map is not None:
            add(libmap.MAP_PAGE, P.front_matter(libmap.MAP_META), ("map", ""))

    # ------------------------------------------------------------------ pages

    def role(self, src: str) -> str:
        return self._roles.get(src, ("page", ""))[0]

    def meta(self, src: str, meta: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        """A page's metadata as the theme may print it (changed in place, and returned).

        The theme prints much of a page's metadata as HTML (``title``, ``subtitle``,
        ``status``, ``description``, ...) and picks its template by it (``template``). So the
        metadata of an untrusted page (a paper's, a poster's, and every page's with
        ``trust_html: false``) is made anew, never passed through: a paper's and a poster's
        from the model (the title, escaped), any other page's by :func:`_theme_meta`'s
        allow-list (title, hide, search, tags). Nothing else (template, subtitle, status,
        description, ...) reaches the theme.
        """
        role, name = self._roles.get(src, ("page", ""))
        if self._trusted(role):
            if role == "session":  # the theme prints the title and tags as HTML
                if "title" in meta:
                    meta["title"] = html_lib.escape(str(meta["title"]))
                if isinstance(meta.get("tags"), list):
                    meta["tags"] = _tags(meta["tags"])
            return meta
        if role == "paper":
            kept: dict[str, Any] = {"title": html_lib.escape(self.public.papers[name].title),
                                    "search": {"exclude": True}}  # kb's search page finds papers
        elif role == "poster":  # tags show as kb's chips, which link to the tag pages
            poster = next(p for p in self.public.posters if p.slug == name)
            kept = {"title": html_lib.escape(poster.title)}
        else:
            kept = _theme_meta(meta)
            if role == "session":
                session = next(s for s in self.public.sessions if s.slug == name)
                kept["title"] = html_lib.escape(session.title)
        meta.clear()
        meta.update(kept)
        return meta

    def markdown(self, src: str, markdown: str, *, source: str | Path | None = None) -> str:
        """The Markdown of page ``src`` whose own text (after its front matter) is ``markdown``;
        ``source`` is the file it was read from, if any (to name lines in errors)."""
        assert self.data is not None, "Site.files() first"
        role, name = self._roles.get(src, ("page", ""))
        href = self.href(src)

        def md_link(target: str) -> str:  # a .md link that the generator resolves and checks
            return relative_url(target, src)

        data, kb = self.data, self.kb
        with _stage():
            if role == "paper":
                paper = data.papers[name]
                path = kb.papers_dir / f"{name}.md"
                notes = self.citations.link(paper.notes, kb.relative(path), href,
                                            first_line=_body_line(path, paper.notes))
                return paper_page(data, paper, href, notes)
            if role == "papers-index":
                return papers_index(data, href)
            if role == "report":
                numbers = {s.session: data.session_src[s.slug] for s in data.project.sessions
                           if s.slug in data.session_src}  # load counts may use private fields:
                return report_page(course_report(self.project, kb), data.papers, numbers, md_link)
            if role == "tags":
                return T.tags_page(data, kb.options.tags, href)
            if role == "tag":
                return T.tag_page(data, name, kb.options.tags.get(name, ""), href)
            if role == "map":
                return libmap.map_page(data, self._map, href)
            return self._content(src, role, name, markdown, source, href, md_link)

    def _content(self, src: str, role: str, name: str, markdown: str, source: str | Path | None,
                 href: Callable[[str], str], md_link: Callable[[str], str]) -> str:
        """A page whose text someone wrote (in docs/, a session, a poster), with kb's additions."""
        data, kb = self.data, self.kb
        assert data is not None
        if schedule.MARKER_RE.search(markdown) or role == "schedule":
            rows = schedule.rows(data.project.sessions, data.papers, data.project.posters,
                                 data.session_src, data.poster_src, P.paper_src, href, self._today,
                                 data.time)
            table = P.render("schedule.html", rows=rows, calendar_href=href(CALENDAR),
                             calendar_name=CALENDAR, timezone=data.timezone, time_rule=RULE)
            if role == "schedule" and not schedule.MARKER_RE.search(markdown):
                markdown = markdown.rstrip() + "\n\n" + schedule.MARKER + "\n"
            markdown = schedule.MARKER_RE.sub(lambda _: table, markdown)
        if role in ("session", "poster"):
            where = data.project.source(role, name).path
            path = kb.root / where
        else:
            path = Path(source) if source else kb.root / src
            where = kb.relative(path)
        first = _body_line(path, markdown) if path.is_file() else 1
        sanitise = self.standalone and not self._trusted(role)
        markdown = self.citations.link(markdown, where, md_link, first_line=first)
        if sanitise:  # a generator without kb renders it: render and clean it here
            markdown = self._sanitised(src, markdown)
        if role == "session":
            session = next(s for s in data.project.sessions if s.slug == name)
            head, tail = session_additions(data, session, href)
            return "\n\n".join(x for x in (head, markdown, tail) if x.strip()) + "\n"
        if role == "poster":
            poster = next(p for p in data.project.posters if p.slug == name)
            media = [{"href": href(m.site_src), "name": m.path.name, "pdf": m.is_pdf}
                     for m in self._media.get(name, [])]
            slot = ""
            if media:  # kb's own HTML (a PDF viewer), put in after the notes are sanitised
                shown = P.render("poster_media.html", poster=poster, media=media)
                if self.standalone:
                    slot = shown
                else:
                    self._slots[src] = shown
                    slot = f"<p>{self._token}</p>"
            head, tail = poster_additions(data, poster, href, slot)
            return "\n\n".join(x for x in (head, markdown, tail) if x.strip()) + "\n"
        if role == "posters-index":
            return markdown + "\n\n" + posters_index(data, href)
        return markdown

    def _trusted(self, role: str) -> bool:
        return role not in UNTRUSTED and self.kb.options.trust_html

    def _sanitised(self, src: str, markdown: str) -> str:
        return sanitised(markdown, src, extensions=self.settings.markdown_extensions,
                         configs=self.settings.mdx_configs, url=self.url, known=self._known)

    def html(self, src: str, html: str, toc: Iterable[Any] = ()) -> str:
        """The page's HTML after Markdown, made safe: untrusted pages (papers, posters, and
        every page with ``trust_html: false``) are sanitised, and so are the titles of their
        table of contents (``toc``: items with ``title`` and ``children``, changed in place)."""
        role = self.role(src)
        slot = self._slots.pop(src, None)
        if slot is not None:
            html = html.replace(f"<p>{self._token}</p>", self._token, 1)
        if role in GENERATED or self._trusted(role):
            return html if slot is None else html.replace(self._token, slot, 1)
        stack = list(toc)
        while stack:  # the table of contents prints heading text as HTML
            link = stack.pop()
            link.title = clean_text(link.title)
            stack.extend(link.children)
        html = clean(html)
        return html if slot is None else html.replace(self._token, slot, 1)

    # ------------------------------------------------------------------ navigation

    def nav(self, pages: Iterable[str]) -> list[Any]:
        """Home, the sessions in order, posters, papers, search, tags, report, map, then the
        other ``pages`` (source paths of the pages that may be in the navigation)."""
        assert self.data is not None, "Site.files() first"
        session_src, poster_src = self.data.session_src, self.data.poster_src
        nav: list[Any] = [{"Home": "index.md"}]
        sessions = [{html_lib.escape(f"{s.session}. {s.title}"): session_src[s.slug]}
                    for s in self.project.sessions if s.slug in session_src]
        if sessions:
            nav.append({"Sessions": [{"Schedule": schedule.SCHEDULE_PAGE}, *sessions]})
        nav.append({"Posters": P.POSTERS_INDEX})  # each poster only there: see Site.unlisted
        nav.append({"Papers": P.PAPERS_INDEX})
        nav.append({"Search": SEARCH_PAGE})
        nav.append({"Tags": P.TAGS_PAGE})
        if self.kb.options.report == "nav":
            nav.append({"Course report": REPORT_PAGE})
        if libmap.MAP_PAGE in self._added:
            nav.append({"Map": libmap.MAP_PAGE})
        listed = {"index.md", P.POSTERS_INDEX, P.PAPERS_INDEX, P.TAGS_PAGE, SEARCH_PAGE,
                  REPORT_PAGE, schedule.SCHEDULE_PAGE, libmap.MAP_PAGE,
                  *session_src.values(), *poster_src.values()}
        others = sorted(src for src in pages if src not in listed
                        and not src.startswith(P.PAPERS_DIR + "/"))
        return nav + others

    def watched(self) -> list[Path]:
        """The content folders outside docs/, which a live server watches for changes."""
        docs = self.settings.docs_dir.resolve()
        return [folder for folder in (self.kb.papers_dir, self.kb.sessions_dir, self.kb.posters_dir)
                if folder.is_dir() and not folder.resolve().is_relative_to(docs)]


_MEDIA_LINK_RE = re.compile(r"[^\s\"'()<>\[\]]+\.(?:pdf|png|jpe?g|gif|webp)(?=[\s\"'()<>\[\]#?]|$)",
                            re.I)


def _linked_media(body: str, folder: str) -> set[str]:
    """The site paths of the PDFs and images a poster's notes may link to (relative paths
    that end in a medium's suffix, in any Markdown or HTML syntax), from the page's folder."""
    out = set()
    for found in _MEDIA_LINK_RE.finditer(body):
        path = unquote(found.group(0))
        if urlsplit(path).scheme or path.startswith(("/", "\\")):
            continue
        target = posixpath.normpath(posixpath.join(folder, path))
        if not target.startswith("../"):
            out.add(target)
    return out


def _tags(tags: list[Any]) -> list[str]:
    return [t for t in tags if isinstance(t, str) and TAG_RE.match(t)]


def _theme_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """What an untrusted page's own metadata may tell the theme, and nothing else: its title
    (escaped), which parts to hide, whether search leaves it out, its tags."""
    kept: dict[str, Any] = {}
    if isinstance(meta.get("title"), str | int | float):
        kept["title"] = html_lib.escape(str(meta["title"]))
    if isinstance(meta.get("hide"), list):
        kept["hide"] = [h for h in meta["hide"] if isinstance(h, str) and h in THEME_HIDE]
    search = meta.get("search")
    if isinstance(search, dict) and search.get("exclude") is True:
        kept["search"] = {"exclude": True}
    if isinstance(meta.get("tags"), list):
        kept["tags"] = _tags(meta["tags"])
    return kept


def _cleaned(convert: Callable[..., str]) -> Callable[..., str]:
    return lambda text, **kwargs: clean(convert(text, **kwargs))


def _body_line(path: Path, body: str) -> int:
    """The line of ``path`` on which ``body`` (the text after the front matter) starts."""
    if "[@" not in body:  # only needed to name the line of a bad citation
        return 1
    text = path.read_text(encoding="utf-8")
    at = text.rfind(body)
    return text[:at].count("\n") + 1 if at >= 0 else 1
