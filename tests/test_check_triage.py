"""`kb check` on a course with hundreds of warnings and a few errors: errors first, warnings
grouped by code, filters by code, the checks: setting, and the registry of codes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from big_course import copy_course
from conftest import paper, run, write
from kb.model.issue_codes import CODES, markdown_table

ROOT = Path(__file__).resolve().parents[1]
NEXT_YEAR = dt.date.today().year + 1

ERRORS = f"""\
docs/posters/attention.md:4: error [session] session 9 does not exist (dangling-session)
    fix: use the number of a session in docs/sessions (1, 2)
docs/sessions/02-attention.md:10: error [readings[2].key] reading 'Devlin.Chang.Lee.2018' names no paper in papers/ (dangling-reference)
    fix: did you mean Devlin.Chang.Lee.ea.2018? If not, correct the key, or add papers/<key>.md (e.g. with kb import)
docs/sessions/02-attention.md:13: error [@Bahdanau.Cho.Bengio.2015] names no paper (unknown-citation)
    fix: did you mean [@Bahdanau.Cho.Bengio.2014]? If not, correct the key or add the paper to papers/ (kb import)
papers/future3020.md:6: error [year] year 3020 is outside 1600-{NEXT_YEAR} (year-range)
    fix: write the four-digit publication year
"""


@pytest.fixture
def big(big_course: Path) -> Path:
    """The 477-paper course with four errors (conftest.py: imported once per session)."""
    return big_course


@pytest.fixture
def big_copy(big: Path, tmp_path: Path) -> Path:
    return copy_course(big, tmp_path / "course")


def test_a_long_report_leads_with_errors_and_groups_warnings(big: Path) -> None:
    result = run(big, "check")
    assert result.exit_code == 1
    assert result.output == ERRORS + """
