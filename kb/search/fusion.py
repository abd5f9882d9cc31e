"""The one ranking rule of hybrid search, and when a result counts as a strong match.

A paper's hybrid score is its cosine similarity to the query plus a bonus for holding the
query's words, rare words weighing more than common ones::

    score(d) = cosine(q, d) + COVERAGE_WEIGHT * coverage(q, d)
    coverage(q, d) = sum of weight(t) over the query's words t that paper d holds
    weight(t) = idf(t) / sum of idf(u) over the query's words u
    idf(t) = max(0, ln((N - n_t + 0.5) / (n_t + 0.5)))     (n_t of N papers hold t)

The query's words are those of :func:`kb.search.keyword.query_terms` (stop words dropped), a
word is held when the paper's keyword index holds it (FTS5, Porter stemming, any field), and
the idf is the classic one (FTS5's bm25 uses it), except that a word more than half the papers
hold weighs nothing rather than almost nothing. A word no paper holds still counts in the sum,
so a query whose rare words the library lacks gives every paper a small coverage. The
candidates are the top :data:`FUSION_DEPTH` papers of each ranking, keyword (kb's bm25) and
semantic (cosine); each candidate's score is computed in full. Ties go to the smaller key.

kb's bm25 (:mod:`kb.search.keyword`) takes Lucene's idf, ``ln(1 + (N - n + 0.5) / (n + 0.5))``,
which stays above 0. The same idf in the coverage was measured and not taken
(scripts/eval_search.py --set dev, with kb's bm25 as it is): MRR@10 0.938 / 0.866 against
0.937 / 0.860, everyday wording 0.784 / 0.539 against 0.779 / 0.516, the other kinds and the
separability (0.96 / 0.87) unchanged: a question or two, while the STRONG threshold the eval
chooses would move (0.533 against 0.516) and every hybrid score with a common word with it.

Why this rule (scripts/eval_search.py --set dev: 151 answerable questions of four kinds over
this course's 49 papers, alone and among 300 distractors): reciprocal rank fusion (k = 1), the
rule before it, had MRR@10 0.912 / 0.850 and ranks alone, so its fused score said nothing of
how good the best match was (a question no paper answers got top scores like any other:
separability 0.74). Fusing scores does both: cosine plus 0.6 x coverage has MRR@10 0.937 /
0.860 (everyday wording 0.779 / 0.516 against 0.722 / 0.520; no kind loses more than 0.007)
and its top score separates the unanswerable questions (separability 0.96 / 0.87). The weight
sits on a plateau (0.4 to 0.7 give 0.925-0.937 / 0.854-0.860; 0.5, first chosen as its
middle, lost 0.013 on paraphrases, 0.6 nothing of note). bm25 divided by the best bm25, in
place of coverage, ranked nearly as well (0.925 / 0.856 at 0.2), but its bonus is relative:
the best keyword match gets all of it however few of the query's words it holds, so its top
score says less (separability 0.94 / 0.86), and a query of one rare word ("PPO") tops at 0.45
where coverage gives 0.85. Vectors of the papers' sentences beside the paper's own moved
nothing beyond noise, so they only pick excerpts (:mod:`kb.search.explain`). Held out: on
the course set of scripts/eval_search.py (38 questions written before this rule) hybrid's
MRR@5 went from 0.851 to 0.956; on SciFact, where RRF's constant was tuned, nDCG@10 from
0.911 to 0.920 (test claims 0.832 to 0.836).

Strong match: a result is strong when its score reaches :data:`STRONG` of its mode (hybrid:
the fused score; semantic: the cosine); keyword results are not judged. The thresholds are
the highest at which at most 10% of the development set's answerable questions, course alone,
would have their top result flagged (the eval prints that choice: 0.516 and 0.391, rounded
down here). With them (course alone / with 300 distractors) the ``none`` questions are flagged
86% / 43% of the time in hybrid mode (some distractors do cover those topics) and 86% / 50% in
semantic mode, the answerable ones 9% / 4% and 10% / 4%. A hybrid score adds the coverage, so
a query of one rare word that a paper holds ("PPO": cosine 0.25) is still a strong match.

The site (kb/site/assets/rank.js) receives these constants from the build and ranks alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

COVERAGE_WEIGHT = 0.6
FUSION_DEPTH = 100
STRONG = {"hybrid": 0.51, "semantic": 0.39}
# The same rule with the quick (static) model's cosines (kb.search.static: the site's first
# answer by meaning, before the full model has loaded). Its cosines, centred on the library's
# mean vector, spread differently, so the words weigh more (QUICK_COVERAGE_WEIGHT: 0.6, 1.0
# and 1.5 gave MRR@10 0.864 / 0.790, 0.886 / 0.804 and 0.899 / 0.801, course alone / with
# 300 distractors) and the thresholds are chosen for it by the same rule (the eval's choice
# 0.461 and 0.277, rounded down; separability 0.92 and 0.81, course alone).
QUICK_COVERAGE_WEIGHT = 1.0
STATIC_STRONG = {"hybrid": 0.46, "semantic": 0.27}


def idf(hits: int, total: int) -> float:
    """The weight of a word that ``hits`` of ``total`` papers hold: the classic idf (FTS5's),
    0 when it is not above 0 (a word more than half the papers hold); kb's bm25 takes another
    (:func:`kb.search.keyword.idf`)."""
    if total <= 0:
        return 0.0
    return max(0.0, math.log((total - hits + 0.5) / (hits + 0.5)))


def term_weights(hits: Mapping[str, int], total: int) -> dict[str, float]:
    """Each query word's share of the query's idf (all 0 when no word weighs anything)."""
    raw = {term: idf(n, total) for term, n in hits.items()}
    whole = sum(raw.values())
    return {term: (value / whole if whole > 0 else 0.0) for term, value in raw.items()}


def coverage(held: Iterable[str], weights: Mapping[str, float]) -> float:
    """The share of the query's weight in the words a paper holds."""
    return sum(weights.get(term, 0.0) for term in set(held))


def fused(cosine: float, cover: float, weight: float = COVERAGE_WEIGHT) -> float:
    """A paper's hybrid score (``weight``: :data:`QUICK_COVERAGE_WEIGHT` for the quick model)."""
    return cosine + weight * cover


def strong(mode: str, score: float, quick: bool = False) -> bool | None:
    """Whether a result with ``score`` in ``mode`` is a strong match (None: not judged);
    ``quick``: ranked with the quick model, judged by its thresholds."""
    threshold = (STATIC_STRONG if quick else STRONG).get(mode)
    return None if threshold is None else score >= threshold
