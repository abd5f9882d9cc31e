"""The ``kb`` mkdocs plugin: the course knowledge base as pages of a mkdocs-material site.

Configured in mkdocs.yml as ``plugins: [search, tags, kb: {...}]``; its options are those of
:class:`kb.course.config.KbOptions` (the CLI reads the same entry). At the start of each build it
loads and validates the repository: an error stops the build naming file, line and field, a
warning goes to the mkdocs log (so ``mkdocs build --strict`` fails on it).

Pages it generates (virtual files, nothing is written into ``docs/``): one per paper under
``papers/``, the papers index, the tags index, the posters overview when ``docs/`` has none,
the .bib downloads (one per session, one for everything), the instructor's course report
(``report/``, unless the ``report`` option is off), and its CSS and JS. It extends the
session and poster pages with their readings and papers, turns ``[@key]`` into links, builds
the navigation (home, sessions in order, posters, papers, tags) when mkdocs.yml has no
``nav:``, and keeps the paper pages out of it.
"""

from __future__ import annotations

import html
import logging
import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config as MkConfig
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from kb.checks.report import course_report
from kb.checks.validate import check
from kb.course.config import Config, KbOptions, options_from_mapping
from kb.errors import KbError
from kb.model.entries import Issue, Project
from kb.model.privacy import public_project, site_omitted
from kb.model.rules import TAG_RE
from kb.search.embed import Embedder
from kb.site import semantic
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
from kb.site.pages.session import session_additions
from kb.site.related import related_papers
from kb.site.render import SafeMarkdown
from kb.site.sanitize import clean, clean_text

log = logging.getLogger("mkdocs.plugins.kb")
ASSETS = ("kb.css", "kb.js", "kb-search.css", "kb-search.js", "kb-search-page.js",
          "tokens.js", "rank.js", "model.js")
ASSET_DIR = "assets/kb"
# ES modules the pages load with <script type="module">; the other modules are imported by them.
MODULE_SCRIPTS = ("kb-search.js", "kb-search-page.js")
IMPORTED = ("tokens.js", "rank.js", "model.js")
UNTRUSTED = frozenset({"paper", "poster"})  # pages whose text comes from papers/ and posters
GENERATED = frozenset({"map"})  # kb's own pages made only of escaped template output (SVG)


def _module(path: str) -> ExtraScriptValue:
    """``path`` as an extra script that the pages load with ``<script type="module">``."""
    script = ExtraScriptValue(path)
    script.type = "module"
    return script


def _default(name: str) -> Any:
    return KbOptions.model_fields[name].get_default(call_default_factory=True)


class KbPluginConfig(MkConfig):
    """Typed mkdocs options mirroring :class:`kb.course.config.KbOptions` (same names, same defaults)."""

    papers_dir = c.Type(str, default=_default("papers_dir"))
    sessions_dir = c.Type(str, default=_default("sessions_dir"))
    posters_dir = c.Type(str, default=_default("posters_dir"))
    related = c.Type(int, default=_default("related"))
    model = c.Type(str, default=_default("model"))
    cache_dir = c.Type(str, default=_default("cache_dir"))
    tags = c.Type((dict, list), default=_default("tags"))
    not_duplicates = c.Type(list, default=_default("not_duplicates"))
    title_similarity = c.Type((int, float), default=_default("title_similarity"))
    max_file_size = c.Type(int, default=_default("max_file_size"))
    private_fields = c.Type(list, default=_default("private_fields"))
    bib_curator_fields = c.Type(bool, default=_default("bib_curator_fields"))
    checks = c.Type(dict, default=_default("checks"))
    trust_html = c.Type(bool, default=_default("trust_html"))
    report = c.Type((str, bool), default=_default("report"))  # YAML reads a bare off as False
    arxiv_api = c.Type(str, default=_default("arxiv_api"))
    crossref_api = c.Type(str, default=_default("crossref_api"))
    contact = c.Type(str, default=_default("contact"))
    library_map = c.Type(bool, default=_default("library_map"))


def format_issue(issue: Issue) -> str:
    """One log line per issue, marked as kb's."""
    return "kb: " + issue.format(one_line=True)


