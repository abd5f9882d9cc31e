"""Keyword search: a free-text query as an FTS5 query, and its top hits by FTS5's bm25.

SQLite's FTS5 (bm25 ranking, Porter stemming) is the keyword index (:mod:`kb.search.tables`).
A query matches papers holding any of its words. Ranking every match costs about a
microsecond per matching paper, which at 100,000 papers and a common word is most of a
query's time; :func:`bm25_top` avoids it without changing the result.

FTS5's bm25 score of a paper is a sum over the query's words of
``idf(word) * tf(word, paper)``, where ``tf < k1 + 1`` (k1 = 1.2) and ``idf`` depends only on
how many papers hold the word. Split the words into rare ones (few papers hold them) and
frequent ones. A paper holding only frequent words scores at most ``F = (k1 + 1) * sum of
their idf``; so if the ``k``-th best paper holding a rare word scores more than ``F``, no
other paper can enter the top ``k``. The candidates (papers with a rare word) are ranked by
FTS5 in two queries (those without a frequent word, those with one, both scored over all the
words). When the bound does not hold, the frequent words that could still beat the ``k``-th
score join the rare ones (more candidates only raise that score, so one more round ends it);
only when every word has joined is every match ranked. Either way the hits and scores are
FTS5's own bm25 (the idea is MaxScore's, Turtle and Flood 1995).

Each ranking sorts row ids in SQLite and reads the keys of the winners alone: reading the key
of every match, which the order of ties needs, cost more than scoring it.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from kb.search.schema import FTS_WEIGHTS

# Lucene's English stop words: words every paper shares carry no signal in a query. (A longer
# list, FUNCTION_WORDS below, ranked no better on the development set: MRR@10 0.917 / 0.852
# against 0.927 / 0.858 with this one, course alone / with 300 distractors; bm25 and the
# coverage of kb.search.fusion already weigh a word that most papers hold close to nothing.)
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
# Words that say nothing of a topic (NLTK's English list, which holds Lucene's, and the words
# for what every entry of a library is): a result never names one as a word it matched, and an
# excerpt is never chosen or highlighted for one.
FUNCTION_WORDS = STOP_WORDS | frozenset(
    "paper papers article articles "
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his "
    "himself she her hers herself its itself them theirs themselves what which who whom "
    "those am were been being have has had having do does did doing because until while "
    "about against between through during before after above below from up down out off over "
    "under again further once here when where why how all any both each few more most other "
    "some nor only own same so than too very s t can just don should now d ll m o re ve y "
    "ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn "
    "weren won wouldn".split())
_WORD = re.compile(r"\w+", re.UNICODE)
K1 = 1.2  # FTS5's bm25 constant
# Rank only the candidates while they are at most this many papers (or this share).
CANDIDATES = 5000
CANDIDATE_SHARE = 0.05
_BM25 = "bm25(paper_fts, " + ", ".join(str(w) for w in FTS_WEIGHTS) + ")"
Filter = tuple[str, dict[str, Any]]


def query_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, stop words dropped, each once, in order."""
    words = [w.lower() for w in _WORD.findall(query)]
    kept = [w for w in words if w not in STOP_WORDS]
    return list(dict.fromkeys(kept or words))


def content_words(terms: list[str]) -> list[str]:
    """The query terms that are not function words (what a result says it matched)."""
    return [t for t in terms if t not in FUNCTION_WORDS]


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression: any of the query's words (OR), each quoted as a literal.

    Quoting keeps FTS5 operators typed by the user (AND, NEAR, ``*``, ``:``) from being read as
    syntax, so no query can be an FTS5 syntax error.
    """
    return " OR ".join(_phrase(t) for t in query_terms(query))


def idf(hits: int, total: int) -> float:
    """FTS5's idf of a word that ``hits`` of ``total`` papers hold."""
    value = math.log((total - hits + 0.5) / (hits + 0.5))
    return value if value > 0 else 1e-6


def _where(match: str, filt: Filter | None) -> tuple[str, dict[str, Any]]:
    sql = "FROM paper_fts WHERE paper_fts MATCH :q"
    params: dict[str, Any] = {"q": match}
    if filt is not None:
        sql += f" AND key IN ({filt[0]})"
        params.update(filt[1])
    return sql, params


