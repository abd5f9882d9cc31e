"""kb's BibTeX writer and the readers agree: what `kb export bib` writes, kb's reader and
bibtexparser read back as the same values, for every kept field of the real .bib files and for
the awkward values a hand-edited paper file can hold."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pytest

from conftest import SHARED, run, write
from kb.bib.mapping import entry_to_paper, export_bibtex
from kb.bib.read import read_bib
from kb.model.entries import Paper

AWKWARD = ["ends \\", "ends \\\\", "ends \\\\\\", "a \\{b", "nested {a {b} c}", "{whole}",
           "percent 50\\%", "\\textbackslash{}", "x \\} y \\{ z"]


def _paper(key: str, bibtex: dict[str, str]) -> Paper:
    return Paper(key=key, type="misc", title="A Title", authors=["Doe, Jo"], year=2020,
                 bibtex=bibtex)


def _read_back(text: str, tmp_path: Path) -> dict[str, dict[str, str]]:
    path = tmp_path / "out.bib"
    path.write_text(text, encoding="utf-8")
    (parsed,) = read_bib([path])
    assert parsed.failures == []
    return {e.key: entry_to_paper(e).bibtex for e in parsed.entries}


@pytest.mark.parametrize("value", AWKWARD)
def test_an_awkward_kept_value_reads_back_equal(value: str, tmp_path: Path) -> None:
    text = export_bibtex([_paper("k", {"note": value})])
    assert _read_back(text, tmp_path)["k"]["note"] == value
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    # bibtexparser keeps the space that ends a value after a backslash; BibTeX ignores it
    assert library.entries[0].fields_dict["note"].value.rstrip(" ") == value


def test_every_kept_field_of_the_real_files_reads_back_equal(tmp_path: Path) -> None:
    papers = []
    for path in sorted((SHARED / "bib").rglob("*.bib")):
        for parsed in read_bib([path]):
            for i, entry in enumerate(parsed.entries):
                try:
                    papers.append(entry_to_paper(entry, key=f"p{len(papers)}x{i}"))
                except Exception:  # an entry kb refuses (no title): not this test's subject
                    continue
    kept = {p.key: p.bibtex for p in papers}
    assert len(kept) > 1000 and sum(len(v) for v in kept.values()) > 1000
    assert _read_back(export_bibtex(papers), tmp_path) == kept


def test_an_unbalanced_brace_is_warned_about_and_exported_readably(course: Path) -> None:
    write(course, "papers/k2020.md", "---\ntype: misc\ntitle: A Title\nauthors: [Doe, Jo]\n"
          "year: 2020\nsummary: S.\nbibtex:\n  note: a {b\n---\n")
    result = run(course, "check", "--code", "bibtex-braces")
    assert result.output == (
        "papers/k2020.md:8: warning [bibtex.note] the kept BibTeX field 'note': a '{' is never "
        "closed (bibtex-braces)\n"
        "    fix: pair the braces, or write a literal brace as \\{ or \\}\n"
        "checked 2 papers, 1 session, 1 poster: 0 errors, 1 warning\n")
    exported = run(course, "export", "bib", "--key", "k2020").output
    assert "  note    = {a \\{b},\n" in exported
    assert bibtexparser.parse_string(exported).failed_blocks == []


def test_control_characters_never_reach_the_bib_file(tmp_path: Path) -> None:
    paper = Paper(key="k", type="misc", title="A\rTitle\x0bwith\u2028breaks", authors=["Doe, Jo"],
                  year=2020, bibtex={"note": "bell\x07 and NUL\x00 and \u202eoverride"})
    text = export_bibtex([paper])
    assert not any(c in text for c in "\r\x0b\x07\x00\u2028\u202e")
    assert "  title  = {A\nTitle\nwith\nbreaks},\n" in text  # line breaks are BibTeX white space
    assert _read_back(text, tmp_path)["k"]["note"] == "bell and NUL and override"
    (back,) = read_bib([tmp_path / "out.bib"])
    assert entry_to_paper(back.entries[0]).title == "A Title with breaks"
