"""Results that explain themselves: passages, excerpts, matched words, "no strong match".

The unit tests use the hashing embedder (no model); those marked ``model`` use the bundled
all-MiniLM-L6-v2 on a small library of real papers whose summaries and notes are written here
in our own words (titles, authors and years are facts).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import kb.search.embed
from conftest import paper, run, write
from kb.course.config import load_config
from kb.course.scaffold import init_course
from kb.search.embed import HashingEmbedder
from kb.search.engine import KnowledgeBase, open_kb
from kb.search.explain import explain
from kb.search.fusion import term_weights
from kb.search.passages import MAX_PASSAGES, passages_of, sentences

NOTES = {
    "gao2022scaling": dict(
        title="Scaling Laws for Reward Model Overoptimization",
        authors=["Gao, Leo", "Schulman, John", "Hilton, Jacob"], year=2022, tags=["rlhf"],
        summary="Optimising a policy against a learned proxy reward first raises and then "
                "lowers the true reward.",
        notes="## Key ideas\n\n- A large gold reward model stands in for human raters.\n"
              "- The gold score falls once the KL distance from the initial policy grows "
              "past a point.\n- Best-of-n sampling and reinforcement learning follow "
              "different curves.\n"),
    "holtzman2020curious": dict(
        title="The Curious Case of Neural Text Degeneration",
        authors=["Holtzman, Ari", "Buys, Jan", "Du, Li"], year=2020, tags=["decoding"],
        summary="Beam search makes generated text bland and repetitive; sampling from the "
                "top-p nucleus of the distribution keeps it varied and coherent.",
        notes="## Key ideas\n\n- Human text is surprising word by word, and maximisation-based "
              "decoding is not.\n- Nucleus sampling cuts off the unreliable tail of the "
              "distribution.\n"),
    "hochreiter1997long": dict(
        title="Long Short-Term Memory",
        authors=["Hochreiter, Sepp", "Schmidhuber, Jürgen"], year=1997, tags=["architecture"],
        summary="A recurrent network with gated memory cells that keeps information over long "
                "time lags.",
        notes="- A constant error carousel keeps gradients from vanishing.\n"
              "- Input and output gates decide what is stored and what is read.\n"),
    "kadavath2022language": dict(
        title="Language Models (Mostly) Know What They Know",
        authors=["Kadavath, Saurav", "Conerly, Tom", "Askell, Amanda"], year=2022,
        tags=["calibration"],
        summary="Large models are well calibrated on multiple-choice questions and can be "
                "trained to predict whether they know the answer to a question.",
        notes="- Calibration improves with model size and with few-shot prompting.\n"),
}


def make_notes(root: Path) -> Path:
    for key, fields in NOTES.items():
        fields = dict(fields)
        notes = str(fields.pop("notes"))
        write(root, f"papers/{key}.md", paper(key, **fields).replace("Notes.\n", notes))
    return root


@pytest.fixture
def notes(course: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The course with NOTES, and the CLI using the hashing embedder instead of the model."""
    monkeypatch.setattr(kb.search.embed, "default_embedder", lambda model: HashingEmbedder(256))
    return make_notes(course)


# ---------------------------------------------------------------- passages

def test_passages_are_the_sentences_of_abstract_or_summary_and_notes() -> None:
    text = ("## Key ideas\n\n- Three steps, e.g. demonstrations, rankings and PPO. The reward "
            "model is **learned** from\n  rankings (see [the paper](https://x.org/p)).\n"
            "1. Why `rank` several outputs? Ok.\n\nA closing paragraph, with Fig. 2 in it.")
    assert sentences(text) == [
        "Three steps, e.g. demonstrations, rankings and PPO.",
        "The reward model is learned from rankings (see the paper).",
        "Why rank several outputs? Ok.",  # a fragment under 4 words joins its neighbour
        "A closing paragraph, with Fig. 2 in it."]
    assert passages_of("The abstract says it all. It has two sentences.", "A summary.",
                       "Notes go here.") == [  # the abstract, and so not the summary
        "The abstract says it all.", "It has two sentences.", "Notes go here."]
    assert passages_of(None, "A summary of it.", "") == ["A summary of it."]
    assert sentences("An <i>emphatic</i> claim, if a < b and c > d.<br/>") == [
        "An emphatic claim, if a < b and c > d."]
    assert len(passages_of(" ".join(f"Sentence number {i} is here." for i in range(99)),
                           None, None)) == MAX_PASSAGES


