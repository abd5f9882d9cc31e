"""kb: a research-paper and reading-group knowledge base.

The library comes first; ``kb.cli`` and ``kb.site`` are thin front ends over it. What this
module exports is the public Python API (the README shows it in use)::

    import kb

    config = kb.load_config()                       # mkdocs.yml, found upward
    project = kb.load_project(config)               # papers, sessions, posters, issues
    base = kb.open_kb(config)                       # the synced, searchable cache
    base.search("policy optimisation", k=5, filters=kb.Filters(tags=("rl",)))

Every other module and name is private by convention and may change. The names are
imported on first use, so ``import kb`` stays cheap (a ``kb search`` process depends on it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kb.version import __version__ as __version__

# public name -> the module that defines it
_API = {
    "Config": "kb.course.config", "load_config": "kb.course.config",
    "Paper": "kb.model.entries", "Session": "kb.model.entries", "Reading": "kb.model.entries",
    "Poster": "kb.model.entries", "Project": "kb.model.entries", "Issue": "kb.model.entries",
    "load_project": "kb.course.load", "write_paper": "kb.course.load",
    "check": "kb.checks.validate",
    "Filters": "kb.course.filters", "select_papers": "kb.course.filters",
    "open_kb": "kb.search.engine", "KnowledgeBase": "kb.search.engine", "Hit": "kb.search.engine",
    "SearchHit": "kb.search.engine", "Excerpt": "kb.search.explain",
    "import_bib": "kb.curate.importer", "ImportReport": "kb.curate.importer",
    "export_bibtex": "kb.bib.mapping", "export_csl": "kb.bib.csl",
    "init_course": "kb.course.scaffold",
    "KbError": "kb.errors", "ConfigError": "kb.errors", "ContentError": "kb.errors",
    "BibError": "kb.errors", "NotFoundError": "kb.errors", "FilterError": "kb.errors",
    "StoreError": "kb.errors", "MissingDependencyError": "kb.errors",
}

__all__ = ["BibError", "Config", "ConfigError", "ContentError", "Excerpt", "FilterError",
           "Filters", "Hit", "ImportReport", "Issue", "KbError", "KnowledgeBase",
           "MissingDependencyError", "NotFoundError", "Paper", "Poster", "Project", "Reading",
           "SearchHit", "Session", "StoreError", "check", "export_bibtex", "export_csl", "import_bib",
           "init_course", "load_config", "load_project", "open_kb", "select_papers",
           "write_paper"]

if TYPE_CHECKING:
    from kb.bib.csl import export_csl
    from kb.curate.importer import ImportReport, import_bib
    from kb.bib.mapping import export_bibtex
    from kb.course.config import Config, load_config
    from kb.course.load import load_project, write_paper
    from kb.errors import (BibError, ConfigError, ContentError, FilterError, KbError,
                           MissingDependencyError, NotFoundError, StoreError)
    from kb.course.filters import Filters, select_papers
    from kb.course.scaffold import init_course
    from kb.model.entries import Issue, Paper, Poster, Project, Reading, Session
    from kb.search.engine import Hit, KnowledgeBase, SearchHit, open_kb
    from kb.search.explain import Excerpt
    from kb.checks.validate import check


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'kb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
