"""``kb enrich``: fill the missing abstract, venue and DOI of papers that have an arXiv id
or a DOI, from arXiv and Crossref. Fields a paper has are never changed; only the missing
ones are added to its front matter, in place (:mod:`kb.course.edit`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from kb.course.config import Config
from kb.course.load import load_project, paper_path
from kb.course.edit import edit_file
from kb.errors import KbError
from kb.course.lookups import check_keys
from kb.model.ids import valid_arxiv, valid_doi
from kb.model.entries import Paper
from kb.curate.services import ServiceReport, endpoints, open_client
from kb.net import Identifier, look_up
from kb.net.arxiv import BATCH
from kb.net.client import PoliteClient
from kb.progress import Count

FIELDS = ("abstract", "venue", "doi")
EnrichStatus = Literal["enriched", "unchanged", "failed"]


@dataclass
class EnrichOutcome:
    key: str
    status: EnrichStatus
    filled: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # still missing afterwards
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "status": self.status, "filled": self.filled,
                "missing": self.missing, "message": self.message}


@dataclass
class EnrichReport(ServiceReport[EnrichOutcome]):
    skipped: int = 0  # papers with nothing missing, or no id to ask with

    def as_dict(self) -> dict[str, object]:
        counts = {s: sum(o.status == s for o in self.outcomes)
                  for s in ("enriched", "unchanged", "failed")}
        return {"ok": self.ok, "dry_run": self.dry_run, "requests": self.requests,
                "cached_answers": self.kept, "counts": {**counts, "skipped": self.skipped},
                "papers": [o.as_dict() for o in self.outcomes]}


def missing_fields(paper: Paper) -> list[str]:
    return [name for name in FIELDS if not getattr(paper, name)]


def identifier(paper: Paper) -> Identifier | None:
    """What to ask for a paper: its arXiv id (arXiv has abstracts; its published DOI leads
    to Crossref), else its DOI."""
    if paper.arxiv and valid_arxiv(paper.arxiv):
        from kb.model.ids import normalize_arxiv

        return Identifier(paper.key, "arxiv", normalize_arxiv(paper.arxiv))
    if paper.doi and valid_doi(paper.doi):
        return Identifier(paper.key, "doi", paper.doi)
    return None


def enrich(config: Config, keys: Sequence[str] = (), *, dry_run: bool = False,
           refresh: bool = False, notify: Callable[[str], None] | None = None,
           client: PoliteClient | None = None, progress: Count | None = None) -> EnrichReport:
    """Fill missing fields of the papers ``keys`` (all papers when empty); ``refresh`` and
    ``notify`` as for :func:`kb.curate.add.add_papers`."""
    project = load_project(config)
    check_keys(config, project, keys)
    papers = [project.papers[k] for k in keys] if keys else list(project.papers.values())
    todo = [(p, identifier(p)) for p in papers if missing_fields(p)]
    asked = [(p, i) for p, i in todo if i is not None]
    report = EnrichReport([], skipped=len(papers) - len(asked), dry_run=dry_run)
    own = client is None
    client = client or open_client(config, refresh=refresh, notify=notify)
    try:
        for start in range(0, len(asked), BATCH):
            chunk = asked[start:start + BATCH]
            found = look_up(client, endpoints(config), [i for _, i in chunk if i is not None])
            for (paper, _), result in zip(chunk, found, strict=True):
                report.outcomes.append(_fill(config, paper, result.paper, result.error, dry_run))
            if progress:
                progress(min(start + BATCH, len(asked)), len(asked))
    finally:
        report.requests, report.kept = client.requests, client.cache_hits
        if own:
            client.close()
    return report


def _fill(config: Config, paper: Paper, source: Paper | None, error: str | None,
          dry_run: bool) -> EnrichOutcome:
    missing = missing_fields(paper)
    if source is None:
        return EnrichOutcome(paper.key, "failed", missing=missing, message=error or "not found")
    filled = {name: str(getattr(source, name)) for name in missing if getattr(source, name)}
    if not filled:
        return EnrichOutcome(paper.key, "unchanged", missing=missing,
                             message="the services know no " + ", ".join(missing))
    path = paper_path(config, paper.key)
    try:
        edit_file(path, config.relative(path), dict(filled), config.options.max_file_size,
                  dry_run=dry_run, root=config.root)
    except KbError as exc:
        return EnrichOutcome(paper.key, "failed", missing=missing, message=str(exc))
    for name, value in filled.items():
        setattr(paper, name, value)
    return EnrichOutcome(paper.key, "enriched", filled=filled,
                         missing=[m for m in missing if m not in filled])
