"""The filter options every selecting command shares (search, related, suggest, export).

One decorator declares them and one function turns them into a :class:`kb.course.filters.Filters`,
so the commands cannot drift apart in names, help or meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from kb.cli.app import SESSION, YEAR
from kb.course.filters import Filters

F = TypeVar("F", bound=Callable[..., Any])

_NAMES = ("session", "tags", "year_from", "year_to", "entry_type", "keys")


def filter_options(*, session: bool = True) -> Callable[[F], F]:
    """Add --session (unless the command uses it otherwise), --tag, --year-from, --year-to,
    --type and --key to a command; their meaning is :class:`Filters`' rule."""
    options = [
        click.option("--tag", "tags", multiple=True, metavar="TAG",
                     help="Only papers with this tag; repeatable: papers with any of them."),
        click.option("--year-from", type=YEAR, metavar="YEAR",
                     help="Only papers published in this year or later."),
        click.option("--year-to", type=YEAR, metavar="YEAR",
                     help="Only papers published in this year or earlier."),
        click.option("--type", "entry_type", metavar="TYPE",
                     help="Only papers of this BibTeX entry type (article, inproceedings, ...)."),
        click.option("--key", "keys", multiple=True, metavar="KEY",
                     help="Only the paper with this key; repeatable: any of them."),
    ]
    if session:
        options.insert(0, click.option("--session", type=SESSION, metavar="N",
                                       help="Only the readings of session number N."))

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def pop_filters(kwargs: dict[str, Any]) -> Filters:
    """The Filters given on the command line (removed from the command's ``kwargs``).

    An unknown value is not checked here: the library raises the same FilterError for every
    command, with the values it knows.
    """
    values = {name: kwargs.pop(name, None) for name in _NAMES}
    return Filters(session=values["session"], tags=tuple(values["tags"] or ()),
                   year_from=values["year_from"], year_to=values["year_to"],
                   type=values["entry_type"], keys=tuple(values["keys"] or ()))
