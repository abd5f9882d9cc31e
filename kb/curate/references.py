"""``kb enrich --references``: the course's own citation graph, from OpenAlex.

OpenAlex is asked, in batches of 50 DOIs, for every paper of the course that has a DOI or an
arXiv id (asked for by its DataCite DOI, ``10.48550/arXiv.<id>``; a paper with both is asked
for by both, as OpenAlex may keep the preprint and the published version apart). The answers
give each paper's OpenAlex work ids and the works it cites; a paper cites another paper of
the course when one of its referenced works is one of the other's works. That list of keys
goes into the paper's ``cites:`` field, edited in place (:func:`kb.course.edit.edit_file`):
keys already there stay, new ones are added, none is removed, so a curator's own entries
survive a rerun. The site reads ``cites:`` only and never goes online for it.

The whole course is asked for even when KEYS name a few papers (their citations can only be
mapped to papers whose work ids are known); only the KEYS' files are written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kb.course.config import Config
from kb.course.edit import edit_file
from kb.course.load import load_project, paper_path
from kb.course.lookups import check_keys
from kb.curate.services import ServiceReport, open_client, openalex_endpoint, openalex_key
from kb.errors import KbError
from kb.model.entries import Paper
from kb.model.ids import normalize_arxiv, normalize_doi, valid_arxiv, valid_doi
from kb.net import openalex
from kb.net.client import PoliteClient
from kb.net.errors import NetError
from kb.progress import Count

Status = Literal["written", "unchanged", "not-found", "failed", "skipped"]


@dataclass
class CitesOutcome:
    key: str
    status: Status
    cites: list[str] = field(default_factory=list)   # course papers it cites, per OpenAlex
    added: list[str] = field(default_factory=list)   # of those, the ones new to its file
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "status": self.status, "cites": self.cites, "added": self.added,
                "message": self.message}


@dataclass
class CitesReport(ServiceReport[CitesOutcome]):

    def as_dict(self) -> dict[str, object]:
        counts = {s: self.count(s) for s in ("written", "unchanged", "not-found", "failed", "skipped")}
        return {"ok": self.ok, "dry_run": self.dry_run, "requests": self.requests,
                "cached_answers": self.kept, "counts": counts,
                "papers": [o.as_dict() for o in self.outcomes]}


def paper_dois(paper: Paper) -> list[str]:
    """The DOIs OpenAlex is asked for a paper by: its DOI, and its arXiv DataCite DOI."""
    dois = []
    if paper.doi and valid_doi(paper.doi):
        dois.append(normalize_doi(paper.doi))
    if paper.arxiv and valid_arxiv(paper.arxiv):
        dois.append(openalex.arxiv_doi(normalize_arxiv(paper.arxiv)))
    return [d for d in dict.fromkeys(dois) if openalex.doi_filter_problem(d) is None]


def _ask(client: PoliteClient, dois: list[str], progress: Count | None
         ) -> tuple[dict[str, list[openalex.Work]], dict[str, str]]:
    """The works of each DOI, and the error of each DOI whose batch failed."""
    works: dict[str, list[openalex.Work]] = {}
    errors: dict[str, str] = {}
    endpoint, key = openalex_endpoint(), openalex_key()
    for start in range(0, len(dois), openalex.BATCH):
        batch = dois[start:start + openalex.BATCH]
        try:
            works.update(openalex.fetch(client, endpoint, batch, api_key=key))
        except NetError as exc:
            errors.update(dict.fromkeys(batch, str(exc)))
        if progress:
            progress(min(start + openalex.BATCH, len(dois)), len(dois))
    return works, errors


def course_citations(papers: dict[str, Paper], works: dict[str, list[openalex.Work]]
                     ) -> dict[str, list[str]]:
    """For each paper whose works OpenAlex knows: the keys of the other papers it cites."""
    owners: dict[str, set[str]] = defaultdict(set)    # work id -> course keys
    cited: dict[str, set[str]] = {}                   # key -> referenced work ids
    for key, paper in papers.items():
        found = [w for doi in paper_dois(paper) for w in works.get(doi, [])]
        if not found:
            continue
        cited[key] = {ref for w in found for ref in w.references}
        for work in found:
            owners[work.id].add(key)
    return {key: sorted({k for ref in refs for k in owners.get(ref, ()) if k != key})
            for key, refs in cited.items()}


def enrich_references(config: Config, keys: Sequence[str] = (), *, dry_run: bool = False,
                      refresh: bool = False, notify: Callable[[str], None] | None = None,
                      client: PoliteClient | None = None, progress: Count | None = None
                      ) -> CitesReport:
    """Write into each paper of ``keys`` (every paper when empty) the course papers it cites,
    per OpenAlex; ``refresh`` and ``notify`` as for :func:`kb.curate.add.add_papers`."""
    project = load_project(config)
    check_keys(config, project, keys)
    papers = project.papers
    targets = list(dict.fromkeys(keys)) if keys else list(papers)
    dois = list(dict.fromkeys(d for p in papers.values() for d in paper_dois(p)))
    report = CitesReport([], dry_run=dry_run)
    own = client is None
    client = client or open_client(config, refresh=refresh, notify=notify)
    try:
        works, errors = _ask(client, dois, progress)
    finally:
        report.requests, report.kept = client.requests, client.cache_hits
        if own:
            client.close()
    citations = course_citations(papers, works)
    for key in targets:
        report.outcomes.append(_outcome(config, papers[key], citations, errors, dry_run))
    return report


def _outcome(config: Config, paper: Paper, citations: dict[str, list[str]],
             errors: dict[str, str], dry_run: bool) -> CitesOutcome:
    dois = paper_dois(paper)
    if not dois:
        return CitesOutcome(paper.key, "skipped", message="no DOI or arXiv id to ask OpenAlex with")
    failed = [errors[d] for d in dois if d in errors]
    if failed:
        return CitesOutcome(paper.key, "failed", message=failed[0])
    if paper.key not in citations:
        return CitesOutcome(paper.key, "not-found", message="OpenAlex knows no work with DOI "
                            + " or ".join(dois))
    cites = citations[paper.key]
    added: list[str] = []

    def merge(current: dict[str, Any]) -> dict[str, Any]:
        now = current.get("cites")
        now = [str(k) for k in now] if isinstance(now, list) else []
        added[:] = [k for k in cites if k not in now]
        return {"cites": [*now, *added]} if added else {}

    if cites:
        try:
            edit_file(paper_path(config, paper.key), config.relative(paper_path(config, paper.key)),
                      merge, config.options.max_file_size, dry_run=dry_run, root=config.root)
        except KbError as exc:
            return CitesOutcome(paper.key, "failed", cites, message=str(exc))
    if added:
        return CitesOutcome(paper.key, "written", cites, list(added))
    return CitesOutcome(paper.key, "unchanged", cites,
                        message="cites no other paper of the course" if not cites else
                        "its cites: already lists them")
