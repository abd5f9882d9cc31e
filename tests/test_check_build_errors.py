"""Every error the site build can raise, and `kb check` raising the same problem first.

The raises in kb/site are listed here by file and function (a test counts them, so a new one
must be added and classed). A content problem (something a course's files can get wrong) is
planted in a course; `kb check` must report it, and the build must stop with the same issue,
right after its checks. The others come from the machine, not the course (the embedding model,
the cache, the pinned browser files and the network), which kb check cannot see.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from conftest import paper, run, write
from kb.checks.validate import check
from kb.course.config import load_config
from site_helpers import build_site, set_option

ROOT = Path(__file__).resolve().parents[1]

#: (file in kb/site, function) -> how many raises it has, and what raises there.
RAISES: dict[tuple[str, str], tuple[int, str]] = {
    ("build.py", "open"): (1, "content: any error kb check finds (and a warning when strict)"),
    ("build.py", "_stage"): (2, "a step's KbError named by its step: the options and checks, "
                                "a poster's media and a page's citations (content, below), the "
                                "related papers, search page and map (machine)"),
    ("build.py", "add"): (1, "content: a docs/ page where the site puts its own (page-clash)"),
    ("pages/poster.py", "poster_media"): (1, "content: the media rule of kb.checks.media, re-checked"),
    ("citations.py", "one"): (1, "content: [@key] naming no paper (unknown-citation), re-checked"),
    ("plugin.py", "on_config"): (1, "the adapter: Site.open's error (options, checks) for mkdocs"),
    ("plugin.py", "on_files"): (1, "the adapter: Site.files' error for mkdocs"),
    ("plugin.py", "on_page_markdown"): (1, "the adapter: Site.markdown's error for mkdocs"),
    ("export.py", "_target"): (2, "command: kb site export's output folder, not the course"),
    ("generate.py", "choose"): (2, "machine: the site generator asked for is unknown or missing"),
    ("pages/schedule.py", "build_date"): (2, "machine: a SOURCE_DATE_EPOCH that is no time"),
    ("vendor.py", "_download"): (2, "machine: downloading the pinned browser files"),
    ("vendor.py", "ensure_package"): (2, "machine: the pinned browser files' contents"),
    ("vendor.py", "vendored_files"): (3, "machine: the browser files shipped in the package"),
}


def _raises_in_site() -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    site = ROOT / "kb" / "site"
    for path in sorted(site.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                nested = [n for n in ast.walk(function)
                          if isinstance(n, ast.FunctionDef) and n is not function]
                inner = {id(node) for n in nested for node in ast.walk(n)}
                for node in ast.walk(function):
                    if isinstance(node, ast.Raise) and id(node) not in inner:
                        found[(path.relative_to(site).as_posix(), function.name)] += 1
    return found


def test_every_raise_in_the_site_is_listed_and_classed() -> None:
    assert dict(_raises_in_site()) == {where: n for where, (n, _) in RAISES.items()}


@pytest.fixture
def course(course: Path) -> Path:
    set_option(course, "related", "0")
    set_option(course, "library_map", "false")
    (course / "docs/posters/media").mkdir(parents=True)
    (course / "docs/posters/media/poster.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (course / "docs/posters/media/diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (course / "docs/posters/media/diagram.svg").write_text("<svg/>")
    return course


POSTER = "docs/posters/transformer-basics.md"


def _poster_field(line: str) -> Callable[[Path], None]:
    def plant(root: Path) -> None:
        path = root / POSTER
        path.write_text(path.read_text().replace("session: 1\n", f"session: 1\n{line}\n"))
    return plant


def _write(rel: str, text: str) -> Callable[[Path], None]:
    return lambda root: (write(root, rel, text), None)[1]


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "image with a typo": (_poster_field("image: media/postr.png"),
                          "docs/posters/transformer-basics.md:6: error [image] 'media/postr.png' "
                          "does not exist (looked for docs/posters/media/postr.png) (media-missing)\n"
                          "    fix: did you mean media/poster.png? If not, correct the path; it is "
                          "relative to the poster's file\n"),
    "image by absolute path": (_poster_field("image: /home/anna/poster.png"),
                               "docs/posters/transformer-basics.md:6: error [image] "
                               "'/home/anna/poster.png' is an absolute path, which names a file on "
                               "one machine only (media-path)\n"
                               "    fix: write the path relative to the poster's file, e.g. "
                               "media/poster.pdf\n"),
    "image as svg": (_poster_field("image: media/diagram.svg"),
                     "docs/posters/transformer-basics.md:6: error [image] 'media/diagram.svg' is "
                     "not a .gif, .jpeg, .jpg, .png, .webp file (media-type)\n"
                     "    fix: did you mean media/diagram.png? If not, give a .gif, .jpeg, .jpg, "
                     ".png, .webp file (export the SVG as PNG: a browser runs the scripts an SVG "
                     "may hold)\n"),
    "image with a NUL byte": (_poster_field('image: "media/x\\0.png"'),
                              "docs/posters/transformer-basics.md:6: error [image] "
                              "'media/x\\x00.png' holds an invisible character (U+0000 NUL) "
                              "(media-path)\n"
                              "    fix: write the path again without it, relative to the poster's "
                              "file\n"),
    "file outside the repository": (_poster_field("file: ../../../outside.pdf"),
                                    "docs/posters/transformer-basics.md:6: error [file] "
                                    "'../../../outside.pdf' lies outside the course repository "
                                    "(media-path)\n"
                                    "    fix: write the path relative to the poster's file, e.g. "
                                    "media/poster.pdf\n"),
    "image under file": (_poster_field("file: media/poster.png"),
                         "docs/posters/transformer-basics.md:6: error [file] 'media/poster.png' "
                         "is not a .pdf file (media-type)\n"
                         "    fix: give a .pdf file; put images under image:\n"),
    "a page where the site puts its own": (_write("docs/tags.md", "# Tags\n"),
                                           "docs/tags.md: error the site puts the tags page at "
                                           "tags.md, where this page is (page-clash)\n"
                                           "    fix: rename or move docs/tags.md; the site makes "
                                           "the tags page itself\n"),
    "a paper page in docs": (_write("docs/papers/vaswani2017attention.md", "# Mine\n"),
                             "docs/papers/vaswani2017attention.md: error the site puts the page of "
                             "paper vaswani2017attention at papers/vaswani2017attention.md, where "
                             "this page is (page-clash)\n"
                             "    fix: rename or move docs/papers/vaswani2017attention.md; the site "
                             "makes the page of paper vaswani2017attention itself\n"),
    "a citation of nothing": (_write("docs/more.md", "# More\n\nSee [@nobody2020].\n"),
                              "docs/more.md:3: error [@nobody2020] names no paper "
                              "(unknown-citation)\n"
                              "    fix: correct the key or add the paper to papers/ (kb import)\n"),
    "a field of the wrong type": (_write("papers/broken.md", paper("broken", summary=7)),
                                  "papers/broken.md:7: error [summary] Input should be a valid "
                                  "string (schema)\n"
                                  "    fix: write text (quote it if it looks like a number or "
                                  "date)\n"),
}


def _build_error(root: Path, caplog: pytest.LogCaptureFixture, strict: bool = True) -> str:
    caplog.clear()
    with pytest.raises(Abort, match="Aborted with a BuildError"):
        build_site(root, strict=strict)
    return "\n".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")


@pytest.mark.parametrize("case", list(CASES))
def test_kb_check_reports_what_the_build_stops_on(course: Path, case: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    plant, expected = CASES[case]
    assert run(course, "check").exit_code == 0
    plant(course)
    result = run(course, "check", "--errors-only")
    assert result.exit_code == 1
    assert result.output.startswith(expected)
    [found] = [i for i in check(load_config(course))[1] if i.severity == "error"]
    stopped = _build_error(course, caplog, strict=False)
    assert stopped == ("kb found 1 error in the content; `kb check` lists them too:\n"
                       "kb: " + found.format(one_line=True))


def test_a_bad_option_is_the_same_error_in_kb_check_and_the_build(
        course: Path, caplog: pytest.LogCaptureFixture) -> None:
    set_option(course, "related", "-1")
    message = ("mkdocs.yml: [plugins.kb.related] Input should be greater than or equal to 0\n"
               "  fix: see the option's description: related papers shown on each paper page")
    result = run(course, "check")
    assert result.exit_code == 2 and result.output == f"Error: {message}\n"
    assert _build_error(course, caplog) == f"kb: {message}"


def test_a_strict_build_stops_on_a_warning_right_after_the_checks(
        course: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    import kb.site.build

    (course / "docs/posters/media/diagram.svg").unlink()  # a stray-file warning of its own
    write(course, "papers/lonely.md", paper("lonely", summary=None))
    assert run(course, "check", "--strict").exit_code == 1
    slow: list[str] = []
    monkeypatch.setattr(kb.site.build, "related_papers", lambda *a, **k: slow.append("related"))
    stopped = _build_error(course, caplog)
    assert stopped == (
        "kb found 1 warning in the content (logged above) and the build is strict, so it stops "
        "before building any page; `kb check --strict` lists them too, and the checks: option "
        "in mkdocs.yml sets a code's severity")
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "kb: papers/lonely.md:1: warning [summary] no abstract and no summary (no-text; fix: add "
        "a summary, or fetch the abstract with kb enrich KEY (for a paper with an arXiv id or "
        "DOI); search and the site are weaker without text)"]
    assert slow == []  # no related papers, embeddings or search data were made first


def test_the_pages_kb_check_keeps_free_are_those_the_site_generates() -> None:
    from kb.checks import site_pages
    from kb.site.pages import common, libmap
    from kb.site.pages.report import REPORT_PAGE
    from kb.site.pages.search import SEARCH_PAGE

    assert set(site_pages.PAGES) == {common.PAPERS_INDEX, common.TAGS_PAGE, SEARCH_PAGE,
                                     REPORT_PAGE, libmap.MAP_PAGE}
    assert common.paper_src("a2020b") == f"{site_pages.PAPERS_DIR}/a2020b.md"
    assert common.tag_src("rlhf") == f"{site_pages.TAG_DIR}/rlhf.md"
