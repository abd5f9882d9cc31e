"""``kb site export DIR``: the course site as plain Markdown, for any generator without kb.

Writes ``DIR/docs/`` (every page kb makes, as Markdown with its front matter, and every file:
the .bib downloads, ``sessions.ics``, the poster media, kb's CSS and JS, the search page's
data, model and browser runtime) and ``DIR/mkdocs.yml``: the course's own settings without the
``kb`` plugin, with the navigation kb makes and kb's CSS and JS listed. Any generator that
reads mkdocs.yml and Python-Markdown builds it: MkDocs 1.x, ProperDocs, Zensical.

The pages use only what the course's ``markdown_extensions`` already enable (this course:
admonition, attr_list, md_in_html, tables, toc, pymdownx.highlight and pymdownx.superfences;
kb's own parts are headings, tables, fenced code and raw HTML blocks). What the plugin does
after Markdown is done here, before it: untrusted text (a paper's notes, a poster's notes,
any page when ``trust_html: false``) is rendered with the site's extensions and sanitised
by :func:`kb.site.sanitize.clean` into HTML blocks (:mod:`kb.site.standalone`), so no
generator can render it unsafely; its top-level headings stay Markdown headings.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from kb.course.config import Config, plugin_entry
from kb.errors import KbError
from kb.site.build import SCRIPTS, STYLESHEETS, Settings, Site, SiteError
from kb.site.pages.common import front_matter
from kb.site.urls import is_page

MARKER = ".kb-export"
_META_RE = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)
#: Pages kept out of the navigation, for MkDocs' not_in_nav (others ignore the setting).
NOT_IN_NAV = ("/papers/*.md", "!/papers/index.md", "/tags/*.md", "/report.md")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(meta, body) as MkDocs reads a page: YAML between ``---`` lines at the top, if any."""
    found = _META_RE.match(text)
    if found:
        try:
            meta = yaml.safe_load(found.group(1))
        except yaml.YAMLError:
            meta = None
        if isinstance(meta, dict):
            return meta, text[found.end():].lstrip("\n")
    return {}, text


def docs_files(docs: Path) -> Iterator[str]:
    """The source paths of docs/ as MkDocs reads them: no dot-files, no top-level templates/."""
    for folder, dirs, names in os.walk(docs):
        rel = Path(folder).relative_to(docs).as_posix()
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (rel == "." and d == "templates"))
        for name in sorted(names):
            if not name.startswith("."):
                yield name if rel == "." else f"{rel}/{name}"


def _target(out: Path, config: Config) -> Path:
    out = out.resolve()
    for inside in (config.docs_dir, config.papers_dir, config.sessions_dir, config.posters_dir):
        if out == inside.resolve() or out.is_relative_to(inside.resolve()):
            raise KbError(f"{out} lies inside the course's {config.relative(inside)}",
                          fix="export into a folder outside the course's content")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise KbError(f"{out} exists and is not empty", path=out,
                      fix="give a new or empty folder, or a folder an earlier export wrote")
    return out


