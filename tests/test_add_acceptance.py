"""The acceptance test of `kb add`: in a fresh `kb init` course, adding InstructGPT by its
arXiv id (against the recorded arXiv answer) gives a complete paper with its abstract on
session 1's reading list, `kb check` is clean, and `kb search` ranks it first for a question
about instruction following, among the other papers of the RLHF canon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SHARED, run
from net_helpers import NetServer
from kb.bib.read import read_bib
from kb.course.config import load_config
from kb.course.load import load_project

CANON = SHARED / "bib" / "canon_extract.bib"


@pytest.mark.model
def test_add_instructgpt_to_session_one_then_check_and_search(course: Path, net: NetServer) -> None:
    result = run(course, "add", "arxiv:2203.02155", "--session", "1", "--kind", "required",
                 "--tag", "rlhf")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "arxiv:2203.02155: added papers/ouyang2022training.md: Training language models to "
        "follow instructions with human feedback (2022)\n"
        "  with abstract\n"
        "  tags: rlhf\n"
        "  added to session 1's reading list as required (docs/sessions/01-introduction.md)\n"
        "1 added; 1 request sent\n")

    project = load_project(load_config(course))
    paper = project.papers["ouyang2022training"]
    [entry] = [e for e in read_bib([CANON])[0].entries if e.fields.get("eprint") == "2203.02155"]
    assert paper.title == "Training language models to follow instructions with human feedback"
    assert (paper.authors[0], paper.authors[-1], len(paper.authors)) == \
        ("Ouyang, Long", "Lowe, Ryan", 20)
    assert (paper.year, paper.arxiv, paper.tags) == (2022, "2203.02155", ["rlhf"])
    assert paper.url == "https://arxiv.org/abs/2203.02155"
    assert paper.abstract == " ".join(entry.fields["abstract"].split())
    [session] = project.sessions
    assert [(r.key, r.kind) for r in session.readings] == [
        ("vaswani2017attention", "required"), ("ouyang2022training", "required")]

    check = run(course, "check")
    assert (check.exit_code, check.output) == (0, "checked 2 papers, 1 session, 1 poster: no problems\n")

    others = [e.key for e in read_bib([CANON])[0].entries if e.fields.get("eprint") != "2203.02155"]
    picked = run(course, "import", *[a for k in others for a in ("--key", k)], str(CANON))
    assert f"picked {len(others)} of {len(others) + 1} entries" in picked.output
    assert len(load_project(load_config(course)).papers) >= 15
    for query in ("How do you train a language model to follow instructions?",
                  "How can human feedback make a language model follow what a user intends?"):
        hits = json.loads(run(course, "search", "--json", query).stdout)
        assert hits[0]["key"] == "ouyang2022training", (query, [h["key"] for h in hits[:5]])
