"""Private fields never leave the repository: the site and `kb export` (kb.model.privacy)."""

from __future__ import annotations

from pathlib import Path

from conftest import paper, run, write
from kb.bib.mapping import export_bibtex
from kb.model.entries import Paper
from kb.model.privacy import DEFAULT_PRIVATE_FIELDS, public_paper, site_omitted
from site_helpers import build_site, set_option

# A Zotero-style export: a local PDF path, the reader's notes, and a field the curator marks
# private in mkdocs.yml. Each value is unique so a leak is found in any built file.
ZOTERO = r"""@article{doe2021private,
  title    = {Private Fields in Reference Managers},
  author   = {Doe, Jane and Roe, Richard},
  journal  = {ArXiv:2004.05150},
  year     = {2021},
  keywords = {privacy},
  file     = {Full Text PDF:/home/jane/Zotero/storage/SECRETPATH/doe.pdf:application/pdf},
  annote   = {SECRETANNOTE my own opinion of this paper},
  annotation = {SECRETANNOTATION highlighted in yellow},
  mynotes  = {SECRETCURATOR only for the curator},
  pages    = {1--12},
  abstract = {What reference managers store beside a citation, and what a course site shows.}
}
"""
SECRETS = ("SECRETPATH", "SECRETANNOTE", "SECRETANNOTATION", "SECRETCURATOR")


def _built_files(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_bytes().decode("utf-8", "replace")
            for p in site.rglob("*") if p.is_file()}


def test_public_paper_drops_private_kept_fields_in_any_case() -> None:
    p = Paper(key="a", title="T", bibtex={"File": "x.pdf", "annote": "n", "pages": "1--2"})
    public = public_paper(p, DEFAULT_PRIVATE_FIELDS)
    assert public.bibtex == {"pages": "1--2"}
    assert p.bibtex["File"] == "x.pdf"  # the original is untouched


def test_site_bib_leaves_out_curator_fields_unless_asked() -> None:
    p = Paper(key="a", title="T", tags=["rlhf"], summary="Mine.", bibtex={"pages": "1--2"})
    text = export_bibtex([p], omit=site_omitted(DEFAULT_PRIVATE_FIELDS, curator_fields=False))
    assert "summary" not in text and "keywords" not in text and "pages" in text
    text = export_bibtex([p], omit=site_omitted(DEFAULT_PRIVATE_FIELDS, curator_fields=True))
    assert "summary" in text and "keywords" in text


def test_no_private_value_in_any_built_file_of_an_imported_zotero_export(course: Path) -> None:
    set_option(course, "related", "0")
    set_option(course, "library_map", "false")
    set_option(course, "private_fields", "[file, annote, annotation, mynotes]")
    bib = write(course, "zotero.bib", ZOTERO)
    result = run(course, "import", str(bib))
    assert result.exit_code == 0, result.output
    stored = (course / "papers/doe2021private.md").read_text(encoding="utf-8")
    assert all(s in stored for s in SECRETS)  # kept in the repository, for round trips
    write(course, "docs/sessions/02-private.md",
          "---\nsession: 2\ndate: 2025-10-22\ntitle: Privacy\nreadings:\n"
          "- key: doe2021private\n---\nRead [@doe2021private].\n")
    site = build_site(course)
    files = _built_files(site)
    assert "papers/doe2021private/index.html" in files
    for name, text in files.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} published in {name}"
        if name.endswith(".bib"):
            for field in ("file", "annote", "annotation", "mynotes", "summary", "keywords"):
                assert f"\n  {field} " not in text and f"\n  {field}=" not in text, (name, field)
    page = files["papers/doe2021private/index.html"]
    assert "pages" in page and "1--12" in page  # public kept fields stay


def test_export_leaves_out_private_fields_unless_private(course: Path) -> None:
    write(course, "papers/doe2021private.md", paper(
        "doe2021private", bibtex={"file": "/home/jane/SECRETPATH.pdf", "annote": "SECRETANNOTE",
                                  "pages": "3--4"}))
    out = run(course, "export", "bib")
    assert out.exit_code == 0, out.output
    assert "SECRETPATH" not in out.output and "SECRETANNOTE" not in out.output
    assert "pages" in out.output and "summary" in out.output  # round-trip fields stay
    out = run(course, "export", "bib", "--private")
    assert "SECRETPATH" in out.output and "SECRETANNOTE" in out.output
    csl = run(course, "export", "csl")
    assert "SECRETPATH" not in csl.output and "SECRETANNOTE" not in csl.output
