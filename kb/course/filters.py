"""Which papers a command looks at: one filter model for search, related, suggest and export.

::

    Filters(session=2, tags=("rlhf", "reward-modeling"), year_from=2020, type="article")

The rule, the one every reader of the course follows (``kb search``, ``kb related``,
``kb suggest``, ``kb export``, the Python API and the site's ``window.kb.search``):

- every given condition must hold; an unset one is no condition;
- session: the paper is on that session's reading list;
- tags: the paper carries at least one of them (any of, as the site's tag list);
- year_from, year_to: the paper's year lies in the range, both ends included; a paper without
  a year passes no year condition;
- type: the paper's BibTeX entry type, any case;
- keys: the paper is one of them.

:meth:`Filters.matches` states it in Python; kb.search.store's ``filter_sql`` says the same in
SQL and kb/site/assets/rank.js (``allowed``) in the browser, each checked against the same
table of cases (tests/data/filter_rule.json).

A value that names nothing the course knows (a session number without a page, a tag, entry
type or key that no paper has) is a :class:`kb.errors.FilterError` whose fix suggests the
closest known values, checked against a :class:`Known` vocabulary built either from the loaded
project (:func:`select_papers`, for export) or from the cache (kb.search.store, for search).
Both raise the same message. A tag of the tag vocabulary that no paper carries yet is no typo:
among other tags it adds nothing to "any of", and only when no given tag is on a paper does it
stop the command, saying so.

This module imports nothing heavy: the keyword search process uses it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.errors import FilterError

if TYPE_CHECKING:
    from kb.model.entries import Paper, Project


@dataclass(frozen=True)
class Filters:
    """Conditions every selected paper meets (None or empty: no condition)."""

    session: int | None = None  # on that session's reading list
    tags: tuple[str, ...] = ()  # carries at least one of these tags
    year_from: int | None = None
    year_to: int | None = None
    type: str | None = None  # BibTeX entry type, any case
    keys: tuple[str, ...] = ()  # one of exactly these papers

    def __post_init__(self) -> None:
        # Accept any iterable (a click tuple, a list) but keep the model hashable and ordered.
        object.__setattr__(self, "tags", tuple(dict.fromkeys(self.tags)))
        object.__setattr__(self, "keys", tuple(dict.fromkeys(self.keys)))
        if self.type is not None:
            object.__setattr__(self, "type", self.type.lower())
        if self.year_from is not None and self.year_to is not None \
                and self.year_from > self.year_to:
            raise FilterError(f"--year-from {self.year_from} is after --year-to {self.year_to}",
                              field="year", fix="swap the two years")

    @property
    def empty(self) -> bool:
        return not (self.session is not None or self.tags or self.year_from is not None
                    or self.year_to is not None or self.type or self.keys)

    def describe(self) -> str:
        """The filters as the command-line options that set them, e.g. ``--tag rl --year-to 2020``."""
        parts = [] if self.session is None else [f"--session {self.session}"]
        parts += [f"--tag {t}" for t in self.tags]
        parts += [f"--year-from {self.year_from}"] if self.year_from is not None else []
        parts += [f"--year-to {self.year_to}"] if self.year_to is not None else []
        parts += [f"--type {self.type}"] if self.type else []
        parts += [f"--key {k}" for k in self.keys]
        return " ".join(parts)

    def check(self, known: Known) -> None:
        """Raise FilterError for the first value that names nothing in ``known``."""
        if self.session is not None and self.session not in known.sessions:
            numbers = ", ".join(str(n) for n in sorted(known.sessions)) or "none yet"
            raise FilterError(f"no session number {self.session}", field="session",
                              fix=f"use one of the session numbers: {numbers}")
        for tag in self.tags:
            if tag not in known.tags and tag not in known.vocabulary:
                raise FilterError(f"no paper has the tag {tag!r}", field="tag",
                                  fix=_suggest(tag, known.tags, "tags"))
        if self.tags and not any(t in known.tags for t in self.tags):
            # tags that exist, on no paper yet: the empty result is not the query's fault
            raise _unused_tags(self.tags)
        if self.type and self.type not in known.types:
            raise FilterError(f"no paper has the type {self.type!r}", field="type",
                              fix=_suggest(self.type, known.types, "types"))
        for key in self.keys:
            if key not in known.keys:
                raise FilterError(f"no paper with the key {key!r}", field="key",
                                  fix=_suggest(key, known.keys, "keys"))

    def matches(self, paper: Paper, listed: Collection[str] | None) -> bool:
        """Whether ``paper`` passes; ``listed`` holds the keys of the session's readings."""
        return ((listed is None or paper.key in listed)
                and (not self.tags or any(t in paper.tags for t in self.tags))
                and (self.year_from is None or (paper.year is not None and paper.year >= self.year_from))
                and (self.year_to is None or (paper.year is not None and paper.year <= self.year_to))
                and (not self.type or paper.type.lower() == self.type)
                and (not self.keys or paper.key in self.keys))


@dataclass
class Known:
    """The values a filter may name: session numbers, tags (those papers have, and the tag
    vocabulary), entry types and paper keys."""

    sessions: set[int] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)  # on at least one paper
    vocabulary: set[str] = field(default_factory=set)  # the configured tags, in use or not
    types: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)


def _unused_tags(tags: tuple[str, ...]) -> FilterError:
    """The error for tags of the vocabulary of which no paper carries any."""
    leave_out = " ".join(f"--tag {t}" for t in tags)
    if len(tags) == 1:
        return FilterError(f"no paper has the tag {tags[0]!r} (it is in the tag vocabulary)",
                           field="tag", fix=f"tag papers with it (kb tag add {tags[0]} KEY ...), "
                           f"or leave out {leave_out}")
    names = ", ".join(repr(t) for t in tags)
    return FilterError(f"no paper has any of the tags {names} (they are in the tag vocabulary)",
                       field="tag", fix=f"tag papers with one of them (kb tag add {tags[0]} KEY "
                       f"...), or leave out {leave_out}")


def _suggest(value: str, known: Iterable[str], what: str) -> str:
    from kb.model.suggest import suggest  # only on the way to an error

    choices = sorted(known)
    if not choices:
        return f"no paper has any {what} yet"
    if what == "keys":
        fix = "use a key from the papers folder (the file name without .md)"
    else:
        fix = f"use one of the {what} in use: " + ", ".join(choices[:10]) + (
            f", ... ({len(choices)} in all)" if len(choices) > 10 else "")
    return suggest(value, choices, fix)


def known_in(project: Project, vocabulary: Iterable[str] = ()) -> Known:
    """What a filter may name in a loaded project (``vocabulary``: the configured tags)."""
    papers = project.papers.values()
    return Known(sessions={s.session for s in project.sessions},
                 tags={t for p in papers for t in p.tags}, vocabulary=set(vocabulary),
                 types={p.type.lower() for p in papers}, keys=set(project.papers))


def select_papers(project: Project, filters: Filters | None = None,
                  vocabulary: Iterable[str] = ()) -> list[Paper]:
    """The project's papers that pass ``filters``, sorted by key (no filter: every paper).

    A filter value that names nothing in the project raises FilterError.
    """
    filters = filters or Filters()
    filters.check(known_in(project, vocabulary))
    listed = None
    if filters.session is not None:
        found = project.session(filters.session)
        listed = {r.key for r in found.readings} if found is not None else set()
    return [p for _, p in sorted(project.papers.items()) if filters.matches(p, listed)]
