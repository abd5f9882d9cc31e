"""Identifiers: DOI and arXiv normalisation, title keys, and duplicate detection.

Shared by ``kb check`` (duplicates inside the knowledge base) and ``kb import`` (an incoming
entry against what is already there).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

ARXIV_NEW = re.compile(r"^\d{4}\.\d{4,5}$")
ARXIV_OLD = re.compile(r"^[a-z][a-z\-]*(\.[A-Z]{2})?/\d{7}$")
_ARXIV_VERSION = re.compile(r"v\d+$")
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.I)
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[:\s./]*(?:abs/|pdf/)?|arxiv\.org/(?:abs|pdf)/)"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)", re.I)
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)


def normalize_doi(value: str) -> str:
    """'https://doi.org/10.1000/ABC' -> '10.1000/abc' (DOIs compare case-insensitively)."""
    return _DOI_PREFIX.sub("", value.strip()).strip().lower()


def valid_doi(value: str) -> bool:
    return bool(DOI_RE.match(normalize_doi(value)))


def strip_arxiv(value: str) -> str:
    """'arXiv:2203.02155v2' or an arxiv.org URL -> '2203.02155v2' (version kept)."""
    value = _ARXIV_PREFIX.sub("", value.strip())
    return value[:-4] if value.lower().endswith(".pdf") else value


def normalize_arxiv(value: str) -> str:
    """Any spelling of an arXiv id -> the id without version: '2203.02155'."""
    return _ARXIV_VERSION.sub("", strip_arxiv(value))


def valid_arxiv(value: str) -> bool:
    value = normalize_arxiv(value)
    return bool(ARXIV_NEW.match(value) or ARXIV_OLD.match(value))


def arxiv_from_doi(doi: str) -> str | None:
    """The arXiv id behind a DataCite arXiv DOI (10.48550/arXiv.2203.02155), or None."""
    match = _ARXIV_DOI.match(normalize_doi(doi))
    return normalize_arxiv(match.group(1)) if match else None


def find_arxiv(text: str) -> str | None:
    """An arXiv id mentioned in free text ('arXiv:1706.03741', 'arxiv.org/abs/...'), or None."""
    match = _ARXIV_IN_TEXT.search(text)
    return normalize_arxiv(match.group(1)) if match else None


def title_key(title: str) -> str:
    """A title reduced for comparison: accents, case, braces and punctuation dropped."""
    if title.isascii():  # no accents to drop (most titles)
        text = title.lower()
    else:
        text = unicodedata.normalize("NFKD", title)
        text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


@dataclass(frozen=True)
class Match:
    key: str
    reason: str  # "doi", "arxiv" or "title"
    score: float = 100.0


def paper_ids(doi: str | None, arxiv: str | None) -> tuple[str | None, str | None]:
    """(normalised DOI, normalised arXiv id), the arXiv id also read from an arXiv DOI."""
    ndoi = normalize_doi(doi) if doi else None
    narxiv = normalize_arxiv(arxiv) if arxiv else None
    if ndoi and not narxiv:
        narxiv = arxiv_from_doi(ndoi)
    return ndoi, narxiv


class Work(Protocol):
    """What :func:`same_work` reads of a paper."""

    title: str
    year: int | None
    doi: str | None
    arxiv: str | None


def same_work(a: Work, b: Work) -> bool:
    """Whether two papers with near-identical titles can be one work.

    They cannot when the numbers in the titles differ ('POPL '94' is not 'POPL '95'), when
    the years are more than one apart, or when two different arXiv ids or two different DOIs
    tell them apart.
    """
    if re.findall(r"\d+", a.title) != re.findall(r"\d+", b.title):
        return False
    (doi_a, arxiv_a), (doi_b, arxiv_b) = paper_ids(a.doi, a.arxiv), paper_ids(b.doi, b.arxiv)
    if (arxiv_a and arxiv_b and arxiv_a != arxiv_b) or (doi_a and doi_b and doi_a != doi_b):
        return False
    return a.year is None or b.year is None or abs(a.year - b.year) <= 1


_ARTICLES = frozenset({"the", "a", "an"})


def _title_words(title: str) -> list[str]:
    return [w for w in title_key(title).split() if w not in _ARTICLES]


def trivially_different(a: str, b: str) -> bool:
    """Whether two titles differ only in case, punctuation, accents, articles ('the') or a
    subtitle (the part after a colon, a dash or a question mark) that one of them leaves out."""
    words_a, words_b = _title_words(a), _title_words(b)
    if words_a == words_b:
        return True
    for long, short in ((a, b), (b, a)):
        head = re.split(r"\s*(?::|\?|\s[-–—]\s)\s*", long, maxsplit=1)[0]
        if head != long and _title_words(head) == _title_words(short) and _title_words(short):
            return True
    return False


class Described(Work, Protocol):
    """What :func:`title_verdict` reads of a paper beyond :class:`Work`."""

    authors: list[str]
    venue: str | None
    url: str | None


def _first_author(paper: Described) -> tuple[str, frozenset[str]]:
    """The first author's last name and all the words of the name, compared loosely."""
    if not paper.authors:
        return "", frozenset()
    name = paper.authors[0]
    return title_key(name.split(",")[0]), frozenset(title_key(name).split())


