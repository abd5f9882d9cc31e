"""kb.search and the search commands with a small deterministic embedder (no model), on the
library of real papers in search_library.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import kb.search.embed
import kb.search.engine
import kb.search.fusion
from conftest import paper, run, write
from kb.course.config import load_config
from kb.search.embed import HashingEmbedder
from kb.errors import FilterError, KbError, NotFoundError
from kb.search.engine import Filters, Hit, open_kb
from kb.search.fusion import coverage, fused, idf, strong, term_weights
from kb.search.keyword import query_terms
from search_library import LIBRARY, make_library


@pytest.fixture
def library(course: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The course with LIBRARY, and the CLI using the hashing embedder instead of the model."""
    monkeypatch.setattr(kb.search.embed, "default_embedder", lambda model: HashingEmbedder(256))
    return make_library(course)


# The two papers whose summaries name Atari, in bm25 order (the shorter text first).
ATARI = ["christiano2017deep", "mnih2015human"]


def keys(hits: list[Hit]) -> list[str]:
    return [h.key for h in hits]


def by_cosine(base: kb.search.engine.KnowledgeBase, vector: np.ndarray,
              exclude: tuple[str, ...] = ()) -> list[tuple[str, float]]:
    """Every other paper of ``base`` with its cosine to ``vector``, worked out here from the
    stored unit vectors (not by the index), best first."""
    scored = [(key, float(vector @ base.index.vector(key))) for key in base.keys
              if key not in exclude]
    return sorted(scored, key=lambda kv: (-kv[1], kv[0]))


def hashed(text: str) -> np.ndarray:
    """``text`` embedded as the library's embedder does, without the engine."""
    return HashingEmbedder(256).embed([text])[0]


def session_2_topic(base: kb.search.engine.KnowledgeBase) -> np.ndarray:
    """What kb suggest aims at for session 2: the mean of its title-and-page vector and its
    readings' centroid (each a unit vector), from the session file in search_library.py."""
    from kb.search.embed import normalize

    page = "Learning from human preferences\n\nHow a reward learned from human comparisons steers a policy."
    readings = normalize(np.mean([base.index.vector(k) for k in ("christiano2017deep",
                                                                 "ouyang2022training")],
                                 axis=0, keepdims=True))[0]
    return normalize(np.mean([hashed(page), readings], axis=0, keepdims=True))[0]


# ---------------------------------------------------------------- library

