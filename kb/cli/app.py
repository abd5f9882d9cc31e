"""The ``kb`` command group, its shared options and the error boundary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from kb import __version__
from kb.config import Config, load_config
from kb.errors import KbError


class KbGroup(click.Group):
    """Turns every KbError into a clear message on stderr and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KbError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


class State:
    """Per-invocation state: the root given with --root, and the config read lazily."""

    def __init__(self, root: Path | None, *, quiet: bool = False):
        self.root = root
        self.quiet = quiet  # no progress output (model loading, bars, phase lines)
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.root)
        return self._config


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), envvar="KB_ROOT",
              help="The course repository (the folder with mkdocs.yml). "
                   "Default: found upward from the working folder.")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress on stderr: neither the model-loading line nor bars or phase lines.")
@click.version_option(__version__, prog_name="kb", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, quiet: bool) -> None:
    """kb: a research-paper and reading-group knowledge base.

    Papers live in papers/<key>.md, sessions in docs/sessions/, posters in docs/posters/;
    options come from the kb entry of mkdocs.yml. Exit codes: 0 ok, 1 problems found,
    2 the command could not run.

    Slow steps show themselves on stderr: "loading the embedding model..." before the model
    loads, then a progress bar on a terminal or one line per phase otherwise; --quiet (here or
    after search, related, suggest, sync) silences them. `kb fields` lists the front-matter
    fields of papers, sessions and posters and the reading kinds.
    """
    ctx.obj = State(root, quiet=quiet)


pass_state = click.make_pass_decorator(State)


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(State).quiet = True
    return value


#: ``--quiet`` after a command name too (``kb search QUERY --quiet``), the same as ``kb --quiet``.
quiet_option = click.option(
    "-q", "--quiet", is_flag=True, expose_value=False, callback=_set_quiet,
    help="No progress on stderr (model loading, bars, phase lines); the same as kb --quiet.")


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (dates and paths as strings)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def main() -> None:
    cli(prog_name="kb")


if __name__ == "__main__":  # pragma: no cover
    main()