class KbPlugin(BasePlugin[KbPluginConfig]):
    """Adds the knowledge base to a mkdocs-material site (see the module docstring)."""

    supports_multiple_instances = False
    #: The embedder for related papers; None means the model named by the ``model`` option.
    #: Tests and benchmarks set a small fake here (``config.plugins["kb"].embedder``).
    embedder: Embedder | None = None

    def __init__(self) -> None:
        self.kb: Config | None = None
        self.project: Project | None = None
        self.public: Project | None = None  # what the site publishes (see kb.model.privacy)
        self.data: P.SiteData | None = None
        self.citations: Citations | None = None
        self._auto_nav = False
        self._roles: dict[str, tuple[str, str]] = {}  # site src path -> (role, key or slug)
        self._media: dict[str, list[Media]] = {}      # poster slug -> its file and image
        self._slots: dict[str, str] = {}              # page src -> kb's HTML put in after cleaning
        self._token = secrets.token_hex(16)          # marks that place; no content can guess it
        self._today = schedule.build_date()
        self._map: libmap.LibraryMap | None = None

    # ------------------------------------------------------------------ hooks

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            options = options_from_mapping(dict(self.config))
            self.kb = Config(root, options, {"docs_dir": config.docs_dir})
            project, issues = check(self.kb)
        except KbError as exc:
            raise PluginError(f"kb: {exc}") from None
        errors = [i for i in issues if i.severity == "error"]
        for issue in issues:
            if issue.severity == "warning":
                log.warning(format_issue(issue))
        if errors:
            listing = "\n".join(format_issue(i) for i in errors)
            raise PluginError(f"kb found {len(errors)} error(s) in the content; "
                              f"`kb check` lists them too:\n{listing}")
        self.project = project
        self._today = schedule.build_date()
        self.public = public_project(project, options.private_fields)
        self._auto_nav = config.nav is None
        for name in ASSETS:
            if name in IMPORTED:
                continue
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if f"{ASSET_DIR}/{name}" not in [str(x) for x in target]:
                target.append(_module(f"{ASSET_DIR}/{name}") if name in MODULE_SCRIPTS
                              else f"{ASSET_DIR}/{name}")
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.kb is not None and self.project is not None and self.public is not None
        project, kb = self.public, self.kb
        self._roles = {}
        docs = Path(config.docs_dir).resolve()
        session_src = self._content_pages(files, config, docs, kb.sessions_dir, "session",
                                          {s.slug: s.body for s in project.sessions},
                                          {s.slug: s.title for s in project.sessions})
        poster_src = self._content_pages(files, config, docs, kb.posters_dir, "poster",
                                         {p.slug: p.body for p in project.posters},
                                         {p.slug: p.title for p in project.posters})
        notes = SafeMarkdown(list(config.markdown_extensions), dict(config.mdx_configs))
        try:
            related = related_papers(kb, self.project, embedder=self.embedder)
        except KbError as exc:
            raise PluginError(f"kb: related papers: {exc}") from None
        omit = site_omitted(kb.options.private_fields, kb.options.bib_curator_fields)
        self.data = P.SiteData(project, session_src, poster_src, related, notes, bib_omit=omit)
        self.citations = Citations(project.papers)

        for key, paper in project.papers.items():
            self._add(files, config, P.paper_src(key), paper_stub(paper), ("paper", key),
                      InclusionLevel.NOT_IN_NAV)
        self._add(files, config, P.PAPERS_INDEX, P.front_matter(PAPERS_INDEX_META),
                  ("papers-index", ""))
        self._add(files, config, P.TAGS_PAGE, "---\ntitle: Tags\n---\n", ("tags", ""))
        for tag in T.all_tags(project.papers, project.posters):
            self._add(files, config, P.tag_src(tag), T.tag_stub(tag), ("tag", tag),
                      InclusionLevel.NOT_IN_NAV)
        self._course_files(files, config, session_src, poster_src)
        if kb.options.report != "off":
            self._add(files, config, REPORT_PAGE, REPORT_META, ("report", ""),
                      InclusionLevel.UNDEFINED if kb.options.report == "nav"
                      else InclusionLevel.NOT_IN_NAV)
        existing = files.get_file_from_path(P.POSTERS_INDEX)
        if existing is None:
            self._add(files, config, P.POSTERS_INDEX, "---\ntitle: Posters\n---\n",
                      ("posters-index", ""))
        else:
            self._roles[P.POSTERS_INDEX] = ("posters-index", "")
        self._add(files, config, semantic.SEARCH_PAGE,
                  semantic.search_page(get_relative_url(P.PAPERS_INDEX, semantic.SEARCH_PAGE)),
                  ("search", ""))
        if files.get_file_from_path("index.md") is None:
            self._add(files, config, "index.md", home_page(config.site_name,
                                                             config.site_description), ("home", ""))
        for src, text in bib_files(project, omit).items():
            files.append(File.generated(config, src, content=text))
        assets = resources.files("kb.site").joinpath("assets")
        for name in ASSETS:
            files.append(File.generated(config, f"{ASSET_DIR}/{name}",
                                        content=assets.joinpath(name).read_text("utf-8")))
        self._add_search_files(files, config, session_src)
        if self._auto_nav:
            config.nav = self._navigation(files, session_src, poster_src)
        return files

    @event_priority(50)  # before the tags plugin reads page.meta["tags"]
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str:
        assert self.data is not None and self.citations is not None
        src = page.file.src_uri
        role, name = self._roles.get(src, ("page", ""))
        page_url = page.file.url

        def href(target: str) -> str:
            file = files.get_file_from_path(target)
            url = file.url if file is not None else target
            return get_relative_url(url, page_url)

        def md_link(target: str) -> str:  # a .md link that mkdocs resolves and validates
            return get_relative_url(target, src)

        data, kb = self.data, self.kb
        assert kb is not None
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
                       if s.slug in data.session_src}
            assert self.project is not None  # load counts may come from private fields
            return report_page(course_report(self.project, kb), data.papers, numbers, md_link)
        if role == "tags":
            return T.tags_page(data, kb.options.tags, href)
        if role == "tag":
            return T.tag_page(data, name, kb.options.tags.get(name, ""), href)
        if role == "map":
            return libmap.map_page(data, self._map, href)
        if schedule.MARKER_RE.search(markdown) or role == "schedule":
            table = P.render("schedule.html", rows=self._schedule_rows(href),
                             calendar_href=href(CALENDAR), calendar_name=CALENDAR)
            if role == "schedule" and not schedule.MARKER_RE.search(markdown):
                markdown = markdown.rstrip() + "\n\n" + schedule.MARKER + "\n"
            markdown = schedule.MARKER_RE.sub(lambda _: table, markdown)
        if role in ("session", "poster"):
            where = data.project.source(role, name).path
            path = kb.root / where
        else:
            path = Path(page.file.abs_src_path) if page.file.abs_src_path else kb.root / src
            where = kb.relative(path)
        first = _body_line(path, markdown) if path.is_file() else 1
        markdown = self.citations.link(markdown, where, md_link, first_line=first)
        if role in ("session", "poster"):
            _clean_meta(page)
        if role == "poster":
            page.meta.pop("tags", None)  # shown as kb's chips, which link to the tag pages
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
                self._slots[src] = P.render("poster_media.html", poster=poster, media=media)
                slot = f"<p>{self._token}</p>"
            head, tail = poster_additions(data, poster, href, slot)
            return "\n\n".join(x for x in (head, markdown, tail) if x.strip()) + "\n"
        if role == "posters-index":
            return markdown + "\n\n" + posters_index(data, href)
        return markdown

    @event_priority(-100)  # last: the HTML that ships is the HTML the policy saw
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        role = self._roles.get(page.file.src_uri, ("page", ""))[0]
        slot = self._slots.pop(page.file.src_uri, None)
        if slot is not None:
            html = html.replace(f"<p>{self._token}</p>", self._token, 1)
        trusted = role not in UNTRUSTED and (self.kb is None or self.kb.options.trust_html)
        if role in GENERATED or trusted:
            return html if slot is None else html.replace(self._token, slot, 1)
        stack = list(page.toc)
        while stack:  # the table of contents prints heading text as HTML
            link = stack.pop()
            link.title = clean_text(link.title)
            stack.extend(link.children)
        html = clean(html)
        return html if slot is None else html.replace(self._token, slot, 1)

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        if self.kb is not None:
            docs = Path(config.docs_dir).resolve()
            for folder in (self.kb.papers_dir, self.kb.sessions_dir, self.kb.posters_dir):
                if folder.is_dir() and not folder.resolve().is_relative_to(docs):
                    server.watch(str(folder))
        return server

    # ------------------------------------------------------------------ helpers

    def _add(self, files: Files, config: MkDocsConfig, src: str, content: str,
             role: tuple[str, str], inclusion: InclusionLevel = InclusionLevel.UNDEFINED) -> None:
        existing = files.get_file_from_path(src)
        if existing is not None:
            where = self.kb.relative(Path(config.docs_dir) / src) if self.kb else src
            raise PluginError(f"kb: {where} clashes with the page kb generates there; "
                              "rename or remove it")
        files.append(File.generated(config, src, content=content, inclusion=inclusion))
        self._roles[src] = role

    def _add_search_files(self, files: Files, config: MkDocsConfig,
                          session_src: dict[str, str]) -> None:
        """The search page's data, query encoder and runtime (see :mod:`kb.site.semantic`)."""
        assert self.kb is not None and self.project is not None

        def url_of(src: str) -> str:
            file = files.get_file_from_path(src)
            return file.url if file is not None else src

        numbers = {s.session: session_src[s.slug] for s in self.project.sessions
                   if s.slug in session_src}
        try:
            found = semantic.site_search_files(self.kb, self.project, self.embedder, url_of,
                                               numbers)
        except KbError as exc:
            raise PluginError(f"kb: search page: {exc}") from None
        for src, content in found.content.items():
            files.append(File.generated(config, src, content=content))
        for src, path in found.copies.items():
            files.append(File.generated(config, src, abs_src_path=str(path)))

    def _course_files(self, files: Files, config: MkDocsConfig, session_src: dict[str, str],
                      poster_src: dict[str, str]) -> None:
        """The schedule page and calendar, the poster media, and the map page."""
        assert self.kb is not None and self.public is not None and self.data is not None
        assert self.project is not None
        kb, project = self.kb, self.public
        if files.get_file_from_path(schedule.SCHEDULE_PAGE) is None:
            self._add(files, config, schedule.SCHEDULE_PAGE, "---\ntitle: Schedule\n---\n# Schedule\n",
                      ("schedule", ""))
        else:
            self._roles[schedule.SCHEDULE_PAGE] = ("schedule", "")
        by_slug = {s.slug: s for s in project.sessions}

        def page_path(session: Any) -> str | None:
            src = session_src.get(session.slug)
            file = files.get_file_from_path(src) if src else None
            return file.url if file is not None else None

        ics = calendar(config.site_name, list(by_slug.values()), project.papers,
                                config.site_url, page_path, self._today)
        files.append(File.generated(config, CALENDAR, content=ics))
        self._media = {}
        docs = Path(config.docs_dir).resolve()
        for poster in project.posters:
            if poster.slug not in poster_src:
                continue
            folder = poster_src[poster.slug][:-len(".md")]
            try:
                media = poster_media(kb, project, poster, folder)
            except KbError as exc:
                raise PluginError(f"kb: {exc}") from None
            for item in media:
                if item.path.is_relative_to(docs):  # mkdocs copies it already: link to it there
                    item = Media(item.field, item.path, item.path.relative_to(docs).as_posix())
                elif files.get_file_from_path(item.site_src) is None:
                    files.append(File.generated(config, item.site_src, abs_src_path=str(item.path)))
                self._media.setdefault(poster.slug, []).append(item)
        self.data.poster_thumbs = {slug: m.site_src for slug, items in self._media.items()
                                   for m in items if not m.is_pdf}
        self.data.poster_pdfs = frozenset(slug for slug, items in self._media.items()
                                          if any(m.is_pdf for m in items))
        try:
            self._map = libmap.library_map(kb, self.project, project, embedder=self.embedder)
        except KbError as exc:
            raise PluginError(f"kb: library map: {exc}") from None
        if self._map is not None:
            self._add(files, config, libmap.MAP_PAGE, P.front_matter(libmap.MAP_META), ("map", ""))

    def _schedule_rows(self, href: Any) -> list[schedule.Row]:
        assert self.data is not None
        data = self.data
        return schedule.rows(data.project.sessions, data.papers, data.project.posters,
                             data.session_src, data.poster_src, P.paper_src, href, self._today)

    def _content_pages(self, files: Files, config: MkDocsConfig, docs: Path, folder: Path,
                       role: str, bodies: dict[str, str], titles: dict[str, str]) -> dict[str, str]:
        """Site source path of each session (or poster); generated when its folder is outside docs/."""
        out: dict[str, str] = {}
        inside = folder.resolve().is_relative_to(docs)
        prefix = folder.resolve().relative_to(docs).as_posix() if inside else f"{role}s"
        for slug, body in bodies.items():
            src = f"{prefix}/{slug}.md"
            if not inside:
                meta = P.front_matter({"title": titles[slug]})
                files.append(File.generated(config, src, content=meta + body))
            if files.get_file_from_path(src) is not None:
                out[slug] = src
                self._roles[src] = (role, slug)
        return out

    def _navigation(self, files: Files, session_src: dict[str, str],
                    poster_src: dict[str, str]) -> list[Any]:
        """Home, the sessions in order, posters, papers, tags, then any other page."""
        assert self.project is not None
        nav: list[Any] = [{"Home": "index.md"}]
        sessions = [{html.escape(f"{s.session}. {s.title}"): session_src[s.slug]}
                    for s in self.project.sessions if s.slug in session_src]
        if sessions:
            nav.append({"Sessions": [{"Schedule": schedule.SCHEDULE_PAGE}, *sessions]})
        posters = [{html.escape(p.title): poster_src[p.slug]}
                   for p in sorted(self.project.posters, key=lambda p: (p.session or 0, p.title))
                   if p.slug in poster_src]
        nav.append({"Posters": [{"Overview": P.POSTERS_INDEX}, *posters]})
        nav.append({"Papers": P.PAPERS_INDEX})
        nav.append({"Search": semantic.SEARCH_PAGE})
        nav.append({"Tags": P.TAGS_PAGE})
        if self.kb is not None and self.kb.options.report == "nav":
            nav.append({"Course report": REPORT_PAGE})
        if files.get_file_from_path(libmap.MAP_PAGE) is not None:
            nav.append({"Map": libmap.MAP_PAGE})
        listed = {"index.md", P.POSTERS_INDEX, P.PAPERS_INDEX, P.TAGS_PAGE, semantic.SEARCH_PAGE,
                  REPORT_PAGE, schedule.SCHEDULE_PAGE, libmap.MAP_PAGE,
                  *session_src.values(), *poster_src.values()}
        others = sorted(f.src_uri for f in files.documentation_pages()
                        if f.src_uri not in listed and f.inclusion.is_in_nav()
                        and not f.src_uri.startswith(P.PAPERS_DIR + "/"))
        return nav + others


def _clean_meta(page: Page) -> None:
    """A session's or poster's title escaped and its tags well-formed: material prints both as HTML."""
    if "title" in page.meta:
        page.meta["title"] = html.escape(str(page.meta["title"]))
    if isinstance(page.meta.get("tags"), list):
        page.meta["tags"] = [t for t in page.meta["tags"] if isinstance(t, str) and TAG_RE.match(t)]


def _body_line(path: Path, body: str) -> int:
    """The line of ``path`` on which ``body`` (the text after the front matter) starts."""
    if "[@" not in body:  # only needed to name the line of a bad citation
        return 1
    text = path.read_text(encoding="utf-8")
    at = text.rfind(body)
    return text[:at].count("\n") + 1 if at >= 0 else 1
