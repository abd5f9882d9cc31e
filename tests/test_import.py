"""`kb import`: exact reports, duplicates, --update, --dry-run, keys, and never overwriting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import run, snapshot, write
from kb.course.config import load_config
from kb.course.load import load_project
from kb.curate.importer import import_bib
from kb.curate.library import generated_key
from kb.model.entries import Paper

MIXED = r"""@string{nips = "Advances in Neural Information Processing Systems"}
# a stray markdown line
@inproceedings{Vaswani2017, title = {Attention is All you Need}, author = {Ashish Vaswani and Noam Shazeer}, booktitle = nips, year = 2017, pages = {5998--6008}, doi = {10.5555/3295222.3295349}}
@article{smith:2020, title = {Learning {\"U}ber Things}, author = {Smith, Jane}, journal = {J. X}, year = 2020}
@article{ouyang2022, title = {Training language models to follow instructions with human feedback}, author = {Ouyang, Long}, eprint = {2203.02155}, year = 2022}
@misc{ouyang2022b, title = {Training Language Models to Follow Instructions with Human Feedback}, author = {Ouyang, Long}, year = 2022, note = {again}}
@misc{notitle, author = {Nobody}}
@misc{broken, title = {never closed
@article{last, title = {The End}, author = {Doe, J.}, year = 2021, month = dec}
"""

TABLE_HEAD = "file        read  imported  merged  duplicates  failed"


@pytest.fixture
def here(course: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside the course folder so the report shows short relative file names."""
    monkeypatch.chdir(course)
    return course


def papers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "papers").iterdir())


def test_report_lists_every_problem_and_the_counts_add_up(here: Path) -> None:
    write(here, "mixed.bib", MIXED)
    result = run(here, "import", "mixed.bib")
    assert result.exit_code == 1  # two entries failed
    assert result.output == (
        "mixed.bib:3: skipped Vaswani2017: duplicate of vaswani2017attention in the knowledge "
        "base (title 100% similar)\n"
        "mixed.bib:4: imported smith:2020 as smith2020learning (the key 'smith:2020' cannot be a "
        "file name)\n"
        "mixed.bib:6: skipped ouyang2022b: duplicate of ouyang2022 earlier in the import "
        "(title 100% similar)\n"
        "mixed.bib:7: failed notitle: the entry has no title\n"
        "mixed.bib:8: failed broken: cannot parse the entry: Unexpected block start: `@article`. "
        "Was still looking for field-value closing `}`\n"
        f"{TABLE_HEAD}\n"
        "mixed.bib      7         3       0           2       2\n"
    )
    assert papers(here) == ["last.md", "ouyang2022.md", "smith2020learning.md",
                            "vaswani2017attention.md"]
    smith = (here / "papers" / "smith2020learning.md").read_text(encoding="utf-8")
    assert smith == ("---\ntype: article\ntitle: Learning Über Things\nauthors:\n- Smith, Jane\n"
                     "year: 2020\nvenue: J. X\n---\n")
    last = load_project(load_config(here)).papers["last"]
    assert last.bibtex == {"month": "12"}


def test_update_dry_run_reports_merges_and_writes_nothing(here: Path) -> None:
    write(here, "mixed.bib", MIXED)
    run(here, "import", "mixed.bib")
    before = snapshot(here)
    result = run(here, "import", "--update", "--dry-run", "mixed.bib")
    assert result.exit_code == 1
    assert result.output == (
        "mixed.bib:3: merged Vaswani2017 into vaswani2017attention (title 100% similar): filled doi\n"
        "mixed.bib:4: skipped smith:2020: duplicate of smith2020learning in the knowledge base "
        "(title 100% similar); nothing new to merge\n"
        "mixed.bib:5: skipped ouyang2022: duplicate of ouyang2022 in the knowledge base "
        "(same arXiv id 2203.02155); nothing new to merge\n"
        "mixed.bib:6: merged ouyang2022b into ouyang2022 (title 100% similar): filled bibtex.note\n"
        "mixed.bib:7: failed notitle: the entry has no title\n"
        "mixed.bib:8: failed broken: cannot parse the entry: Unexpected block start: `@article`. "
        "Was still looking for field-value closing `}`\n"
        "mixed.bib:9: skipped last: duplicate of last in the knowledge base (title 100% similar); "
        "nothing new to merge\n"
        f"{TABLE_HEAD}\n"
        "mixed.bib      7         0       2           3       2\n"
        "dry run: nothing was written\n"
    )
    assert snapshot(here) == before


def test_update_fills_missing_fields_and_keeps_notes(here: Path) -> None:
    original = (here / "papers" / "vaswani2017attention.md").read_text(encoding="utf-8")
    write(here, "one.bib", "@inproceedings{v, title = {Attention Is All You Need}, "
                           "doi = {10.5555/3295222.3295349}, volume = {30}, pages = {1--2}}\n")
    result = run(here, "import", "--update", "one.bib")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "one.bib:1: merged v into vaswani2017attention (title 100% similar): filled doi, bibtex.volume")
    updated = (here / "papers" / "vaswani2017attention.md").read_text(encoding="utf-8")
    assert "doi: 10.5555/3295222.3295349\n" in updated
    assert "  pages: 5998--6008\n  volume: '30'\n" in updated  # the existing pages stay
    assert updated.split("---\n", 2)[2] == original.split("---\n", 2)[2]  # notes untouched
    before = yaml.safe_load(original.split("---\n", 2)[1])
    after = yaml.safe_load(updated.split("---\n", 2)[1])
    # Exactly the two missing fields were filled; summary, tags and the rest are as they were.
    assert after == {**before, "doi": "10.5555/3295222.3295349",
                     "bibtex": {**before["bibtex"], "volume": "30"}}


def test_never_overwrites_an_existing_file_and_finds_a_free_key(here: Path) -> None:
    existing = write(here, "papers/doe2021end.md", "---\ntitle: Something Else Entirely Here\n---\n")
    write(here, "two.bib", "@article{vaswani2017attention, title = {The End}, author = {Doe, J.}, "
                           "year = 2021}\n@article{x, title = {The End Again}, author = {Doe, J.}, "
                           "year = 2021}\n")
    result = run(here, "import", "two.bib")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "two.bib:1: imported vaswani2017attention as doe2021endb (the key "
        "'vaswani2017attention' is taken)")
    assert existing.read_text(encoding="utf-8") == "---\ntitle: Something Else Entirely Here\n---\n"
    assert "doe2021endb.md" in papers(here) and "x.md" in papers(here)
    assert not [p for p in (here / "papers").iterdir() if p.name.endswith(".tmp")]


def test_clean_import_exits_zero_and_passes_check(here: Path) -> None:
    write(here, "clean.bib", r"""@article{mueller2020,
  title = {{\"U}ber {RLHF} -- a {S}tudy},
  author = {M{\"u}ller, Anna and Jos{\'e} Garc{\'\i}a},
  journal = {Journal of {ML}}, year = {2020}, month = jun,
  doi = {https://doi.org/10.1000/ABC.1},
  abstract = {We look at {RLHF} \& friends.},
}
""")
    result = run(here, "import", "clean.bib")
    assert result.exit_code == 0
    assert result.output == (f"{TABLE_HEAD}\n"
                             "clean.bib      1         1       0           0       0\n")
    paper = load_project(load_config(here)).papers["mueller2020"]
    assert (paper.title, paper.authors) == ("Über RLHF – a Study", ["Müller, Anna", "García, José"])
    assert (paper.venue, paper.doi, paper.bibtex) == ("Journal of ML", "10.1000/ABC.1", {"month": "6"})
    assert run(here, "check", "--strict").exit_code == 0


def test_verbose_lists_plain_imports_and_json_counts(here: Path) -> None:
    write(here, "mixed.bib", MIXED)
    result = run(here, "import", "--dry-run", "--verbose", "mixed.bib")
    assert "mixed.bib:5: imported ouyang2022\n" in result.output
    data = json.loads(run(here, "import", "--dry-run", "--format", "json", "mixed.bib").output)
    assert data["total"] == {"read": 7, "imported": 3, "merged": 0, "duplicates": 2, "failed": 2}
    assert data["files"] == [{"path": "mixed.bib", **data["total"]}]
    assert [e["status"] for e in data["entries"]] == [
        "duplicate", "imported", "imported", "duplicate", "failed", "failed", "imported"]
    assert papers(here) == ["vaswani2017attention.md"]


def test_refs_give_macros_and_crossrefs_without_importing(here: Path) -> None:
    write(here, "procs.bib", '@string{acm = "ACM Press"}\n'
                             "@proceedings{P1, title = {Proceedings of the First Workshop}, "
                             "year = 1999, publisher = acm}\n")
    write(here, "main.bib", "@inproceedings{a1999child, title = {A Child Paper of Some Length}, "
                            "author = {Roe, R.}, crossref = {P1}}\n")
    result = run(here, "import", "--refs", "procs.bib", "main.bib")
    assert result.exit_code == 0
    paper = load_project(load_config(here)).papers["a1999child"]
    assert (paper.venue, paper.year) == ("Proceedings of the First Workshop", 1999)
    assert paper.bibtex == {"crossref": "P1", "publisher": "ACM Press"}
    assert papers(here) == ["a1999child.md", "vaswani2017attention.md"]


def test_several_files_share_macros_and_get_a_total_row(here: Path) -> None:
    write(here, "a.bib", '@string{j = "Journal of Tests"}\n@article{a1, title = {Alpha Paper Title}, '
                         "journal = j, year = 2001}\n")
    write(here, "b.bib", "@article{b1, title = {Beta Paper Title}, journal = j, year = 2002}\n"
                         "@article{b2, title = {Alpha Paper Title}, journal = j, year = 2001}\n")
    result = run(here, "import", "a.bib", "b.bib")
    assert result.output == (
        "b.bib:2: skipped b2: duplicate of a1 earlier in the import (title 100% similar)\n"
        "file    read  imported  merged  duplicates  failed\n"
        "a.bib      1         1       0           0       0\n"
        "b.bib      2         1       0           1       0\n"
        "total      3         2       0           1       0\n"
    )
    assert load_project(load_config(here)).papers["b1"].venue == "Journal of Tests"


def test_unreadable_file_is_a_clear_error(here: Path) -> None:
    result = run(here, "import", "missing.bib")
    assert result.exit_code == 2
    assert result.output == "Error: missing.bib: no such file\n  fix: check the path of the .bib file\n"


def test_library_progress_and_counts(course: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.bib", MIXED)
    calls: list[tuple[int, int]] = []
    report = import_bib(load_config(course), [path], dry_run=True,
                        progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 7) for i in range(1, 8)]
    counts = report.counts(str(path))
    assert counts.read == counts.imported + counts.merged + counts.duplicate + counts.failed == 7


@pytest.mark.parametrize("authors,year,title,key", [
    (["Vaswani, Ashish"], 2017, "Attention Is All You Need", "vaswani2017attention"),
    (["Müller, Anna"], None, "The Über-Model of Things", "mulleruber"),
    ([], 2020, "On the Origin", "anon2020origin"),
    (["von Neumann, John"], 1945, "First Draft", "vonneumann1945first"),
])
def test_generated_key(authors: list[str], year: int | None, title: str, key: str) -> None:
    paper = Paper(key="x", title=title, authors=authors, year=year)
    assert generated_key(paper) == key


# ---------------------------------------------------------------- imported metadata cleaned

PREPRINTS = r"""@article{beltagy2020longformer, title={Longformer: The long-document transformer},
  author={Beltagy, Iz and Peters, Matthew E and Cohan, Arman}, journal={Ar{X}iv:2004.05150}, year={2020}}
@article{child2019generating, title={Generating long sequences with sparse transformers},
  author={Child, Rewon}, journal={arXiv preprint arXiv:1904.10509}, year={2019}}
@article{kitaev2020reformer, title={Reformer: The efficient transformer},
  author={Kitaev, Nikita}, journal={CoRR abs/2001.04451}, year={2020}, eprint={2001.04451v2}}
@article{touvron2023llama, title={LLaMA: Open and efficient foundation language models},
  author={Touvron, Hugo}, journal={ArXiv:2302.13971}, year={2023a}}
"""


def test_an_arxiv_reference_as_venue_becomes_the_arxiv_id(here: Path) -> None:
    write(here, "preprints.bib", PREPRINTS)
    assert run(here, "import", "preprints.bib").exit_code == 0
    papers = load_project(load_config(here)).papers
    assert {k: (papers[k].venue, papers[k].arxiv) for k in sorted(papers) if k != "vaswani2017attention"} == {
        "beltagy2020longformer": ("arXiv", "2004.05150"),
        "child2019generating": ("arXiv", "1904.10509"),
        "kitaev2020reformer": ("arXiv", "2001.04451"),
        "touvron2023llama": ("arXiv", "2302.13971")}
    assert run(here, "check", "--ignore", "no-text").output == (
        "checked 5 papers, 1 session, 1 poster: no problems\n")


def test_a_year_suffix_is_dropped_on_import_and_export(here: Path) -> None:
    write(here, "preprints.bib", PREPRINTS)
    run(here, "import", "preprints.bib")
    paper = load_project(load_config(here)).papers["touvron2023llama"]
    assert (paper.year, paper.bibtex) == (2023, {})
    assert run(here, "export", "bib", "--key", "touvron2023llama").output == (
        "@article{touvron2023llama,\n"
        "  title         = {{LLaMA:} Open and efficient foundation language models},\n"
        "  author        = {Touvron, Hugo},\n"
        "  journal       = {arXiv},\n"
        "  year          = {2023},\n"
        "  eprint        = {2302.13971},\n"
        "  archiveprefix = {arXiv}\n"
        "}\n")
    fields = run(None, "fields").output
    assert ("publication year, four digits; kb drops the letter bibliography styles add (2023a is "
            "2023) on import, in kb check and on export") in fields


def test_kb_check_names_what_an_older_import_left(here: Path) -> None:
    write(here, "papers/beltagy2020longformer.md",
          "---\ntitle: 'Longformer: The long-document transformer'\nauthors: [Beltagy, Iz]\n"
          "year: 2020\nvenue: ArXiv:2004.05150\nsummary: Long documents.\n---\n")
    write(here, "papers/touvron2023llama.md",
          "---\ntitle: LLaMA\nauthors: [Touvron, Hugo]\nyear: 2023\nvenue: arXiv preprint "
          "arXiv:2302.13971\narxiv: '2302.13971'\nsummary: Open models.\nbibtex:\n  year: 2023a\n---\n")
    result = run(here, "check")
    assert result.output == (
        "papers/beltagy2020longformer.md:5: warning [venue] the venue 'ArXiv:2004.05150' is an arXiv "
        "id, not a venue (venue-arxiv)\n"
        "    fix: write venue: arXiv and arxiv: '2004.05150'\n"
        "papers/touvron2023llama.md:5: warning [venue] the venue 'arXiv preprint arXiv:2302.13971' "
        "is an arXiv id, not a venue (venue-arxiv)\n"
        "    fix: write venue: arXiv (the id is under arxiv: already)\n"
        "papers/touvron2023llama.md:9: warning [bibtex.year] bibtex.year '2023a' keeps a "
        "bibliography style's letter; the year is 2023 (year-suffix)\n"
        "    fix: remove year from bibtex: (kb drops the letter after a year (2023a), which "
        "bibliography styles add to tell apart two papers of one author and year)\n"
        "checked 3 papers, 1 session, 1 poster: 0 errors, 3 warnings\n")
    # the export writes the year, not the kept '2023a'
    assert "  year          = {2023},\n" in run(here, "export", "bib", "--key", "touvron2023llama").output


def test_a_year_with_a_letter_in_the_front_matter_is_echoed_with_the_year(here: Path) -> None:
    write(here, "papers/touvron2023llama.md", "---\ntitle: LLaMA\nyear: 2023a\n---\n")
    result = run(here, "check", "--errors-only")
    assert result.output == (
        "papers/touvron2023llama.md:3: error [year] '2023a' is not a year (schema)\n"
        "    fix: write year: 2023 (kb drops the letter after a year (2023a), which bibliography "
        "styles add to tell apart two papers of one author and year)\n"
        "checked 2 papers (1 broken), 1 session, 1 poster: 1 error, 0 warnings\n")
