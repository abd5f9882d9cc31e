"""Every command and option has help text and is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from kb.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
# The paragraph after the Commands table that documents the filters the selecting commands
# share; a row saying "the filters below" documents its filter options there.
FILTERS = README[README.index("The commands that select papers"):]
FILTERS = FILTERS[:FILTERS.index("\n\n")]


def commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.all_commands().items())


def readme_row(name: str) -> str:
    """The row of the README's Commands table for ``kb name``."""
    rows = [line for line in README.splitlines() if line.startswith(f"| `kb {name}")
            and line[len(f"| `kb {name}"):][:1] in (" ", "`", "\\")]
    assert len(rows) == 1, f"kb {name} has {len(rows)} rows in the README's Commands table"
    return rows[0]


def mentions(text: str, option: str) -> bool:
    """``option`` in ``text`` as a whole option name (--tag is not found in --tags)."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


@pytest.mark.parametrize("name,command", commands(), ids=[n for n, _ in commands()])
def test_command_has_help_and_docs(name: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"kb {name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"kb {name} {param.opts[0]} has no help text"
    assert readme_row(name)


@pytest.mark.parametrize("name,command", commands(), ids=[n for n, _ in commands()])
def test_command_options_are_documented(name: str, command: click.Command) -> None:
    """Each option is named in the command's own row of the Commands table, or, for a row
    that points to "the filters below", in the paragraph on the shared filters (which must
    then name the command)."""
    row = readme_row(name)
    shared = "the filters below" in row
    if shared:
        assert f"`kb {name}`" in FILTERS, f"kb {name} points to the filters but is not listed there"
    for param in command.params:
        if isinstance(param, click.Option) and param.opts[0] not in ("--help",):
            longest = max(param.opts, key=len)
            assert mentions(row, longest) or (shared and mentions(FILTERS, longest)), \
                f"kb {name} {longest} is missing from its row of the README's Commands table"


def test_the_row_check_finds_a_missing_option() -> None:
    """The check above fails where it should: an option of another command's row, or one of
    the filters for a row that does not point to them, is not found."""
    assert not mentions(readme_row("init"), "--dry-run")
    assert "the filters below" not in readme_row("import") and mentions(FILTERS, "--year-from")
    assert not mentions(readme_row("import"), "--year-from")
    assert not mentions("`--tags`", "--tag") and mentions("`--tag T`", "--tag")



def test_the_filter_rule_is_said_alike() -> None:
    """Repeated --tag and --key mean any of them (kb.course.filters): each selecting command's
    help, the README's paragraph on the filters and the site's API (kb-search.js and the
    README's example) say so."""
    for name in ("search", "related", "suggest", "export"):
        command = cli.all_commands()[name]
        helps = {p.opts[0]: p.help or "" for p in command.params if isinstance(p, click.Option)}
        assert helps["--tag"].endswith("repeatable: papers with any of them."), name
        assert helps["--key"].endswith("repeatable: any of them."), name
    assert "`--tag TAG` (repeatable: papers with any of them)" in FILTERS
    assert "`--key KEY` (repeatable: any of them)" in FILTERS
    api = (Path(__file__).resolve().parents[1] / "kb/site/assets/kb-search.js").read_text("utf-8")
    assert "tag and key: one, or a list meaning any of them" in api
    assert "tag and key take one value or a list meaning any of them" in README