def _ranked(conn: sqlite3.Connection, match: str, filt: Filter | None, k: int
            ) -> list[tuple[str, float]]:
    """The ``k`` best (key, score) of ``match`` by bm25, best first, ties by key.

    SQLite sorts row ids by score, and only the winners' keys are read: reading the key of
    every match, for the tie order, cost more than scoring it. Only when a tie straddles the
    ``k``-th place, so that the key decides who is in, are the tied rows ordered by key in SQL.
    """
    where, params = _where(match, filt)
    rows = conn.execute(f"SELECT rowid, round({_BM25}, 9) AS r {where} ORDER BY r LIMIT :n",
                        {**params, "n": k + 1}).fetchall()
    if len(rows) > k and rows[k][1] == rows[k - 1][1]:
        return [(key, -r) for key, r in conn.execute(
            f"SELECT key, round({_BM25}, 9) AS r {where} ORDER BY r, key LIMIT :n",
            {**params, "n": k})]
    rows = rows[:k]
    if not rows:
        return []
    keys = dict(conn.execute(f"SELECT rowid, key FROM paper_fts WHERE rowid IN "
                             f"({','.join('?' * len(rows))})", [rowid for rowid, _ in rows]))
    return sorted(((keys[rowid], -r) for rowid, r in rows), key=_ORDER)


def _ORDER(item: tuple[str, float]) -> tuple[float, str]:
    return -item[1], item[0]


def term_hits(conn: sqlite3.Connection, terms: list[str]) -> dict[str, int]:
    """How many papers hold each term (a quoted FTS5 phrase of the term's tokens)."""
    return {t: conn.execute("SELECT count(*) FROM paper_fts WHERE paper_fts MATCH ?",
                            (_phrase(t),)).fetchone()[0] for t in terms}


def holding(conn: sqlite3.Connection, hits: Mapping[str, int | None], rowids: list[int]
            ) -> dict[int, set[str]]:
    """rowid -> the terms of ``hits`` (term -> how many papers hold it, None when not
    counted) its paper holds, for the given rows of the keyword index.

    Per term, the cheaper of two queries: every row holding the term, kept when given (about
    0.3 us a row), or a look-up of each given row in the term's postings (about 15 us a row,
    measured on 100,000 rows; the one used for a term not counted), so no term costs more
    than a few milliseconds."""
    held: dict[int, set[str]] = {}
    wanted = set(rowids)
    for term, n in hits.items():
        if n == 0 or not wanted:
            continue
        if n is not None and n <= 50 * len(wanted):
            rows = conn.execute("SELECT rowid FROM paper_fts WHERE paper_fts MATCH ?",
                                (_phrase(term),))
            found = [rowid for (rowid,) in rows if rowid in wanted]
        else:
            found = []
            for start in range(0, len(rowids), 500):
                chunk = rowids[start:start + 500]
                found += [rowid for (rowid,) in conn.execute(
                    f"SELECT rowid FROM paper_fts WHERE paper_fts MATCH ? AND rowid IN "
                    f"({','.join('?' * len(chunk))})", [_phrase(term), *chunk])]
        for rowid in found:
            held.setdefault(rowid, set()).add(term)
    return held


def bm25_top(conn: sqlite3.Connection, query: str, k: int, filt: Filter | None = None, *,
             total: int | None = None, hits: dict[str, int] | None = None
             ) -> list[tuple[str, float]]:
    """The ``k`` best (key, score) for ``query`` by bm25, best first (ties by key).

    ``filt``: a SELECT of the keys allowed, with its parameters. ``total``: the number of
    papers in the index (when given, the candidate shortcut above may be taken). ``hits``:
    :func:`term_hits` of the query's words, when the caller has counted them.
    """
    terms = [_phrase(t) for t in query_terms(query)]
    if not terms or k <= 0:
        return []
    if total is None or len(terms) == 1:
        return _ranked(conn, " OR ".join(terms), filt, k)
    hits = {_phrase(t): n for t, n in (hits if hits is not None else
                                       term_hits(conn, query_terms(query))).items()}
    present = sorted((t for t in terms if hits[t]), key=lambda t: (hits[t], t))
    if not present:
        return []
    cap = max(CANDIDATES, int(CANDIDATE_SHARE * total))
    rare = 1
    while rare < len(present) and sum(hits[t] for t in present[:rare + 1]) <= cap:
        rare += 1

    def bound(words: list[str]) -> float:  # the best score of a paper holding only ``words``
        return (K1 + 1) * sum(idf(hits[t], total) for t in words) + 1e-6

    while rare < len(present):
        # Every candidate is scored over all the words (bm25 sums over the query's phrases,
        # in the same order in each expression, so the scores are those of the full query):
        # those without a frequent word in one query, those with one in another.
        any_rare, any_frequent = " OR ".join(present[:rare]), " OR ".join(present[rare:])
        ranked = sorted(_ranked(conn, f"({any_rare}) NOT ({any_frequent})", filt, k)
                        + _ranked(conn, f"({any_rare}) AND ({any_frequent})", filt, k),
                        key=_ORDER)
        if len(ranked) < k:
            rare += 1
            continue
        kth = ranked[k - 1][1]
        if kth > bound(present[rare:]):
            return ranked[:k]
        # More candidates only raise the k-th score: take in the fewest frequent words that
        # leave the others unable to reach this one, and the next round ends the search.
        rare += 1
        while rare < len(present) and kth <= bound(present[rare:]):
            rare += 1
    return _ranked(conn, " OR ".join(present), filt, k)
