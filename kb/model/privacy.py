"""Which BibTeX fields leave the repository: one rule for the site and for ``kb export``.

Reference managers put personal data into their exports: Zotero writes ``file`` (local PDF
paths) and ``annote`` (the reader's own notes), Mendeley its groups and tags, JabRef an
``owner``. kb keeps such fields in a paper's ``bibtex:`` mapping so that nothing is lost on
import, and never publishes them:

- the site (paper pages, the search index, every .bib download) leaves out every field in
  the ``private_fields`` option (default :data:`DEFAULT_PRIVATE_FIELDS`), and also kb's own
  curator fields ``summary`` and ``keywords`` from its BibTeX unless the
  ``bib_curator_fields`` option is true;
- ``kb export`` leaves out the private fields unless it is given ``--private``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.model.entries import Paper, Project

#: Fields no published file carries unless the curator configures otherwise.
DEFAULT_PRIVATE_FIELDS: tuple[str, ...] = (
    "file", "annote", "annotation", "comment", "owner", "mendeley-groups", "mendeley-tags",
)
#: kb's own fields in its BibTeX: the curator's summary and the tags (as ``keywords``).
CURATOR_FIELDS: tuple[str, ...] = ("summary", "keywords")


def normalise(names: Iterable[str]) -> frozenset[str]:
    """Field names as BibTeX compares them: trimmed, lower case."""
    return frozenset(n.strip().lower() for n in names if n.strip())


def site_omitted(private_fields: Iterable[str], curator_fields: bool) -> frozenset[str]:
    """The BibTeX fields the site's .bib files and BibTeX blocks leave out."""
    omitted = set(normalise(private_fields))
    if not curator_fields:
        omitted.update(CURATOR_FIELDS)
    return frozenset(omitted)


def public_paper(paper: Paper, private_fields: Iterable[str]) -> Paper:
    """``paper`` without its private kept fields and without unknown front-matter fields.

    Every renderer of the site works on these copies, so no page, search index or download
    can carry a private value, whichever template shows a paper.
    """
    private = normalise(private_fields)
    kept = {k: v for k, v in paper.bibtex.items() if k.strip().lower() not in private}
    data = {name: getattr(paper, name) for name in type(paper).model_fields}
    data["bibtex"] = kept
    return type(paper)(**data)


def public_project(project: Project, private_fields: Iterable[str]) -> Project:
    """A copy of ``project`` whose papers are :func:`public_paper` copies."""
    private = normalise(private_fields)
    papers = {key: public_paper(paper, private) for key, paper in project.papers.items()}
    return dataclasses.replace(project, papers=papers)
