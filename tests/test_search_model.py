"""End-to-end search with the real bundled all-MiniLM-L6-v2 on a small library of real papers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run
from kb.course.config import load_config
from kb.course.load import load_project
from kb.course.scaffold import init_course
from kb.search.engine import Filters, KnowledgeBase, open_kb
from search_library import LIBRARY, make_library

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = tmp_path_factory.mktemp("model") / "course"
    init_course(course, title="Test Course")
    return make_library(course)


@pytest.fixture(scope="module")
def base(root: Path) -> KnowledgeBase:
    return open_kb(load_config(root))


# Paraphrases that share (almost) no word with the paper's title.
PARAPHRASES = [
    ("teaching agents a task by showing a person two video clips to compare", "christiano2017deep"),
    ("skip the separate reward network and fine-tune on pairs of better and worse answers",
     "rafailov2023direct"),
    ("clipped surrogate objective keeps each policy update small", "schulman2017proximal"),
    ("writing out intermediate steps in few-shot examples improves math word problems",
     "wei2022chain"),
    ("playing arcade video games straight from screen pixels with a neural network",
     "mnih2015human"),
    ("a chatbot that critiques and rewrites its own answers following written principles",
     "bai2022constitutional"),
    ("sequence model made only of attention layers without recurrent networks",
     "vaswani2017attention"),
]


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
@pytest.mark.parametrize("query,key", PARAPHRASES, ids=[k for _, k in PARAPHRASES])
def test_paraphrase_finds_the_paper_in_top_three(base: KnowledgeBase, query: str, key: str,
                                                 mode: str) -> None:
    hits = [h.key for h in base.search(query, mode=mode, k=3)]
    assert key in hits, (query, hits)


def test_paraphrases_share_few_words_with_titles() -> None:
    from kb.search.keyword import query_terms

    for query, key in PARAPHRASES:
        shared = set(query_terms(query)) & set(query_terms(str(LIBRARY.get(key, {}).get(
            "title", "Attention Is All You Need"))))
        assert len(shared) <= 1, (key, shared)


def test_filters_narrow_semantic_results(base: KnowledgeBase) -> None:
    query = "learning a reward from what people prefer"
    everything = [h.key for h in base.search(query, k=20)]
    assert len(everything) == len(LIBRARY) + 1
    recent = base.search(query, k=20, filters=Filters(year_from=2022))
    assert {h.key for h in recent} == {k for k, f in LIBRARY.items() if int(f["year"]) >= 2022}
    tagged = base.search(query, k=20, filters=Filters(tags=("rlhf",), year_to=2022))
    assert {h.key for h in tagged} == {"christiano2017deep", "ouyang2022training"}
    assert [h.key for h in base.search(query, mode="semantic", k=1,
                                       filters=Filters(session=2))] == ["christiano2017deep"]
    # hybrid: the two papers of session 2 hold nearly the same share of the query's words
    assert {h.key for h in base.search(query, k=2, filters=Filters(session=2))} == {
        "christiano2017deep", "ouyang2022training"}


def test_related_excludes_itself_and_finds_neighbours(base: KnowledgeBase) -> None:
    hits = [h.key for h in base.related("ouyang2022training", k=3)]
    assert "ouyang2022training" not in hits
    assert {"christiano2017deep", "rafailov2023direct", "bai2022constitutional"} & set(hits[:2])


def test_suggest_for_the_preferences_session(base: KnowledgeBase) -> None:
    hits = [h.key for h in base.suggest(2, k=3)]
    assert not {"christiano2017deep", "ouyang2022training"} & set(hits)
    assert {"rafailov2023direct", "bai2022constitutional"} & set(hits[:2])


def test_cli_json_shape_with_the_real_model(root: Path, base: KnowledgeBase) -> None:
    result = run(root, "search", "a language model that learns what humans like", "--json",
                 "-k", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data) == 2
    papers = load_project(load_config(root)).papers
    for hit in data:
        assert list(hit) == ["key", "title", "authors", "year", "venue", "arxiv", "doi", "score",
                             "matched", "why", "strong", "excerpt"]
        assert isinstance(hit["authors"], list) and isinstance(hit["score"], float)
        p = papers[hit["key"]]
        assert (hit["title"], hit["authors"], hit["year"], hit["venue"], hit["arxiv"],
                hit["doi"]) == (p.title, p.authors, p.year, p.venue, p.arxiv, p.doi)
    assert data[0]["score"] >= data[1]["score"]
