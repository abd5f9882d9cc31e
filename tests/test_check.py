"""`kb check`: one test per check, the broken input that triggers it, exact output and codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import paper, run, snapshot, write


def issues_of(root: Path, *extra: str) -> tuple[int, list[dict]]:
    result = run(root, "check", "--format", "json", *extra)
    data = json.loads(result.output)
    return result.exit_code, data["issues"]


def codes(issues: list[dict]) -> set[str]:
    return {i["code"] for i in issues}


def test_fresh_course_is_clean(course: Path) -> None:
    result = run(course, "check", "--strict")
    assert result.exit_code == 0
    assert result.output == "checked 1 paper, 1 session, 1 poster: no problems\n"


def test_text_report_names_file_line_field_and_fix(course: Path) -> None:
    write(course, "papers/bad2020.md", paper("bad2020", year=3020))
    result = run(course, "check")
    assert result.exit_code == 1
    current = __import__("datetime").date.today().year
    assert result.output == (
        f"papers/bad2020.md:6: error [year] year 3020 is outside 1600-{current + 1} (year-range)\n"
        "    fix: write the four-digit publication year\n"
        "checked 2 papers, 1 session, 1 poster: 1 error, 0 warnings\n"
    )


def test_json_report_shape(course: Path) -> None:
    write(course, "papers/x2020a.md", paper("x2020a", summary=None))
    result = run(course, "check", "--format", "json")
    assert result.exit_code == 0  # warnings alone do not fail without --strict
    data = json.loads(result.output)
    assert data["ok"] is True and data["strict"] is False
    assert data["counts"] == {"papers": 2, "sessions": 1, "posters": 1, "errors": 0, "warnings": 1,
                              "broken": {"papers": 0, "sessions": 0, "posters": 0}}
    assert data["issues"] == [{
        "severity": "warning", "code": "no-text", "path": "papers/x2020a.md", "line": 1,
        "field": "summary", "message": "no abstract and no summary",
        "fix": "add a summary, or fetch the abstract with kb enrich KEY (for a paper with an arXiv id or DOI); search and the site are weaker without text",
    }]


def test_strict_makes_warnings_fail(course: Path) -> None:
    write(course, "papers/x2020a.md", paper("x2020a", summary=None))
    assert run(course, "check").exit_code == 0
    assert run(course, "check", "--strict").exit_code == 1


def test_missing_config_exits_2(tmp_path: Path) -> None:
    result = run(tmp_path, "check")
    assert result.exit_code == 2
    assert "mkdocs.yml not found" in result.output
    assert "kb init" in result.output


def test_malformed_config_exits_2(course: Path) -> None:
    (course / "mkdocs.yml").write_text("site_name: [unclosed\n", encoding="utf-8")
    result = run(course, "check")
    assert result.exit_code == 2
    assert "mkdocs.yml:" in result.output and "malformed YAML" in result.output


def test_unknown_plugin_option_exits_2(course: Path) -> None:
    text = (course / "mkdocs.yml").read_text().replace("related: 5", "relatd: 5")
    (course / "mkdocs.yml").write_text(text)
    result = run(course, "check")
    assert result.exit_code == 2
    assert "unknown kb option 'relatd'" in result.output


# --------------------------------------------------------------- one test per check

CASES = [
    # (description, files to write, expected code, expected path, expected field, severity)
    ("missing title", {"papers/a2020x.md": paper("a2020x", title=None)},
     "schema", "papers/a2020x.md", "title", "error"),
    ("mistyped year", {"papers/a2020x.md": paper("a2020x", year="twenty")},
     "schema", "papers/a2020x.md", "year", "error"),
    ("unknown field", {"papers/a2020x.md": paper("a2020x", auhtors=["X, Y"])},
     "unknown-field", "papers/a2020x.md", "auhtors", "warning"),
    ("unknown entry type", {"papers/a2020x.md": paper("a2020x", type="blogpost")},
     "schema", "papers/a2020x.md", "type", "error"),
    ("malformed YAML", {"papers/a2020x.md": "---\ntitle: [oops\n---\n"},
     "unreadable", "papers/a2020x.md", None, "error"),
    ("no front matter", {"papers/a2020x.md": "# Just markdown\n"},
     "unreadable", "papers/a2020x.md", None, "error"),
    ("unsafe key in file name", {"papers/bad key.md": paper("x")},
     "invalid-key", "papers/bad key.md", "key", "error"),
    ("key field differs from file name", {"papers/a2020x.md": paper("a2020x", key="b2020y")},
     "key-mismatch", "papers/a2020x.md", "key", "error"),
    ("same DOI", {"papers/a2020x.md": paper("a2020x", doi="10.1000/ABC"),
                  "papers/b2020y.md": paper("b2020y", doi="https://doi.org/10.1000/abc")},
     "duplicate-doi", "papers/b2020y.md", "doi", "error"),
    ("same arXiv id, versions differ", {"papers/a2020x.md": paper("a2020x", arxiv="2203.02155"),
                                        "papers/b2020y.md": paper("b2020y", arxiv="2203.02155v3")},
     "duplicate-arxiv", "papers/b2020y.md", "arxiv", "error"),
    ("arXiv id via its DataCite DOI", {"papers/a2020x.md": paper("a2020x", arxiv="2203.02155"),
                                       "papers/b2020y.md": paper("b2020y", doi="10.48550/arXiv.2203.02155")},
     "duplicate-arxiv", "papers/b2020y.md", "arxiv", "error"),
    ("near-identical title", {
        "papers/a2020x.md": paper("a2020x", title="Training language models to follow instructions with human feedback"),
        "papers/b2020y.md": paper("b2020y", title="Training Language Models to Follow Instructions with Human Feedback.")},
     "duplicate-title", "papers/b2020y.md", "title", "warning"),
    ("reading names no paper", {"docs/sessions/02-next.md":
                                "---\nsession: 2\ndate: 2025-10-22\ntitle: Next\nreadings:\n- key: nobody2020\n---\n"},
     "dangling-reference", "docs/sessions/02-next.md", "readings[0].key", "error"),
    ("reading key with path tricks", {"docs/sessions/02-next.md":
                                      "---\nsession: 2\ntitle: Next\nreadings:\n- key: ../etc/passwd\n---\n"},
     "dangling-reference", "docs/sessions/02-next.md", "readings[0].key", "error"),
    ("poster paper names no paper", {"docs/posters/p.md":
                                     "---\ntitle: P\nsession: 1\npapers: [ghost2021]\n---\n"},
     "dangling-reference", "docs/posters/p.md", "papers[0]", "error"),
    ("poster session does not exist", {"docs/posters/p.md": "---\ntitle: P\nsession: 9\n---\n"},
     "dangling-session", "docs/posters/p.md", "session", "error"),
    ("duplicate session number", {"docs/sessions/01-again.md": "---\nsession: 1\ntitle: Again\n---\n"},
     "duplicate-session", "docs/sessions/01-introduction.md", "session", "error"),
    ("session dates out of order", {"docs/sessions/02-next.md":
                                    "---\nsession: 2\ndate: 2025-09-01\ntitle: Next\n---\n"},
     "session-order", "docs/sessions/02-next.md", "date", "error"),
    ("bad reading kind", {"docs/sessions/02-next.md":
                          "---\nsession: 2\ntitle: Next\nreadings:\n- key: vaswani2017attention\n  kind: mandatory\n---\n"},
     "schema", "docs/sessions/02-next.md", "readings[0].kind", "error"),
    ("year out of range", {"papers/a2020x.md": paper("a2020x", year=1066)},
     "year-range", "papers/a2020x.md", "year", "error"),
    ("arXiv syntax", {"papers/a2020x.md": paper("a2020x", arxiv="22-03.0215")},
     "arxiv-syntax", "papers/a2020x.md", "arxiv", "error"),
    ("arXiv version suffix", {"papers/a2020x.md": paper("a2020x", arxiv="2203.02155v2")},
     "arxiv-version", "papers/a2020x.md", "arxiv", "warning"),
    ("DOI syntax", {"papers/a2020x.md": paper("a2020x", doi="doi-10-1000")},
     "doi-syntax", "papers/a2020x.md", "doi", "error"),
    ("URL scheme", {"papers/a2020x.md": paper("a2020x", url="javascript:alert(1)")},
     "url-scheme", "papers/a2020x.md", "url", "error"),
    ("leftover LaTeX", {"papers/a2020x.md": paper("a2020x", authors=['M{\\"u}ller, Anna'])},
     "latex", "papers/a2020x.md", "authors[0]", "warning"),
    ("no abstract or summary", {"papers/a2020x.md": paper("a2020x", summary=None)},
     "no-text", "papers/a2020x.md", "summary", "warning"),
    ("HTML in title", {"papers/a2020x.md": paper("a2020x", title="<script>alert(1)</script>")},
     "html", "papers/a2020x.md", "title", "warning"),
    ("HTML in title, a quoted < in an attribute", {"papers/a2020x.md": paper(
        "a2020x", title='A <img src=x x="<" onerror=alert(1)> title')},
     "html", "papers/a2020x.md", "title", "warning"),
    ("tag outside the vocabulary", {"papers/a2020x.md": paper("a2020x", tags=["rlhf", "robots"])},
     "unknown-tag", "papers/a2020x.md", "tags[1]", "warning"),
    ("YAML field given twice", {"papers/a2020x.md": "---\ntitle: A\ntitle: B\nauthors: [X, Y]\nyear: 2020\nsummary: s\n---\n"},
     "duplicate-field", "papers/a2020x.md", "title", "error"),
]


@pytest.mark.parametrize("files,code,path,field,severity",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check(course: Path, files: dict[str, str], code: str, path: str,
                    field: str | None, severity: str) -> None:
    for rel, text in files.items():
        write(course, rel, text)
    before = snapshot(course)
    exit_code, issues = issues_of(course, "--strict")
    assert exit_code == 1
    found = [i for i in issues if i["code"] == code]
    assert found, f"expected {code}, got {issues}"
    assert (found[0]["path"], found[0]["field"], found[0]["severity"]) == (path, field, severity)
    assert found[0]["fix"]
    assert snapshot(course) == before  # check never writes


def test_not_duplicates_allow_list(course: Path) -> None:
    write(course, "papers/a2020x.md", paper("a2020x", doi="10.1000/abc"))
    write(course, "papers/b2020y.md", paper("b2020y", doi="10.1000/abc"))
    assert "duplicate-doi" in codes(issues_of(course)[1])
    text = (course / "mkdocs.yml").read_text().replace(
        "related: 5", "related: 5\n      not_duplicates:\n        - [a2020x, b2020y]")
    (course / "mkdocs.yml").write_text(text)
    assert "duplicate-doi" not in codes(issues_of(course)[1])


def test_line_numbers_point_at_the_field(course: Path) -> None:
    write(course, "docs/sessions/02-next.md",
          "---\nsession: 2\ntitle: Next\nreadings:\n- key: vaswani2017attention\n- key: ghost\n---\n")
    _, issues = issues_of(course)
    [issue] = [i for i in issues if i["code"] == "dangling-reference"]
    assert issue["line"] == 6  # the '- key: ghost' line of the file


def test_a_dozen_planted_problems_all_reported(course: Path) -> None:
    planted = {
        "papers/p1.md": paper("p1", year="soon"),                      # schema
        "papers/p2.md": "---\ntitle: [broken\n---\n",                  # malformed YAML
        "papers/p3.md": paper("p3", doi="10.5555/same"),
        "papers/p4.md": paper("p4", doi="https://doi.org/10.5555/SAME"),  # duplicate DOI
        "papers/p5.md": paper("p5", arxiv="1707.06347"),
        "papers/p6.md": paper("p6", arxiv="arXiv:1707.06347v2"),       # duplicate arXiv
        "papers/p7.md": paper("p7", url="ftp://example.org/x"),        # url scheme
        "papers/p8.md": paper("p8", title="Caf{\\'e} Models"),          # LaTeX
        "papers/p9.md": paper("p9", summary=None),                     # no text
        "papers/bad..key.md": paper("x"),                              # unsafe key
        "docs/sessions/02-s.md": "---\nsession: 2\ndate: 2025-01-01\ntitle: S\nreadings:\n- key: missing1\n---\n",
        "docs/posters/q.md": "---\ntitle: Q\nsession: 7\npapers: [missing2]\n---\n",
    }
    for rel, text in planted.items():
        write(course, rel, text)
    (course / "papers/p10.md").write_bytes(b"---\ntitle: Bad \xff bytes\n---\n")  # invalid UTF-8
    exit_code, issues = issues_of(course)
    assert exit_code == 1
    got = {(i["path"], i["code"]) for i in issues}
    expected = {
        ("papers/p1.md", "schema"), ("papers/p2.md", "unreadable"),
        ("papers/p4.md", "duplicate-doi"), ("papers/p4.md", "doi-prefix"),
        ("papers/p6.md", "duplicate-arxiv"), ("papers/p6.md", "arxiv-version"),
        ("papers/p7.md", "url-scheme"), ("papers/p8.md", "latex"), ("papers/p9.md", "no-text"),
        ("papers/bad..key.md", "invalid-key"), ("docs/sessions/02-s.md", "dangling-reference"),
        ("docs/sessions/02-s.md", "session-order"), ("docs/posters/q.md", "dangling-reference"),
        ("docs/posters/q.md", "dangling-session"), ("papers/p10.md", "unreadable"),
    }
    assert got == expected, (expected - got, got - expected)


# --------------------------------------------------------------- bad input

def test_invalid_utf8_names_file_and_line(course: Path) -> None:
    (course / "papers/enc2020.md").write_bytes(b"---\ntitle: ok\nauthors: [\xe9t\xe9]\n---\n")
    before = snapshot(course)
    result = run(course, "check")
    assert result.exit_code == 1
    assert "papers/enc2020.md:3: error invalid UTF-8 (byte 0xe9 at offset 24) (unreadable)" in result.output
    assert "fix: save the file as UTF-8" in result.output
    assert snapshot(course) == before


def test_huge_file_is_refused_not_read(course: Path) -> None:
    big = paper("big2020") + ("x" * 100 + "\n") * 100_000  # ~10 MB of notes
    write(course, "papers/big2020.md", big)
    before = snapshot(course)
    result = run(course, "check")
    assert result.exit_code == 1
    assert "papers/big2020.md: error the file is 9.6 MB, more than the 1.0 MB kb reads" in result.output
    assert "max_file_size" in result.output
    assert snapshot(course) == before


def test_malformed_yaml_names_the_line(course: Path) -> None:
    write(course, "papers/m2020.md", "---\ntype: article\ntitle: Colon: in a title\n---\n")
    result = run(course, "check")
    assert result.exit_code == 1
    assert "papers/m2020.md:3: error malformed YAML in the front matter" in result.output
    assert "Traceback" not in result.output


def test_arxiv_ids_are_not_read_as_numbers(course: Path) -> None:
    # an unquoted id with a trailing zero must survive YAML as the text it is
    write(course, "papers/lee2019.md", paper("lee2019").replace("year: 2020", "year: 2019\narxiv: 1909.04490"))
    _, issues = issues_of(course, "--strict")
    assert issues == []
    from kb.course.config import load_config
    from kb.course.load import load_project

    assert load_project(load_config(course)).papers["lee2019"].arxiv == "1909.04490"


# --------------------------------------------------------------- init

def test_init_writes_a_valid_course(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = run(None, "init", str(target), "--title", "RL Reading Group")
    assert result.exit_code == 0
    assert f"created {target}/mkdocs.yml" in result.output
    assert (target / ".gitignore").read_text().count(".kb/") == 1
    assert 'site_name: "RL Reading Group"' in (target / "mkdocs.yml").read_text()
    assert run(target, "check", "--strict").exit_code == 0


def test_init_refuses_an_existing_course(course: Path) -> None:
    before = snapshot(course)
    result = run(None, "init", str(course))
    assert result.exit_code == 2
    assert "already holds mkdocs.yml, papers, docs" in result.output
    assert snapshot(course) == before


def test_init_into_a_folder_with_its_own_gitignore_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    (target / ".gitignore").write_text("node_modules/\nsite/\n", encoding="utf-8")
    result = run(None, "init", str(target))
    assert result.exit_code == 0, result.output
    assert (target / ".gitignore").read_text(encoding="utf-8") == (
        "node_modules/\nsite/\n# kb's rebuildable cache and the built site\n.kb/\n")
    assert run(target, "check", "--strict").exit_code == 0


def test_numbered_titles_are_not_duplicates(course: Path) -> None:
    """Proceedings of consecutive years differ only in a number: not the same work."""
    write(course, "papers/popl94.md", paper("popl94", title="Proceedings of POPL '94", year=1994))
    write(course, "papers/popl95.md", paper("popl95", title="Proceedings of POPL '95", year=1995))
    write(course, "papers/b2020y.md", paper("b2020y", title="Deep reinforcement learning from human preferences"))
    write(course, "papers/c2020z.md", paper("c2020z", title="Deep reinforcement learning from human preference"))
    found = [(i["path"], i["code"]) for i in issues_of(course)[1] if i["code"] == "duplicate-title"]
    assert found == [("papers/c2020z.md", "duplicate-title")]
