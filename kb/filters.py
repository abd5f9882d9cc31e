"""Choose papers of a project by session, tag and key (for export and the site's downloads)."""

from __future__ import annotations

from collections.abc import Iterable

from kb.hints import unknown_paper, unknown_session
from kb.models import Paper, Project


def select_papers(project: Project, *, session: int | None = None, tags: Iterable[str] = (),
                  keys: Iterable[str] = ()) -> list[Paper]:
    """Papers sorted by key; each given filter narrows the selection.

    ``session``: the papers the session lists as readings; ``tags``: papers carrying every
    tag; ``keys``: exactly these papers. No filter selects every paper. An unknown session
    number or key raises NotFoundError.
    """
    papers = dict(project.papers)
    wanted_keys = list(keys)
    if wanted_keys:
        missing = [k for k in wanted_keys if k not in papers]
        if missing:
            raise unknown_paper(project, missing[0])
        papers = {k: papers[k] for k in wanted_keys}
    if session is not None:
        found = project.session(session)
        if found is None:
            raise unknown_session(project, session)
        listed = {r.key for r in found.readings}
        papers = {k: p for k, p in papers.items() if k in listed}
    required = set(tags)
    if required:
        papers = {k: p for k, p in papers.items() if required <= set(p.tags)}
    return [papers[k] for k in sorted(papers)]
