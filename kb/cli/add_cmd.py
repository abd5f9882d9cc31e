"""``kb add``, ``kb enrich`` and ``kb tag``.

The network library (httpx) is imported inside the commands, so ``kb --help`` and
``kb check`` never pay for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from kb.cli.app import SESSION, State, cli, echo_json, pass_state, say
from kb.model.plural import plural
from kb.model.terminal import for_terminal
from kb.progress import count_bar, progress_for

if TYPE_CHECKING:
    from kb.curate.add import AddOutcome

_json_option = click.option("--json", "as_json", is_flag=True,
                            help="Print the report as JSON (for scripts).")
_dry_run_option = click.option("--dry-run", is_flag=True,
                               help="Show the same report but write nothing.")
_refresh_option = click.option(
    "--refresh", is_flag=True,
    help="Ask the services (arXiv, Crossref, OpenAlex) again instead of using the answers kept "
         "in .kb/net/ (a record is kept 30 days, a 'not found' one day); the new answers are kept.")


def _notifier(state: State) -> Callable[[str], None]:
    """Where the client's 'waiting N s' lines go: the progress reporter on stderr."""
    reporter = progress_for(state.quiet)
    return lambda line: reporter.phase(for_terminal(line))


def _sent(requests: int, kept: int) -> str:
    """'2 requests sent' and, when answers came from the cache, how to ask again."""
    text = f"{plural(requests, 'request')} sent"
    if kept:
        text += f", {plural(kept, 'answer')} from the cache in .kb/net/ (--refresh asks again)"
    return text


def _short(value: str, width: int = 70) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[:width - 1].rstrip() + "…"


def format_add(outcome: AddOutcome) -> list[str]:
    """The report lines of one id: what happened, then notes, tags and the reading list."""
    if outcome.status == "failed":
        lines = [f"{outcome.id}: failed: {outcome.message}"]
    elif outcome.status == "added":
        paper = outcome.paper or {}
        byline = ", ".join(str(p) for p in (paper.get("year"), paper.get("venue")) if p)
        lines = [f"{outcome.id}: added papers/{outcome.key}.md: {_short(str(paper.get('title', '')))}"
                 + (f" ({byline})" if byline else "")]
        filled = [n for n in ("abstract", "venue", "doi") if paper.get(n)]
        if filled:
            lines.append(f"  with {', '.join(filled)}")
    elif outcome.status == "merged":
        lines = [f"{outcome.id}: merged {outcome.message}"]
    else:
        lines = [f"{outcome.id}: skipped: {outcome.message}"]
    lines.extend(f"  note: {n}" for n in outcome.notes)
    if outcome.tags_added and outcome.status != "added":
        lines.append(f"  tagged {outcome.key}: " + ", ".join(outcome.tags_added))
    elif outcome.tags_added:
        lines.append("  tags: " + ", ".join(outcome.tags_added))
    if outcome.reading is not None:
        lines.append(f"  {outcome.reading.message}")
    return lines


@cli.command("add")
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Tag the paper(s) with TAG (repeatable); it must be in the tag vocabulary.")
@click.option("--session", type=SESSION, metavar="N",
              help="Also put the paper(s) on session N's reading list.")
@click.option("--kind", type=click.Choice(["required", "optional", "background", "presentation"]),
              default="required", show_default=True, help="The reading kind, with --session.")
@click.option("--note", help="A note for the reading list entry, with --session.")
@click.option("--update", is_flag=True,
              help="For a paper that is there already, fill its missing fields.")
@_refresh_option
@_dry_run_option
@_json_option
@pass_state
def add_command(state: State, ids: tuple[str, ...], tags: tuple[str, ...], session: int | None,
                kind: str, note: str | None, update: bool, refresh: bool, dry_run: bool,
                as_json: bool) -> None:
    """Add papers by arXiv id or DOI, with metadata from arXiv and Crossref.

    ID is arxiv:2203.02155, 2203.02155, hep-th/9901001, an arxiv.org abs/pdf link,
    doi:10.1000/xyz, 10.1000/xyz or a doi.org link. Each paper becomes papers/<key>.md with
    title, authors, year, venue, ids, link and abstract; an arXiv paper with a published
    version gets its DOI and venue. Keys and duplicate checks are those of kb import; an
    existing file is never overwritten. Endpoints: KB_ARXIV_API, KB_CROSSREF_API or the
    arxiv_api / crossref_api options. Answers that could be read are kept in .kb/net/ (30
    days, 'not found' one day): --refresh asks again, deleting .kb/net/ forgets them all.
    One request takes at most 30 s (KB_NET_DEADLINE) and 5 MB; a service asking to wait
    longer than 60 s is an error. Exits 1 when an id failed, 2 when the command cannot run.
    """
    if (note is not None or kind != "required") and session is None:
        raise click.UsageError("--kind and --note need --session N")
    from kb.curate.add import add_papers

    report = add_papers(state.config, ids, tags=tags, session=session, kind=kind, note=note,
                        update=update, dry_run=dry_run, refresh=refresh,
                        notify=_notifier(state))
    if as_json:
        echo_json(report.as_dict())
    else:
        for outcome in report.outcomes:
            for line in format_add(outcome):
                say(line)
        counts = ", ".join(plural(report.count(s), s) if s == "duplicate" else f"{report.count(s)} {s}"
                           for s in ("added", "merged", "duplicate", "failed") if report.count(s))
        click.echo(f"{counts}; {_sent(report.requests, report.kept)}"
                   + (" (dry run: nothing was written)" if dry_run else ""))
    raise SystemExit(0 if report.ok else 1)


