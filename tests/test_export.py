"""`kb export`: exact BibTeX, selection by session/tag/key, errors, and the way back in."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SHARED, run, snapshot, write
from kb.course.config import load_config
from kb.course.load import load_project, paper_front_matter
from kb.course.scaffold import init_course
from kb.errors import FilterError
from kb.course.filters import Filters, select_papers

VASWANI = r"""@inproceedings{vaswani2017attention,
  title         = {Attention Is All You Need},
  author        = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and Uszkoreit, Jakob and Jones, Llion and Gomez, Aidan N. and Kaiser, {\L}ukasz and Polosukhin, Illia},
  booktitle     = {Advances in Neural Information Processing Systems},
  year          = {2017},
  pages         = {5998--6008},
  eprint        = {1706.03762},
  archiveprefix = {arXiv},
  url           = {https://arxiv.org/abs/1706.03762},
  keywords      = {architecture},
  summary       = {Introduces the Transformer, a sequence model built from attention layers alone, without recurrence. Read it to understand the architecture underneath almost every language model discussed later in the course.}
}
"""

SMITH = """---
type: article
title: 'GPT-3 and Über: Notes on 50% & More'
authors:
- Smith, Jane
- OpenAI
year: 2020
venue: Journal of Tests
doi: 10.1000/ABC
tags:
- rlhf
bibtex:
  month: '3'
  pages: 1--10
---
Body notes stay in the file.
"""


@pytest.fixture
def two(course: Path) -> Path:
    write(course, "papers/smith2020gpt.md", SMITH)
    return course


def test_export_bib_of_one_key_is_exact(two: Path) -> None:
    result = run(two, "export", "bib", "--key", "vaswani2017attention")
    assert result.exit_code == 0
    assert result.output == VASWANI


def test_export_bib_sorted_by_key_with_encoded_text(two: Path) -> None:
    result = run(two, "export", "bib")
    assert result.output == (
        "@article{smith2020gpt,\n"
        r"  title    = {{GPT-3} and {\"U}ber: Notes on 50\% \& More}," "\n"
        "  author   = {Smith, Jane and {OpenAI}},\n"
        "  journal  = {Journal of Tests},\n"
        "  year     = {2020},\n"
        "  month    = mar,\n"
        "  pages    = {1--10},\n"
        "  doi      = {10.1000/ABC},\n"
        "  keywords = {rlhf}\n"
        "}\n\n" + VASWANI
    )


def exported_keys(root: Path, *args: str) -> list[str]:
    output = run(root, "export", "bib", *args).output
    return [line.split("{")[1].rstrip(",") for line in output.splitlines() if line.startswith("@")]


def test_selection_by_session_tag_and_key(two: Path) -> None:
    def keys(*args: str) -> list[str]:
        return exported_keys(two, *args)

    assert keys() == ["smith2020gpt", "vaswani2017attention"]
    assert keys("--session", "1") == ["vaswani2017attention"]
    assert keys("--tag", "rlhf") == ["smith2020gpt"]
    assert keys("--tag", "rlhf", "--tag", "architecture") == [  # any of the tags
        "smith2020gpt", "vaswani2017attention"]
    assert keys("--key", "vaswani2017attention", "--key", "smith2020gpt") == [
        "smith2020gpt", "vaswani2017attention"]
    assert keys("--session", "1", "--tag", "rlhf") == []


def test_unknown_key_or_session_is_a_clear_error(two: Path) -> None:
    result = run(two, "export", "bib", "--key", "vaswani2017atention")
    assert (result.exit_code, result.output) == (
        1, "Error: [key] no paper with the key 'vaswani2017atention'\n"
           "  fix: did you mean vaswani2017attention? If not, use a key from the papers folder (the "
           "file name without .md)\n")
    result = run(two, "export", "csl", "--session", "9")
    assert (result.exit_code, result.output) == (
        1, "Error: [session] no session number 9\n  fix: use one of the session numbers: 1\n")
    project = load_project(load_config(two))
    with pytest.raises(FilterError):
        select_papers(project, Filters(keys=("vaswani2017attention", "missing")))


def test_filters_select_by_every_field(two: Path) -> None:
    project = load_project(load_config(two))

    def keys(**given: object) -> list[str]:
        return [p.key for p in select_papers(project, Filters(**given))]  # type: ignore[arg-type]

    assert keys() == ["smith2020gpt", "vaswani2017attention"]
    assert keys(tags=("rlhf",)) == ["smith2020gpt"]
    assert keys(year_from=2018) == ["smith2020gpt"]
    assert keys(year_to=2017) == ["vaswani2017attention"]
    assert keys(type="INPROCEEDINGS") == ["vaswani2017attention"]
    assert keys(session=1, keys=("vaswani2017attention",)) == ["vaswani2017attention"]


def test_an_export_that_selects_nothing_says_so(two: Path, tmp_path: Path) -> None:
    target = tmp_path / "none.bib"
    result = run(two, "export", "bib", "--tag", "rlhf", "--session", "1", "--output", str(target))
    assert (result.exit_code, result.output) == (
        1, "Error: [filters] no paper matches --session 1 --tag rlhf\n"
           "  fix: loosen the filters; each one alone selects papers, together none\n")
    assert not target.exists()


def test_output_file_is_written_whole(two: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "course.bib"
    target.parent.mkdir()  # a missing folder is refused (tests/test_hostile.py)
    result = run(two, "export", "bib", "--output", str(target))
    assert result.exit_code == 0
    assert result.stderr == f"wrote 2 papers to {target}\n"
    assert target.read_text(encoding="utf-8") == run(two, "export", "bib").output
    assert sorted(p.name for p in target.parent.iterdir()) == ["course.bib"]


def test_export_imports_back_unchanged(two: Path, tmp_path: Path) -> None:
    """What the site offers for download: `kb import --dry-run` reads it back, every entry
    a duplicate of itself; into a fresh repository it gives the same papers."""
    run(two, "import", str(SHARED / "course" / "course-readings.bib"))
    exported = write(tmp_path, "all.bib", run(two, "export", "bib").output)
    before = snapshot(two)
    again = run(two, "import", "--dry-run", str(exported))
    assert again.exit_code == 0
    assert again.output.count(": skipped ") == 44 and snapshot(two) == before
    fresh = tmp_path / "fresh"
    init_course(fresh, title="Fresh")
    assert run(fresh, "import", str(exported)).exit_code == 0
    old, new = load_project(load_config(two)).papers, load_project(load_config(fresh)).papers
    assert sorted(old) == sorted(new)
    assert all(paper_front_matter(old[k]) == paper_front_matter(new[k]) for k in old)
