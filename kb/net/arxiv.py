"""arXiv's Atom API: ids in, :class:`~kb.model.entries.Paper` records out.

One request asks for up to :data:`BATCH` ids (``?id_list=a,b,c&max_results=n``); arXiv
answers with one ``<entry>`` per paper it knows and leaves the others out, so an id without
an entry is not found. An error (a malformed id) comes back as an entry titled "Error".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import quote

from kb.bib.latex import decode_leftover, normalize_space, split_names
from kb.model.ids import normalize_arxiv
from kb.model.entries import Paper
from kb.net.client import PoliteClient
from kb.net.errors import BadResponseError, ServiceError

BATCH = 50
INTERVAL = 3.0  # seconds between two requests, as arXiv's terms of use ask
_NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_WITHDRAWN = re.compile(r"\bwithdrawn\b", re.IGNORECASE)


@dataclass
class ArxivRecord:
    """One entry of an arXiv feed, as arXiv states it."""

    arxiv: str  # without version
    version: str
    title: str
    authors: list[str]  # "Last, First"
    abstract: str
    year: int | None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    categories: list[str] = field(default_factory=list)

    @property
    def withdrawn(self) -> bool:
        return bool(self.comment and _WITHDRAWN.search(self.comment))

    def to_paper(self) -> Paper:
        """The paper of this preprint (its published DOI and journal reference, if arXiv has
        them, as doi and venue)."""
        return Paper(
            key=self.arxiv.replace("/", "-"), type="article" if self.journal_ref else "misc",
            title=self.title, authors=self.authors, year=self.year,
            venue=self.journal_ref or None, arxiv=self.arxiv, doi=self.doi,
            url=f"https://arxiv.org/abs/{self.arxiv}", abstract=self.abstract or None, notes="",
        )


def _text(node: ET.Element, path: str) -> str:
    found = node.find(path, _NS)
    return normalize_space(found.text or "") if found is not None else ""


def parse_feed(text: str, what: str) -> tuple[list[ArxivRecord], list[str]]:
    """The records of an Atom feed and the error messages arXiv put in it.

    Raises BadResponseError when ``text`` is not an Atom feed.
    """
    if "<!DOCTYPE" in text[:2048] or "<!ENTITY" in text:
        raise BadResponseError(f"{what}: the arXiv answer declares a DOCTYPE or entities, "
                               "which an arXiv feed never does; not read",
                               fix="check KB_ARXIV_API / arxiv_api points at arXiv's API")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise BadResponseError(f"{what}: the arXiv answer is not well-formed XML ({exc})",
                               fix="try again later; if it persists, check KB_ARXIV_API / "
                                   "arxiv_api points at arXiv's API") from None
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise BadResponseError(f"{what}: the arXiv answer is XML but not an Atom feed "
                               f"(root element {root.tag!r})",
                               fix="check KB_ARXIV_API / arxiv_api points at arXiv's API")
    records, errors = [], []
    for entry in root.findall("atom:entry", _NS):
        entry_id = _text(entry, "atom:id")
        if "/api/errors" in entry_id or _text(entry, "atom:title") == "Error":
            errors.append(_text(entry, "atom:summary") or entry_id)
            continue
        match = re.search(r"arxiv\.org/abs/(.+?)(v\d+)?$", entry_id)
        if not match:
            continue
        published = _text(entry, "atom:published")
        names = [_text(a, "atom:name") for a in entry.findall("atom:author", _NS)]
        authors = [n for name in names if name for n in split_names("{" + name + "}"
                                                                     if " and " in name else name)]
        records.append(ArxivRecord(
            arxiv=normalize_arxiv(match.group(1)), version=(match.group(2) or "")[1:],
            title=decode_leftover(_text(entry, "atom:title")), authors=authors,
            abstract=decode_leftover(_text(entry, "atom:summary")),
            year=int(published[:4]) if published[:4].isdigit() else None,
            doi=_text(entry, "arxiv:doi") or None,
            journal_ref=decode_leftover(_text(entry, "arxiv:journal_ref")) or None,
            comment=_text(entry, "arxiv:comment") or None,
            categories=[c.get("term", "") for c in entry.findall("atom:category", _NS)],
        ))
    return records, errors


def fetch(client: PoliteClient, endpoint: str, ids: list[str]) -> dict[str, ArxivRecord | None]:
    """Records for arXiv ``ids`` (normalised, without version), None for an id arXiv does not
    know. Asks in batches of :data:`BATCH`. Raises NetError naming the ids."""
    wanted = list(dict.fromkeys(normalize_arxiv(i) for i in ids))
    found: dict[str, ArxivRecord | None] = {}
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start:start + BATCH]
        what = "arXiv " + ", ".join(batch)
        url = f"{endpoint}?id_list={quote(','.join(batch), safe=',/')}&max_results={len(batch)}"
        answer = client.get(url, what=what)
        if answer.status != 200:
            try:
                _, errors = parse_feed(answer.text, what)
            except BadResponseError:
                errors = []
            detail = f": {errors[0]}" if errors else ""
            raise ServiceError(f"{what}: arXiv answered HTTP {answer.status}{detail}",
                               fix="check the ids (e.g. 2203.02155 or hep-th/9901001)")
        records, errors = parse_feed(answer.text, what)
        if errors:
            raise ServiceError(f"{what}: arXiv reports an error: {errors[0]}",
                               fix="check the ids (e.g. 2203.02155 or hep-th/9901001)")
        by_id = {r.arxiv: r for r in records}
        for arxiv_id in batch:
            found[arxiv_id] = by_id.get(arxiv_id)
    return found
