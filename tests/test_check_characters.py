"""Invisible characters are reported with file, line and field: a bare carriage return splits
.ics and .bib lines, bidi overrides reorder what a reader sees, ESC drives a terminal."""

from __future__ import annotations

from pathlib import Path

from conftest import run, write


def _check(course: Path) -> str:
    return run(course, "check", "--code", "control-char").output


def test_a_carriage_return_in_a_session_title(course: Path) -> None:
    page = (course / "docs/sessions/01-introduction.md").read_text(encoding="utf-8")
    write(course, "docs/sessions/01-introduction.md",
          page.replace("title: ", 'title: "Injected\\rBEGIN:VEVENT" #', 1))
    assert _check(course) == (
        "docs/sessions/01-introduction.md:4: error [title] title holds an invisible character "
        "(U+000D CARRIAGE RETURN) at position 9 (control-char)\n"
        "    fix: delete the character (retype the text around it; an editor may not show it)\n"
        "checked 1 paper, 1 session, 1 poster: 1 error, 0 warnings\n")


def test_bidi_zero_width_and_escape_in_fields_and_notes(course: Path) -> None:
    write(course, "papers/evil2020.md", "---\ntype: misc\ntitle: Plain\nauthors:\n- \"Doe\\u202e, Jo\"\n"
          "year: 2020\nsummary: fine\ntags: [\"rl\\u200bhf\"]\nbibtex:\n  note: \"bell\\x07\"\n---\n"
          "Notes.\n\nA line with an escape \x1b]52;c;aGk=\x07 here.\n")
    out = _check(course)
    assert "papers/evil2020.md:5: error [authors[0]] authors[0] holds an invisible character " \
           "(U+202E RIGHT-TO-LEFT OVERRIDE) at position 4 (control-char)" in out
    assert "papers/evil2020.md:8: error [tags[0]] tags[0] holds an invisible character " \
           "(U+200B ZERO WIDTH SPACE) at position 3 (control-char)" in out
    assert "papers/evil2020.md:10: error [bibtex.note] bibtex.note holds an invisible character " \
           "(U+0007 control character) at position 5 (control-char)" in out
    assert "papers/evil2020.md:14: error the text holds an invisible character (U+001B ESCAPE) " \
           "(control-char)" in out
    assert out.endswith("checked 2 papers, 1 session, 1 poster: 4 errors, 0 warnings\n")


def test_line_feeds_and_tabs_in_notes_and_abstracts_are_fine(course: Path) -> None:
    write(course, "papers/ok2020.md", "---\ntype: misc\ntitle: Plain\nauthors: [\"Doe, Jo\"]\n"
          "year: 2020\nabstract: \"two\\nlines\\tand a tab\"\nsummary: fine\n---\nNotes\twith a tab.\n")
    assert _check(course).endswith("checked 2 papers, 1 session, 1 poster: no problems\n")


def test_keys_that_differ_only_in_case(course: Path) -> None:
    text = (course / "papers/vaswani2017attention.md").read_text(encoding="utf-8")
    write(course, "papers/Vaswani2017Attention.md", text.replace("Attention Is", "Attention Was"))
    assert run(course, "check", "--code", "key-case").output == (
        "papers/vaswani2017attention.md:1: error [key] the key 'vaswani2017attention' differs from "
        "'Vaswani2017Attention' only in case: on a case-insensitive disk (macOS, Windows) the two "
        "files are one (key-case)\n"
        "    fix: rename one of the two files (and the citations of it)\n"
        "checked 2 papers, 1 session, 1 poster: 1 error, 0 warnings\n")


def test_a_file_with_carriage_returns_alone_says_so(course: Path) -> None:
    text = (course / "papers/vaswani2017attention.md").read_text(encoding="utf-8")
    (course / "papers/vaswani2017attention.md").write_bytes(text.replace("\n", "\r").encode())
    out = run(course, "check", "--code", "unreadable").output
    assert out.startswith(
        "papers/vaswani2017attention.md:1: error the file ends its lines with carriage returns alone "
        "(old Mac style), so kb reads it as one line (unreadable)\n"
        "    fix: save it with LF (or CR LF) line ends\n")


def test_a_tag_named_like_the_tags_page_is_refused(course: Path) -> None:
    text = (course / "papers/vaswani2017attention.md").read_text(encoding="utf-8")
    write(course, "papers/vaswani2017attention.md", text.replace("tags:\n", "tags:\n- index\n", 1))
    out = run(course, "check", "--code", "tag-format").output
    assert "warning [tags[0]] tag 'index' is a reserved name (the page of all tags) (tag-format)\n" \
           "    fix: choose another name, e.g. 'index-tag'\n" in out
    result = run(course, "tag", "add", "readme", "vaswani2017attention")
    assert result.exit_code == 2
    assert "tag 'readme' is a reserved name (the page of all tags)" in result.output


def test_a_huge_key_is_never_echoed_whole(course: Path, tmp_path: Path) -> None:
    key = "a" * 1_000_000
    bib = tmp_path / "big.bib"
    bib.write_text(f"@article{{{key}, title={{T}}, author={{Doe, Jo}}, year={{2020}}}}\n", encoding="utf-8")
    result = run(course, "import", str(bib), "--dry-run")
    assert result.exit_code == 0
    assert len(result.output) < 1000
    assert result.output.startswith(
        f"{bib}:1: imported {'a' * 40}…{'a' * 40} (1,000,000 characters) as doe2020t (the key "
        f"{'a' * 40!r}…{'a' * 40!r} (1,000,000 characters) cannot be a file name)\n")
