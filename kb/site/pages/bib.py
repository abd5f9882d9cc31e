"""The .bib downloads: one per session (its readings in reading order) and the whole library."""

from __future__ import annotations

from kb.bib.mapping import export_bibtex
from kb.model.entries import Project
from kb.site.pages.common import ALL_BIB, session_bib


def bib_files(project: Project, omit: frozenset[str]) -> dict[str, str]:
    """Site path -> BibTeX text; ``omit`` names the fields the site leaves out."""
    out: dict[str, str] = {}
    for session in project.sessions:
        keys = dict.fromkeys(r.key for r in session.readings if r.key in project.papers)
        out[session_bib(session)] = export_bibtex((project.papers[k] for k in keys), omit=omit,
                                                  sort=False)
    out[ALL_BIB] = export_bibtex(project.papers.values(), omit=omit)
    return out
