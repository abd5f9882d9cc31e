"""'Did you mean ...?' for every name a user types: paper keys, session numbers, tags.

The errors say what was typed, where it was looked for, and the nearest names that exist.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

from kb.errors import NotFoundError

if TYPE_CHECKING:
    from kb.course.config import Config
    from kb.model.entries import Project

CUTOFF = 0.6  # difflib similarity below which a name is not suggested at all
NEAR_BEST = 0.1  # further names are suggested only when this close to the best one's similarity


def did_you_mean(word: str, choices: Iterable[str], n: int = 3,
                 show: Callable[[str], str] = str) -> str:
    """'did you mean a, b?' for the choices closest to ``word``, or '' when none is close.

    Names as close as the best one but for ``NEAR_BEST`` are listed too, at most ``n``; ``show``
    writes a choice the way the user would type it (e.g. ``[@key]`` in a page).
    """
    pool = sorted(set(choices))
    close = difflib.get_close_matches(word, pool, n=n, cutoff=CUTOFF)
    ratios = [difflib.SequenceMatcher(None, word, c).ratio() for c in close]
    close = [c for c, r in zip(close, ratios) if r >= ratios[0] - NEAR_BEST]
    lowered = {c.lower(): c for c in pool}
    if not close and word.lower() in lowered:
        close = [lowered[word.lower()]]
    return ("did you mean " + ", ".join(map(show, close)) + "?") if close else ""


def suggest(word: str, choices: Iterable[str], fix: str, n: int = 3,
            show: Callable[[str], str] = str) -> str:
    """``fix``, preceded by 'did you mean a, b? If not, ' when some choices are close to ``word``.

    Every 'did you mean' a user reads (CLI errors, kb check, the site's build) is worded here.
    """
    hint = did_you_mean(word, choices, n, show)
    return f"{hint} If not, {fix}" if hint else fix


def unknown_paper(project: Project, key: str, papers_dir: str | None = None) -> NotFoundError:
    """The error for a paper key that names no paper, with the nearest keys."""
    return unknown_key(key, project.papers, project.broken, papers_dir)


def unknown_key(key: str, known: Collection[str], broken: Collection[str],
                papers_dir: str | None = None) -> NotFoundError:
    """The one error for a typed paper key that names no paper: a file that failed to load is
    named as such, anything else gets the nearest keys. ``known`` are the loadable papers'
    keys, ``broken`` those whose files failed to load."""
    path = f"{papers_dir}/{key}.md" if papers_dir else None
    if key in broken:
        return NotFoundError("the paper file could not be loaded", path=path, field="key",
                             fix="run kb check to see what is wrong with it")
    return NotFoundError(f"no paper with the key {key!r}", path=path, field="key",
                         fix=suggest(key, [*known, *broken],
                                     "use a key from the papers folder (the file name without .md)"))


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
    from kb.checks.validate import TAG_RE

    vocabulary = config.options.tags
    for tag in tags:
        if not TAG_RE.match(tag):
            raise NotFoundError(f"{tag!r} is not a tag", field="tag",
                                fix="tags are lowercase words joined by hyphens, e.g. "
                                    "'reward-model'")
        if vocabulary and tag not in vocabulary:
            raise NotFoundError(f"the tag {tag!r} is not in the tag vocabulary", path="mkdocs.yml",
                                field="plugins.kb.tags",
                                fix=suggest(tag, vocabulary, "use one of: "
                                            + ", ".join(sorted(vocabulary)) + ", or add it under "
                                            "plugins.kb.tags in mkdocs.yml"))
