"""arXiv's Atom API: ids in, :class:`~kb.model.entries.Paper` records out.

One request asks for up to :data:`BATCH` ids (``?id_list=a,b,c&max_results=n``); arXiv
answers with one ``<entry>`` per paper it knows and leaves the others out, so an id without
an entry is not found. An error (a malformed id) comes back as an entry titled "Error".
An entry for an id not asked for, a year no paper has, an entry without a title or a DOI
that would change a URL make the answer unreadable (BadResponseError): it is not used, and
not cached.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import quote

from kb.bib.latex import decode_leftover, normalize_space, split_names
from kb.model.entries import Paper, year_problem
from kb.model.ids import doi_problem, normalize_arxiv
from kb.model.markup import drop_tags, strip_controls
from kb.model.suggest import quoted
from kb.net.cache import KEEP_FOUND, KEEP_NOT_FOUND, Answer, Parsed
from kb.net.client import PoliteClient
from kb.net.errors import BadResponseError, MismatchError, ServiceError

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


FIX = "check KB_ARXIV_API / arxiv_api points at arXiv's API"


def _text(node: ET.Element, path: str) -> str:
    found = node.find(path, _NS)
    return normalize_space(found.text or "") if found is not None else ""


def _plain(text: str) -> str:
    """Text of the feed as kb writes it: LaTeX decoded, no tags (XML decodes ``&lt;b&gt;``
    to ``<b>``, which must not reach a paper file as a tag), no control, bidi or zero-width
    characters (which kb check refuses)."""
    return normalize_space(strip_controls(drop_tags(decode_leftover(text))))


def _record(entry: ET.Element, arxiv_id: str, version: str, what: str) -> ArxivRecord:
    """The record of one ``<entry>``; raises BadResponseError on values no paper has."""
    where = f"{what}: arXiv's entry for {quoted(arxiv_id)}"
    title = _plain(_text(entry, "atom:title"))
    if not title:
        raise BadResponseError(f"{where} has no title", fix=FIX)
    published = _text(entry, "atom:published")
    year = int(published[:4]) if published[:4].isascii() and published[:4].isdigit() else None
    problem = year_problem(year)
    if problem:
        raise BadResponseError(f"{where} is published in a year no paper has ({problem})",
                               fix=FIX)
    doi = next(iter(_text(entry, "arxiv:doi").split()), None)  # arXiv may list several
    problem = doi_problem(doi) if doi else None
    if doi and problem:
        raise BadResponseError(f"{where} gives the DOI {quoted(doi)}, which kb cannot use: "
                               f"{problem}", fix=FIX)
    names = [_plain(_text(a, "atom:name")) for a in entry.findall("atom:author", _NS)]
    authors = [n for name in names if name
               for n in split_names("{" + name + "}" if " and " in name else name)]
    return ArxivRecord(
        arxiv=arxiv_id, version=version, title=title, authors=authors,
        abstract=_plain(_text(entry, "atom:summary")), year=year, doi=doi,
        journal_ref=_plain(_text(entry, "arxiv:journal_ref")) or None,
        comment=_plain(_text(entry, "arxiv:comment")) or None,
        categories=[c.get("term", "") for c in entry.findall("atom:category", _NS)],
    )


def parse_feed(text: str, what: str) -> tuple[list[ArxivRecord], list[str]]:
    """The records of an Atom feed and the error messages arXiv put in it.

    Raises BadResponseError when ``text`` is not an Atom feed.
    """
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
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
                               f"(root element {quoted(root.tag)})",
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
        arxiv_id = normalize_arxiv(match.group(1))
        records.append(_record(entry, arxiv_id, (match.group(2) or "")[1:], what))
    return records, errors


def read_feed(answer: Answer, what: str, batch: list[str]) -> Parsed[dict[str, ArxivRecord | None]]:
    """The record of each id of ``batch`` in arXiv's answer (None: arXiv does not know it);
    kept 30 days when every id was found, else a day. Raises NetError on an error status,
    an error entry, an unreadable feed or entries for ids not asked for (not kept)."""
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
    others = [i for i in by_id if i not in batch]
    if others:
        shown = ", ".join(quoted(i) for i in others[:3]) + (" ..." if len(others) > 3 else "")
        raise MismatchError(f"{what}: the arXiv answer holds entries for ids not asked for "
                            f"({shown}); not used", fix=FIX)
    found = {arxiv_id: by_id.get(arxiv_id) for arxiv_id in batch}
    return Parsed(found, KEEP_FOUND if all(found.values()) else KEEP_NOT_FOUND)


def fetch(client: PoliteClient, endpoint: str, ids: list[str]) -> dict[str, ArxivRecord | None]:
    """Records for arXiv ``ids`` (normalised, without version), None for an id arXiv does not
    know. Asks in batches of :data:`BATCH`. Raises NetError naming the ids."""
    wanted = list(dict.fromkeys(normalize_arxiv(i) for i in ids))
    found: dict[str, ArxivRecord | None] = {}
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start:start + BATCH]
        what = "arXiv " + ", ".join(batch)
        url = f"{endpoint}?id_list={quote(','.join(batch), safe=',/')}&max_results={len(batch)}"
        records: dict[str, ArxivRecord | None] = client.get(
            url, what=what, read=partial(read_feed, what=what, batch=batch))
        found.update(records)
    return found
