"""CSL-JSON export: valid against the CSL-JSON schema, fields mapped as Pandoc expects."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import SHARED, run
from kb.bib.read import read_bib
from kb.bib.mapping import entry_to_paper
from kb.bib.csl import csl_name, export_csl
from kb.model.entries import Paper

SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def errors(items: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(items)]


def test_schema_rejects_what_csl_does_not_allow() -> None:
    assert errors([{"id": "a", "type": "article"}]) == []
    assert errors([{"id": "a", "type": "journal"}])  # not a CSL type
    assert errors([{"id": "a", "type": "book", "booktitle": "x"}])  # not a CSL variable
    assert errors([{"type": "book"}])  # no id
    assert errors([{"id": "a", "type": "book", "author": [{"last": "X"}]}])
    assert errors([{"id": "a", "type": "book", "issued": {"date-parts": [[1, 2, 3, 4]]}}])


@pytest.mark.parametrize("path", [
    "course/course-readings.bib",
    "bib_messy/plk__biblatex/bibtex/bib/biblatex/biblatex-examples.bib",
    "bib/AlexPiche__obsidian_vault/My Library.bib",
    "bib_messy/FAUDataScience__DSLA25/references.bib",
], ids=lambda p: Path(p).name)
def test_real_files_export_valid_csl(path: str) -> None:
    [parsed] = read_bib([SHARED / path])
    papers = [entry_to_paper(e) for e in parsed.entries if e.fields.get("title")]
    items = export_csl(papers)
    assert len(items) == len(papers)
    assert errors(items) == []
    assert [i["id"] for i in items] == sorted(p.key for p in papers)


def test_fields_map_to_csl_variables() -> None:
    paper = Paper(key="vaswani2017attention", type="inproceedings", title="Attention Is All You Need",
                  authors=["Vaswani, Ashish", "von Neumann, Jr, John", "OpenAI"], year=2017,
                  venue="NeurIPS", arxiv="1706.03762", doi="10.5555/1", tags=["architecture"],
                  bibtex={"pages": "5998--6008", "volume": "30", "month": "12",
                          "address": r"Long Beach, {CA}"})
    preprint = Paper(key="p", type="misc", title="A Preprint", arxiv="2203.02155")
    book = Paper(key="b", type="book", title="A Book", venue="MIT Press", editors=["Doe, Jane"])
    assert export_csl([paper, preprint, book]) == [
        {"id": "b", "type": "book", "title": "A Book", "editor": [{"family": "Doe", "given": "Jane"}],
         "publisher": "MIT Press"},
        {"id": "p", "type": "article", "title": "A Preprint",
         "URL": "https://arxiv.org/abs/2203.02155", "number": "arXiv:2203.02155", "publisher": "arXiv"},
        {"id": "vaswani2017attention", "type": "paper-conference", "title": "Attention Is All You Need",
         "author": [{"family": "Vaswani", "given": "Ashish"},
                    {"family": "von Neumann", "suffix": "Jr", "given": "John"}, {"literal": "OpenAI"}],
         "issued": {"date-parts": [[2017, 12]]}, "volume": "30", "page": "5998-6008",
         "publisher-place": "Long Beach, CA", "container-title": "NeurIPS", "DOI": "10.5555/1",
         "URL": "https://arxiv.org/abs/1706.03762", "keyword": "architecture"},
    ]


def test_csl_name() -> None:
    assert csl_name("Müller, Anna") == {"family": "Müller", "given": "Anna"}
    assert csl_name("Gemini Team Google") == {"literal": "Gemini Team Google"}


def test_kb_export_csl_is_valid_json(course: Path) -> None:
    run(course, "import", str(SHARED / "course" / "course-readings.bib"))
    result = run(course, "export", "csl")
    assert result.exit_code == 0
    items = json.loads(result.output)
    assert len(items) == 43 and errors(items) == []
    item = next(i for i in items if i["id"] == "hochreiter1997long")
    assert item["author"][1] == {"family": "Schmidhuber", "given": "Jürgen"}
    assert item["container-title"] == "Neural Computation" and item["issue"] == "8"
