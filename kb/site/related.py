"""Related papers for every paper page, computed once per build through :mod:`kb.search`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kb.course.config import Config
from kb.model.entries import Project
from kb.progress import LogProgress
from kb.site.pages.common import Related

if TYPE_CHECKING:
    from kb.search.embed import Embedder


def related_papers(config: Config, project: Project, *,
                   embedder: Embedder | None = None) -> dict[str, list[Related]]:
    """key -> its ``config.options.related`` nearest papers by meaning (itself excluded).

    Syncs the ``.kb/`` cache first, so only papers whose text changed are embedded.
    """
    k = config.options.related
    if k <= 0 or not project.papers:
        return {}
    from kb.search.engine import open_kb

    log = LogProgress(logging.getLogger("mkdocs.plugins.kb"))
    kb = open_kb(config, project, embedder=embedder, progress=log)
    try:
        for note in kb.report.notes:  # a rebuilt or unwritable cache: said once, in the build log
            logging.getLogger("mkdocs.plugins.kb").info(note)
        found = kb.related_many(sorted(project.papers), k=k)  # one index pass for all pages
    finally:
        kb.close()
    return {key: [Related(h.key, h.title, list(h.authors), h.year, h.score) for h in hits]
            for key, hits in found.items()}
