"""``kb import`` and ``kb export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb.cli.app import State, cli, echo_json, pass_state, say
from kb.cli.filter_options import filter_options, pop_filters
from kb.errors import FilterError
from kb.model.plural import plural
from kb.model.suggest import shortened
from kb.progress import count_bar

if TYPE_CHECKING:
    from kb.curate.importer import ImportReport, Outcome

_COLUMNS = ("read", "imported", "merged", "duplicates", "failed")


def _where(outcome: Outcome) -> str:
    return outcome.path + (f":{outcome.line}" if outcome.line else "")


def format_outcome(outcome: Outcome, verbose: bool) -> list[str]:
    """The report lines of one entry (none for a plain import unless ``verbose``)."""
    lines = []
    label = shortened(outcome.source_key) if outcome.source_key else "(no key)"
    where = _where(outcome)
    if outcome.status == "failed":
        lines.append(f"{where}: failed {label}: {outcome.message}")
    elif outcome.status == "duplicate":
        lines.append(f"{where}: skipped {label}: {outcome.message}")
    elif outcome.status == "merged":
        lines.append(f"{where}: merged {label} {outcome.message}")
    elif outcome.message:
        lines.append(f"{where}: imported {label} {outcome.message}")
    elif verbose:
        lines.append(f"{where}: imported {label}")
    lines.extend(f"{where}: warning {label}: {w}" for w in outcome.warnings)
    return lines


def summary_table(report: ImportReport) -> list[str]:
    """Counts per file and in total, as an aligned text table."""
    rows = [(path, report.counts(path).as_dict()) for path in report.files]
    if len(rows) > 1:
        rows.append(("total", report.counts().as_dict()))
    width = max([len("file"), *(len(p) for p, _ in rows)])
    sizes = [max(len(c), 5) for c in _COLUMNS]
    lines = [f"{'file':<{width}}  "
             + "  ".join(f"{c:>{n}}" for c, n in zip(_COLUMNS, sizes, strict=True))]
    for path, counts in rows:
        lines.append(f"{path:<{width}}  "
                     + "  ".join(f"{counts[c]:>{n}}" for c, n in zip(_COLUMNS, sizes, strict=True)))
    return lines


@cli.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--refs", "refs", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A .bib file read only for its @string macros and crossref targets "
                   "(its entries are not imported); repeatable.")
@click.option("--update", is_flag=True,
              help="Fill the missing fields of an existing paper from its duplicate, and report them.")
@click.option("--dry-run", is_flag=True, help="Show the same report but write nothing.")
@click.option("--verbose", is_flag=True, help="Also list every entry imported under its own key.")
@click.option("--key", "keys", multiple=True, metavar="KEY",
              help="Import only the entry with this key (as in the file); repeatable.")
@click.option("--match", "match", metavar="REGEX",
              help="Import only entries whose title matches this regular expression "
                   "(case-insensitive).")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Add this tag to every imported paper; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format: text for people, json for scripts.")
@pass_state
def import_command(state: State, files: tuple[Path, ...], refs: tuple[Path, ...], update: bool,
                   dry_run: bool, verbose: bool, keys: tuple[str, ...], match: str | None,
                   tags: tuple[str, ...], fmt: str) -> None:
    """Import the entries of FILE.bib ... as papers/<key>.md files.

    @string macros, bare month macros and crossref/xref work across all given files; LaTeX
    becomes Unicode, names "Last, First", arXiv ids and DOIs are found and normalised.
    Duplicates (same DOI, arXiv id, or a near-identical title that authors, year or venue
    confirm) are reported and not imported twice; a similar title without such evidence is
    imported and reported as a possible duplicate. BibTeX keywords that name a tag of the
    vocabulary (case and dashes aside) become tags. --key and --match pick entries from a big
    file; every picked entry is counted: read = imported + merged + duplicates + failed.
    Exits 1 when an entry failed, 2 when a file cannot be read.
    """
    import re

    from kb.curate.importer import import_bib
    from kb.course.lookups import check_tags

    config = state.config
    check_tags(config, tags)
    if match is not None:
        try:
            re.compile(match)
        except re.error as exc:
            raise click.BadParameter(f"not a regular expression: {exc}",
                                    param_hint="--match") from None
    with count_bar("importing", fmt == "text" and sys.stderr.isatty()) as progress:
        report = import_bib(config, list(files), refs=list(refs), update=update,
                            dry_run=dry_run, progress=progress, keys=keys, match=match,
                            tags=tags)
    if fmt == "json":
        echo_json(report.as_dict())
    else:
        for path, lineno, message in report.file_warnings:
            say(f"{path}{f':{lineno}' if lineno else ''}: warning: {message}")
        for outcome in report.outcomes:
            for line in format_outcome(outcome, verbose):
                say(line)
        for line in summary_table(report):
            say(line)
        if report.picked is not None:
            click.echo(f"picked {report.picked[0]} of {plural(report.picked[1], 'entry')}")
        if dry_run:
            click.echo("dry run: nothing was written")
    raise SystemExit(0 if report.ok else 1)


@cli.command("export")
@click.argument("fmt", metavar="bib|csl", type=click.Choice(["bib", "csl"]))
@filter_options()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically) instead of standard output.")
@click.option("--private", "include_private", is_flag=True,
              help="Also write the private fields (the private_fields option: file, annote, "
                   "...), e.g. for a backup; left out by default.")
@pass_state
def export_command(state: State, fmt: str, output: Path | None, include_private: bool,
                   **options: Any) -> None:
    """Export papers as BibTeX (bib) or CSL-JSON (csl) for LaTeX, Pandoc and Zotero.

    Without filters every paper is exported; the filters narrow the choice. A filter value
    that no paper has, or filters that together select no paper, are an error (exit 1) and
    nothing is written. The BibTeX is sorted by key with a fixed field order, and imports
    back unchanged. Private fields (local PDF paths, personal notes: the private_fields
    option in mkdocs.yml) are left out unless --private is given.
    """
    from kb.bib.csl import export_csl
    from kb.bib.mapping import export_bibtex
    from kb.course.load import load_project
    from kb.fs import atomic_write
    from kb.course.filters import select_papers
    from kb.model.privacy import public_paper

    from kb.errors import ContentError
    from kb.fs import output_problem

    problem = output_problem(output) if output is not None else None
    if problem:
        raise ContentError(f"--output: {problem}", path=output,
                           fix="give a new file name in an existing folder, or a regular file")
    filters = pop_filters(options)
    config = state.config
    papers = select_papers(load_project(config), filters, config.options.tags)
    if not papers:
        raise FilterError(f"no paper matches {filters.describe()}", field="filters",
                          fix="loosen the filters; each one alone selects papers, together none")
    if not include_private:
        papers = [public_paper(p, config.options.private_fields) for p in papers]
    if fmt == "bib":
        text = export_bibtex(papers)
    else:
        text = json.dumps(export_csl(papers), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write(output, text)
        click.echo(f"wrote {plural(len(papers), 'paper')} to {output}", err=True)
