"""Keyword search: a free-text query as an FTS5 query, and its top hits by kb's bm25.

SQLite's FTS5 (Porter stemming, column weights) is the keyword index (:mod:`kb.search.tables`).
A query matches papers holding any of its words. kb's bm25 score of a paper is a sum over the
query's words of ``idf(word) * tf(word, paper)``::

    tf = f * (k1 + 1) / (f + k1 * (1 - b + b * length / average length))   (k1 1.2, b 0.75)
    idf = ln(1 + (N - n + 0.5) / (n + 0.5))          (n of the index's N papers hold the word)

where ``f`` is the column-weighted count of the word in the paper (:data:`FTS_WEIGHTS`) and
``length`` the paper's token count: FTS5's bm25 (fts5_aux.c), except for the idf. FTS5's own
idf, ``ln((N - n + 0.5) / (n + 0.5))``, is not above 0 for a word that half the papers or more
hold, and FTS5 floors it to 1e-6: such a word's hits all scored 0.0000 and ranked by noise (a
query for an author's first name held by most of a library). Lucene's idf, used here, is above
0 for every word, so every hit scores above 0 by its counts and fields, and a rare word still
outweighs a common one (the site's ranking, kb/site/assets/rank.js, uses the same rule).

Each word's ``tf`` comes from FTS5 itself: ``bm25()`` over the word alone is ``fts5_idf * tf``
(negated), so it is rescaled by ``idf / fts5_idf`` (:func:`fts5_idf`; exact to rounding, FTS5's
floor included), and a paper's score is the sum of its words' parts, added up here (a one-word
query is ranked in SQLite). Scoring a word costs about a microsecond per paper holding it, which
at 100,000 papers and a common word is most of a query's time; :func:`bm25_top` avoids most of
it without changing the result.

The words are scored one by one, the rarest (highest idf) first. Since ``tf < k1 + 1``, the
words still to come add at most ``R = (k1 + 1) * sum of their idf`` to any paper; once the
``k``-th best sum so far is above ``R``, no paper holding none of the words scored so far can
enter the top ``k``, so each later word is scored on the papers already seen alone, and only
on those whose sum plus ``R`` still reaches that ``k``-th sum (their postings are read through,
but bm25 is computed for those rows only). The hits and scores are those of scoring every match
(the idea is MaxScore's, Turtle and Flood 1995). Against the single SQL ranking of the rule
before (``bm25()`` of all the words at once, FTS5's idf), measured in-process: about the same
for one word; up to 1.5-3 ms more on the 1,370-paper import for a query of several words that
each half the papers hold (a ``kb search`` process takes 0.1-0.2 s); on 100,000 synthetic
papers (scripts/bench_search.py's library) 15-25% less time over 40 queries of three words, the
median a few milliseconds more.

Ties go to the smaller key; keys are read for the winners (and any row tied with the ``k``-th)
alone: reading the key of every match cost more than scoring it.
"""

from __future__ import annotations

import heapq
import math
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from kb.search.schema import FTS_WEIGHTS

# Lucene's English stop words: words every paper shares carry no signal in a query. (A longer
# list, FUNCTION_WORDS below, ranked no better on the development set: MRR@10 0.917 / 0.852
# against 0.927 / 0.858 with this one, course alone / with 300 distractors; bm25 and the
# coverage of kb.search.fusion already weigh a word that most papers hold little or nothing.)
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
# bm25's constants: FTS5's (fts5_aux.c), fixed, as each word's tf comes from its bm25()
K1 = 1.2
B = 0.75
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
    """kb's idf of a word that ``hits`` of ``total`` papers hold (Lucene's): above 0 for every
    word, however many papers hold it."""
    return math.log(1 + (total - hits + 0.5) / (hits + 0.5))


def fts5_idf(hits: int, total: int) -> float:
    """FTS5's idf (fts5_aux.c), which its ``bm25()`` multiplies by: 1e-6 when not above 0."""
    value = math.log((total - hits + 0.5) / (hits + 0.5))
    return value if value > 0 else 1e-6


def _where(match: str, filt: Filter | None) -> tuple[str, dict[str, Any]]:
    sql = "FROM paper_fts WHERE paper_fts MATCH :q"
    params: dict[str, Any] = {"q": match}
    if filt is not None:
        sql += f" AND key IN ({filt[0]})"
        params.update(filt[1])
    return sql, params


