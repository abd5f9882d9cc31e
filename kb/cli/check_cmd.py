"""``kb check`` and ``kb init``."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.app import State, cli, echo_json, pass_state
from kb.init import init_course
from kb.models import Project
from kb.validate import check


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(project: Project, errors: int, warnings: int) -> str:
    counts = (f"{_plural(len(project.papers), 'paper')}, {_plural(len(project.sessions), 'session')}, "
              f"{_plural(len(project.posters), 'poster')}")
    if not errors and not warnings:
        return f"checked {counts}: no problems"
    return f"checked {counts}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


@cli.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format: text for people, json for scripts.")
@click.option("--strict", is_flag=True, help="Treat warnings as problems (exit 1 on any).")
@pass_state
def check_command(state: State, fmt: str, strict: bool) -> None:
    """Validate every paper, session and poster and report each problem.

    Reports file, line, field, message and a fix for: schema errors, malformed YAML or
    UTF-8, unsafe keys, duplicate papers (DOI, arXiv id, near-identical title), dangling
    references, session numbering and dates, and field sanity. Exits 0 when clean, 1 when
    problems are found (warnings count only with --strict), 2 when it cannot run.
    """
    project, issues = check(state.config)
    errors = sum(i.severity == "error" for i in issues)
    warnings = len(issues) - errors
    failed = errors > 0 or (strict and warnings > 0)
    if fmt == "json":
        echo_json({
            "ok": not failed, "strict": strict,
            "counts": {"papers": len(project.papers), "sessions": len(project.sessions),
                       "posters": len(project.posters), "errors": errors, "warnings": warnings},
            "issues": [i.as_dict() for i in issues],
        })
    else:
        for issue in issues:
            click.echo(issue.format())
        click.echo(summary_line(project, errors, warnings))
    raise SystemExit(1 if failed else 0)


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My Reading Group", show_default=True,
              help="The course or reading group's name (the site title).")
def init_command(directory: Path, title: str) -> None:
    """Create a new course repository in DIRECTORY, with one example paper, session and poster.

    DIRECTORY must not hold a course already; nothing existing is overwritten.
    """
    written = init_course(directory, title=title)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"\nNext: cd {directory} && kb check")