478 warnings by code (kb check --code CODE lists one code's in full, --ignore CODE hides it):
  475 no-text: a paper with no abstract and no summary: papers/Abadi.Barham.Chen.ea.2016.md, papers/Abdel-Hamid.Mohamed.Jiang.ea.2014.md, papers/Ahmed.Aly.Gonzalez.ea.2012.md and 472 more
    1 tag-format: a tag that is not lowercase-with-hyphens: papers/future3020.md
    1 unknown-field: a front-matter field kb does not know (not shown on the site): papers/future3020.md
    1 unknown-tag: a tag outside the tag vocabulary: papers/future3020.md
checked 477 papers, 2 sessions, 2 posters: 4 errors, 478 warnings
"""
    assert len(result.output.splitlines()) <= 24  # one screen


def test_errors_only_and_ignore(big: Path) -> None:
    result = run(big, "check", "--errors-only")
    assert result.exit_code == 1
    assert result.output == ERRORS + "checked 477 papers, 2 sessions, 2 posters: 4 errors, 0 warnings\n"
    result = run(big, "check", "--ignore", "no-text", "--ignore", "year-range", "--ignore",
                 "unknown-citation", "--ignore", "dangling-reference", "--ignore", "dangling-session")
    assert result.exit_code == 0
    assert result.output.startswith("papers/future3020.md:9: warning [tags[0]] tag 'Attention' is not ")
    assert result.output.endswith("checked 477 papers, 2 sessions, 2 posters: 0 errors, 3 warnings\n")


def test_code_lists_one_code_in_full(big: Path) -> None:
    result = run(big, "check", "--code", "no-text")
    lines = result.output.splitlines()
    assert len(lines) == 2 * 475 + 1
    assert lines[:2] == ["papers/Abadi.Barham.Chen.ea.2016.md:1: warning [summary] no abstract and no summary (no-text)",
                         "    fix: add a summary, or fetch the abstract with kb enrich KEY (for a paper with an arXiv id or DOI); search and the site are weaker without text"]
    assert lines[-1] == "checked 477 papers, 2 sessions, 2 posters: 0 errors, 475 warnings"
    assert result.exit_code == 0
    assert run(big, "check", "--code", "no-text", "--strict").exit_code == 1


def test_json_counts_codes_and_follows_the_filters(big: Path) -> None:
    data = json.loads(run(big, "check", "--format", "json").output)
    assert data["codes"] == {"dangling-reference": 1, "dangling-session": 1, "no-text": 475,
                             "tag-format": 1, "unknown-citation": 1, "unknown-field": 1,
                             "unknown-tag": 1, "year-range": 1}
    data = json.loads(run(big, "check", "--format", "json", "--code", "year-range").output)
    assert [i["code"] for i in data["issues"]] == ["year-range"]
    assert data["counts"]["errors"] == 1 and data["counts"]["warnings"] == 0


def test_an_unknown_code_is_an_error_with_a_suggestion(big: Path) -> None:
    result = run(big, "check", "--code", "no-txt")
    assert result.exit_code == 2
    assert ("Invalid value for '--code': unknown issue code 'no-txt': did you mean no-text? "
            "If not, kb check --list-codes lists them") in result.output


def test_checks_setting_switches_off_and_changes_severity(big_copy: Path) -> None:
    path = big_copy / "mkdocs.yml"
    path.write_text(path.read_text().replace(
        "  - kb:\n", "  - kb:\n      checks:\n        no-text: off\n        unknown-tag: error\n"))
    result = run(big_copy, "check", "--ignore", "year-range")
    assert "no-text" not in result.output
    assert ("papers/future3020.md:10: error [tags[1]] tag 'nlp' is not in the tag vocabulary "
            "(unknown-tag)") in result.output
    assert result.output.endswith("checked 477 papers, 2 sessions, 2 posters: 4 errors, 2 warnings\n")


@pytest.mark.parametrize("setting,message", [
    ("no-txt: off", "unknown issue code 'no-txt': did you mean no-text? If not, "),
    ("no-text: never", "checks.no-text: 'never' is not one of error, warning, off"),
    ("dangling-reference: warning",
     "checks.dangling-reference cannot be warning: the site cannot be built with this problem"),
])
def test_a_bad_checks_setting_names_the_option(course: Path, setting: str, message: str) -> None:
    path = course / "mkdocs.yml"
    path.write_text(path.read_text().replace("  - kb:\n", f"  - kb:\n      checks:\n        {setting}\n"))
    result = run(course, "check")
    assert result.exit_code == 2
    assert f"Error: mkdocs.yml: [plugins.kb.checks] {message}" in result.output


def test_list_codes_prints_the_registry(course: Path) -> None:
    result = run(course, "check", "--list-codes")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["code", "severity", "meaning;", "fix"]
    assert len(lines) == len(CODES) + 1
    assert "no-text             warning   a paper with no abstract and no summary; add a summary" in result.output
    data = json.loads(run(course, "check", "--list-codes", "--format", "json").output)
    assert {c["code"] for c in data} == set(CODES)


def test_the_readme_lists_every_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "regenerate the README's table with kb.model.issue_codes.markdown_table()"


# ------------------------------------------------------------------ every code, by example

# A planted example of every registered code: each writes into a fresh `kb init` course and
# returns the file kb check must then name with that code.
INIT_SESSION = "docs/sessions/01-introduction.md"
INIT_POSTER = "docs/posters/transformer-basics.md"


def _paper(name: str, **fields: object) -> Callable[[Path], str]:
    def plant(course: Path) -> str:
        write(course, f"papers/{name}.md", paper(name, **fields))
        return f"papers/{name}.md"
    return plant


def _text(rel: str, text: str) -> Callable[[Path], str]:
    def plant(course: Path) -> str:
        write(course, rel, text)
        return rel
    return plant


def _edit(rel: str, old: str, new: str) -> Callable[[Path], str]:
    def plant(course: Path) -> str:
        text = (course / rel).read_text(encoding="utf-8")
        assert old in text, (rel, old)
        write(course, rel, text.replace(old, new, 1))
        return rel
    return plant


def _bytes(rel: str, data: bytes) -> Callable[[Path], str]:
    def plant(course: Path) -> str:
        (course / rel).write_bytes(data)
        return rel
    return plant


def _no_papers(course: Path) -> str:
    shutil.rmtree(course / "papers")
    return "papers"


def _not_duplicates(course: Path) -> str:
    _edit("mkdocs.yml", "      related: 5\n",
          "      related: 5\n      not_duplicates:\n      - [vaswani2017attention, nobody2020gone]\n")(course)
    return "mkdocs.yml"


def _key_case(course: Path) -> str:
    """A second file whose key differs from the example paper's only in case: kb check names
    the later of the two in sorted order."""
    text = (course / "papers/vaswani2017attention.md").read_text(encoding="utf-8")
    write(course, "papers/Vaswani2017Attention.md", text.replace("Attention Is", "Attention Was"))
    return "papers/vaswani2017attention.md"


def _two(first: Callable[[Path], str], second: Callable[[Path], str]) -> Callable[[Path], str]:
    def plant(course: Path) -> str:
        first(course)
        return second(course)
    return plant


EXAMPLES: dict[str, Callable[[Path], str]] = {
    "unreadable": _bytes("papers/latin2020.md", "---\ntitle: Café\n---\n".encode("latin-1")),
    "schema": _paper("typed2020year", year="soon"),
    "duplicate-field": _text("papers/twice2020.md", "---\ntitle: One\ntitle: Two\nauthors: [A, B]\nyear: 2020\nsummary: S.\n---\n"),
    "unknown-field": _paper("typo2020field", abstrct="A typo."),
    "invalid-key": _paper("bad..key"),
    "key-mismatch": _paper("mine2020key", key="other2020key"),
    "stray-file": _text("papers/notes.txt", "not a paper\n"),
    "no-papers": _no_papers,
    "year-range": _paper("future3020", year=3020),
    "arxiv-syntax": _paper("badarxiv2020", arxiv="not-an-id"),
    "arxiv-version": _paper("versioned2020", arxiv="arXiv:2203.02155v2"),
    "doi-syntax": _paper("baddoi2020", doi="11.0/x"),
    "doi-prefix": _paper("prefixed2020", doi="https://doi.org/10.1000/xyz123"),
    "url-scheme": _paper("ftp2020link", url="ftp://example.org/paper.pdf"),
    "latex": _paper("latex2020title", title=r"A {\em Study} of Things"),
    "html": _paper("html2020title", title="A <b>Bold</b> Study"),
    "author-format": _paper("joined2020authors", authors=["Smith, Jane and Doe, John"]),
    "no-text": _paper("silent2020", summary=None),
    "no-authors": _paper("anonymous2020", authors=None),
    "no-year": _paper("undated", year=None),
    "tag-format": _paper("shouting2020", tags=["RLHF"]),
    "unknown-tag": _paper("offlist2020", tags=["astronomy"]),
    "too-many-tags": _paper("tagged2020many", tags=[f"t{i}" for i in range(51)]),
    "duplicate-doi": _two(_paper("a2020same", doi="10.1000/same"), _paper("b2020same", doi="10.1000/same")),
    "duplicate-arxiv": _paper("vaswani2017copy", arxiv="1706.03762"),
    "duplicate-title": _paper("vaswani2017twice", title="Attention is all you need!", year=2017,
                              authors=["Vaswani, Ashish"]),
    "dangling-allow": _not_duplicates,
    "dangling-reference": _edit(INIT_SESSION, "- key: vaswani2017attention", "- key: vaswani2017atention"),
    "unknown-citation": _edit(INIT_POSTER, "[@vaswani2017attention]", "[@nobody2020]"),
    "duplicate-reading": _edit(INIT_SESSION, "  note: Read sections 1-3 before the session.\n",
                               "  note: Read sections 1-3 before the session.\n"
                               "- key: vaswani2017attention\n  kind: optional\n"),
    "duplicate-session": _text("docs/sessions/01-second.md", "---\nsession: 1\ntitle: Again\n---\n"),
    "session-filename": _text("docs/sessions/03-misnamed.md", "---\nsession: 2\ntitle: Misnamed\n---\n"),
    "session-order": _text("docs/sessions/02-earlier.md", "---\nsession: 2\ndate: 2025-10-01\ntitle: Earlier\n---\n"),
    "dangling-session": _edit(INIT_POSTER, "session: 1\n", "session: 7\n"),
    "bibtex-braces": _paper("braces2020", bibtex={"note": "a {b"}),
    "control-char": _paper("bell2020", title="A bell\x07 in the title"),
    "dangling-cites": _paper("citing2020", cites=["nobody2020gone"]),
    "self-cites": _paper("selfish2020", cites=["selfish2020"]),
    "key-case": _key_case,
    "venue-arxiv": _paper("preprint2020", venue="ArXiv:2004.05150"),
    "year-suffix": _paper("lettered2020", bibtex={"year": "2020a"}),
    "no-date": _text("docs/sessions/02-undated.md", "---\nsession: 2\ntitle: Undated\n---\n"),
    "page-clash": _text("docs/map.md", "# My own map\n"),
    "media-missing": _edit(INIT_POSTER, "session: 1\n", "session: 1\nimage: media/missing.png\n"),
    "media-path": _edit(INIT_POSTER, "session: 1\n", "session: 1\nimage: /etc/poster.png\n"),
    "media-type": _two(_text("docs/posters/media/diagram.svg", "<svg/>\n"),
                       _edit(INIT_POSTER, "session: 1\n", "session: 1\nimage: media/diagram.svg\n")),
}


def test_every_registered_code_has_an_example(course: Path) -> None:
    assert set(EXAMPLES) == set(CODES), "add a planted example for each new code (and only for those)"
    assert run(course, "check").output.endswith(": no problems\n")  # the examples start clean


@pytest.mark.parametrize("code", sorted(CODES))
def test_kb_check_reports_each_code_for_its_example(course: Path, code: str) -> None:
    """kb check reports the code, at the registry's severity, on the planted file; every code
    it reports on the way is registered."""
    path = EXAMPLES[code](course)
    result = run(course, "check", "--format", "json")
    found = [(i["code"], i["path"], i["severity"]) for i in json.loads(result.output)["issues"]]
    assert (code, path, CODES[code].severity) in found, found
    assert {c for c, _, _ in found} <= set(CODES), found


def test_a_session_that_fails_to_load_is_reported_once(course: Path) -> None:
    session = (course / "docs/sessions/01-introduction.md").read_text()
    write(course, "docs/sessions/01-introduction.md", session.replace("title:", "titel:"))
    result = run(course, "check", "--errors-only")
    assert result.output == (
        "docs/sessions/01-introduction.md:1: error [title] required field is missing (schema)\n"
        "    fix: add the field\n"
        "checked 1 paper, 1 session (1 broken), 1 poster: 1 error, 0 warnings\n")


def test_a_paper_that_fails_to_load_is_not_reported_as_dangling(course: Path) -> None:
    write(course, "papers/vaswani2017attention.md", paper("vaswani2017attention", year="soon"))
    write(course, "docs/index.md", "# Home\n\nStart with [@vaswani2017attention].\n")
    result = run(course, "check", "--errors-only")
    assert result.output == (
        "papers/vaswani2017attention.md:6: error [year] 'soon' is not a year (schema)\n"
        "    fix: write the four-digit publication year, e.g. 2023\n"
        "checked 1 paper (1 broken), 1 session, 1 poster: 1 error, 0 warnings\n")


def test_citations_in_every_kind_of_page_are_checked(course: Path) -> None:
    write(course, "docs/index.md", "# Home\n\n`[@nobody]` in code is fine\n\n[@vaswani2017atention]\n")
    write(course, "docs/extra/page.md", "# More\n\n```\n[@incode]\n```\n[@a; @vaswani2017attention]\n")
    poster = course / "docs/posters/transformer-basics.md"
    write(course, "docs/posters/transformer-basics.md", poster.read_text() + "\n\nSee [@x1].\n")
    notes = course / "papers/vaswani2017attention.md"
    write(course, "papers/vaswani2017attention.md", notes.read_text() + "\n[@self2020]\n")
    data = json.loads(run(course, "check", "--format", "json", "--code", "unknown-citation").output)
    places = [(i["path"], i["line"], i["message"]) for i in data["issues"]]
    poster_line = len(poster.read_text().splitlines())
    notes_line = len(notes.read_text().splitlines())
    assert places == [
        ("docs/extra/page.md", 6, "[@a] names no paper"),
        ("docs/index.md", 5, "[@vaswani2017atention] names no paper"),
        ("docs/posters/transformer-basics.md", poster_line, "[@x1] names no paper"),
        ("papers/vaswani2017attention.md", notes_line, "[@self2020] names no paper"),
    ]
    assert data["issues"][1]["fix"].startswith("did you mean [@vaswani2017attention]?")


def test_a_checks_setting_lets_a_strict_build_pass(big_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    from mkdocs.exceptions import Abort

    from kb.search.embed import HashingEmbedder
    from site_helpers import build_site

    for rel in ("docs/sessions/02-attention.md", "docs/posters/attention.md", "papers/future3020.md"):
        (big_copy / rel).unlink()  # the errors: a build stops on them whatever the setting
    assert run(big_copy, "check", "--errors-only").exit_code == 0
    with pytest.raises(Abort, match="Aborted with a BuildError"):  # right after the checks
        build_site(big_copy, embedder=HashingEmbedder())
    assert caplog.text.count("(no-text; fix:") == 475
    assert "kb found 475 warnings in the content (logged above) and the build is strict" in caplog.text
    path = big_copy / "mkdocs.yml"
    path.write_text(path.read_text().replace("  - kb:\n", "  - kb:\n      checks:\n        no-text: off\n"))
    assert run(big_copy, "check", "--strict").output == \
        "checked 476 papers, 1 session, 1 poster: no problems\n"
    caplog.clear()
    site = build_site(big_copy, embedder=HashingEmbedder())
    assert (site / "papers/Abadi.Barham.Chen.ea.2016/index.html").is_file()
    assert "no-text" not in caplog.text


def test_an_issue_takes_its_severity_and_fix_from_the_registry() -> None:
    from kb.model.issue_codes import issue

    plain = issue("no-year", "papers/a.md", "no year", field="year", line=3)
    assert (plain.severity, plain.fix, plain.code) == ("warning", CODES["no-year"].fix, "no-year")
    precise = issue("doi-prefix", "papers/a.md", "DOI carries a prefix", fix="write doi: '10.1/x'")
    assert (precise.severity, precise.fix) == ("warning", "write doi: '10.1/x'")
    with pytest.raises(KeyError):
        issue("no-such-code", "papers/a.md", "anything")