def _same_person(a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]]) -> bool:
    """'Collaboration, Open Science' is 'Open Science Collaboration'; 'Smith, J.' is 'Smith, Jane'."""
    return a[0] == b[0] or a[1] == b[1]


def evidence(a: Described, b: Described) -> tuple[list[str], list[str]]:
    """(fields that agree, fields that disagree) among first author, year, venue and the
    page of a same-site URL, for two papers whose titles are alike."""
    agree: list[str] = []
    disagree: list[str] = []
    author_a, author_b = _first_author(a), _first_author(b)
    if author_a[0] and author_b[0]:
        (agree if _same_person(author_a, author_b) else disagree).append("first author")
    pairs: list[tuple[str, object, object]] = [
        ("year", a.year, b.year),
        ("venue", title_key(a.venue or ""), title_key(b.venue or "")),
    ]
    url_a, url_b = urlsplit(a.url or ""), urlsplit(b.url or "")
    if url_a.netloc and url_a.netloc.lower() == url_b.netloc.lower():
        pairs.append(("url", url_a.path.rstrip("/"), url_b.path.rstrip("/")))
    for name, x, y in pairs:
        if x in (None, "") or y in (None, ""):
            continue
        (agree if x == y else disagree).append(name)
    return agree, disagree


Verdict = Literal["same", "possible", "different"]


def title_verdict(a: Described, b: Described) -> tuple[Verdict, str]:
    """Whether two papers with near-identical titles are one work, and why.

    "different" when :func:`same_work` rules it out (numbers in the titles, years apart,
    different ids); "same" when the titles differ only trivially, or when the first author
    and the year or venue agree, and neither the first author nor a same-site URL says
    otherwise (a preprint's year or venue may differ from the published version's);
    otherwise "possible": both are kept and the pair is reported for a curator to confirm
    or allow.
    """
    if not same_work(a, b):
        return "different", "ids, years or numbers in the titles differ"
    agree, disagree = evidence(a, b)
    blocking = [d for d in disagree if d in ("first author", "url")]
    if trivially_different(a.title, b.title) and not blocking:
        return "same", "the titles differ only in case, punctuation, articles or a subtitle"
    if "first author" in agree and ({"year", "venue"} & set(agree)) and not blocking:
        return "same", "the " + " and ".join(agree) + " agree"
    if disagree:
        return "possible", "the " + " and ".join(disagree) + (" differ" if len(disagree) > 1 else " differs")
    if not agree:
        return "possible", "nothing but the title to compare"
    return "possible", "only the " + " and ".join(agree) + (" agree" if len(agree) > 1 else " agrees")


class DuplicateIndex:
    """Finds entries that are the same work: same DOI, same arXiv id, or near-identical title."""

    def __init__(self, threshold: float = 93.0, min_title_length: int = 12):
        self.threshold = threshold
        self.min_title_length = min_title_length
        self._doi: dict[str, str] = {}
        self._arxiv: dict[str, str] = {}
        self._titles: list[str] = []
        self._title_keys: list[str] = []

    def add(self, key: str, *, title: str = "", doi: str | None = None, arxiv: str | None = None) -> None:
        ndoi, narxiv = paper_ids(doi, arxiv)
        if ndoi:
            self._doi.setdefault(ndoi, key)
        if narxiv:
            self._arxiv.setdefault(narxiv, key)
        tkey = title_key(title)
        if len(tkey) >= self.min_title_length:
            self._titles.append(tkey)
            self._title_keys.append(key)

    def match(self, *, title: str = "", doi: str | None = None, arxiv: str | None = None) -> Match | None:
        """The first existing entry that is the same work, or None."""
        ndoi, narxiv = paper_ids(doi, arxiv)
        if ndoi and ndoi in self._doi:
            return Match(self._doi[ndoi], "doi")
        if narxiv and narxiv in self._arxiv:
            return Match(self._arxiv[narxiv], "arxiv")
        tkey = title_key(title)
        if len(tkey) >= self.min_title_length and self._titles:
            best = process.extractOne(tkey, self._titles, scorer=fuzz.ratio,
                                      score_cutoff=self.threshold)
            if best is not None:
                return Match(self._title_keys[best[2]], "title", float(best[1]))
        return None


def similar_title_pairs(items: Iterable[tuple[str, str]], threshold: float,
                        min_length: int = 12) -> list[tuple[str, str, float]]:
    """All pairs (key_a, key_b, score) whose titles score at least ``threshold`` (0-100)."""
    keys, titles = [], []
    for key, title in items:
        tkey = title_key(title)
        if len(tkey) >= min_length:
            keys.append(key)
            titles.append(tkey)
    pairs = []
    chunk = 512
    for start in range(0, len(titles), chunk):
        rows = process.cdist(titles[start:start + chunk], titles, scorer=fuzz.ratio,
                             score_cutoff=threshold, dtype="uint8", workers=-1)
        for i, j in zip(*rows.nonzero()):
            a = start + int(i)
            if int(j) > a:
                pairs.append((keys[a], keys[int(j)], float(rows[i, j])))
    return pairs
