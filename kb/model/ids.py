"""Identifiers: DOI and arXiv normalisation, title keys, and duplicate detection.

Shared by ``kb check`` (duplicates inside the knowledge base) and ``kb import`` (an incoming
entry against what is already there).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from array import array
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from typing import Any, Literal, Protocol
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


_DOI_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
DOI_MAX = 300  # characters; Crossref's longest DOIs are about 200


def doi_problem(doi: str) -> str | None:
    """Why ``doi`` cannot go into a URL path as it is, or None: not a DOI, a control character
    or white space in it, or a ``.`` or ``..`` segment, which would change the path asked
    (``10.1234/../../admin`` asks for ``/admin``). Percent-encoding cannot fix the last:
    clients and servers remove dot segments before they read the path."""
    if len(doi) > DOI_MAX:
        return f"it is longer than {DOI_MAX} characters"
    bad = _DOI_UNSAFE.search(doi)
    if bad:
        char = bad.group()
        return "it holds a space" if char == " " else f"it holds the character {ascii(char)[1:-1]}"
    if not DOI_RE.match(doi):
        return "it does not look like a DOI (10.<digits>/<suffix>)"
    if any(segment in (".", "..") for segment in doi.split("/")):
        return "it holds a '.' or '..' segment, which would change the address asked"
    return None


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


SMALL = 2_048  # up to this many titles a query is compared with each (faster than the grams)


class TitleIndex:
    """Titles (as :func:`title_key` gives them) that score at least ``threshold`` by
    ``fuzz.ratio`` against a query, found without comparing the query with every title.

    The filter is exact (a q-gram count filter): ``fuzz.ratio`` is the Indel similarity, so
    a title within the threshold is at most ``D`` insertions and deletions away from the
    query (``D`` from the two lengths). Cut the query into ``P`` pieces of ``q`` characters:
    each operation breaks at most one piece, so at least ``P - D`` pieces survive whole and
    are part of the other title. Candidates are the titles holding at least ``P - D`` of the
    pieces (counted in an inverted index of ``q``-grams), and only they are scored. A query
    too short for that bound (or a threshold so low that ``D`` is large) is compared with
    every title, as it would be without the index.
    """

    def __init__(self, threshold: float, small: int = SMALL):
        self.threshold = threshold
        self.small = small  # up to this many titles, no index (see SMALL)
        self.q = 4 if threshold >= 92 else 3 if threshold >= 88 else 2
        self.titles: list[str] = []
        self._lengths = array("i")  # of the titles, for the length filter
        self._by_length: dict[int, list[str]] = {}  # titles by length, in position order
        self._positions: dict[int, list[int]] = {}  # and their positions
        self._grams: dict[str, array[int]] = {}
        self._reach: dict[int, int] = {}  # query length -> D
        self._allowed: dict[int, Any] = {}  # query length -> distance allowed by length

    def __len__(self) -> int:
        return len(self.titles)

    def add(self, tkey: str) -> int:
        """Index a title key; its position, which :meth:`matches` reports."""
        position = len(self.titles)
        self.titles.append(tkey)
        self._lengths.append(len(tkey))
        self._by_length.setdefault(len(tkey), []).append(tkey)
        self._positions.setdefault(len(tkey), []).append(position)
        if position >= self.small:
            if position == self.small:  # from now on the grams pay: index the titles so far
                for earlier, title in enumerate(self.titles[:-1]):
                    self._index(earlier, title)
            self._index(position, tkey)
        return position

    def _index(self, position: int, tkey: str) -> None:
        q, grams = self.q, self._grams
        for gram in {tkey[i:i + q] for i in range(len(tkey) - q + 1)}:
            found = grams.get(gram)
            if found is None:
                grams[gram] = array("i", (position,))
            else:
                found.append(position)

    def _within(self, total: int) -> int:
        """The largest Indel distance that still scores ``threshold`` at a length sum ``total``
        (the score is ``100 * (1 - distance / total)``, computed as rapidfuzz computes it)."""
        d = int((1 - self.threshold / 100) * total) + 1
        while d > 0 and (1 - d / total) < self.threshold / 100:
            d -= 1
        return d

    def distance_bound(self, length: int) -> int:
        """D for a query of ``length`` characters: the largest distance to a title of any
        length that can still reach the threshold (its length differs by at most D)."""
        reach = self._reach.get(length)
        if reach is None:
            other = length
            while (other + 1) - length <= self._within(length + other + 1):
                other += 1
            reach = self._reach[length] = self._within(length + other)
        return reach

    def candidates(self, tkey: str) -> list[int] | None:
        """Positions of the titles that can reach the threshold, in order (None: all can,
        or there are too few titles for the index to pay)."""
        if len(self.titles) <= self.small:
            return None
        q = self.q
        pieces = len(tkey) // q
        need = pieces - self.distance_bound(len(tkey))
        if need <= 0:
            return None
        grams = self._grams
        found = [hit for i in range(0, pieces * q, q) if (hit := grams.get(tkey[i:i + q]))]
        if len(found) < need:
            return []
        if need == 1:
            return sorted(set(chain.from_iterable(found)))
        if sum(map(len, found)) < 2_000:
            counts = Counter(chain.from_iterable(found))
            return sorted(p for p, n in counts.items() if n >= need)
        import numpy as np  # many postings (a library of look-alike titles): count in numpy

        views = [np.frombuffer(hit, dtype=np.int32) for hit in found]
        tally = np.bincount(np.concatenate(views), minlength=len(self.titles))
        del views  # the arrays may grow again only once no view holds their buffers
        picked = np.flatnonzero(tally >= need)
        # Each piece a title lacks took an edit of its own, and the lengths differ by edits:
        # both at most the distance the threshold allows for this pair's lengths.
        size = len(tkey)
        lengths = np.frombuffer(self._lengths, dtype=np.int32)[picked]
        table = self._allowed.get(size)
        if table is None:  # the distance allowed against each length, 0 to twice this one
            table = self._allowed[size] = np.array([self._within(size + n)
                                                    for n in range(2 * size + 2)])
        allowed = table[np.minimum(lengths, 2 * size + 1)]
        near = picked[(np.abs(lengths - size) <= allowed) & (pieces - tally[picked] <= allowed)]
        return near.tolist()

    def matches(self, tkey: str, *, best: bool = False) -> list[tuple[int, float]]:
        """(position, score) of the indexed titles scoring at least ``threshold`` against
        ``tkey``, in position order; with ``best``, only the highest (the first of equals)."""
        picked = self.candidates(tkey)
        if picked is None:  # every title of a length within reach, one length at a time
            reach = self.distance_bound(len(tkey))
            groups = [(self._by_length[n], self._positions[n])
                      for n in range(len(tkey) - reach, len(tkey) + reach + 1)
                      if n in self._by_length]
        else:
            groups = [([self.titles[i] for i in picked], picked)] if picked else []
        found: list[tuple[int, float]] = []
        for choices, where in groups:
            if best:
                top = process.extractOne(tkey, choices, scorer=fuzz.ratio,
                                         score_cutoff=self.threshold)
                if top is not None:
                    found.append((where[top[2]], float(top[1])))
            else:
                found.extend((where[i], float(score)) for _, score, i in process.extract(
                    tkey, choices, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=None))
        if best and found:
            return [min(found, key=lambda hit: (-hit[1], hit[0]))]
        return sorted(found)


class DuplicateIndex:
    """Finds entries that are the same work: same DOI, same arXiv id, or near-identical title."""

    def __init__(self, threshold: float = 93.0, min_title_length: int = 12):
        self.threshold = threshold
        self.min_title_length = min_title_length
        self._doi: dict[str, str] = {}
        self._arxiv: dict[str, str] = {}
        self._titles = TitleIndex(threshold)
        self._title_keys: list[str] = []

    def add(self, key: str, *, title: str = "", doi: str | None = None, arxiv: str | None = None) -> None:
        ndoi, narxiv = paper_ids(doi, arxiv)
        if ndoi:
            self._doi.setdefault(ndoi, key)
        if narxiv:
            self._arxiv.setdefault(narxiv, key)
        tkey = title_key(title)
        if len(tkey) >= self.min_title_length:
            self._titles.add(tkey)
            self._title_keys.append(key)

    def match(self, *, title: str = "", doi: str | None = None, arxiv: str | None = None) -> Match | None:
        """The first existing entry that is the same work, or None."""
        ndoi, narxiv = paper_ids(doi, arxiv)
        if ndoi and ndoi in self._doi:
            return Match(self._doi[ndoi], "doi")
        if narxiv and narxiv in self._arxiv:
            return Match(self._arxiv[narxiv], "arxiv")
        tkey = title_key(title)
        if len(tkey) >= self.min_title_length and len(self._titles):
            found = self._titles.matches(tkey, best=True)
            if found:
                position, score = found[0]
                return Match(self._title_keys[position], "title", score)
        return None


def similar_title_pairs(items: Iterable[tuple[str, str]], threshold: float,
                        min_length: int = 12) -> list[tuple[str, str, float]]:
    """All pairs (key_a, key_b, score) whose titles score at least ``threshold`` (0-100),
    ``key_a`` the earlier of the two in ``items``; ordered as ``items`` are."""
    keys: list[str] = []
    index = TitleIndex(threshold)
    pairs = []
    for key, title in items:
        tkey = title_key(title)
        if len(tkey) < min_length:
            continue
        for position, score in index.matches(tkey):
            pairs.append((position, len(keys), score))
        index.add(tkey)
        keys.append(key)
    return [(keys[a], keys[b], score) for a, b, score in sorted(pairs)]
