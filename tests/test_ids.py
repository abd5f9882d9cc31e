"""Near-identical titles: the gram index finds exactly what comparing every pair finds."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz, process

from kb.bib.latex import latex_to_text
from kb.bib.read import read_bib
from kb.model.ids import DuplicateIndex, TitleIndex, similar_title_pairs, title_key
from conftest import SHARED


@pytest.fixture(scope="module")
def real_titles() -> list[str]:
    """Title keys of every entry of the real .bib files (about 3,000)."""
    files = sorted((SHARED / "bib_messy").rglob("*.bib"))
    titles = [title_key(latex_to_text(entry.fields.get("title", "")))
              for bib in read_bib(files, []) for entry in bib.entries]
    return [t for t in titles if len(t) >= 12]


def _mutated(titles: list[str], count: int, seed: int, threshold: float = 93) -> list[str]:
    """Titles with random insertions, deletions and substitutions: some within the
    threshold of their original, some just outside it."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        chars = list(rng.choice(titles))
        for _ in range(rng.randint(0, max(1, int(len(chars) * (100 - threshold) / 25)))):
            at = rng.randrange(len(chars) + 1)
            roll = rng.random()
            if roll < 0.4 and at < len(chars):
                del chars[at]
            elif roll < 0.8:
                chars.insert(at, rng.choice("abcdeilnorst "))
            elif at < len(chars):
                chars[at] = rng.choice("xyz ")
        out.append("".join(chars))
    return [t for t in out if len(t) >= 12]


@pytest.mark.parametrize("threshold", [93, 90, 85, 70])
def test_title_index_finds_exactly_what_a_full_comparison_finds(real_titles, threshold):
    index = TitleIndex(threshold, small=100)  # the index built part of the way through
    for title in real_titles:
        index.add(title)
    queries = _mutated(real_titles, 600, seed=threshold, threshold=threshold) + real_titles[:100]
    matched = 0
    for query in queries:
        everything = process.extract(query, real_titles, scorer=fuzz.ratio,
                                     score_cutoff=threshold, limit=None)
        expected = sorted((i, float(score)) for _, score, i in everything)
        assert index.matches(query) == expected, query
        best = process.extractOne(query, real_titles, scorer=fuzz.ratio, score_cutoff=threshold)
        assert index.matches(query, best=True) == ([] if best is None else [(best[2], best[1])])
        matched += bool(expected)
    assert 0.3 * len(queries) < matched < 0.95 * len(queries)  # near misses and hits both tested


def test_title_index_scores_only_candidates_at_the_default_threshold(real_titles):
    index = TitleIndex(93)
    for title in real_titles:
        index.add(title)
    sizes = [len(found) for query in _mutated(real_titles, 200, seed=1)
             if (found := index.candidates(query)) is not None]
    assert len(sizes) == 200 - sum(1 for q in _mutated(real_titles, 200, seed=1) if len(q) < 12)
    assert sum(sizes) / len(sizes) < 0.02 * len(real_titles)  # not a scan of every title


def test_a_threshold_too_low_for_the_filter_compares_every_title():
    index = TitleIndex(60)
    index.add("reward model overoptimization")
    assert index.candidates("scaling laws for reward models") is None
    assert index.matches("reward model over optimisation") == \
        [(0, fuzz.ratio("reward model over optimisation", "reward model overoptimization"))]


def test_similar_title_pairs_lists_each_pair_once_in_order_of_the_items():
    items = [("b", "Training language models to follow instructions"),
             ("a", "Proximal policy optimization algorithms"),
             ("c", "Training language models to follow instructions."),
             ("d", "Proximal Policy Optimisation Algorithms"),
             ("e", "Training Language Models to Follow Instruction")]
    pairs = similar_title_pairs(items, 93)
    assert [(a, b) for a, b, _ in pairs] == [("b", "c"), ("b", "e"), ("a", "d"), ("c", "e")]
    assert all(93 <= score <= 100 for _, _, score in pairs)


def test_duplicate_index_prefers_ids_then_the_best_title():
    index = DuplicateIndex()
    index.add("ppo", title="Proximal Policy Optimization Algorithms", arxiv="1707.06347")
    index.add("ppo2", title="Proximal Policy Optimisation Algorithm")
    index.add("other", title="Deep reinforcement learning from human preferences", doi="10.1/x")
    assert index.match(title="unrelated", doi="10.1/X").key == "other"
    assert index.match(title="unrelated", arxiv="arXiv:1707.06347v2").key == "ppo"
    found = index.match(title="Proximal policy optimisation algorithms")
    assert (found.key, found.reason) == ("ppo2", "title")
    assert index.match(title="Proximal policy gradient methods") is None


@pytest.mark.parametrize("threshold", [93, 90])
def test_title_index_finds_titles_at_the_largest_distance_the_threshold_allows(real_titles,
                                                                               threshold):
    """The tightest case of the filter: a title with one letter inserted inside each of as
    many of the query's pieces as the threshold allows, so just enough pieces survive."""
    index = TitleIndex(threshold, small=0)  # the grams from the first title on
    rng = random.Random(threshold)
    queries = rng.sample(real_titles, 300)
    stretched = []
    for query in queries:
        q, breaks = index.q, index.distance_bound(len(query))
        pieces = len(query) // q
        chars = list(query)
        for piece in sorted(rng.sample(range(pieces), min(breaks, pieces)), reverse=True):
            chars.insert(piece * q + 1 + rng.randrange(q - 1), "q")
        stretched.append("".join(chars))
    for title in stretched:
        index.add(title)
    found = 0
    for query in queries:
        everything = process.extract(query, stretched, scorer=fuzz.ratio, score_cutoff=threshold,
                                     limit=None)
        expected = sorted((i, float(score)) for _, score, i in everything)
        assert index.matches(query) == expected, query
        found += bool(expected)
    assert found > 200  # most stretched titles are still within the threshold


def test_title_index_is_exact_on_look_alike_titles():
    """Titles drawn from a dozen words share most of their grams, so the index counts long
    posting lists (its numpy path); it must still find exactly what a full comparison finds."""
    rng = random.Random(3)
    words = "learning model policy reward gradient neural training language human feedback " \
            "preference optimization".split()
    titles = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 9))) for _ in range(3000)]
    index = TitleIndex(93, small=0)
    for title in titles:
        index.add(title)
    queries = _mutated(titles, 300, seed=4) + titles[:50]
    matched = 0
    for query in queries:
        everything = process.extract(query, titles, scorer=fuzz.ratio, score_cutoff=93, limit=None)
        expected = sorted((i, float(score)) for _, score, i in everything)
        assert index.matches(query) == expected, query
        matched += bool(expected)
    assert matched > 100
