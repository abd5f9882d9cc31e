"""OpenAlex's works API (CC0 data): which works a set of DOIs names, and which works each cites.

One request asks for up to :data:`BATCH` DOIs and only the fields kb reads::

    /works?filter=doi:10.1/a|10.1/b&select=id,doi,referenced_works&per-page=50

OpenAlex answers ``{"meta": {...}, "results": [work, ...]}`` with a work for each DOI it
knows and none for the others: a DOI without a work is not found. A work's ``id`` is its
OpenAlex id (``https://openalex.org/W2741809807``), its ``referenced_works`` the ids of the
works it cites. An arXiv paper is asked for by its DataCite DOI, ``10.48550/arXiv.<id>``.

The answer is read with every field's type checked (:mod:`kb.net.values`); a work for a DOI
not asked for, an id that is not an OpenAlex work id or a malformed answer make it unreadable
(BadResponseError): not used, not cached. An API key (``KB_OPENALEX_KEY``) goes along as the
``api_key`` parameter, never into the cache or a message (:meth:`PoliteClient.get`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from kb.model.ids import doi_problem, normalize_doi
from kb.model.suggest import quoted
from kb.net.cache import KEEP_FOUND, KEEP_NOT_FOUND, Answer, Parsed
from kb.net.client import PoliteClient
from kb.net.errors import BadIdError, BadResponseError, MismatchError, ServiceError
from kb.net.values import Fields, load_json

BATCH = 50          # DOIs per request: OpenAlex's limit for one OR filter
INTERVAL = 0.2      # seconds between two requests; OpenAlex allows ten a second
DEFAULT_API = "https://api.openalex.org"
SELECT = "id,doi,referenced_works"
FIX = "check KB_OPENALEX_API points at OpenAlex's API (https://api.openalex.org)"
_WORK_ID = re.compile(r"^(?:https?://openalex\.org/)?(W\d{1,15})$", re.IGNORECASE)
_FILTER_UNSAFE = re.compile(r"[|,]")  # they would split OpenAlex's filter value


@dataclass(frozen=True)
class Work:
    """One OpenAlex work as kb reads it: its id, its DOI (lower case) and what it cites."""

    id: str                         # 'W2741809807'
    doi: str                        # '10.7717/peerj.4375'
    references: tuple[str, ...]     # ids of the works it cites


def arxiv_doi(arxiv_id: str) -> str:
    """The DataCite DOI arXiv gives a paper: '10.48550/arxiv.2203.02155' (lower case)."""
    return f"10.48550/arxiv.{arxiv_id}".lower()


def doi_filter_problem(doi: str) -> str | None:
    """Why ``doi`` cannot be asked for in a DOI filter, or None."""
    problem = doi_problem(doi)
    if problem:
        return problem
    if _FILTER_UNSAFE.search(doi):
        return "it holds a '|' or ',', which OpenAlex's filter reads as separators"
    return None


def _work_id(value: str, fields: Fields, name: str) -> str:
    match = _WORK_ID.match(value.strip())
    if not match:
        raise fields.wrong(name, value, "an OpenAlex work id (https://openalex.org/W...)")
    return match.group(1).upper()


def parse_works(text: str, what: str) -> list[Work]:
    """The works of a ``/works`` list answer. Raises BadResponseError."""
    where = f"{what}: the OpenAlex answer"
    data = load_json(text, where, "try again later; if it persists, " + FIX)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise BadResponseError(f"{where} is not a list of works (no 'results')", fix=FIX)
    answer = Fields(data, where, FIX)
    answer.object("meta")  # an object when present
    works = []
    for work in answer.objects("results"):
        ident = work.text("id")
        if not ident:
            raise BadResponseError(f"{where}'s {work.path}id is missing", fix=FIX)
        refs = work.texts("referenced_works")
        works.append(Work(_work_id(ident, work, "id"), normalize_doi(work.text("doi") or ""),
                          tuple(dict.fromkeys(_work_id(r, work, "referenced_works") for r in refs))))
    return works


def read_works(answer: Answer, what: str, dois: list[str]) -> Parsed[dict[str, list[Work]]]:
    """The works of each DOI of ``dois`` in OpenAlex's answer ([]: OpenAlex knows none); kept
    30 days when every DOI was found, else a day. Raises NetError on an error status or an
    unreadable answer, and on works for DOIs not asked for (none of them kept)."""
    if answer.status != 200:
        detail = " ".join(answer.text.split())[:200]
        key = answer.status in (401, 403)
        raise ServiceError(f"{what}: OpenAlex answered HTTP {answer.status}: {detail}",
                           fix="check KB_OPENALEX_KEY (an OpenAlex API key) or unset it" if key
                           else "try again later; if it persists, " + FIX)
    found: dict[str, list[Work]] = {doi: [] for doi in dois}
    for work in parse_works(answer.text, what):
        if work.doi not in found:
            raise MismatchError(f"{what}: the OpenAlex answer holds work {work.id} for "
                                + (f"DOI {quoted(work.doi)}" if work.doi else "no DOI")
                                + ", which was not asked for; not used", fix=FIX)
        found[work.doi].append(work)
    return Parsed(found, KEEP_FOUND if all(found.values()) else KEEP_NOT_FOUND)


def works_url(endpoint: str, dois: list[str]) -> str:
    query = urlencode({"filter": "doi:" + "|".join(dois), "select": SELECT,
                       "per-page": str(BATCH)})
    return f"{endpoint.rstrip('/')}/works?{query}"


def fetch(client: PoliteClient, endpoint: str, dois: list[str], *,
          api_key: str = "") -> dict[str, list[Work]]:
    """The works OpenAlex has for each of ``dois`` (normalised to lower case; [] when it has
    none), asked in batches of :data:`BATCH`. A DOI that cannot go into the filter is refused
    before any request (BadIdError). Raises NetError naming the DOIs of the failed batch."""
    wanted = list(dict.fromkeys(normalize_doi(d) for d in dois))
    for doi in wanted:
        problem = doi_filter_problem(doi)
        if problem:
            raise BadIdError(f"DOI {quoted(doi)}: not asked for: {problem}",
                             fix="check the DOI (it looks like 10.1000/xyz)")
    found: dict[str, list[Work]] = {}
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start:start + BATCH]
        shown = ", ".join(batch[:3]) + (f" and {len(batch) - 3} more" if len(batch) > 3 else "")
        what = f"OpenAlex works for DOI {shown}"
        works: dict[str, list[Work]] = client.get(
            works_url(endpoint, batch), what=what, read=partial(read_works, what=what, dois=batch),
            secret={"api_key": api_key})
        found.update(works)
    return found