# ---------------------------------------------------------------- explain (no model)

TEXTS = {"a": ["Optimising against a proxy lowers the true reward.",
               "The reward model is the proxy, and the reward model is learned."],
         "b": ["Nothing here says it.", "Nor here, though it is near."],
         "c": []}


def test_excerpt_is_the_sentence_with_the_most_query_weight_words_marked() -> None:
    terms = ["why", "reward", "optimisation"]
    weights = term_weights({"why": 0, "reward": 3, "optimisation": 1}, 10)
    fields = {"a": {"title": "Why rewards need optimising"}, "b": {"title": "Unrelated"},
              "c": {"tags": "reward-modeling"}}
    got = explain(TEXTS, terms, weights, fields, mode="keyword")
    # the first sentence holds both words (stems: optimis-ation, optimis-ing), the second
    # only "reward", if twice; "why" is a function word: never matched, never marked
    assert got["a"].matched == ["reward", "optimisation"] and got["a"].why == "keyword"
    assert got["a"].excerpt is not None
    assert got["a"].excerpt.as_dict() == {
        "text": "Optimising against a proxy lowers the true reward.",
        "highlights": [[0, 10], [43, 49]], "by": "words"}
    # no word in any sentence and no vectors: the first sentence; no sentence at all: none
    assert got["b"].excerpt is not None and got["b"].excerpt.as_dict() == {
        "text": "Nothing here says it.", "highlights": [], "by": "lead"}
    assert got["c"].excerpt is None and got["c"].matched == ["reward"]


def test_excerpt_nearest_in_meaning_when_no_sentence_holds_a_word() -> None:
    vectors = {"b": np.array([[1, 0, 0], [0.6, 0.8, 0]], dtype=np.float32)}
    query = np.array([0, 1, 0], dtype=np.float32)
    got = explain(TEXTS, ["proxy"], {"proxy": 1.0}, {"a": {"notes": "A proxy."}, "b": {}},
                  mode="hybrid",
                  cosines={"a": 0.2, "b": 0.5}, query=query, passage_vectors=vectors.get)
    assert got["b"].excerpt is not None and got["b"].excerpt.as_dict() == {
        "text": "Nor here, though it is near.", "highlights": [], "by": "meaning"}
    assert (got["b"].why, got["b"].matched) == ("meaning", [])
    assert (got["a"].why, got["a"].matched) == ("keyword", ["proxy"])  # cosine 0.2: words only
    # vectors that do not match the passages (another count) are not used
    wrong = explain(TEXTS, ["x"], {}, {key: {} for key in TEXTS}, mode="semantic", query=query,
                    passage_vectors=lambda key: np.zeros((5, 3), dtype=np.float32))
    assert wrong["b"].excerpt is not None and wrong["b"].excerpt.by == "lead"


def test_search_hits_carry_the_explanation(notes: Path) -> None:
    base = open_kb(load_config(notes), embedder=HashingEmbedder(256))
    hit = base.search("why does nucleus sampling cut the tail", mode="keyword", k=1)[0]
    assert hit.key == "holtzman2020curious"
    assert hit.matched == ["nucleus", "sampling", "cut", "tail"]
    assert (hit.why, hit.strong) == ("keyword", None)
    assert hit.excerpt is not None and hit.excerpt.as_dict() == {
        "text": "Nucleus sampling cuts off the unreliable tail of the distribution.",
        "highlights": [[0, 7], [8, 16], [17, 21], [41, 45]], "by": "words"}
    # explain=False: the ranking alone
    bare = base.search("why does nucleus sampling cut the tail", mode="keyword", k=1,
                       explain=False)[0]
    assert (bare.key, bare.matched, bare.excerpt) == (hit.key, [], None)
    base.close()


def test_cli_table_shows_the_excerpt_and_the_matched_words(notes: Path) -> None:
    result = run(notes, "search", "why does nucleus sampling cut the tail", "--mode", "keyword",
                 "-k", "1")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[4:10] == [
        "  1   holtzman2020curious   The Curious Case of Neural Text             5.8693",
        "                            Degeneration",
        "                            Holtzman et al., 2020",
        "                            “Nucleus sampling cuts off the unreliable",
        "                            tail of the distribution.”",
        "                            words: nucleus, sampling, cut, tail"]


