"""``kb report``: the course at a glance (per session readings, load and tags; the gaps)."""

from __future__ import annotations

import textwrap

import click

from kb.cli.app import State, cli, echo_json, pass_state, say
from kb.model.plural import plural

#: Keys listed per section of the text report unless --all is given.
LIST_LIMIT = 30


def _keys(title: str, items: list[str], show_all: bool) -> list[str]:
    if not items:
        return [f"{title}: none"]
    shown = items if show_all else items[:LIST_LIMIT]
    more = len(items) - len(shown)
    tail = f" and {more} more (kb report --all lists them)" if more else ""
    return [f"{title} ({len(items)}): " + ", ".join(shown) + tail]


@cli.command("report")
@click.option("--json", "as_json", is_flag=True,
              help="Print the report as JSON (sessions with readings per kind, reading time and "
                   "tags; unused papers; sessions without required reading; repeated papers; "
                   "uncovered tags; the reading time of each paper read).")
@click.option("--all", "show_all", is_flag=True,
              help=f"List every unused paper (the text report names the first {LIST_LIMIT}).")
@pass_state
def report_command(state: State, as_json: bool, show_all: bool) -> None:
    """The course at a glance, for the instructor.

    Per session: its readings by kind (required, optional, background, presentation), the
    reading time of its required readings and of all, and the tags its readings cover. Then the
    papers no session or poster uses, the sessions without a required reading, the papers read
    in several sessions, and the tags of the vocabulary no session covers.

    Reading time is the estimate the site shows students: 6 minutes a page where a paper has a
    page count (its numpages or pages field, or arXiv's "N pages" comment), else 200 words a
    minute over its abstract, summary and notes (marked *).
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from kb.course.load import load_project
    from kb.checks.report import KINDS_LEGEND, LOAD_LEGEND, course_report, time_text

    project = load_project(state.config)
    report = course_report(project, state.config)
    broken = sum(project.failed(kind) for kind in ("paper", "session", "poster"))
    if broken:
        click.echo(f"warning: {plural(broken, 'file')} could not be loaded and "
                   f"{'is' if broken == 1 else 'are'} left out; run kb check", err=True)
    if as_json:
        echo_json(report.as_dict())
        return
    table = Table(title=f"{plural(len(report.sessions), 'session')}, {plural(report.papers, 'paper')}",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("#", "date", "req", "opt", "bg", "pres", "time req", "time all", "tags"):
        table.add_column(name, justify="left" if name == "date" else "right", no_wrap=True)
    for row in report.sessions:
        k = row.kinds
        table.add_row(str(row.session), row.date or "", str(k["required"]),
                      str(k["optional"]), str(k["background"]), str(k["presentation"]),
                      time_text(row.required), time_text(row.total), str(len(row.tags)))
    Console(soft_wrap=False).print(table)
    width = max((len(str(row.session)) for row in report.sessions), default=1)
    lines = [*textwrap.wrap(KINDS_LEGEND + " " + LOAD_LEGEND, 80), "",
             "sessions and the tags their readings cover:"]
    for row in report.sessions:
        lines.append(f"  {row.session:>{width}}. {row.title}")
        lines += textwrap.wrap(", ".join(row.tags) or "no tags", 80, initial_indent=" " * (width + 4),
                               subsequent_indent=" " * (width + 4))
    lines.append("")
    lines += _keys("sessions without a required reading", [str(n) for n in report.no_required], True)
    repeated = [f"{key} ({', '.join(map(str, numbers))})" for key, numbers in report.repeated.items()]
    lines += _keys("papers read in several sessions", repeated, True)
    lines += _keys("papers no session or poster uses", report.unused, show_all)
    lines += _keys("vocabulary tags no session covers", report.uncovered_tags, True)
    for line in lines:
        say(line)