def test_keyword_search_ranks_by_bm25(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    hits = base.search("Atari games", mode="keyword")
    assert keys(hits) == ATARI  # both name Atari once: the shorter text ranks first
    assert hits[0].score > hits[1].score > 0


def test_keyword_query_with_fts_syntax_is_taken_literally(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    literal = keys(base.search('"Atari" AND NEAR( title: *', mode="keyword"))
    assert literal == keys(base.search("Atari near title", mode="keyword"))
    assert set(literal) == {"christiano2017deep", "mnih2015human"}
    assert base.search("zzzqqq", mode="keyword") == []
    assert base.search("   ", mode="hybrid") == []


def test_semantic_search_returns_cosine_scores(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    query = "proximal policy optimization algorithms"
    hits = base.search(query, mode="semantic", k=3)
    expected = by_cosine(base, hashed(query))[:3]
    assert [(h.key, h.score) for h in hits] == [(k, pytest.approx(v, abs=1e-6)) for k, v in expected]
    assert hits[0].key == "schulman2017proximal" and hits[0].score > hits[1].score > 0


def test_hybrid_fuses_both_rankings(library: Path) -> None:
    """Hybrid: each paper's cosine plus the weighted share of the query's words it holds."""
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    query = "reward model preferences"
    hybrid = base.search(query, k=8)
    cosine = {h.key: h.score for h in base.search(query, mode="semantic", k=100)}
    terms = query_terms(query)
    weights = term_weights(base.store.term_hits(terms), len(base))
    # the papers holding each word, as keyword search finds them one word at a time
    holders = {t: set(keys(base.search(t, mode="keyword", k=100))) for t in terms}
    expected = sorted(((key, fused(cos, coverage([t for t in terms if key in holders[t]], weights)))
                       for key, cos in cosine.items()), key=lambda item: (-item[1], item[0]))
    assert keys(hybrid) == [key for key, _ in expected[:8]]
    assert [h.score for h in hybrid] == [pytest.approx(score, abs=1e-6) for _, score in expected[:8]]


# Each filter, and the papers of the library (and the course's own vaswani2017attention,
# inproceedings, 2017) that pass it, worked out from LIBRARY by hand.
FILTERED = [
    (Filters(tags=("rl",)), {"schulman2017proximal", "mnih2015human"}),
    (Filters(year_to=2016), {"mnih2015human"}),
    (Filters(session=2), {"christiano2017deep", "ouyang2022training"}),
    (Filters(type="inproceedings", year_from=2018), {"rafailov2023direct", "devlin2019bert"}),
    (Filters(year_from=2022, year_to=2022), {"ouyang2022training", "wei2022chain",
                                             "bai2022constitutional"}),
]


@pytest.mark.parametrize("filters,allowed", FILTERED)
def test_filters_narrow_results(library: Path, filters: Filters, allowed: set[str]) -> None:
    """A filtered ranking is the unfiltered one with the other papers taken out."""
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    query = "reinforcement learning from human feedback for language models"
    semantic = keys(base.search(query, mode="semantic", k=100, filters=filters))
    assert semantic == [k for k in keys(base.search(query, mode="semantic", k=100))
                        if k in allowed]
    assert set(semantic) == allowed  # every paper has a vector, so all of them are ranked
    keyword = keys(base.search(query, mode="keyword", k=100, filters=filters))
    assert keyword == [k for k in keys(base.search(query, mode="keyword", k=100)) if k in allowed]
    assert keyword  # each allowed set holds a paper with one of the query's words
    hybrid = keys(base.search(query, k=100, filters=filters))
    assert hybrid == [k for k in keys(base.search(query, k=100)) if k in allowed]


def test_filter_nobody_passes_gives_nothing_or_names_the_unknown_value(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    for mode in ("keyword", "semantic", "hybrid"):
        with pytest.raises(FilterError, match="no paper has the tag 'no-such-tag'"):
            base.search("language", mode=mode, filters=Filters(tags=("no-such-tag",)))
    # filters that each name something but together select nobody
    for mode in ("keyword", "semantic", "hybrid"):
        assert base.search("language", mode=mode, filters=Filters(tags=("rl",), year_from=2022)) == []


def test_related_excludes_the_paper_itself(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    hits = base.related("ouyang2022training", k=4)
    expected = by_cosine(base, base.index.vector("ouyang2022training"), exclude=("ouyang2022training",))
    assert [(h.key, h.score) for h in hits] == [(k, pytest.approx(v, abs=1e-6)) for k, v in expected[:4]]
    assert "ouyang2022training" not in keys(hits) and hits[0].score > hits[-1].score


def test_related_many_equals_related_one_by_one(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    many = base.related_many(k=3)
    assert sorted(many) == sorted(base.keys)
    for key, hits in many.items():
        assert hits == base.related(key, k=3)
    assert list(base.related_many(["wei2022chain"], k=2)) == ["wei2022chain"]
    with pytest.raises(NotFoundError):
        base.related_many(["wei2022chain", "nobody"])


def test_related_unknown_key_suggests_close_keys(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    with pytest.raises(NotFoundError) as err:
        base.related("ouyang2022train")
    assert str(err.value) == ("papers/ouyang2022train.md: [key] no paper with the key 'ouyang2022train'\n"
                              "  fix: did you mean ouyang2022training? If not, use a key from "
                              "the papers folder (the file name without .md)")


def test_suggest_leaves_out_the_reading_list(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    hits = base.suggest(2, k=20)
    listed = ("christiano2017deep", "ouyang2022training")
    expected = by_cosine(base, session_2_topic(base), exclude=listed)  # all but the two listed
    assert len(expected) == len(LIBRARY) + 1 - 2
    assert [(h.key, h.score) for h in hits] == [(k, pytest.approx(v, abs=1e-6)) for k, v in expected]
    message = "[session] no session number 7\n  fix: use one of the session numbers: 1, 2"
    with pytest.raises(FilterError) as target:
        base.suggest(7)
    with pytest.raises(FilterError) as filtered:
        base.search("x", filters=Filters(session=7))
    assert str(target.value) == str(filtered.value) == message


def test_unknown_mode_is_an_error(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    with pytest.raises(KbError, match="unknown search mode 'fuzzy'"):
        base.search("x", mode="fuzzy")


def test_keyword_mode_needs_no_vectors(library: Path) -> None:
    class Refuses(HashingEmbedder):
        def embed(self, texts: list[str]) -> np.ndarray:
            raise AssertionError("keyword search must not embed")

    base = open_kb(load_config(library), embedder=Refuses(256), embed=False)
    # Both summaries name Atari once; bm25 ranks the shorter text first.
    assert keys(base.search("Atari", mode="keyword")) == ATARI
    assert keys(base.search("Atari", mode="keyword", k=1)) == ATARI[:1]


def test_fusion_weighs_words_by_rarity() -> None:
    # the classic idf, nothing for a word more than half the papers hold
    assert idf(1, 3) == pytest.approx(np.log(2.5 / 1.5))
    assert idf(2, 3) == 0.0 and idf(0, 0) == 0.0
    weights = term_weights({"rare": 1, "common": 2, "absent": 0}, 3)
    whole = np.log(2.5 / 1.5) + np.log(3.5 / 0.5)
    assert weights == {"rare": pytest.approx(np.log(2.5 / 1.5) / whole), "common": 0.0,
                       "absent": pytest.approx(np.log(3.5 / 0.5) / whole)}
    assert term_weights({"common": 2}, 3) == {"common": 0.0}
    assert coverage(["rare", "rare", "other"], weights) == pytest.approx(weights["rare"])
    assert fused(0.25, 0.5) == pytest.approx(0.25 + kb.search.fusion.COVERAGE_WEIGHT * 0.5)
    assert strong("hybrid", 0.51) is True and strong("hybrid", 0.5099) is False
    assert strong("semantic", 0.39) is True and strong("keyword", 99.0) is None


# ---------------------------------------------------------------- CLI

def test_cli_json_has_the_documented_shape(library: Path) -> None:
    result = run(library, "search", "Atari games", "--mode", "keyword", "--json", "-k", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 1
    assert list(data[0]) == ["key", "title", "authors", "year", "venue", "arxiv", "doi", "score",
                             "matched", "why", "strong", "excerpt"]
    hit = data[0]
    assert hit["key"] == ATARI[0]
    assert hit["authors"] == LIBRARY[hit["key"]]["authors"]
    assert isinstance(hit["score"], float)


def test_cli_table_lists_hits(library: Path) -> None:
    result = run(library, "search", "Proximal Policy Optimization", "--mode", "keyword")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].strip() == "keyword search: Proximal Policy Optimization"
    assert lines[2].split() == ["#", "key", "paper", "score"]
    assert lines[4].split()[:6] == ["1", "schulman2017proximal", "Proximal", "Policy", "Optimization",
                                    "Algorithms"]
    assert lines[5].strip() == "Schulman et al., 2017"


def test_cli_table_shows_markup_in_a_query_as_text(library: Path) -> None:
    result = run(library, "search", "[bold]Proximal[/bold] Policy", "--mode", "keyword")
    assert result.output.splitlines()[0].strip() == "keyword search: [bold]Proximal[/bold] Policy"


def test_cli_filters(library: Path) -> None:
    result = run(library, "search", "learning", "--tag", "rl", "--year-from", "2016",
                 "--type", "misc", "--json")
    assert [h["key"] for h in json.loads(result.stdout)] == ["schulman2017proximal"]
    result = run(library, "search", "learning", "--session", "2", "--json", "--mode", "semantic")
    assert {h["key"] for h in json.loads(result.stdout)} == {"christiano2017deep",
                                                             "ouyang2022training"}


def test_cli_no_hits(library: Path) -> None:
    result = run(library, "search", "zzzqqq", "--mode", "keyword")
    assert (result.exit_code, result.output) == (0, "no papers match 'zzzqqq'\n")
    assert run(library, "search", "zzzqqq", "--mode", "keyword", "--json").output == "[]\n"


SELECTING = (("search", "reward", "--mode", "keyword"), ("search", "reward"),
             ("related", "ouyang2022training"), ("suggest", "--session", "2"), ("export", "bib"))


@pytest.mark.parametrize("command", SELECTING, ids=lambda c: " ".join(c[:1] + c[2:]))
def test_cli_unknown_filter_values_fail_alike_in_every_command(library: Path,
                                                                command: tuple[str, ...]) -> None:
    result = run(library, *command, "--tag", "rlfh")
    assert (result.exit_code, result.output) == (
        1, "Error: [tag] no paper has the tag 'rlfh'\n  fix: did you mean rlhf, rl? If not, use one "
           "of the tags in use: alignment, architecture, pretraining, prompting, reasoning, rl, "
           "rlhf\n")
    result = run(library, *command, "--type", "inproceeding")
    assert (result.exit_code, result.output) == (
        1, "Error: [type] no paper has the type 'inproceeding'\n"
           "  fix: did you mean inproceedings? If not, use one of the types in use: article, "
           "inproceedings, misc\n")
    result = run(library, *command, "--key", "ouyang2022train")
    assert (result.exit_code, result.output) == (
        1, "Error: [key] no paper with the key 'ouyang2022train'\n"
           "  fix: did you mean ouyang2022training? If not, use a key from the papers folder (the "
           "file name without .md)\n")
    result = run(library, *command, "--tag", "zzz")
    assert result.exit_code == 1
    assert result.output.startswith("Error: [tag] no paper has the tag 'zzz'\n"
                                    "  fix: use one of the tags in use: alignment, ")
    if command[0] != "suggest":  # there --session names the session to suggest for
        result = run(library, *command, "--session", "9")
        assert (result.exit_code, result.output) == (
            1, "Error: [session] no session number 9\n"
               "  fix: use one of the session numbers: 1, 2\n")


def test_cli_suggest_for_an_unknown_session(library: Path) -> None:
    result = run(library, "suggest", "--session", "9")
    assert (result.exit_code, result.output) == (
        1, "Error: [session] no session number 9\n  fix: use one of the session numbers: 1, 2\n")


def test_cli_filters_narrow_related_and_suggest(library: Path) -> None:
    result = run(library, "related", "ouyang2022training", "--tag", "rlhf", "--json")
    related = [h["key"] for h in json.loads(result.stdout)]
    assert sorted(related) == ["christiano2017deep", "rafailov2023direct"]
    result = run(library, "suggest", "--session", "2", "--year-to", "2017", "--json")
    suggested = {h["key"] for h in json.loads(result.stdout)}
    # Every paper up to 2017 but the session's own reading christiano2017deep.
    assert suggested == {"schulman2017proximal", "mnih2015human", "vaswani2017attention"}


def test_cli_related_and_suggest(library: Path) -> None:
    result = run(library, "related", "rafailov2023direct", "-k", "3", "--json")
    data = json.loads(result.stdout)
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))  # the CLI's cache
    expected = by_cosine(base, base.index.vector("rafailov2023direct"), exclude=("rafailov2023direct",))
    assert [(h["key"], h["score"]) for h in data] == [(k, pytest.approx(v, abs=1e-6))
                                                      for k, v in expected[:3]]
    result = run(library, "related", "nobody2020")
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: papers/nobody2020.md: [key] no paper with the key 'nobody2020'")
    result = run(library, "suggest", "--session", "2", "--json", "-k", "3")
    data = json.loads(result.stdout)
    listed = ("christiano2017deep", "ouyang2022training")
    expected = by_cosine(base, session_2_topic(base), exclude=listed)
    assert [(h["key"], h["score"]) for h in data] == [(k, pytest.approx(v, abs=1e-6))
                                                      for k, v in expected[:3]]


def test_cli_empty_knowledge_base(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb.search.embed, "default_embedder", lambda model: HashingEmbedder(64))
    (course / "papers" / "vaswani2017attention.md").unlink()
    empty = "the knowledge base has no papers yet: add papers/<key>.md files (see kb init)\n"
    for args in (("search", "attention"), ("related", "x"), ("suggest", "--session", "1")):
        result = run(course, *args)
        assert (result.exit_code, result.output) == (0, empty)


def test_cli_sync_reports_changes(library: Path) -> None:
    first = run(library, "sync")
    assert first.stdout == "synced 9 papers: 9 added, 0 changed, 0 removed, 0 unchanged; 9 embedded\n"
    again = run(library, "sync")
    assert again.stdout == "synced 9 papers: 0 added, 0 changed, 0 removed, 9 unchanged; 0 embedded\n"
    write(library, "papers/wei2022chain.md", paper("wei2022chain", **{
        **LIBRARY["wei2022chain"], "summary": "Worked examples in the prompt."}))
    (library / "papers" / "mnih2015human.md").unlink()
    third = run(library, "sync")
    assert third.stdout == "synced 8 papers: 0 added, 1 changed, 1 removed, 7 unchanged; 1 embedded\n"
    rebuilt = run(library, "sync", "--rebuild")
    assert rebuilt.stdout == "synced 8 papers: 8 added, 0 changed, 0 removed, 0 unchanged; 8 embedded\n"


def test_cli_warns_about_unreadable_papers(library: Path) -> None:
    write(library, "papers/broken2020.md", "no front matter here\n")
    result = run(library, "search", "Atari", "--mode", "keyword", "--json")
    assert result.exit_code == 0
    assert "warning: 1 paper file could not be read and is left out; run kb check" in result.output
    result = run(library, "related", "broken2020")
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: papers/broken2020.md: [key] the paper file could not be loaded\n"
        "  fix: run kb check to see what is wrong with it\n")


def test_suggest_explains_each_suggestion(library: Path) -> None:
    base = open_kb(load_config(library), embedder=HashingEmbedder(256))
    hits = base.suggest(2, k=3)
    vectors = {key: base.index.vector(key) for key in ("christiano2017deep", "ouyang2022training")}
    for hit in hits:
        mine = base.index.vector(hit.key)
        expected = sorted(((key, round(float(v @ mine), 4)) for key, v in vectors.items()),
                          key=lambda kv: (-kv[1], kv[0]))
        assert hit.closest == expected
    data = json.loads(run(library, "suggest", "--session", "2", "-k", "1", "--json").stdout)
    assert data[0]["key"] == hits[0].key
    assert data[0]["closest"] == [{"key": k, "score": s} for k, s in hits[0].closest]
    output = run(library, "suggest", "--session", "2", "-k", "1").stdout
    (first, s1), (second, _) = hits[0].closest
    assert f"closest to {first} ({s1:.2f}), {second}" in " ".join(output.split())
    assert "christiano2017deep " not in output.split("closest to")[0]  # listed papers left out


def test_suggest_without_readings_says_what_chose(library: Path) -> None:
    write(library, "docs/sessions/03-open.md",
          "---\nsession: 3\ntitle: Chain of thought prompting\n---\nReasoning by examples.\n")
    output = run(library, "suggest", "--session", "3", "-k", "1").output
    assert "chosen by the session's title and page (no readings to compare)" in " ".join(output.split())


# ---------------------------------------------------------------- precise words

@pytest.mark.parametrize("command", SELECTING, ids=lambda c: " ".join(c[:1] + c[2:]))
def test_a_vocabulary_tag_no_paper_has_is_named_as_such(library: Path,
                                                        command: tuple[str, ...]) -> None:
    path = library / "mkdocs.yml"
    path.write_text(path.read_text().replace(
        "        rlhf:", "        mixture-of-experts: sparse models routing tokens to experts\n"
                        "        rlhf:"))
    result = run(library, *command, "--tag", "mixture-of-experts")
    assert (result.exit_code, result.output) == (
        1, "Error: [tag] no paper has the tag 'mixture-of-experts' (it is in the tag vocabulary)\n"
           "  fix: tag papers with it (kb tag add mixture-of-experts KEY ...), or leave out --tag "
           "mixture-of-experts\n")
    # several tags mean any of them: beside a tag in use it adds nothing, and is no error
    alone = run(library, *command, "--tag", "rlhf")
    assert alone.exit_code == 0 and "rafailov2023direct" in alone.output, alone.output
    beside = run(library, *command, "--tag", "mixture-of-experts", "--tag", "rlhf")
    assert (beside.exit_code, beside.stdout) == (0, alone.stdout)
    path.write_text(path.read_text().replace(
        "        rlhf:", "        robotics: robots that learn\n        rlhf:"))
    result = run(library, *command, "--tag", "mixture-of-experts", "--tag", "robotics")
    assert (result.exit_code, result.output) == (
        1, "Error: [tag] no paper has any of the tags 'mixture-of-experts', 'robotics' (they are in "
           "the tag vocabulary)\n  fix: tag papers with one of them (kb tag add mixture-of-experts "
           "KEY ...), or leave out --tag mixture-of-experts --tag robotics\n")


@pytest.mark.parametrize("command", SELECTING[:4], ids=lambda c: " ".join(c[:1] + c[2:]))
def test_filters_that_together_select_no_paper_are_named(library: Path,
                                                         command: tuple[str, ...]) -> None:
    """Each tag is on papers, but none of them is from 2023 on: the filters, not the query,
    leave nothing, and the command says so (kb export: test_export)."""
    result = run(library, *command, "--tag", "rl", "--tag", "prompting", "--year-from", "2023")
    assert (result.exit_code, result.stdout) == (
        0, "no paper matches --tag rl --tag prompting --year-from 2023\n")
    # from 2022 on, wei2022chain (prompting) passes: hits, or, by words, the query is to blame
    result = run(library, *command, "--tag", "rl", "--tag", "prompting", "--year-from", "2022")
    assert result.exit_code == 0
    if command[-2:] == ("--mode", "keyword"):
        assert result.stdout == "no papers match 'reward'\n"
    else:
        assert "wei2022chain" in result.stdout


def test_related_to_a_title_word_suggests_the_paper_before_embedding(
        library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(library, "papers/beltagy2020longformer.md", paper(
        "beltagy2020longformer", title="Longformer: The Long-Document Transformer"))
    monkeypatch.setattr(kb.search.embed, "default_embedder", lambda model: pytest.fail("embedded"))
    result = run(library, "related", "Longformer")
    assert (result.exit_code, result.output) == (
        2, "Error: papers/Longformer.md: [key] no paper with the key 'Longformer'\n"
           "  fix: did you mean beltagy2020longformer (Longformer: The Long-Document Transformer)? "
           "If not, use a key from the papers folder (the file name without .md)\n")
    result = run(library, "related", "long-document")
    assert "did you mean beltagy2020longformer (Longformer: The Long-Document Transformer)?" \
        in result.output


def test_the_keyword_rankings_thread_hands_back_its_value_or_its_error() -> None:
    import threading

    names: list[str] = []

    def ranking() -> int:
        names.append(threading.current_thread().name)
        return 7

    assert kb.search.engine._InBackground(ranking).result() == 7
    assert names == ["kb-keyword"]  # it ran on its own thread
    failing = kb.search.engine._InBackground(lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        failing.result()