def export_site(config: Config, out: Path, *, warn: Callable[[str], Any] | None = None,
                embedder: Any = None) -> list[Path]:
    """Write the course's site as plain Markdown into ``out`` (see the module docstring);
    returns the files written. Raises SiteError when kb check finds errors."""
    out = _target(out, config)
    settings = Settings.from_mkdocs_yml(config.root, config.site)
    site = Site.open(config.root, plugin_entry(config.site), settings, embedder=embedder,
                     standalone=True, warn=warn)
    docs = settings.docs_dir
    existing = list(docs_files(docs)) if docs.is_dir() else []
    added = site.files(existing)
    if (out / "docs").exists():
        shutil.rmtree(out / "docs")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by kb site export; kb replaces docs/ and mkdocs.yml "
                              "here on the next export\n", encoding="utf-8")
    written: list[Path] = []

    def write(src: str, data: str | bytes | None = None, copy: Path | None = None) -> None:
        path = out / "docs" / src
        path.parent.mkdir(parents=True, exist_ok=True)
        if copy is not None:
            shutil.copyfile(copy, path)
        elif isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data or "", encoding="utf-8")
        written.append(path)

    def page(src: str, text: str, source: Path | None = None) -> None:
        meta, body = split_front_matter(text)
        markdown = site.markdown(src, body, source=source)
        meta = dict(site.meta(src, meta))
        write(src, (front_matter(meta) if meta else "") + markdown)

    existing = [src for src in existing if src not in site.withheld]
    for src in existing:
        if is_page(src):
            page(src, (docs / src).read_text(encoding="utf-8"), docs / src)
        else:
            write(src, copy=docs / src)
    for item in added:
        if item.page:
            page(item.src, str(item.content or ""))
        else:
            write(item.src, item.content, item.path)
    in_nav = [src for src in existing if is_page(src) and src not in site.unlisted] + \
        [f.src for f in added if f.page and f.in_nav]
    config_path = out / "mkdocs.yml"
    own = read_mkdocs_yml(config.root / "mkdocs.yml")
    unlisted = [src for src in existing if src in site.unlisted] + \
        [f.src for f in added if f.page and not f.in_nav]
    config_path.write_text(mkdocs_yml(own, site.nav(in_nav) if not settings.nav else None,
                                      not_in_nav(unlisted)), encoding="utf-8")
    written.append(config_path)
    return written


class _Tagged:
    """A YAML value with a tag of its own (``!ENV``, ``!!python/name:...``), kept as written."""

    def __init__(self, tag: str, node: yaml.Node):
        self.tag, self.node = tag, node


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: _Tagged(node.tag, node))
_Loader.add_multi_constructor("tag:yaml.org,2002:python/",
                              lambda loader, suffix, node: _Tagged(node.tag, node))
_Dumper.add_representer(_Tagged, lambda dumper, value: value.node)
_Dumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def read_mkdocs_yml(path: Path) -> dict[str, Any]:
    """mkdocs.yml with its tagged values kept as they are written, to be written out again."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    return data if isinstance(data, dict) else {}


def not_in_nav(pages: list[str]) -> str:
    """MkDocs' ``not_in_nav`` patterns for ``pages`` (site source paths): their folders' pages
    but the folders' index pages, so that a library's or a course's size does not show."""
    folders = sorted({posixpath.dirname(src) for src in pages if "/" in src})
    lines = [line for folder in folders for line in (f"/{folder}/*.md", f"!/{folder}/index.md")]
    lines += sorted(f"/{src}" for src in pages if "/" not in src)
    return "\n".join(lines) + "\n"


def mkdocs_yml(site: dict[str, Any], nav: list[Any] | None, unlisted: str | None = None) -> str:
    """The course's mkdocs.yml for the export: no kb plugin, kb's navigation, CSS and JS."""
    data = {k: v for k, v in site.items() if k not in ("docs_dir", "site_dir")}
    data["docs_dir"] = "docs"
    data["site_dir"] = "site"
    plugins = data.get("plugins") or []
    if isinstance(plugins, dict):
        data["plugins"] = {k: v for k, v in plugins.items() if k != "kb"}
    else:
        data["plugins"] = [p for p in plugins if p != "kb" and not (isinstance(p, dict) and "kb" in p)]
    if nav is not None:
        data["nav"] = nav
    data["extra_css"] = [*(data.get("extra_css") or []),
                         *(s for s in STYLESHEETS if s not in (data.get("extra_css") or []))]
    scripts = list(data.get("extra_javascript") or [])
    for path, module in SCRIPTS:
        scripts.append({"path": path, "type": "module"} if module else path)
    data["extra_javascript"] = scripts
    data.setdefault("not_in_nav", unlisted or "\n".join(NOT_IN_NAV) + "\n")
    theme = data.get("theme")
    if isinstance(theme, dict) and theme.get("name") == "material":
        theme.setdefault("variant", "classic")  # Zensical: Material's look (others ignore it)
    head = ("# Written by `kb site export` from the course's mkdocs.yml, without the kb plugin:\n"
            "# build with `mkdocs build`, `properdocs build` or `zensical build`.\n")
    return head + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


__all__ = ["SiteError", "export_site", "mkdocs_yml", "split_front_matter"]
