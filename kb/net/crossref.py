"""Crossref's REST API: a DOI in (``/works/{doi}``), a :class:`~kb.model.entries.Paper` out."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote

from kb.bib.latex import decode_leftover, normalize_space
from kb.model.entries import Paper
from kb.net.client import PoliteClient
from kb.net.errors import BadResponseError, ServiceError

# Crossref work types -> BibTeX entry types (anything else is misc).
TYPES = {
    "journal-article": "article", "proceedings-article": "inproceedings",
    "book-chapter": "incollection", "book-section": "incollection", "book-part": "incollection",
    "book": "book", "monograph": "book", "edited-book": "book", "reference-book": "book",
    "proceedings": "proceedings", "report": "techreport", "dissertation": "phdthesis",
    "posted-content": "misc", "dataset": "misc", "standard": "misc",
}
_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH_END = re.compile(r"</(?:jats:)?(?:p|sec|title)>", re.IGNORECASE)


def markup_to_text(value: str, *, paragraphs: bool = False) -> str:
    """JATS or HTML (``<i>x</i>``, ``&amp;``) and any LaTeX in it (``$\\alpha$``) as plain
    Unicode text; with ``paragraphs`` each closed paragraph, section or title is kept apart."""
    text = _PARAGRAPH_END.sub("\n\n", value) if paragraphs else value
    text = normalize_space(html.unescape(_TAG.sub("", text)), paragraphs=paragraphs)
    return decode_leftover(text, paragraphs=paragraphs)


def jats_to_text(value: str) -> str:
    """A JATS or HTML abstract as plain paragraphs; a leading 'Abstract' heading dropped."""
    head, _, rest = markup_to_text(value, paragraphs=True).partition("\n\n")
    return rest if head.lower().rstrip(".:") == "abstract" else head + _ + rest


def _first(message: dict[str, Any], name: str) -> str:
    value = message.get(name)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return markup_to_text(value) if isinstance(value, str) else ""


def _year(message: dict[str, Any]) -> int | None:
    for name in ("issued", "published-print", "published-online", "published", "created"):
        parts = (message.get(name) or {}).get("date-parts") or [[]]
        if parts and parts[0] and isinstance(parts[0][0], int):
            return parts[0][0]
    return None


def _people(message: dict[str, Any], role: str) -> list[str]:
    names = []
    for person in message.get(role) or []:
        if not isinstance(person, dict):
            continue
        family = normalize_space(str(person.get("family", "")))
        given = normalize_space(str(person.get("given", "")))
        name = normalize_space(str(person.get("name", "")))
        if family:
            names.append(f"{family}, {given}" if given else family)
        elif name:
            names.append(name)
    return names


def work_to_paper(message: dict[str, Any]) -> Paper:
    """The paper a Crossref ``message`` (of message-type work) describes."""
    doi = str(message.get("DOI", ""))
    kind = TYPES.get(str(message.get("type", "")), "misc")
    venue = _first(message, "container-title")
    if not venue and kind in ("book", "techreport", "misc"):
        venue = _first(message, "publisher")
    extra = {"volume": message.get("volume"), "number": message.get("issue"),
             "pages": message.get("page"), "publisher": message.get("publisher")}
    abstract = message.get("abstract")
    return Paper(
        key=doi.replace("/", "-"), type=kind, title=_first(message, "title"),
        authors=_people(message, "author"), editors=_people(message, "editor"),
        year=_year(message), venue=venue or None, doi=doi or None,
        url=f"https://doi.org/{doi}" if doi else None,
        abstract=jats_to_text(abstract) if isinstance(abstract, str) and abstract.strip() else None,
        bibtex={k: normalize_space(str(v)) for k, v in extra.items()
                if v not in (None, "") and (k != "publisher" or venue != str(v))},
        notes="",
    )


def parse_work(text: str, what: str) -> Paper:
    """The paper of a ``/works/{doi}`` answer. Raises BadResponseError."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadResponseError(f"{what}: the Crossref answer is not valid JSON ({exc})",
                               fix="try again later; if it persists, check KB_CROSSREF_API / "
                                   "crossref_api points at Crossref's REST API") from None
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict) or not message.get("title"):
        raise BadResponseError(f"{what}: the Crossref answer holds no work with a title",
                               fix="check KB_CROSSREF_API / crossref_api points at Crossref's "
                                   "REST API (/works/{doi})")
    return work_to_paper(message)


def fetch(client: PoliteClient, endpoint: str, doi: str) -> Paper | None:
    """The paper with DOI ``doi``, or None when Crossref does not know it (HTTP 404).

    The DOI is percent-encoded in the path ('/' kept), so DOIs with ``<>;()#`` work.
    Raises NetError.
    """
    what = f"DOI {doi}"
    answer = client.get(f"{endpoint.rstrip('/')}/works/{quote(doi, safe='/')}", what=what)
    if answer.status == 404:
        return None
    if answer.status != 200:
        raise ServiceError(f"{what}: Crossref answered HTTP {answer.status}: "
                           f"{normalize_space(answer.text)[:200]}",
                           fix="check the DOI (it looks like 10.1000/xyz)")
    return parse_work(answer.text, what)
