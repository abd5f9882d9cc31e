"""The ``kb`` command group, its shared options and the error boundary."""

from __future__ import annotations

import errno
import importlib
import itertools
import json
from pathlib import Path
from typing import Any

import click

from kb.version import __version__
from kb.course.config import Config, load_config
from kb.errors import KbError
from kb.model.limits import SESSION_MAX, YEAR_LIMIT
from kb.model.terminal import for_terminal, json_for_terminal

#: Types of the numeric options: out-of-range input is a usage error, never an overflow later.
SESSION = click.IntRange(0, SESSION_MAX)
YEAR = click.IntRange(-YEAR_LIMIT, YEAR_LIMIT)


def wants_json(args: list[str]) -> bool:
    """Whether the command line asks for JSON output (``--json`` or ``--format json``)."""
    return "--json" in args or "--format=json" in args or any(
        pair == ("--format", "json") for pair in itertools.pairwise(args))


def json_error(exc: KbError | click.ClickException, code: int) -> dict[str, Any]:
    """The JSON object a failing ``--json`` command prints on stdout."""
    if isinstance(exc, KbError):
        return {"ok": False, "error": {"message": exc.message, "path": exc.path, "line": exc.line,
                                       "field": exc.field, "fix": exc.fix, "exit_code": code}}
    return {"ok": False, "error": {"message": exc.format_message(), "path": None, "line": None,
                                   "field": None, "fix": None, "exit_code": code}}


_DISK_FIXES = {
    errno.ENOSPC: "free some disk space and run it again; kb writes whole files or none, so the "
                  "files are as they were",
    errno.EDQUOT: "free some of your disk quota and run it again; the files are as they were",
    errno.EROFS: "the disk is mounted read-only; run it where the course can be written",
    errno.EACCES: "check the permissions of the file and its folder",
    errno.EPERM: "check the permissions of the file and its folder",
}


def disk_error(exc: OSError) -> KbError:
    """The one message for a file operation the system refused (a full disk, a read-only file
    system, permissions): its reason and the file, never a traceback."""
    return KbError(f"the file could not be written or read: {exc.strerror or exc}",
                   path=exc.filename, fix=_DISK_FIXES.get(exc.errno or 0, "run it again"))


class KbGroup(click.Group):
    """Turns every KbError into a clear message on stderr and its exit code (2, or 1 for a
    filter that names nothing), never a traceback.

    Commands can be registered lazily (:meth:`add_lazy`): the module that defines a command is
    imported only when that command runs or help lists it, so ``kb search`` never pays for
    the code of ``kb import`` or ``kb check``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def add_lazy(self, modules: dict[str, str]) -> None:
        """Register commands by name -> the module whose import defines them on this group."""
        self.lazy.update(modules)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.all_commands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in self.lazy:
                importlib.import_module(self.lazy[cmd_name])
            else:  # a command a lazy module defines without a lazy entry of its own
                self.all_commands()
        return super().get_command(ctx, cmd_name)

    def all_commands(self) -> dict[str, click.Command]:
        """Every command, lazy ones imported now (for documentation and tests)."""
        for module in dict.fromkeys(self.lazy.values()):
            importlib.import_module(module)
        return dict(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["kb.json"] = wants_json(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            except OSError as exc:  # a file that could not be written or read, at any depth
                raise disk_error(exc) from None
        except KbError as exc:
            if ctx.meta.get("kb.json"):
                click.echo(json_for_terminal(json.dumps(json_error(exc, exc.exit_code), indent=2,
                                                        ensure_ascii=False, default=str)))
            say(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except click.ClickException as exc:  # a usage error: bad option value, missing argument
            if ctx.meta.get("kb.json"):
                click.echo(json.dumps(json_error(exc, exc.exit_code), indent=2, ensure_ascii=False))
            raise


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
    """Print ``data`` as indented JSON (dates and paths as strings), with the characters a
    terminal would obey written as ``\\u001b``-style escapes (the same JSON value)."""
    click.echo(json_for_terminal(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def say(text: str, *, err: bool = False) -> None:
    """Print ``text``, which may hold untrusted parts (titles, names, ids, messages quoting
    a file or a service), through the one rule for terminal output
    (:func:`kb.model.terminal.for_terminal`): controls, bidi and zero-width characters shown
    as escapes; its own newlines kept."""
    click.echo(for_terminal(text, lines=True), err=err)


def main() -> None:
    cli(prog_name="kb")


if __name__ == "__main__":  # pragma: no cover
    main()
