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

__version__ = "0.1.0"

# public name -> the module that defines it
_API = {
    "Config": "kb.config", "load_config": "kb.config",
    "Paper": "kb.models", "Session": "kb.models", "Reading": "kb.models", "Poster": "kb.models",
    "Project": "kb.models", "Issue": "kb.models",
    "load_project": "kb.content", "write_paper": "kb.content",
    "check": "kb.validate",
    "Filters": "kb.filters", "select_papers": "kb.filters",
    "open_kb": "kb.search.engine", "KnowledgeBase": "kb.search.engine", "Hit": "kb.search.engine",
    "import_bib": "kb.bib.importer", "ImportReport": "kb.bib.importer",
    "export_bibtex": "kb.bib.mapping", "export_csl": "kb.bib.csl",
    "init_course": "kb.init",
    "KbError": "kb.errors", "ConfigError": "kb.errors", "ContentError": "kb.errors",
    "BibError": "kb.errors", "NotFoundError": "kb.errors", "FilterError": "kb.errors",
    "StoreError": "kb.errors", "MissingDependencyError": "kb.errors",
}

__all__ = ["BibError", "Config", "ConfigError", "ContentError", "FilterError", "Filters",
           "Hit", "ImportReport", "Issue", "KbError", "KnowledgeBase",
           "MissingDependencyError", "NotFoundError", "Paper", "Poster", "Project", "Reading",
           "Session", "StoreError", "check", "export_bibtex", "export_csl", "import_bib",
           "init_course", "load_config", "load_project", "open_kb", "select_papers",
           "write_paper"]

if TYPE_CHECKING:
    from kb.bib.csl import export_csl
    from kb.bib.importer import ImportReport, import_bib
    from kb.bib.mapping import export_bibtex
    from kb.config import Config, load_config
    from kb.content import load_project, write_paper
    from kb.errors import (BibError, ConfigError, ContentError, FilterError, KbError,
                           MissingDependencyError, NotFoundError, StoreError)
    from kb.filters import Filters, select_papers
    from kb.init import init_course
    from kb.models import Issue, Paper, Poster, Project, Reading, Session
    from kb.search.engine import Hit, KnowledgeBase, open_kb
    from kb.validate import check


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'kb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
