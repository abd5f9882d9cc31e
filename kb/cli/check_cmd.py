"""``kb check`` and ``kb init``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kb.cli.app import State, cli, echo_json, pass_state, say
from kb.model.issue_codes import CODES, unknown_code_message
from kb.course.scaffold import init_course
from kb.model.entries import Issue, Project
from kb.checks.validate import check
from kb.model.plural import plural as _plural


def file_counts(project: Project) -> str:
    """'49 papers, 13 sessions (1 broken), 3 posters': every file of each kind, those that
    failed to load counted and named as broken (their errors are in the report)."""
    parts = []
    for kind in ("paper", "session", "poster"):
        broken = project.failed(kind)
        parts.append(_plural(project.counted(kind), kind) + (f" ({broken} broken)" if broken else ""))
    return ", ".join(parts)


def summary_line(project: Project, errors: int, warnings: int) -> str:
    counts = file_counts(project)
    if not errors and not warnings:
        return f"checked {counts}: no problems"
    return f"checked {counts}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


#: A report with at most this many issues is printed in full; a longer one lists its errors
#: (up to this many) and groups its warnings by code.
FULL_LIMIT = 10
#: Places named per code in a grouped line.
FIRST_PLACES = 3


def _codes_option(name: str, help_text: str) -> Any:
    def known(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if value not in CODES:
                raise click.BadParameter(unknown_code_message(value))
        return values

    return click.option(name, multiple=True, metavar="CODE", callback=known, help=help_text)


def grouped_lines(issues: list[Issue], *, first: int = FIRST_PLACES) -> list[str]:
    """One line per code, most frequent first: count, code, meaning, the first places."""
    by_code: dict[str, list[Issue]] = {}
    for issue in issues:
        by_code.setdefault(issue.code, []).append(issue)
    width = max((len(str(len(v))) for v in by_code.values()), default=1)
    lines = []
    for code, group in sorted(by_code.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        meaning = CODES[code].meaning if code in CODES else group[0].message
        places = ", ".join(i.path for i in group[:first])
        more = f" and {len(group) - first} more" if len(group) > first else ""
        lines.append(f"  {len(group):>{width}} {code}: {meaning}: {places}{more}")
    return lines


def text_report(issues: list[Issue], *, full: bool = False) -> list[str]:
    """The lines of kb check's text report (before the summary line): errors first, in full;
    warnings in full when the report is short (or ``full``), else grouped by code."""
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity != "error"]
    if full or len(issues) <= FULL_LIMIT:
        return [i.format() for i in errors + warnings]
    lines = [i.format() for i in errors[:FULL_LIMIT]]
    if len(errors) > FULL_LIMIT:
        lines.append(f"... and {_plural(len(errors) - FULL_LIMIT, 'more error')}: "
                     "kb check --errors-only lists them all")
    if warnings:
        if lines:
            lines.append("")
        lines.append(f"{_plural(len(warnings), 'warning')} by code "
                     "(kb check --code CODE lists one code's in full, --ignore CODE hides it):")
        lines.extend(grouped_lines(warnings))
    return lines


def code_table() -> list[str]:
    width = max(len(c) for c in CODES)
    lines = [f"{'code':<{width}}  {'severity':<8}  meaning; fix"]
    for code in sorted(CODES.values(), key=lambda c: c.code):
        lock = " (cannot be switched off)" if code.locked else ""
        lines.append(f"{code.code:<{width}}  {code.severity:<8}  {code.meaning}; {code.fix}{lock}")
    return lines


@cli.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format: text for people, json for scripts.")
@click.option("--strict", is_flag=True, help="Treat warnings as problems (exit 1 on any).")
@_codes_option("--code", "Only issues with this code, listed in full (repeatable).")
@_codes_option("--ignore", "Leave out issues with this code (repeatable).")
@click.option("--errors-only", is_flag=True, help="Only errors, listed in full.")
@click.option("--list-codes", is_flag=True,
              help="List every issue code with its severity, meaning and fix, and exit.")
@pass_state
def check_command(state: State, fmt: str, strict: bool, code: tuple[str, ...],
                  ignore: tuple[str, ...], errors_only: bool, list_codes: bool) -> None:
    """Validate every paper, session and poster and report each problem.

    Reports file, line, field, message and a fix for: schema errors, malformed YAML or
    UTF-8, unsafe keys, duplicate papers (DOI, arXiv id, near-identical title), dangling
    references and [@key] citations, session numbering and dates, and field sanity.

    Errors come first; a long report groups its warnings by code with a count and the first
    places. Each code has a default severity; the checks: option of the kb entry in mkdocs.yml
    changes it or switches a code off (code: error|warning|off), for kb check and the site
    build alike. Exits 0 when clean, 1 when problems are found (warnings count only with
    --strict), 2 when it cannot run.
    """
    if list_codes:
        if fmt == "json":
            echo_json([c.as_dict() for c in sorted(CODES.values(), key=lambda c: c.code)])
        else:
            click.echo("\n".join(code_table()))
        return
    project, issues = check(state.config)
    if code:
        issues = [i for i in issues if i.code in code]
    if ignore:
        issues = [i for i in issues if i.code not in ignore]
    if errors_only:
        issues = [i for i in issues if i.severity == "error"]
    errors = sum(i.severity == "error" for i in issues)
    warnings = len(issues) - errors
    failed = errors > 0 or (strict and warnings > 0)
    if fmt == "json":
        counts: dict[str, int] = {}
        for issue in issues:
            counts[issue.code] = counts.get(issue.code, 0) + 1
        echo_json({
            "ok": not failed, "strict": strict,
            "counts": {"papers": project.counted("paper"), "sessions": project.counted("session"),
                       "posters": project.counted("poster"), "errors": errors, "warnings": warnings,
                       "broken": {f"{kind}s": project.failed(kind)
                                  for kind in ("paper", "session", "poster")}},
            "codes": dict(sorted(counts.items())),
            "issues": [i.as_dict() for i in issues],
        })
    else:
        for line in text_report(issues, full=bool(code) or errors_only):
            say(line)
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
    click.echo(f"\nNext: cd {directory} && kb site serve   (the site on http://127.0.0.1:8000; "
               "kb check lists what to fix)")