def test_cli_json_explains_and_says_when_nothing_is_a_strong_match(notes: Path) -> None:
    result = run(notes, "search", "quokka marmalade recipes", "--json", "-k", "2")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == ("note: No strong match for “quokka marmalade "
                                              "recipes”; the nearest papers:")
    data = json.loads(result.stdout)
    assert len(data) == 2 and all(h["strong"] is False and h["matched"] == [] for h in data)
    assert all(h["why"] == "meaning" and h["excerpt"]["by"] == "meaning" for h in data)
    table = run(notes, "search", "quokka marmalade recipes", "-k", "2").output.splitlines()
    assert table[1].rstrip() == "No strong match for “quokka marmalade recipes”; the nearest papers:"


# ---------------------------------------------------------------- the real model

@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    course = tmp_path_factory.mktemp("explain") / "course"
    init_course(course, title="Test Course")
    return open_kb(load_config(make_notes(course)))


@pytest.mark.model
def test_a_query_shows_its_sentence_and_words(base: KnowledgeBase) -> None:
    hits = base.search("why does reward over-optimisation happen?", k=2)
    top = hits[0]
    assert top.key == "gao2022scaling" and top.strong is True and top.why == "both"
    assert top.matched == ["reward", "optimisation"]  # not "why", "does", "over", "happen"?
    assert top.excerpt is not None and top.excerpt.as_dict() == {
        "text": "Optimising a policy against a learned proxy reward first raises and then "
                "lowers the true reward.",
        "highlights": [[0, 10], [44, 50], [89, 95]], "by": "words"}


@pytest.mark.model
def test_a_sentence_nearest_in_meaning_where_no_word_matches(base: KnowledgeBase) -> None:
    top = base.search("machine prose that goes round in circles", k=1)[0]
    assert top.key == "holtzman2020curious" and top.matched == [] and top.why == "meaning"
    assert top.excerpt is not None and top.excerpt.as_dict() == {
        "text": "Beam search makes generated text bland and repetitive; sampling from the "
                "top-p nucleus of the distribution keeps it varied and coherent.",
        "highlights": [], "by": "meaning"}


NO_ANSWER = "predicting the 3D structure of proteins from amino acid sequences"


@pytest.mark.model
def test_a_question_no_paper_answers_is_flagged(base: KnowledgeBase) -> None:
    for mode in ("hybrid", "semantic"):
        hits = base.search(NO_ANSWER, mode=mode, k=4)
        assert len(hits) == 4 and not any(h.strong for h in hits), mode
    # a word of jargon alone is far from every paper in meaning, but its paper holds it
    top = base.search("nucleus sampling", k=1)[0]
    assert (top.key, top.strong) == ("holtzman2020curious", True)
    assert base.search("nucleus sampling", mode="keyword", k=1)[0].strong is None  # not judged


@pytest.mark.model
def test_cli_says_no_strong_match_above_the_nearest_papers(base: KnowledgeBase) -> None:
    root = base.config.root
    lines = [line.rstrip() for line in run(root, "search", NO_ANSWER, "-k", "2").output.splitlines()]
    assert lines[0] == f"hybrid search: {NO_ANSWER}"
    assert " ".join(lines[1:3]) == ("No strong match for “predicting the 3D structure of "
                                    "proteins from amino acid…”; the nearest papers:")
    assert lines[3] == "" and lines[6].split()[:2] == ["1", "vaswani2017attention"]
    strong = run(root, "search", "why does reward over-optimisation happen?", "-k", "1")
    assert "No strong match" not in strong.output
    assert "words and meaning: reward, optimisation" in strong.output


@pytest.mark.model
def test_this_course_has_no_paper_on_long_documents() -> None:
    """The example of issue 22, on this repository's own course."""
    course = open_kb(load_config(Path(__file__).resolve().parents[1]))
    try:
        query = "making transformers handle very long documents efficiently"
        for mode in ("hybrid", "semantic"):
            assert not any(h.strong for h in course.search(query, mode=mode, k=5)), mode
        assert course.search("reward model over-optimisation", k=1)[0].strong is True
    finally:
        course.close()
