"""Every real .bib under ../shared/data/bib and bib_messy: import into a fresh repository,
counts that add up to the entries of the file, decoded fields checked by hand against the
file, and the round trip import -> export -> import."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED, run
from kb.bib.read import read_bib
from kb.bib.mapping import entry_to_paper, export_bibtex
from kb.course.config import load_config
from kb.course.load import load_project, paper_front_matter
from kb.course.scaffold import init_course
from kb.model.entries import Paper
from kb.checks.validate import check

PLUME = "bib_messy/mernst__plume-bib"
STRINGS = f"{PLUME}/bibstring-unabbrev.bib"
CROSSREFS = f"{PLUME}/crossrefs.bib"
BIG = "bib_messy/hubeiqiao__Literature-screening/Exported Items.bib"
D2L = "bib/d2l-ai__d2l-en/d2l.bib"


@dataclass
class Case:
    path: str
    counts: tuple[int, int, int, int, int]  # read, imported, merged, duplicates, failed
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # source key -> fields
    refs: tuple[str, ...] = ()


CASES = [
    Case("course/course-readings.bib", (43, 42, 0, 1, 0), {
        "hochreiter1997long": {"authors": ["Hochreiter, Sepp", "Schmidhuber, Jürgen"],
                               "doi": "10.1162/neco.1997.9.8.1735", "venue": "Neural Computation"},
        "rae2021scaling": {"title": "Scaling Language Models: Methods, Analysis & Insights from "
                                    "Training Gopher", "arxiv": "2112.11446", "type": "misc"},
        "pathak2017curiosity": {"bibtex": {"series": "PMLR", "volume": "70",
                                           "pages": "2778--2787", "primaryclass": "cs.LG"}},
    }),
    Case("bib/canon_extract.bib", (19, 18, 0, 1, 0), {
        "touvron2023llama": {"title": "LLaMA: Open and efficient foundation language models",
                             "year": 2023, "arxiv": "2302.13971",
                             "bibtex": {"year": None}},  # year = {2023a}: the letter dropped
    }),
    Case("bib/AlexPiche__obsidian_vault/My Library.bib", (202, 171, 0, 31, 0), {
        "abdolmalekiDistributionalViewMultiObjective2020": {
            "title": "A Distributional View on Multi-Objective Policy Optimization",
            "year": 2020, "venue": "arXiv", "arxiv": "2005.07513", "type": "misc"},
    }),
    Case(D2L, (488, 475, 0, 13, 0), {
        "Abadi.Barham.Chen.ea.2016": {"venue": "12th USENIX Symposium on Operating Systems "
                                               "Design and Implementation (OSDI 16)"},
        "Cajal.Azoulay.1894": {"authors": ["Ramón y Cajal, Santiago", "Azoulay, L."],
                               "title": "Les Nouvelles Idées sur la Structure du Système "
                                        "Nerveux chez l'Homme et chez les Vertébrés"},
        "Ba.Kiros.Hinton.2016": {"arxiv": "1607.06450", "venue": "arXiv"},  # ArXiv:1607.06450
    }),
    Case("bib/ryokamoi__llm_models_bib/llm.bib", (20, 20, 0, 0, 0), {
        "geminiteam2023gemini": {"authors": ["Gemini Team Google"], "arxiv": "2312.11805"},
        "openai2023gpt4": {"title": "GPT-4 Technical Report", "authors": ["OpenAI"]},
    }),
    Case("bib/natolambert__rlhf-book/book/chapters/bib.bib", (412, 411, 0, 1, 0), {
        "ai2_olmoe_ios_2025": {"authors": ["Allen Institute for Artificial Intelligence"],
                               "bibtex": {"howpublished": r"\url{https://allenai.org/blog/olmoe-app}",
                                          "month": "2", "day": "11"}},
        "tunstall2023zephyr": {"venue": "First Conference on Language Modeling", "year": 2024},
    }),
    Case("bib/natolambert__rlhf-book/teach/course/refs.bib", (285, 282, 0, 3, 0), {
        "kopf2023openassistant": {"title": "OpenAssistant Conversations – Democratizing Large "
                                           "Language Model Alignment"},
        "ivison2023camels": {"title": "Camels in a Changing Climate: Enhancing LM Adaptation "
                                      "with Tülu 2", "arxiv": "2311.10702"},
    }),
    Case("bib/JoelRai07__Bachelorarbeit-KI-Assistenz/includes/literatur-datenbank.bib",
         (80, 71, 0, 3, 6), {
             "BFSG": {"title": "BFSG (Barrierefreiheitsstärkungsgesetz)", "year": 2026,
                      "venue": "BFSG", "bibtex": {"month": "2", "urldate": "2026-02-24"}},
             "heinemann_barrierefreiheit_2024": {"doi": "10.37307/b.978-3-503-23763-0.15"},
             "axe": {"type": "software", "authors": ["Deque Systems"], "year": 2026},
         }),
    Case("bib_messy/FAUDataScience__DSLA25/references.bib", (130, 125, 0, 5, 0), {
        "phillips2017": {"authors": ["Phillips, Nathaniel D.", "Neth, Hansjörg", "Woike, Jan K.",
                                     "Gaissmaier, Wolfgang"]},
        "pennebaker2014": {"venue": "PLoS ONE", "editors": ["Gong, Qiyong"]},
    }),
    Case(BIG, (1371, 1369, 0, 2, 0), {
        "kamisli_adult_2023": {"title": "Adult Immigrant Learners' Perspectives of Language "
                                        "Learning Experiences",
                               "venue": "Australian Journal of Adult Learning", "year": 2023},
        "resendez_comparative_2024": {"authors": ["Reséndez, Melissa Lisseth González"]},
        "gurbuz_efl_2021": {"authors": ["Gürbüz, Cem", "Cabaroglu, Nese"], "year": 2021},
    }),
    Case(STRINGS, (0, 0, 0, 0, 0)),
    Case(f"{PLUME}/bibstring-abbrev.bib", (0, 0, 0, 0, 0)),
    Case(CROSSREFS, (916, 914, 0, 2, 0), {
        "POPL94": {"title": "POPL '94: Proceedings of the 21st Annual ACM SIGPLAN-SIGACT "
                            "Symposium on Principles of Programming Languages", "year": 1994,
                   "bibtex": {"address": "Portland, OR", "month": "1"}},
        "DATE2011": {"title": "DATE 2011: Design, Automation & Test in Europe"},
        "ASE2003": {"bibtex": {"address": "Montreal, Canada", "month": "10"}},  # @string Montreal
    }, refs=(STRINGS,)),
    Case(f"{PLUME}/ernst.bib", (316, 267, 0, 49, 0), {
        "WeiseCES94:POPL": {"venue": "POPL '94: Proceedings of the 21st Annual ACM SIGPLAN-SIGACT "
                                     "Symposium on Principles of Programming Languages",
                            "year": 1994, "authors": ["Weise, Daniel", "Crew, Roger F.",
                                                      "Ernst, Michael D.", "Steensgaard, Bjarne"]},
        "Ernst89": {"venue": "MIT Department of Electrical Engineering and Computer Science",
                    "type": "mastersthesis"},
        "NeWinEGKL03:VMCAI": {"authors": ["Ne Win, Toh", "Ernst, Michael D.", "Garland, Stephen J.",
                                          "Kırlı, Dilsun", "Lynch, Nancy"]},
    }, refs=(CROSSREFS, STRINGS)),
    Case(f"{PLUME}/generals.bib", (78, 75, 0, 3, 0), {
        "AikenFL1995": {"authors": ["Aiken, Alex", "Fähndrich, Manuel", "Levien, Raph"]},
        "SuEtAl94": {"venue": "MICRO-97: Proceedings of the 30th Annual International Symposium "
                              "on Microarchitecture (MICRO-97)", "year": 1997},
        "Nicolau89": {"venue": "IEEE Transactions on Computers"},
    }, refs=(CROSSREFS, STRINGS)),
    Case(f"{PLUME}/nlp.bib", (106, 102, 0, 4, 0), {
        "KleinM2002": {"venue": "NIPS 2002: Advances in Neural Information Processing Systems 15",
                       "year": 2002},
        "TangMRS2018": {"authors": ["Tang, Gongbo", "Müller, Mathias", "Rios, Annette",
                                    "Sennrich, Rico"]},
    }, refs=(CROSSREFS, STRINGS)),
    Case("bib_messy/plk__biblatex/bibtex/bib/biblatex/biblatex-examples.bib", (92, 86, 0, 4, 2), {
        "aksin": {"authors": ["Aksın, Özge", "Türkmen, Hayati", "Artok, Levent", "Çetinkaya, Bekir",
                              "Ni, Chaoying", "Büyükgüngör, Orhan", "Özkal, Erhan"], "year": 2006},
        "westfahl:space": {"venue": "Space and Beyond", "editors": ["Westfahl, Gary"], "year": 2000},
        "kastenholz": {"title": "Computation of methodology-independent ionic solvation free "
                                "energies from molecular simulations"},
        "baez/article": {"arxiv": "math/0307200", "venue": "Theory and Applications of Categories"},
    }),
]


def test_every_real_bib_file_has_a_case() -> None:
    found = {p.relative_to(SHARED).as_posix() for p in SHARED.glob("bib*/**/*.bib")}
    assert found == {c.path for c in CASES if not c.path.startswith("course/")}


@pytest.fixture(scope="module", params=CASES, ids=[Path(c.path).name for c in CASES])
def imported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Case, Path, dict[str, Any], dict[str, Paper]]:
    """One import per file (the 3 MB file too) into a fresh `kb init` repository, and the
    papers loaded back from the files it wrote."""
    case: Case = request.param
    if case.path == D2L:  # the session's one import of d2l.bib (conftest.py), shared
        root, report = request.getfixturevalue("d2l_import")
        return case, root, report, load_project(load_config(root)).papers
    root = tmp_path_factory.mktemp("real") / "course"
    init_course(root, title="Real")
    refs = [arg for ref in case.refs for arg in ("--refs", str(SHARED / ref))]
    result = run(root, "import", "--format", "json", *refs, str(SHARED / case.path))
    assert result.exit_code == (1 if case.counts[4] else 0)
    return case, root, json.loads(result.output), load_project(load_config(root)).papers


Imported = tuple[Case, Path, dict[str, Any], dict[str, Paper]]


def test_counts_add_up_to_the_entries_of_the_file(imported: Imported) -> None:
    case, root, report, _ = imported
    total = report["total"]
    assert tuple(total.values()) == case.counts
    assert total["read"] == total["imported"] + total["merged"] + total["duplicates"] + total["failed"]
    assert len(report["entries"]) == total["read"]
    written = sorted(p.stem for p in (root / "papers").glob("*.md"))
    imported_keys = sorted([e["key"] for e in report["entries"] if e["status"] == "imported"]
                           + ["vaswani2017attention"])
    assert written == imported_keys


def test_hand_checked_fields(imported: Imported) -> None:
    case, _, report, papers = imported
    keys = {e["source_key"]: e["key"] for e in report["entries"] if e["status"] == "imported"}
    for source_key, expected in case.facts.items():
        paper = papers[keys[source_key]]
        for name, value in expected.items():
            actual = getattr(paper, name)
            if name == "bibtex":
                actual = {k: actual.get(k) for k in value}
            assert actual == value, (source_key, name)


def test_round_trip_gives_the_same_entries(imported: Imported, tmp_path: Path) -> None:
    _, root, _, papers = imported
    config = load_config(root)
    path = tmp_path / "export.bib"
    path.write_text(export_bibtex(papers.values()), encoding="utf-8")
    [again] = read_bib([path])
    assert again.failures == [] and again.read == len(papers)
    for item in again.entries:
        paper: Paper = entry_to_paper(item, tag_vocabulary=config.options.tags)
        assert paper_front_matter(paper) == paper_front_matter(papers[item.key]), item.key


def test_course_readings_import_without_latex_leftovers(course: Path) -> None:
    """The file another part of the project imports to create papers/: keys kept, arXiv ids,
    'Last, First' names, venues and years; kb check finds nothing but the missing abstracts."""
    result = run(course, "import", str(SHARED / "course" / "course-readings.bib"))
    assert result.exit_code == 0
    project, issues = check(load_config(course))
    assert {i.code for i in issues} == {"no-text"}  # the file carries no abstracts, by design
    papers = project.papers
    assert all(p.year and p.authors and p.title for p in papers.values())
    assert all("," in a or " " not in a for p in papers.values() for a in p.authors)
    with_arxiv = [p for p in papers.values() if p.arxiv]
    assert len(with_arxiv) >= 30 and all("v" not in p.arxiv for p in with_arxiv)


def test_the_19_entries_bibtexparser_fails_are_recovered_and_reported() -> None:
    """bibtexparser puts 19 entries of the Zotero export into failed_blocks (a field given
    twice); the reader keeps each with a warning, so all 1,371 are counted."""
    import bibtexparser

    path = SHARED / BIG
    library = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    assert (len(library.entries), len(library.failed_blocks)) == (1352, 19)
    [parsed] = read_bib([path])
    warned = [e for e in parsed.entries if any("is given twice" in w for w in e.warnings)]
    assert (parsed.read, len(parsed.entries), len(warned)) == (1371, 1371, 19)
    assert {e.start_line + 1 for e in library.failed_blocks} == {e.line for e in warned}
