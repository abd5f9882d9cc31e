"""Crossref's REST API: a DOI in (``/works/{doi}``), a :class:`~kb.model.entries.Paper` out.

The DOI is checked before it goes into the path (:func:`kb.model.ids.doi_problem`) and
percent-encoded ('/' kept); the answer is read with every field's type checked
(:mod:`kb.net.values`) and must be about the DOI asked for (compared case-insensitively).
"""

from __future__ import annotations

import html
import re
from functools import partial
from urllib.parse import quote

from pydantic import ValidationError

from kb.bib.latex import decode_leftover, normalize_space
from kb.model.entries import Paper
from kb.model.ids import doi_problem, normalize_doi
from kb.model.markup import drop_tags, strip_controls
from kb.model.suggest import quoted
from kb.net.cache import KEEP_FOUND, KEEP_NOT_FOUND, Answer, Parsed
from kb.net.client import PoliteClient
from kb.net.errors import BadIdError, BadResponseError, MismatchError, ServiceError
from kb.net.values import Fields, invalid, load_json

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
_HTML_PAGE = re.compile(r"<(?:!doctype|html|head|body)\b", re.IGNORECASE)
FIX = "check KB_CROSSREF_API / crossref_api points at Crossref's REST API (/works/{doi})"


def markup_to_text(value: str, *, paragraphs: bool = False) -> str:
    """JATS or HTML (``<i>x</i>``, ``&amp;``) and any LaTeX in it (``$\\alpha$``) as plain
    Unicode text; with ``paragraphs`` each closed paragraph, section or title is kept apart.
    Tags that only appear once entities are decoded (``&lt;b&gt;``) are dropped too, and so
    are control, bidi and zero-width characters (``&#27;`` is ESC), which kb check refuses."""
    text = _PARAGRAPH_END.sub("\n\n", value) if paragraphs else value
    text = normalize_space(html.unescape(_TAG.sub("", text)), paragraphs=paragraphs)
    text = drop_tags(decode_leftover(text, paragraphs=paragraphs))
    return normalize_space(strip_controls(text, multiline=paragraphs), paragraphs=paragraphs)


def jats_to_text(value: str) -> str:
    """A JATS or HTML abstract as plain paragraphs; a leading 'Abstract' heading dropped."""
    head, _, rest = markup_to_text(value, paragraphs=True).partition("\n\n")
    return rest if head.lower().rstrip(".:") == "abstract" else head + _ + rest


def _first(work: Fields, name: str) -> str:
    return next((t for t in (markup_to_text(v) for v in work.texts(name)) if t), "")


def _year(work: Fields) -> int | None:
    for name in ("issued", "published-print", "published-online", "published", "created"):
        year = work.year(name)
        if year is not None:
            return year
    return None


def _people(work: Fields, role: str) -> list[str]:
    names = []
    for person in work.objects(role):
        family = markup_to_text(person.text("family") or "")
        given = markup_to_text(person.text("given") or "")
        name = markup_to_text(person.text("name") or "")
        if family:
            names.append(f"{family}, {given}" if given else family)
        elif name:
            names.append(name)
    return names


def work_to_paper(work: Fields) -> Paper:
    """The paper a Crossref work (the ``message`` of a ``/works/{doi}`` answer) describes."""
    doi = work.text("DOI") or ""
    kind = TYPES.get(work.text("type") or "", "misc")
    title = _first(work, "title")
    if not title:
        raise BadResponseError(f"{work.where} holds no work with a title", fix=FIX)
    venue = _first(work, "container-title")
    publisher = markup_to_text(work.text("publisher") or "")
    if not venue and kind in ("book", "techreport", "misc"):
        venue = publisher
    extra = {"volume": work.text("volume", numbers=True), "number": work.text("issue", numbers=True),
             "pages": work.text("page", numbers=True)}
    bibtex = {k: normalize_space(strip_controls(v)) for k, v in extra.items() if v}
    bibtex["publisher"] = publisher if venue != publisher else ""
    abstract = work.text("abstract")
    try:
        return Paper(
            key=doi.replace("/", "-"), type=kind, title=title,
            authors=_people(work, "author"), editors=_people(work, "editor"),
            year=_year(work), venue=venue or None, doi=doi or None,
            url=f"https://doi.org/{doi}" if doi else None,
            abstract=jats_to_text(abstract) if abstract and abstract.strip() else None,
            bibtex={k: v for k, v in bibtex.items() if v},
            notes="",
        )
    except ValidationError as exc:
        raise invalid(exc, work.where, FIX) from None


def parse_work(text: str, what: str) -> Paper:
    """The paper of a ``/works/{doi}`` answer. Raises BadResponseError."""
    where = f"{what}: the Crossref answer"
    data = load_json(text, where, "try again later; if it persists, " + FIX)
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict):
        raise BadResponseError(f"{where} holds no work with a title", fix=FIX)
    if data.get("message-type", "work") != "work":
        raise BadResponseError(f"{where} is a {quoted(str(data.get('message-type')))}, not a work",
                               fix=FIX)
    return work_to_paper(Fields(message, where, FIX))


def read_work(answer: Answer, what: str, doi: str) -> Parsed[Paper | None]:
    """The paper in Crossref's answer for ``doi`` (kept 30 days), or None for its "Resource
    not found." (kept a day). Raises NetError on anything else, which is then not kept."""
    if answer.status == 404 and not _HTML_PAGE.search(answer.text[:2048]):
        return Parsed(None, KEEP_NOT_FOUND)
    if answer.status != 200:
        page = " (an HTML page, not Crossref's)" if _HTML_PAGE.search(answer.text[:2048]) else ""
        raise ServiceError(f"{what}: Crossref answered HTTP {answer.status}{page}: "
                           f"{normalize_space(_TAG.sub(' ', answer.text))[:200]}",
                           fix="check the DOI (it looks like 10.1000/xyz)" if not page else FIX)
    paper = parse_work(answer.text, what)
    if normalize_doi(paper.doi or "") != normalize_doi(doi):
        raise MismatchError(f"{what}: the Crossref answer is about "
                            + (f"DOI {quoted(paper.doi)}" if paper.doi else "no DOI")
                            + ", not the DOI asked for; not used", fix=FIX)
    return Parsed(paper, KEEP_FOUND)


def fetch(client: PoliteClient, endpoint: str, doi: str) -> Paper | None:
    """The paper with DOI ``doi``, or None when Crossref does not know it (HTTP 404).

    The DOI is percent-encoded in the path ('/' kept), so DOIs with ``<>;()#`` work; one
    that would change the path (a '..' segment, a control character) is refused before any
    request (BadIdError). Raises NetError.
    """
    problem = doi_problem(doi)
    if problem:
        raise BadIdError(f"DOI {quoted(doi)}: not asked for: {problem}",
                         fix="check the DOI (it looks like 10.1000/xyz)")
    what = f"DOI {doi}"
    url = f"{endpoint.rstrip('/')}/works/{quote(doi, safe='/')}"
    return client.get(url, what=what, read=partial(read_work, what=what, doi=doi))