@cli.command("enrich")
@click.argument("keys", nargs=-1, metavar="[KEYS...]")
@click.option("--references", is_flag=True,
              help="Instead of metadata, ask OpenAlex which papers of the course each paper "
                   "cites and add their keys to its cites: field (KB_OPENALEX_API, "
                   "KB_OPENALEX_KEY).")
@_refresh_option
@_dry_run_option
@_json_option
@pass_state
def enrich_command(state: State, keys: tuple[str, ...], references: bool, refresh: bool,
                   dry_run: bool, as_json: bool) -> None:
    """Fill the missing abstract, venue and DOI of papers that have an arXiv id or a DOI.

    Without KEYS every such paper is looked at. Fields a paper has are never changed; the
    missing ones are added to its front matter, the rest of the file left as it is. A
    progress bar shows on a terminal; the report lists what changed per paper.
    Exits 1 when a paper could not be looked up.

    With --references, OpenAlex is asked instead (every paper with a DOI or an arXiv id, in
    batches of 50) and each paper of KEYS gets the keys of the course papers it cites added
    to its cites: field; keys already there stay. The site shows them on the paper pages
    and the map, without going online. Exits 1 when a request failed.
    """
    if references:
        _enrich_references(state, keys, refresh, dry_run, as_json)
        return
    from kb.curate.enrich import enrich

    with count_bar("enriching", not as_json and sys.stderr.isatty()) as progress:
        report = enrich(state.config, keys, dry_run=dry_run, refresh=refresh,
                        notify=_notifier(state), progress=progress)
    if as_json:
        echo_json(report.as_dict())
        raise SystemExit(0 if report.ok else 1)
    for outcome in report.outcomes:
        if outcome.status == "enriched":
            say(f"{outcome.key}: filled " + "; ".join(
                f"{name} ({_short(value, 50)})" for name, value in outcome.filled.items()))
        elif outcome.status == "unchanged":
            say(f"{outcome.key}: unchanged: {outcome.message}")
        else:
            say(f"{outcome.key}: failed: {outcome.message}")
    enriched = report.count("enriched")
    click.echo(f"{enriched} enriched, {len(report.outcomes) - enriched} not, {report.skipped} "
               f"skipped (nothing missing or no id); {_sent(report.requests, report.kept)}"
               + (" (dry run: nothing was written)" if dry_run else ""))
    raise SystemExit(0 if report.ok else 1)


def _enrich_references(state: State, keys: tuple[str, ...], refresh: bool, dry_run: bool,
                       as_json: bool) -> None:
    """``kb enrich --references``: the report per paper, then the counts."""
    from kb.curate.references import enrich_references

    with count_bar("asking OpenAlex", not as_json and sys.stderr.isatty()) as progress:
        report = enrich_references(state.config, keys, dry_run=dry_run, refresh=refresh,
                                   notify=_notifier(state), progress=progress)
    if as_json:
        echo_json(report.as_dict())
        raise SystemExit(0 if report.ok else 1)
    for outcome in report.outcomes:
        if outcome.status == "written":
            old = [k for k in outcome.cites if k not in outcome.added]
            say(f"{outcome.key}: cites {', '.join(outcome.added)}"
                + (f" (added; already listed: {', '.join(old)})" if old else ""))
        elif outcome.status == "unchanged":
            say(f"{outcome.key}: unchanged: {outcome.message}")
        elif outcome.status == "not-found":
            say(f"{outcome.key}: not found: {outcome.message}")
        elif outcome.status == "failed":
            say(f"{outcome.key}: failed: {outcome.message}")
    links, written = sum(len(o.added) for o in report.outcomes), report.count("written")
    click.echo(f"{written} paper{'s' if written != 1 else ''} got {links} new citation"
               f"{'s' if links != 1 else ''}, {report.count('unchanged')} unchanged, "
               f"{report.count('not-found')} not in OpenAlex, {report.count('failed')} failed, "
               f"{report.count('skipped')} skipped (no DOI or arXiv id); "
               f"{_sent(report.requests, report.kept)}"
               + (" (dry run: nothing was written)" if dry_run else ""))
    raise SystemExit(0 if report.ok else 1)


@cli.command("tag")
@click.argument("action", type=click.Choice(["add", "remove"]))
@click.argument("tag")
@click.argument("keys", nargs=-1, required=True, metavar="KEYS...")
@_dry_run_option
@pass_state
def tag_command(state: State, action: str, tag: str, keys: tuple[str, ...], dry_run: bool) -> None:
    """Add TAG to (or remove it from) the papers KEYS.

    Every key is checked first (with the nearest keys when one is unknown); only the tags
    field of each paper changes. A new tag must be in the tag vocabulary of mkdocs.yml.
    """
    from kb.curate.tagging import retag

    changes = retag(state.config, action, tag, keys, dry_run=dry_run)  # type: ignore[arg-type]
    for change in changes:
        say(f"{change.key}: {tag_line(action, tag, change.changed, change.tags)}")
    changed = sum(c.changed for c in changes)
    click.echo(f"{changed} of {plural(len(changes), 'paper')} changed"
               + (" (dry run: nothing was written)" if dry_run else ""))


def tag_line(action: str, tag: str, changed: bool, tags: list[str]) -> str:
    """What ``kb tag`` did to one paper and the tags it has now: 'removed architecture; tags
    now: rlhf', 'removed architecture; no tags left', 'already tagged rlhf; tags: rlhf'."""
    now = ", ".join(tags)
    if changed:
        done = f"added {tag}" if action == "add" else f"removed {tag}"
        return f"{done}; tags now: {now}" if now else f"{done}; no tags left"
    done = f"already tagged {tag}" if action == "add" else f"not tagged {tag}"
    return f"{done}; tags: {now}" if now else f"{done}; no tags"
