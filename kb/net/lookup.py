"""Identifiers as people paste them, and their metadata from arXiv and Crossref.

Accepted forms: ``arxiv:2203.02155``, ``2203.02155`` (a version suffix is dropped),
``hep-th/9901001``, ``https://arxiv.org/abs/...`` and ``.../pdf/...``, ``doi:10.1000/xyz``,
``10.1000/xyz``, ``https://doi.org/10.1000/xyz`` (also dx.doi.org), and arXiv's own DOIs
(``10.48550/arXiv.2203.02155``), which are looked up at arXiv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote

from kb.model.ids import arxiv_from_doi, doi_problem, normalize_arxiv, valid_arxiv
from kb.model.entries import Paper
from kb.model.suggest import quoted
import kb.net.arxiv as arxiv_api
import kb.net.crossref as crossref
from kb.net.client import PoliteClient
from kb.net.errors import NetError

_DOI_PREFIX = re.compile(r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)",
                           re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


@dataclass(frozen=True)
class Endpoints:
    """The base URLs of the services asked."""

    arxiv: str
    crossref: str


@dataclass(frozen=True)
class Identifier:
    """An id as typed (``text``) and what it names: ``kind`` arxiv or doi, ``value``."""

    text: str
    kind: Literal["arxiv", "doi"]
    value: str


def parse_identifier(text: str) -> Identifier:
    """Read one id as a person would paste it. Raises ValueError saying what is wrong."""
    raw = text.strip()
    if _ARXIV_PREFIX.match(raw) or valid_arxiv(raw):
        value = _ARXIV_PREFIX.sub("", raw).split("?")[0].split("#")[0].rstrip("/")
        value = value[:-4] if value.lower().endswith(".pdf") else value
        if not valid_arxiv(value):
            raise ValueError(f"{quoted(text)} is not an arXiv id (they look like 2203.02155 or "
                             "hep-th/9901001)")
        return Identifier(text, "arxiv", normalize_arxiv(value))
    doi = _DOI_PREFIX.sub("", raw)
    if doi != raw and not raw.lower().startswith("doi:"):  # a link: %-escapes decoded
        doi = unquote(doi)
    if _DOI.match(doi):
        from_arxiv = arxiv_from_doi(doi)
        if from_arxiv and valid_arxiv(from_arxiv):
            return Identifier(text, "arxiv", from_arxiv)
        problem = doi_problem(doi)
        if problem:
            raise ValueError(f"{quoted(text)} is not a DOI kb can ask for: {problem}")
        return Identifier(text, "doi", doi)
    raise ValueError(f"{quoted(text)} is neither an arXiv id nor a DOI (write arxiv:2203.02155, "
                     "2203.02155, an arxiv.org link, doi:10.1000/xyz or a doi.org link)")


KEPT = ("\n  note: this answer was kept in .kb/net/ (a not-found answer for a day); "
        "--refresh asks again")


@dataclass
class Found:
    """What the services said about one identifier: a paper, or the error, plus notes."""

    ident: Identifier
    paper: Paper | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)


def _published(client: PoliteClient, endpoints: Endpoints, paper: Paper, found: Found) -> None:
    """arXiv names a published DOI: take venue, year and type from Crossref where it knows it."""
    assert paper.doi is not None
    try:
        published = crossref.fetch(client, endpoints.crossref, paper.doi)
    except NetError as exc:
        found.notes.append(f"published version {paper.doi}: Crossref not asked ({exc.message}); "
                           "venue from arXiv's journal reference")
        return
    if published is None:
        found.notes.append(f"published version {paper.doi} is unknown to Crossref; venue from "
                           "arXiv's journal reference")
        return
    paper.venue = published.venue or paper.venue
    paper.year = published.year or paper.year
    paper.type = published.type if published.type != "misc" else paper.type
    for name, value in published.bibtex.items():
        paper.bibtex.setdefault(name, value)
    found.notes.append(f"published as {paper.doi}" + (f" in {paper.venue}" if paper.venue else ""))


def look_up(client: PoliteClient, endpoints: Endpoints, idents: list[Identifier]) -> list[Found]:
    """One :class:`Found` per identifier, in order. arXiv ids are asked in one batch; a
    failed request marks its ids with the error, and the others carry on."""
    results = [Found(ident) for ident in idents]
    arxiv_ids = [f.ident.value for f in results if f.ident.kind == "arxiv"]
    records: dict[str, arxiv_api.ArxivRecord | None] = {}
    arxiv_error = None
    arxiv_kept = False
    if arxiv_ids:
        hits = client.cache_hits
        try:
            records = arxiv_api.fetch(client, endpoints.arxiv, arxiv_ids)
        except NetError as exc:
            arxiv_error = str(exc)
        arxiv_kept = client.cache_hits > hits
    for found in results:
        ident = found.ident
        if ident.kind == "arxiv":
            if arxiv_error:
                found.error = arxiv_error
                continue
            record = records.get(ident.value)
            if record is None:
                found.error = (f"arXiv knows no paper {ident.value}\n  fix: check the id "
                               f"on https://arxiv.org/abs/{ident.value}"
                               + (KEPT if arxiv_kept else ""))
                continue
            found.paper = record.to_paper()
            if record.withdrawn:
                found.notes.append(f"arXiv marks {ident.value} as withdrawn: {record.comment}")
            if found.paper.doi:
                _published(client, endpoints, found.paper, found)
            continue
        hits = client.cache_hits
        try:
            paper = crossref.fetch(client, endpoints.crossref, ident.value)
        except NetError as exc:
            found.error = str(exc)
            continue
        if paper is None:
            found.error = (f"Crossref knows no DOI {ident.value}\n  fix: check the DOI on "
                           f"https://doi.org/{ident.value} (DataCite DOIs, e.g. of Zenodo, are "
                           "not in Crossref)" + (KEPT if client.cache_hits > hits else ""))
            continue
        found.paper = paper
    return results