def _ranked(conn: sqlite3.Connection, word: str, scale: float, filt: Filter | None, k: int
            ) -> list[tuple[str, float]]:
    """The ``k`` best (key, score) of one word (a quoted phrase), best first, ties by key:
    FTS5's bm25 times ``scale`` (kb's idf over FTS5's), ranked in SQLite.

    SQLite sorts row ids by score, and only the winners' keys are read: reading the key of
    every match, for the tie order, cost more than scoring it. Only when a tie straddles the
    ``k``-th place, so that the key decides who is in, are the tied rows ordered by key in SQL.
    """
    where, params = _where(word, filt)
    params["c"] = scale
    score = f"round({_BM25} * :c, 9)"
    rows = conn.execute(f"SELECT rowid, {score} AS r {where} ORDER BY r LIMIT :n",
                        {**params, "n": k + 1}).fetchall()
    if len(rows) > k and rows[k][1] == rows[k - 1][1]:
        return [(key, -r) for key, r in conn.execute(
            f"SELECT key, {score} AS r {where} ORDER BY r, key LIMIT :n", {**params, "n": k})]
    rows = rows[:k]
    keys = _keys(conn, [rowid for rowid, _ in rows])
    return sorted(((keys[rowid], -r) for rowid, r in rows), key=_ORDER)


def _ORDER(item: tuple[str, float]) -> tuple[float, str]:
    return -item[1], item[0]


def _keys(conn: sqlite3.Connection, rowids: list[int]) -> dict[int, str]:
    keys: dict[int, str] = {}
    for start in range(0, len(rowids), 500):
        chunk = rowids[start:start + 500]
        keys.update(conn.execute(f"SELECT rowid, key FROM paper_fts WHERE rowid IN "
                                 f"({','.join('?' * len(chunk))})", chunk).fetchall())
    return keys


def _scores(conn: sqlite3.Connection, word: str, scale: float, filt: Filter | None,
            within: list[int] | None = None) -> list[tuple[int, float]]:
    """(rowid, kb's bm25 part of ``word``) for each paper holding the word (a quoted phrase);
    ``within``: for these rows alone (the word's postings are read through, and bm25 is
    computed for the rows among them)."""
    where, params = _where(word, filt)
    if within is not None:
        # "+rowid": a test of each posting; a look-up of each row instead costs FTS5 the idf's
        # count of every paper holding the word again, row after row (3-6 ms each at 100,000
        # papers). The row ids are SQLite's own integers, so they may stand in the SQL.
        where += f" AND +rowid IN ({','.join(str(int(r)) for r in within)})"
    return conn.execute(f"SELECT rowid, -{_BM25} * :c {where}", {**params, "c": scale}
                        ).fetchall()


def _top(conn: sqlite3.Connection, scores: Mapping[int, float], k: int
         ) -> list[tuple[str, float]]:
    """The ``k`` best (key, score) of rowid -> score, scores rounded to 9 places, ties by key."""
    rounded = {rowid: round(score, 9) for rowid, score in scores.items()}
    if not rounded:
        return []
    cut = heapq.nlargest(k, rounded.values())[-1]
    chosen = [rowid for rowid, score in rounded.items() if score >= cut]  # ties at the cut too
    keys = _keys(conn, chosen)
    return sorted(((keys[rowid], rounded[rowid]) for rowid in chosen), key=_ORDER)[:k]


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
             total: int | None = None, hits: Mapping[str, int] | None = None
             ) -> list[tuple[str, float]]:
    """The ``k`` best (key, score) for ``query`` by kb's bm25, best first (ties by key).

    ``filt``: a SELECT of the keys allowed, with its parameters. ``total``: the number of
    papers in the index (counted when not given). ``hits``: :func:`term_hits` of the query's
    words, when the caller has counted them.
    """
    words = query_terms(query)
    if not words or k <= 0:
        return []
    if total is None:
        total = int(conn.execute("SELECT count(*) FROM paper_fts").fetchone()[0])
    counts = hits if hits is not None else term_hits(conn, words)
    present = sorted((w for w in words if counts[w]), key=lambda w: (counts[w], w))
    if not present:
        return []
    scale = {w: idf(counts[w], total) / fts5_idf(counts[w], total) for w in present}
    if len(present) == 1:
        return _ranked(conn, _phrase(present[0]), scale[present[0]], filt, k)
    scores: dict[int, float] = {}
    for at, word in enumerate(present):  # the rarest first
        # the most the words from here on can add to a paper's score (tf < k1 + 1)
        reach = (K1 + 1) * sum(idf(counts[w], total) for w in present[at:]) + 1e-6
        # the k-th score is at least the k-th of the sums so far
        floor = heapq.nlargest(k, scores.values())[-1] if len(scores) >= k else 0.0
        if floor > reach:  # no paper without one of the words so far can enter the top k
            scores = {rowid: s for rowid, s in scores.items() if s + reach >= floor}
            for rowid, s in _scores(conn, _phrase(word), scale[word], None, sorted(scores)):
                scores[rowid] += s
        else:
            for rowid, s in _scores(conn, _phrase(word), scale[word], filt):
                scores[rowid] = scores.get(rowid, 0.0) + s
    return _top(conn, scores, k)
