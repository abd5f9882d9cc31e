"""The ``kb`` mkdocs plugin: a thin adapter between MkDocs 1.x (or ProperDocs) and
:mod:`kb.site.build`, which makes every page and file of the course site.

Configured in mkdocs.yml as ``plugins: [search, tags, kb: {...}]``; its options are those of
:class:`kb.course.config.KbOptions` (the CLI reads the same entry), with their defaults. At
the start of a build it loads and checks the course: an error stops the build naming file,
line and field, a warning goes to the log, and a ``--strict`` build stops on it there, before
any slow work. It hands mkdocs kb's pages and files as virtual files (nothing is written into
``docs/``), has kb render each page by its role and sanitise untrusted pages after Markdown,
builds the navigation when mkdocs.yml has no ``nav:``, and has ``serve`` watch the content
folders.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

from mkdocs.config.base import BaseConfigOption
from mkdocs.config.base import Config as MkConfig
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from kb.course.config import KbOptions
from kb.errors import KbError
from kb.site.build import SCRIPTS, STYLESHEETS, Settings, Site

log = logging.getLogger("mkdocs.plugins.kb")


class _Option(BaseConfigOption[Any]):
    """One kb option as mkdocs sees it: its name and default are KbOptions'; KbOptions checks
    the value when the build starts (naming the option and the fix, as ``kb check`` does)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.default = KbOptions.model_fields[name].get_default()

    def run_validation(self, value: object) -> Any:
        return self.default if value is None else value


#: The plugin's mkdocs options, derived from :class:`KbOptions`: the same names and defaults.
KbPluginConfig = cast("type[MkConfig]", type(
    "KbPluginConfig", (MkConfig,), {name: _Option(name) for name in KbOptions.model_fields}))


class KbPlugin(BasePlugin):  # its config class is KbPluginConfig, made from KbOptions
    """Adds the knowledge base to a mkdocs-material site (see the module docstring)."""

    config_class = KbPluginConfig
    supports_multiple_instances = False
    #: The embedder for related papers and search; None means the ``model`` option's model.
    #: Tests and benchmarks set a small fake here (``config.plugins["kb"].embedder``).
    embedder: Any = None

    def __init__(self) -> None:
        self.site: Site | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        settings = Settings(
            site_name=config.site_name, docs_dir=Path(config.docs_dir).resolve(),
            site_description=config.site_description, site_url=config.site_url,
            use_directory_urls=config.use_directory_urls,
            markdown_extensions=tuple(config.markdown_extensions),
            mdx_configs=dict(config.mdx_configs), nav=config.nav is not None)
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            self.site = Site.open(root, dict(self.config), settings, embedder=self.embedder,
                                  warn=log.warning, strict=bool(config.strict))
        except KbError as exc:
            raise PluginError(str(exc)) from None
        for path in STYLESHEETS:
            if path not in [str(x) for x in config.extra_css]:
                config.extra_css.append(path)
        for path, module in SCRIPTS:
            if path not in [str(x) for x in config.extra_javascript]:
                script = ExtraScriptValue(path)
                if module:  # loaded with <script type="module">
                    script.type = "module"
                config.extra_javascript.append(script)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.site is not None
        try:
            added = self.site.files(f.src_uri for f in files)
        except KbError as exc:
            raise PluginError(str(exc)) from None
        for file in [f for f in files if f.src_uri in self.site.withheld]:
            files.remove(file)  # not published: a student's HTML, SVG or Markdown in media/
        for file in files:
            if file.src_uri in self.site.unlisted:
                file.inclusion = InclusionLevel.NOT_IN_NAV
        for item in added:
            inclusion = InclusionLevel.UNDEFINED if item.in_nav else InclusionLevel.NOT_IN_NAV
            if item.path is not None:
                files.append(File.generated(config, item.src, abs_src_path=str(item.path)))
            else:
                files.append(File.generated(config, item.src, content=item.content or "",
                                            inclusion=inclusion))
        if not self.site.settings.nav:
            config.nav = self.site.nav(f.src_uri for f in files.documentation_pages()
                                       if f.inclusion.is_in_nav())
        return files

    @event_priority(50)  # before the tags plugin reads page.meta["tags"]
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str:
        assert self.site is not None
        try:
            out = self.site.markdown(page.file.src_uri, markdown, source=page.file.abs_src_path)
        except KbError as exc:
            raise PluginError(str(exc)) from None
        self.site.meta(page.file.src_uri, page.meta)
        return out

    @event_priority(-100)  # last: the HTML that ships is the HTML the policy saw
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        assert self.site is not None
        return self.site.html(page.file.src_uri, html, page.toc)

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        for folder in self.site.watched() if self.site is not None else ():
            server.watch(str(folder))
        return server
