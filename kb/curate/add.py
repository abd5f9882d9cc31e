"""``kb add``: papers by arXiv id or DOI, with the metadata arXiv and Crossref give.

Each id gets one outcome:

added       a new ``papers/<key>.md`` (or would be, with ``dry_run``)
merged      the paper was there already; ``update`` filled its missing fields
duplicate   the paper was there already (same DOI, arXiv id, or title with agreeing
            evidence); its file is not rewritten
failed      the id cannot be read, the services do not know it or cannot be reached

An id the course has already (the same arXiv id in any version, the same DOI in any case, or
an arXiv DOI of a paper with that arXiv id) is answered from the library with no request: the
network is asked only for what is new, or for everything with ``update``.

The keys and duplicate checks are ``kb import``'s (:class:`kb.curate.library.Library`). Tags
and a session's reading list apply to the paper whether it is new or was there already;
both are edited in place (:mod:`kb.course.edit`), never by rewriting a file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kb.curate.library import Library, add_tags, generated_key
from kb.course.config import Config
from kb.course.load import load_project, paper_front_matter, paper_path
from kb.course.edit import edit_file
from kb.course.lookups import check_tags, unknown_session
from kb.curate.services import ServiceReport, endpoints, open_client
from kb.net import Identifier, look_up, parse_identifier
from kb.net.client import PoliteClient
from kb.curate.readings import ReadingChange, add_reading, check_kind

AddStatus = Literal["added", "merged", "duplicate", "failed"]


@dataclass
class AddOutcome:
    """What happened to one id."""

    id: str
    status: AddStatus
    key: str | None = None
    message: str = ""
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tags_added: list[str] = field(default_factory=list)
    reading: ReadingChange | None = None
    paper: dict[str, object] | None = None

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "status": self.status, "key": self.key, "message": self.message,
                "changes": self.changes, "notes": self.notes, "tags_added": self.tags_added,
                "reading": self.reading.as_dict() if self.reading else None,
                "paper": self.paper}


@dataclass
class AddReport(ServiceReport[AddOutcome]):

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "dry_run": self.dry_run, "requests": self.requests,
                "cached_answers": self.kept,
                "counts": {s: self.count(s) for s in ("added", "merged", "duplicate", "failed")},
                "papers": [o.as_dict() for o in self.outcomes]}


def add_papers(config: Config, ids: Sequence[str], *, tags: Sequence[str] = (),
               session: int | None = None, kind: str = "required", note: str | None = None,
               update: bool = False, dry_run: bool = False, refresh: bool = False,
               notify: Callable[[str], None] | None = None,
               client: PoliteClient | None = None) -> AddReport:
    """Add the papers ``ids`` name. Tags, the session and the kind are checked before any
    request is sent (NotFoundError / ContentError with the nearest names); an id that
    cannot be read or found fails on its own and the others carry on. ``refresh`` asks the
    services again instead of using the answers kept in ``.kb/net/``; ``notify`` gets a line
    before a long wait (a service's Retry-After)."""
    check_tags(config, tags)
    check_kind(kind)
    project = load_project(config)
    if session is not None and project.session(session) is None:
        raise unknown_session(project, session)
    library = Library(config, project)
    outcomes: list[AddOutcome] = []
    idents = []
    for text in ids:
        try:
            ident = parse_identifier(text)
        except ValueError as exc:
            outcomes.append(AddOutcome(text, "failed", message=str(exc)))
            continue
        known = None if update else _known(library, ident)
        outcomes.append(known or AddOutcome(text, "added"))
        if known is None:
            idents.append(ident)
    requests = kept = 0
    if idents:  # only what the course does not have is asked for
        own = client is None
        client = client or open_client(config, refresh=refresh, notify=notify)
        try:
            found = look_up(client, endpoints(config), idents)
        finally:
            requests, kept = client.requests, client.cache_hits
            if own:
                client.close()
    pending = iter(found if idents else [])
    for outcome in outcomes:
        if outcome.status != "added":
            continue
        result = next(pending)
        outcome.notes = result.notes
        if result.paper is None:
            outcome.status, outcome.message = "failed", result.error or "not found"
            continue
        paper = result.paper
        add_tags(paper, tags)
        placed = library.place(paper, generated_key(paper), update=update)
        outcome.key, outcome.changes = placed.key, placed.changes
        outcome.notes.extend(placed.warnings)
        outcome.status = {"imported": "added", "merged": "merged"}.get(placed.status, "duplicate")  # type: ignore[assignment]
        outcome.message = placed.message
        outcome.paper = paper_front_matter(library.known[placed.key or paper.key])
        if outcome.status == "added":
            outcome.tags_added = [t for t in tags if t in paper.tags]
    if not dry_run:
        failed = library.write()
        for outcome in outcomes:
            if outcome.status in ("added", "merged") and outcome.key in failed:
                outcome.status, outcome.message = "failed", failed[outcome.key]
    for outcome in outcomes:
        if outcome.status in ("merged", "duplicate") and outcome.key:
            outcome.tags_added = _tag_existing(config, library, outcome.key, tags, dry_run)
        if session is not None and outcome.status != "failed" and outcome.key:
            outcome.reading = add_reading(config, project, session, outcome.key, kind, note,
                                          dry_run=dry_run)
    return AddReport(outcomes, dry_run=dry_run, requests=requests, kept=kept)


def _known(library: Library, ident: Identifier) -> AddOutcome | None:
    """The outcome for an id the course has already (same arXiv id in any version or DOI
    spelling, an arXiv DOI included), found without asking anyone; None for a new id."""
    match = library.index.match(arxiv=ident.value) if ident.kind == "arxiv" else \
        library.index.match(doi=ident.value)
    if match is None:
        return None
    what = "arXiv id" if ident.kind == "arxiv" else "DOI"
    return AddOutcome(ident.text, "duplicate", key=match.key,
                      message=f"already in the course as {match.key} (same {what} {ident.value})",
                      paper=paper_front_matter(library.known[match.key]))


def _tag_existing(config: Config, library: Library, key: str, tags: Sequence[str],
                  dry_run: bool) -> list[str]:
    """Add ``tags`` to a paper that was there already, editing only its ``tags`` field."""
    paper = library.known[key]
    if key in library.new:  # written in this run, with its tags
        return add_tags(paper, tags)
    added: list[str] = []

    def tagged(current: dict[str, Any]) -> dict[str, Any]:
        """The tags of the file as it is now, with the missing ones added."""
        found = current.get("tags")
        now: list[str] = found if isinstance(found, list) else paper.tags
        added[:] = [t for t in dict.fromkeys(tags) if t not in now]
        return {"tags": [*now, *added]} if added else {}

    path = paper_path(config, key)
    edit_file(path, config.relative(path), tagged, config.options.max_file_size, dry_run=dry_run,
              root=config.root)
    paper.tags.extend(t for t in added if t not in paper.tags)
    return added
