"""Keyword search pieces: turning a free-text query into an FTS5 query, and a BM25 fallback.

SQLite's FTS5 (bm25 ranking, Porter stemming) is the keyword index. FTS5 exists only in
SQLite; on another database (PostgreSQL via ``database_url``) :class:`Bm25` ranks the stored
paper texts in memory with the same Okapi BM25 formula (k1=1.2, b=0.75) and a Porter-free
suffix-stripping tokenizer, so ``kb search --mode keyword`` keeps working, only slower on a
large library.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

# Lucene's English stop words: words every paper shares carry no signal in a query.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, stop words dropped, each once, in order."""
    words = [w.lower() for w in _WORD.findall(query)]
    kept = [w for w in words if w not in STOP_WORDS]
    return list(dict.fromkeys(kept or words))


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression: any of the query's words (OR), each quoted as a literal.

    Quoting keeps FTS5 operators typed by the user (AND, NEAR, ``*``, ``:``) from being read as
    syntax, so no query can be an FTS5 syntax error.
    """
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in query_terms(query))


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    return [_stem(w.lower()) for w in _WORD.findall(text) if w.lower() not in STOP_WORDS]


class Bm25:
    """Okapi BM25 over documents held in memory (the keyword fallback without FTS5)."""

    def __init__(self, docs: Iterable[tuple[str, str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.keys: list[str] = []
        self.freqs: list[Counter[str]] = []
        self.lengths: list[int] = []
        df: Counter[str] = Counter()
        for key, text in docs:
            counts = Counter(tokens(text))
            self.keys.append(key)
            self.freqs.append(counts)
            self.lengths.append(sum(counts.values()))
            df.update(counts.keys())
        n = len(self.keys)
        self.avg = (sum(self.lengths) / n) if n else 0.0
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        terms = [_stem(t) for t in query_terms(query)]
        terms = [t for t in dict.fromkeys(terms) if t in self.idf]
        scored = []
        for key, counts, length in zip(self.keys, self.freqs, self.lengths):
            if allowed is not None and key not in allowed:
                continue
            score = 0.0
            for t in terms:
                f = counts.get(t, 0)
                if f:
                    norm = f + self.k1 * (1 - self.b + self.b * length / (self.avg or 1))
                    score += self.idf[t] * f * (self.k1 + 1) / norm
            if score > 0:
                scored.append((key, score))
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored[:k]
