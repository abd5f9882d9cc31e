"""The search page (``search.md``) and the files it searches with (see :mod:`kb.site.semantic`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kb.course.config import Config
from kb.model.entries import Project
from kb.site.semantic import SEARCH_PAGE, SearchFiles, search_page, site_search_files

if TYPE_CHECKING:
    from kb.search.embed import Embedder

__all__ = ["SEARCH_PAGE", "search_files", "search_page"]


def search_files(config: Config, project: Project, embedder: Embedder | None,
                 url_of: Callable[[str], str], session_src: dict[str, str]) -> SearchFiles:
    """The search page's data, query encoder and runtime; ``session_src`` maps a session's
    slug to its page's source path, ``url_of`` a source path to its URL from the site root."""
    numbers = {s.session: session_src[s.slug] for s in project.sessions if s.slug in session_src}
    return site_search_files(config, project, embedder, url_of, numbers)
