"""Every command and option has help text and is documented in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from kb.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.all_commands().items())


@pytest.mark.parametrize("name,command", commands(), ids=[n for n, _ in commands()])
def test_command_has_help_and_docs(name: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"kb {name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"kb {name} {param.opts[0]} has no help text"
    assert f"kb {name}" in README, f"kb {name} is missing from the README"


@pytest.mark.parametrize("name,command", commands(), ids=[n for n, _ in commands()])
def test_command_options_are_documented(name: str, command: click.Command) -> None:
    for param in command.params:
        if isinstance(param, click.Option) and param.opts[0] not in ("--help",):
            longest = max(param.opts, key=len)
            assert longest in README, f"kb {name} {longest} is missing from the README"


def test_group_options_have_help() -> None:
    for param in cli.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"kb {param.opts[0]} has no help text"
