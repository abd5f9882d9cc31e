"""Why a paper was found: the query's words it holds, and the sentence that shows it.

For each result of a search, :func:`explain` gives

``matched``
    the query's content words the paper holds, in the query's order: the words of
    :func:`kb.search.keyword.query_terms` that the keyword index finds in any of its fields,
    less the function words (:data:`kb.search.keyword.FUNCTION_WORDS`: "why", "does", "you");
``why``
    ``"both"`` when it holds a content word and is close in meaning by itself (cosine at least
    the semantic mode's strong threshold, :data:`kb.search.fusion.STRONG`), ``"keyword"``
    when only the first holds, ``"meaning"`` otherwise (keyword mode: always ``"keyword"``);
``excerpt``
    one passage of the paper (a sentence of its abstract or summary or notes,
    :func:`kb.search.passages.passages`), with the spans of the query's words in it: the
    sentence holding the largest share of the query's weight in content words (weights of
    :func:`kb.search.fusion.term_weights`; then the most such words; then the first: the
    summary comes first), ``by="words"``; where no sentence holds one, the sentence nearest
    to the query in meaning (its own vector), ``by="meaning"``; without a query vector
    (keyword mode), the first sentence, ``by="lead"``; None for a paper with no prose.

A word is found in a sentence as the keyword index finds it in the paper: the sentences go
into an FTS5 table in memory with the same tokenizer (Porter stemming, unicode61), which marks
the matched tokens (``highlight()``), so "optimised" in a query lights up "optimising".
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.search.fusion import STRONG
from kb.search.keyword import FUNCTION_WORDS
from kb.search.schema import FTS_COLUMNS

TOKENIZER = "porter unicode61"  # the keyword index's (kb.search.schema.FTS_DDL)

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Excerpt:
    """A passage of a paper and the character spans of the query's words in it."""

    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    by: str = "words"  # "words", "meaning" or "lead"

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "highlights": [list(span) for span in self.highlights],
                "by": self.by}


@dataclass
class Explanation:
    matched: list[str]
    why: str
    excerpt: Excerpt | None


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


_MARKED = re.compile("\x01([^\x02]*)\x02")


def _spans(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The text of a highlight() result and the spans its markers enclosed."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    at = length = 0
    for match in _MARKED.finditer(marked):
        text.append(marked[at:match.start()])
        length += match.start() - at
        text.append(match.group(1))
        spans.append((length, length + len(match.group(1))))
        length += len(match.group(1))
        at = match.end()
    text.append(marked[at:])
    return "".join(text), spans


def explain(texts: Mapping[str, Sequence[str]], terms: Sequence[str], weights: Mapping[str, float],
            fields: Mapping[str, Mapping[str, str]], *, mode: str,
            cosines: Mapping[str, float] | None = None,
            query: np.ndarray | None = None,
            passage_vectors: Callable[[str], np.ndarray | None] | None = None,
            close_at: float = STRONG["semantic"]) -> dict[str, Explanation]:
    """The explanation of each result (``texts``: key -> the paper's passages, in order).

    ``terms``: the query's words (:func:`kb.search.keyword.query_terms`); ``weights``: their
    shares (:func:`kb.search.fusion.term_weights`); ``fields``: key -> the texts the keyword
    index holds of the paper, by column (:meth:`kb.search.store.Store.indexed`), where its
    words are looked up (in a copy of those few rows: cheaper than looking each row up in the
    whole index); ``cosines``: key -> the paper's cosine with the query (hybrid and semantic
    modes); ``query``: the query's vector; ``passage_vectors(key)``: the vectors of the
    paper's passages, one row per passage, or None.
    """
    content = [t for t in terms if t not in FUNCTION_WORDS]
    rows: list[tuple[int, str]] = []
    where: dict[int, tuple[str, int]] = {}
    for key, sentences in texts.items():
        for i, sentence in enumerate(sentences):
            rows.append((len(rows) + 1, sentence))
            where[rows[-1][0]] = (key, i)
    rowid_of = {place: rowid for rowid, place in where.items()}
    holds: dict[tuple[str, int], set[str]] = {}
    held: dict[str, set[str]] = {}
    papers = list(fields)
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f"CREATE VIRTUAL TABLE s USING fts5(text, tokenize='{TOKENIZER}')")
        db.executemany("INSERT INTO s(rowid, text) VALUES (?, ?)", rows)
        db.execute(f"CREATE VIRTUAL TABLE d USING fts5({', '.join(FTS_COLUMNS)}, "
                   f"tokenize='{TOKENIZER}')")
        db.executemany(f"INSERT INTO d(rowid, {', '.join(FTS_COLUMNS)}) VALUES "
                       f"(?, {', '.join('?' * len(FTS_COLUMNS))})",
                       [(i + 1, *(fields[key].get(c, "") for c in FTS_COLUMNS))
                        for i, key in enumerate(papers)])
        for term in content:
            for (rowid,) in db.execute("SELECT rowid FROM s WHERE s MATCH ?", (_phrase(term),)):
                holds.setdefault(where[rowid], set()).add(term)
            for (rowid,) in db.execute("SELECT rowid FROM d WHERE d MATCH ?", (_phrase(term),)):
                held.setdefault(papers[rowid - 1], set()).add(term)
        chosen: dict[str, tuple[int, str]] = {}
        out: dict[str, Explanation] = {}
        for key, sentences in texts.items():
            vectors = passage_vectors(key) if passage_vectors is not None else None
            sims = None
            if vectors is not None and query is not None and len(vectors) == len(sentences):
                import numpy as np  # only with vectors: keyword search never loads numpy

                sims = vectors @ np.asarray(query, dtype=np.float32)
                if not np.isfinite(sims).all():
                    sims = None
            excerpt = None
            with_words = [i for i in range(len(sentences)) if (key, i) in holds]
            if with_words:
                ranks = {i: (-sum(weights.get(t, 0.0) for t in holds[(key, i)]),
                             -len(holds[(key, i)]), i) for i in with_words}
                best = min(with_words, key=ranks.__getitem__)
                chosen[key] = (best, " OR ".join(_phrase(t) for t in sorted(holds[(key, best)])))
                excerpt = Excerpt(sentences[best], [], "words")
            elif sims is not None and len(sentences):
                best = int(sims.argmax())  # the first of equals
                excerpt = Excerpt(sentences[best], [], "meaning")
            elif sentences:
                excerpt = Excerpt(sentences[0], [], "lead")
            matched = [t for t in content if t in held.get(key, set())]
            cosine = None if cosines is None else cosines.get(key)
            close = cosine is not None and cosine >= close_at
            why = "keyword" if mode == "keyword" else (
                "both" if matched and close else "keyword" if matched else "meaning")
            out[key] = Explanation(matched, why, excerpt)
        for key, (i, match) in chosen.items():
            marked = db.execute("SELECT highlight(s, 0, char(1), char(2)) FROM s WHERE s MATCH ? "
                                "AND rowid = ?", (match, rowid_of[(key, i)])).fetchone()
            excerpt = out[key].excerpt
            if marked is not None and excerpt is not None:
                text, spans = _spans(marked[0])
                if text == excerpt.text:
                    excerpt.highlights = spans
    finally:
        db.close()
    return out
