"""The errors for names a user types that the course does not have: paper keys, session
numbers, tags. They say what was typed, where it was looked for, and the nearest names that
exist (worded by :mod:`kb.model.suggest`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from kb.errors import NotFoundError
from kb.model.rules import tag_problem
from kb.model.suggest import by_title, did_you_mean, suggest

if TYPE_CHECKING:
    from kb.course.config import Config
    from kb.model.entries import Project

def unknown_paper(project: Project, key: str, papers_dir: str | None = None) -> NotFoundError:
    """The error for a paper key that names no paper, with the nearest keys (or the papers
    whose titles hold the words typed)."""
    return unknown_key(key, project.papers, project.broken, papers_dir,
                       titles={k: p.title for k, p in project.papers.items()})


def unknown_key(key: str, known: Collection[str], broken: Collection[str],
                papers_dir: str | None = None, *,
                titles: Mapping[str, str] | None = None) -> NotFoundError:
    """The one error for a typed paper key that names no paper: a file that failed to load is
    named as such, anything else gets the nearest keys. ``known`` are the loadable papers'
    keys, ``broken`` those whose files failed to load; with ``titles`` (key -> title), a word
    of a title typed for a key ('Longformer') names the papers whose titles hold it."""
    path = f"{papers_dir}/{key}.md" if papers_dir else None
    if key in broken:
        return NotFoundError("the paper file could not be loaded", path=path, field="key",
                             fix="run kb check to see what is wrong with it")
    fix = "use a key from the papers folder (the file name without .md)"
    hint = did_you_mean(key, [*known, *broken])
    if not hint and titles:
        found = by_title(key, titles)
        if found:
            hint = "did you mean " + ", ".join(f"{k} ({titles[k]})" for k in found) + "?"
    return NotFoundError(f"no paper with the key {key!r}", path=path, field="key",
                         fix=f"{hint} If not, {fix}" if hint else fix)


def check_keys(config: Config, project: Project, keys: Iterable[str]) -> None:
    """Raise :func:`unknown_paper`'s error for the first key that names no paper."""
    for key in keys:
        if key not in project.papers:
            raise unknown_paper(project, key, config.options.papers_dir)


def unknown_session(project: Project, number: int) -> NotFoundError:
    """The error for a session number no session page has, listing the numbers there are."""
    numbers = [s.session for s in project.sessions]
    known = ", ".join(map(str, numbers)) if numbers else "none yet"
    near = sorted(numbers, key=lambda n: (abs(n - number), n))[:1]
    fix = "pass the number of a page in docs/sessions/, or create the page first"
    return NotFoundError(f"no session {number} (sessions: {known})", field="session",
                         fix=f"did you mean {near[0]}? If not, {fix}" if near else fix)


def check_tags(config: Config, tags: Iterable[str]) -> None:
    """Tags must be lowercase-with-hyphens and, when mkdocs.yml has a tag vocabulary, in it."""
    vocabulary = config.options.tags
    for tag in tags:
        problem = tag_problem(tag)
        if problem:
            raise NotFoundError(problem[0], field="tag", fix=problem[1])
        if vocabulary and tag not in vocabulary:
            raise NotFoundError(f"the tag {tag!r} is not in the tag vocabulary", path="mkdocs.yml",
                                field="plugins.kb.tags",
                                fix=suggest(tag, vocabulary, "use one of: "
                                            + ", ".join(sorted(vocabulary)) + ", or add it under "
                                            "plugins.kb.tags in mkdocs.yml"))
