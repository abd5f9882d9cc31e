"""'Did you mean ...?' for every name a user types: paper keys, session numbers, tags.

The errors say what was typed, where it was looked for, and the nearest names that exist.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from kb.config import Config
from kb.errors import NotFoundError
from kb.models import Project


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """'did you mean a, b?' for the choices closest to ``word``, or '' when none is close."""
    pool = sorted(set(choices))
    close = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    lowered = {c.lower(): c for c in pool}
    if not close and word.lower() in lowered:
        close = [lowered[word.lower()]]
    return ("did you mean " + ", ".join(close) + "?") if close else ""


def unknown_paper(config: Config, project: Project, key: str) -> NotFoundError:
    """The error for a paper key that names no paper, with the nearest keys."""
    path = f"{config.options.papers_dir}/{key}.md"
    if key in project.broken:
        return NotFoundError("the paper file could not be loaded", path=path, field="key",
                             fix="run kb check to see what is wrong with it")
    hint = did_you_mean(key, [*project.papers, *project.broken])
    return NotFoundError(f"no paper with the key {key!r}", path=path, field="key",
                         fix=hint or "use a key from the papers folder (the file name without .md)")


def check_keys(config: Config, project: Project, keys: Iterable[str]) -> None:
    """Raise :func:`unknown_paper`'s error for the first key that names no paper."""
    for key in keys:
        if key not in project.papers:
            raise unknown_paper(config, project, key)


def unknown_session(project: Project, number: int) -> NotFoundError:
    """The error for a session number no session page has, listing the numbers there are."""
    numbers = [s.session for s in project.sessions]
    known = ", ".join(map(str, numbers)) if numbers else "none yet"
    near = sorted(numbers, key=lambda n: (abs(n - number), n))[:1]
    hint = f"did you mean {near[0]}? " if near else ""
    return NotFoundError(f"no session {number} (sessions: {known})", field="session",
                         fix=hint + "pass the number of a page in docs/sessions/, or create the "
                                    "page first")


def check_tags(config: Config, tags: Iterable[str]) -> None:
    """Tags must be lowercase-with-hyphens and, when mkdocs.yml has a tag vocabulary, in it."""
    from kb.validate import TAG_RE

    vocabulary = config.options.tags
    for tag in tags:
        if not TAG_RE.match(tag):
            raise NotFoundError(f"{tag!r} is not a tag", field="tag",
                                fix="tags are lowercase words joined by hyphens, e.g. "
                                    "'reward-model'")
        if vocabulary and tag not in vocabulary:
            hint = did_you_mean(tag, vocabulary)
            raise NotFoundError(f"the tag {tag!r} is not in the tag vocabulary", path="mkdocs.yml",
                                field="plugins.kb.tags",
                                fix=(hint + " " if hint else "") + "use one of: "
                                + ", ".join(sorted(vocabulary)) + ", or add it under "
                                "plugins.kb.tags in mkdocs.yml")
