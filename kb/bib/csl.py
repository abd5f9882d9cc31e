"""CSL-JSON export for Pandoc and Zotero (pure, no I/O).

:func:`export_csl` turns papers into a list of CSL-JSON items (the ``csl-data.json`` schema
of the Citation Style Language): ``id`` is the paper's key, names are split into
``family``/``given`` (a one-part name is a ``literal``), the year becomes ``issued``, the
venue ``container-title`` (or ``publisher`` for books, theses and reports), and kept BibTeX
fields that CSL knows (volume, number, pages, publisher, address, isbn, ...) are decoded
from LaTeX and carried over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kb.bib.latex import latex_to_text
from kb.model.entries import Paper

CSL_TYPES = {
    "article": "article-journal", "periodical": "periodical", "inproceedings": "paper-conference",
    "conference": "paper-conference", "proceedings": "book", "mvproceedings": "book",
    "book": "book", "mvbook": "book", "booklet": "pamphlet", "collection": "book",
    "mvcollection": "book", "inbook": "chapter", "incollection": "chapter",
    "bookinbook": "chapter", "suppbook": "chapter", "suppcollection": "chapter",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "techreport": "report", "report": "report", "manual": "report", "unpublished": "manuscript",
    "online": "webpage", "www": "webpage", "electronic": "webpage", "software": "software",
    "dataset": "dataset", "patent": "patent", "standard": "standard", "legislation": "legislation",
    "reference": "book", "mvreference": "book", "inreference": "entry", "letter": "personal_communication",
    "artwork": "graphic", "image": "graphic", "movie": "motion_picture", "video": "motion_picture",
    "music": "song", "audio": "song", "performance": "performance", "jurisdiction": "legal_case",
}
# Types whose venue is who published them rather than where they appeared.
_PUBLISHER_VENUE = frozenset({"book", "mvbook", "booklet", "proceedings", "mvproceedings",
                              "collection", "mvcollection", "phdthesis", "mastersthesis",
                              "thesis", "techreport", "report", "manual", "reference",
                              "software", "dataset", "misc", "online"})
# Kept BibTeX fields -> CSL variables.
_FIELDS = {
    "volume": "volume", "number": "issue", "pages": "page", "publisher": "publisher",
    "address": "publisher-place", "location": "publisher-place", "isbn": "ISBN",
    "issn": "ISSN", "edition": "edition", "series": "collection-title", "note": "note",
    "language": "language", "langid": "language", "shorttitle": "title-short",
    "pmid": "PMID", "pmcid": "PMCID", "version": "version", "eventtitle": "event",
    "venue": "event-place", "school": "publisher", "institution": "publisher",
    "howpublished": "medium", "chapter": "chapter-number",
}


def csl_name(name: str) -> dict[str, str]:
    """'von Neumann, Jr, John' -> {'family': 'von Neumann', 'suffix': 'Jr', 'given': 'John'}."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 1:
        return {"literal": parts[0]}
    if len(parts) == 2:
        return {"family": parts[0], "given": parts[1]}
    return {"family": parts[0], "suffix": parts[1], "given": ", ".join(parts[2:])}


def paper_to_csl(paper: Paper) -> dict[str, Any]:
    """One CSL-JSON item for ``paper``."""
    item: dict[str, Any] = {"id": paper.key, "type": CSL_TYPES.get(paper.type, "article"),
                            "title": paper.title}
    if paper.type == "misc" and paper.arxiv:
        item["type"] = "article"  # CSL's type for preprints
    if paper.authors:
        item["author"] = [csl_name(n) for n in paper.authors]
    if paper.editors:
        item["editor"] = [csl_name(n) for n in paper.editors]
    if paper.year is not None:
        parts: list[int] = [paper.year]
        month = paper.bibtex.get("month", "")
        if month.isdigit() and 1 <= int(month) <= 12:
            parts.append(int(month))
        item["issued"] = {"date-parts": [parts]}
    for name, variable in _FIELDS.items():
        value = paper.bibtex.get(name, "").strip()
        if value and variable not in item:
            item[variable] = latex_to_text(value)
    if "page" in item:
        item["page"] = item["page"].replace("–", "-")
    if paper.venue:
        if paper.type in _PUBLISHER_VENUE:
            item["publisher"] = paper.venue
        else:
            item["container-title"] = paper.venue
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.url:
        item["URL"] = paper.url
    elif paper.arxiv:
        item["URL"] = f"https://arxiv.org/abs/{paper.arxiv}"
    if paper.arxiv and item["type"] == "article":  # a preprint: its number is the arXiv id
        item.setdefault("number", f"arXiv:{paper.arxiv}")
        item.setdefault("publisher", "arXiv")
    if paper.abstract:
        item["abstract"] = paper.abstract
    if paper.tags:
        item["keyword"] = ", ".join(paper.tags)
    return item


def export_csl(papers: Iterable[Paper]) -> list[dict[str, Any]]:
    """CSL-JSON items of ``papers``, sorted by key (dump with ``json.dumps``)."""
    return [paper_to_csl(p) for p in sorted(papers, key=lambda p: p.key)]
