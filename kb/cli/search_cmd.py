"""``kb search``, ``kb related``, ``kb suggest`` and ``kb sync``.

The search library (SQLModel, faiss, the model) is imported inside the commands, so that
``kb --help`` and ``kb check`` never pay for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from kb.cli.app import SESSION, State, cli, echo_json, pass_state, quiet_option, say
from kb.cli.filter_options import filter_options, pop_filters
from kb.model.plural import plural

if TYPE_CHECKING:
    from kb.course.filters import Filters
    from kb.search.engine import Hit, KnowledgeBase

_EMPTY = "the knowledge base has no papers yet: add papers/<key>.md files (see kb init)"


def _open(state: State, *, embed: bool = True) -> KnowledgeBase:
    from kb.progress import progress_for
    from kb.search.engine import open_kb

    kb = open_kb(state.config, progress=progress_for(state.quiet), embed=embed)
    for note in kb.report.notes:
        say(note, err=True)
    if kb.report.broken:
        n = len(kb.report.broken)
        files = "1 paper file could not be read and is" if n == 1 else \
            f"{n} paper files could not be read and are"
        click.echo(f"warning: {files} left out; run kb check", err=True)
    return kb


def _print_hits(hits: Sequence[Hit], as_json: bool, title: str, weak: str = "") -> None:
    """The hits as a table or JSON; ``weak``: the line that says no hit is a strong match
    (under the title, or on stderr beside JSON)."""
    if as_json:
        if weak:
            click.echo(f"note: {weak}", err=True)
        echo_json([h.as_dict() for h in hits])
        return
    from kb.cli.table import hits_table, output_width

    notes = [_closest(hit) for hit in hits]
    click.echo(hits_table(hits, title, output_width(), dim=sys.stdout.isatty(), notes=notes,
                          note=weak), nl=False)


def _closest(hit: Hit) -> str:
    """For a suggestion: the session's readings it is closest to, with their cosine."""
    closest = getattr(hit, "closest", None)
    if closest is None:
        return ""
    if not closest:
        return "chosen by the session's title and page (no readings to compare)"
    return "closest to " + ", ".join(f"{key} ({score:.2f})" for key, score in closest)


def _show(state: State, as_json: bool, title: str, nothing: str,
          fetch: Callable[[KnowledgeBase], Sequence[Hit]], query: str | None = None,
          filters: Filters | None = None) -> None:
    """Open the knowledge base, fetch hits and print them, or say clearly why there are none
    (``query``: a search's, named when none of its hits is a strong match; ``filters``: named
    instead of ``nothing`` when together they select no paper)."""
    # The index is loaded (or built) only when the fetch needs it, after the filters are checked.
    kb = _open(state, embed=False)
    hits = fetch(kb) if len(kb) else []
    if not hits and not as_json and len(kb) and filters is not None and not filters.empty \
            and not kb.selected(filters):
        nothing = f"no paper matches {filters.describe()}"
    if hits:
        weak = ""
        if query is not None and all(getattr(h, "strong", None) is False for h in hits):
            weak = f"No strong match for {_quoted(query)}; the nearest papers:"
        _print_hits(hits, as_json, title, weak)
    elif as_json:
        echo_json([])
    else:
        say(nothing if len(kb) else _EMPTY)


def _quoted(text: str, room: int = 60) -> str:
    """``text`` in quotes, cut at a word (with an ellipsis) when it is longer than ``room``."""
    if len(text) > room:
        cut = text[:room].rsplit(" ", 1)[0] if " " in text[:room] else text[:room - 1]
        text = cut.rstrip() + "…"
    return "“" + text + "”"


_k_option = click.option("-k", "--limit", "k", type=click.IntRange(1, 1000), default=10,
                         show_default=True, help="How many papers to show.")
_json_option = click.option("--json", "as_json", is_flag=True,
                            help="Print a JSON list of hits (key, title, authors, year, venue, "
                                 "arxiv, doi, score).")


@cli.command("search")
@quiet_option
@click.argument("query")
@click.option("--mode", type=click.Choice(["hybrid", "semantic", "keyword"]), default="hybrid",
              show_default=True,
              help="keyword: words (bm25); semantic: meaning (embeddings); hybrid: both, fused.")
@_k_option
@filter_options()
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of hits (key, title, authors, year, venue, arxiv, doi, "
                   "score, matched, why, strong, excerpt); a note on stderr when none is a "
                   "strong match.")
@pass_state
def search_command(state: State, query: str, mode: str, k: int, as_json: bool,
                   **options: Any) -> None:
    """Find papers about QUERY, by meaning and by words (hybrid, the default).

    Each result shows the sentence that matched (the query's words in it, or the sentence
    nearest in meaning) and which of the query's words the paper holds. When no result is a
    strong match (hybrid and semantic modes), a line says so above the nearest papers.

    The filters narrow the papers searched: every filter given must hold, and a repeated
    --tag or --key means any of them. A filter value that no paper has is an error (exit 1)
    that names the closest known values.

    The cache in .kb/ is brought up to date with the files first; only changed papers are
    embedded again.
    """
    filters = pop_filters(options)
    if mode == "hybrid":  # all its matrix products run on one thread (kb.search.blas)
        from kb.search.blas import start_with_one_thread

        start_with_one_thread()
    _show(state, as_json, f"{mode} search: {query}", f"no papers match {query!r}",
          lambda kb: kb.search(query, mode=mode, k=k, filters=filters), query, filters)


@cli.command("related")
@quiet_option
@click.argument("key")
@click.option("-k", "--limit", "k", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="How many papers to show.")
@filter_options()
@_json_option
@pass_state
def related_command(state: State, key: str, k: int, as_json: bool, **options: Any) -> None:
    """List the papers nearest in meaning to paper KEY (KEY itself left out)."""
    filters = pop_filters(options)
    _show(state, as_json, f"related to {key}", f"no other papers to compare with {key}",
          lambda kb: kb.related(key, k, filters), filters=filters)


@cli.command("suggest")
@quiet_option
@click.option("--session", type=SESSION, required=True,
              help="The session number whose topic and readings the suggestions follow.")
@_k_option
@filter_options(session=False)
@_json_option
@pass_state
def suggest_command(state: State, session: int, k: int, as_json: bool, **options: Any) -> None:
    """Suggest papers of the knowledge base for a session that its reading list lacks.

    Ranks papers by closeness to the session's title, page and current readings, leaving out
    the papers already on its list, and names under each the two readings of the session it
    is closest to (cosine similarity), so you can see why it was suggested. The filters
    narrow the candidates.
    """
    filters = pop_filters(options)
    _show(state, as_json, f"suggestions for session {session}",
          f"nothing to suggest for session {session}: every paper is listed",
          lambda kb: kb.suggest(session, k, filters), filters=filters)


@cli.command("sync")
@quiet_option
@click.option("--rebuild", is_flag=True, help="Throw the cache away and rebuild it from the files.")
@pass_state
def sync_command(state: State, rebuild: bool) -> None:
    """Bring the cache in .kb/ (database, embeddings, index) up to date with the files."""
    if rebuild:
        from kb.search.cache import clear

        clear(state.config)
    kb = _open(state)
    r = kb.report
    click.echo(f"synced {plural(len(kb), 'paper')}: {len(r.added)} added, {len(r.changed)} changed, "
               f"{len(r.removed)} removed, {r.unchanged} unchanged; {kb.embedded} embedded")
