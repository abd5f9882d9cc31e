"""Hostile content aimed at the site (issue 25, the site's findings; issue 24, the search box).

Each case plants its content into a fresh course and runs ``kb check`` (and ``--strict``),
``kb site build`` and ``kb site export`` as processes under test_hostile's memory cap and
timeout: each must end with the expected exit code and message, print no traceback, and
change nothing outside the course (nor in its content). Then the built and exported pages are
read for what the case planted. tests/test_browser_hostile.py opens the same payloads
(tests/planted.py) in Chromium.
"""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import paper, write
from kb.search.embed import HashingEmbedder
from planted import PNG, REMOTE_IMAGE_NOTES, THEME_META_POSTER, plant_media_folder
from site_helpers import build_site, set_option
from kb.course.scaffold import init_course
from hostile_helpers import assert_clean_exit, kb, tree

SKIP = (".kb", "site", "exported")   # what the commands may write inside the course
class _Live(HTMLParser):
    """What could run in a whole built page (the theme's around kb's): an event handler, a
    javascript: URL, a refresh, a script that holds a planted alert()."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._script = tag == "script"
        for name, value in attrs:
            value = "".join((value or "").split()).lower()
            if name.startswith("on") or "javascript:" in value or \
                    (name == "http-equiv" and value == "refresh"):
                self.found.append(f"<{tag} {name}={value[:60]}>")

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and ("alert(" in data or "javascript:" in data):
            self.found.append(f"<script>{data.strip()[:60]}")


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """(course, outside): a fresh course (related: 0), and a folder beside it that nothing may
    touch (test_hostile's)."""
    course = tmp_path / "course"
    init_course(course, title="Hostile")
    set_option(course, "related", "0")
    outside = tmp_path / "outside"
    write(outside, "secret.md", paper("secret2020outside", title="Outside the course"))
    return course, outside


COMMANDS = {"check": ("check",), "strict": ("check", "--strict"),
            "build": ("site", "build", "--quiet"), "export": ("site", "export", "exported")}


def run_all(course: Path, outside: Path, *names: str) -> dict[str, subprocess.CompletedProcess[str]]:
    """kb check, kb check --strict, kb site build, kb site export (or the ``names`` of them):
    no traceback, no change outside the course or in its content."""
    before, before_outside = tree(course, SKIP), tree(outside)
    results = {name: kb(course, *COMMANDS[name]) for name in names or COMMANDS}
    for name, result in results.items():
        assert_clean_exit(result, name)
        assert "ValueError" not in result.stderr and "Error:" not in result.stdout, name
    assert tree(course, SKIP) == before
    assert tree(outside) == before_outside
    return results


def pages(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*.html"))}


def live(folder: Path) -> list[str]:
    found = []
    for rel, text in pages(folder).items():
        parser = _Live()
        parser.feed(text)
        found += [f"{rel}: {item}" for item in parser.found]
    return found


def exported_meta(course: Path, rel: str) -> dict[str, object]:
    text = (course / "exported/docs" / rel).read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


# ------------------------------------------------------------------ the theme's page metadata

@pytest.mark.parametrize("unknown_off", [False, True], ids=["default", "unknown-field off"])
def test_poster_front_matter_never_reaches_the_theme(world: tuple[Path, Path],
                                                     unknown_off: bool) -> None:
    """subtitle/status (in every page's navigation), description/author (in <meta>),
    template: redirect.html with location: with trust_html: false, as the finding had it."""
    course, outside = world
    set_option(course, "trust_html", "false")
    if unknown_off:
        set_option(course, "checks", "{unknown-field: 'off'}")
    write(course, "docs/posters/meta.md", THEME_META_POSTER)
    results = run_all(course, outside)
    assert results["check"].returncode == 0
    if unknown_off:
        assert results["strict"].returncode == 0 and "unknown-field" not in results["check"].stdout
    else:
        assert results["strict"].returncode == 1
        out = results["check"].stdout
        for line, name in ((3, "subtitle"), (4, "status"), (5, "description"), (6, "author"),
                           (7, "template"), (8, "location")):
            assert f"docs/posters/meta.md:{line}: warning [{name}] unknown field '{name}' " \
                   "(ignored: not shown on the site) (unknown-field)" in out, out
        assert "kept, but unused" not in out
    assert results["build"].returncode == 0 and results["export"].returncode == 0
    site = course / "site"
    assert live(site) == []
    page = (site / "posters/meta/index.html").read_text(encoding="utf-8")
    assert 'class="md-content' in page and "md-status" not in page  # the theme's page, no status
    assert "Meta notes." in page and "alert(" not in page.split("<article")[0]
    assert exported_meta(course, "posters/meta.md") == {"title": "Meta poster"}


def test_paper_front_matter_never_reaches_the_theme_and_papers_leave_its_search(
        world: tuple[Path, Path]) -> None:
    """Issue 24: the theme's search box listed each paper's tags and metadata; paper pages
    are left out of its index (kb's search page finds papers; the box links there), and the
    search page's <noscript> link leads to the papers table."""
    course, outside = world
    write(course, "papers/meta2020paper.md", paper(
        "meta2020paper", tags=["rlhf"], subtitle='<img src=x onerror="alert(1)">',
        template="redirect.html", location="javascript:alert(2)"))
    results = run_all(course, outside)
    assert results["check"].returncode == 0
    assert ("papers/meta2020paper.md:11: warning [template] unknown field 'template' (ignored: not "
            "shown on the site, not exported; kb keeps it in the file)") in results["check"].stdout
    assert results["build"].returncode == 0
    site = course / "site"
    assert live(site) == []
    index = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert '"location":"papers/' not in index.replace(" ", "")
    assert '"location":"posters/' in index.replace(" ", "")  # prose pages stay
    noscript = re.search(r"<noscript>.*?</noscript>", (site / "search/index.html").read_text(), re.S)
    assert noscript and 'href="../papers/"' in noscript.group(0)
    assert exported_meta(course, "papers/meta2020paper.md") == {
        "title": "A Study Called meta2020paper", "search": {"exclude": True}}


# ------------------------------------------------------------------ files in posters' sub-folders

def test_posters_sub_folders_publish_only_the_media_posters_show(world: tuple[Path, Path]) -> None:
    course, outside = world
    plant_media_folder(course)
    results = run_all(course, outside)
    out = results["check"].stdout
    assert results["check"].returncode == 0 and results["strict"].returncode == 1
    for rel in ("docs/posters/media/evil.html", "docs/posters/media/evil.svg",
                "docs/posters/media/page.md", "docs/posters/media/deeper/notes.md"):
        assert f"{rel}: warning in a sub-folder of the posters but not a PDF, PNG, JPEG, GIF or " \
               "WebP file: the site does not publish it (stray-file)" in out, out
    assert "media/shown.png" not in out and "media/linked.png" not in out
    assert results["build"].returncode == 0 and results["export"].returncode == 0
    for docs in (course / "site/posters", course / "exported/docs/posters"):
        published = sorted(p.relative_to(docs / "media").as_posix() for p in (docs / "media").rglob("*"))
        assert published == ["linked.png", "shown.png"], (docs, published)  # not unused.png
    site = course / "site"
    assert live(site) == []
    assert not any("posters/media/" in rel for rel in pages(site))
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "media/page" not in home and "media/deeper" not in home
    poster = (site / "posters/media-user/index.html").read_text(encoding="utf-8")
    assert '<img alt="figure" src="../media/linked.png">' in poster
    assert 'src="../media/shown.png"' in poster


# ------------------------------------------------------------------ generated Markdown

def test_a_backtick_in_a_tag_stays_in_the_report_s_code_span(world: tuple[Path, Path]) -> None:
    course, outside = world
    tag = "x`<img src=x onerror=alert(1)>"
    write(course, "papers/tick2020tag.md", paper("tick2020tag", tags=[tag]))
    session = course / "docs/sessions/01-introduction.md"
    text = session.read_text(encoding="utf-8")
    write(course, "docs/sessions/01-introduction.md",
          text.replace("readings:\n", "readings:\n- key: tick2020tag\n  kind: optional\n", 1))
    results = run_all(course, outside)
    assert results["check"].returncode == 0  # the tag-format warning tolerated
    assert "papers/tick2020tag.md:9: warning [tags[0]] tag 'x`<img src=x onerror=alert(1)>' " \
           "is not lowercase-with-hyphens (tag-format)" in results["check"].stdout
    assert results["build"].returncode == 0
    report = (course / "site/report/index.html").read_text(encoding="utf-8")
    assert "<code>x`&lt;img src=x onerror=alert(1)&gt;</code>" in report
    assert live(course / "site") == []


# ------------------------------------------------------------------ paths and the environment

def test_a_nul_in_a_media_path_is_a_clear_error_not_a_value_error(world: tuple[Path, Path]) -> None:
    course, outside = world
    write(course, "docs/posters/nul.md", '---\ntitle: Nul\nimage: "media/x\\0.png"\n---\nHi\n')
    message = "docs/posters/nul.md:3: [image] 'media/x\\x00.png' holds an invisible character " \
              "(U+0000 NUL)"
    results = run_all(course, outside)
    assert results["check"].returncode == 1
    assert message.replace(": [image]", ": error [image]") + " (media-path)" in results["check"].stdout
    for name in ("build", "export"):  # the same rule stops them, with the same words
        assert results[name].returncode != 0
        assert message.replace(": [image]", ": error [image]") in results[name].stderr, \
            results[name].stderr


@pytest.mark.parametrize("value, says", [
    (str(10**20), "SOURCE_DATE_EPOCH='100000000000000000000' lies past the year 9999"),
    ("253402300800", "SOURCE_DATE_EPOCH='253402300800' lies past the year 9999"),
    ("1.7e9", "SOURCE_DATE_EPOCH='1.7e9' is not a whole number of seconds since 1970-01-01 UTC"),
    ("yesterday", "SOURCE_DATE_EPOCH='yesterday' is not a whole number of seconds"),
    ("-1", "SOURCE_DATE_EPOCH='-1' is not a whole number of seconds"),
])
def test_a_bad_source_date_epoch_is_a_clear_error(world: tuple[Path, Path], value: str, says: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    course, outside = world
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    results = run_all(course, outside, "build", "export")
    for name in ("build", "export"):
        assert results[name].returncode != 0, results[name].stderr
        assert says in results[name].stderr and "fix: set it to a whole number of seconds" \
            in results[name].stderr, results[name].stderr
    assert not (course / "exported/docs").exists()


def test_source_date_epoch_sets_the_build_date(world: tuple[Path, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    course, _ = world
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "  1700000000 ")   # 2023-11-14
    assert kb(course, "site", "build", "--quiet").returncode == 0
    assert "DTSTAMP:20231114T000000Z" in (course / "site/sessions.ics").read_text(encoding="utf-8")


# ------------------------------------------------------------------ remote images

def test_remote_images_in_poster_notes_become_links(world: tuple[Path, Path]) -> None:
    course, outside = world
    write(course, "docs/posters/pixel.md", "---\ntitle: Pixel\n---\n" + REMOTE_IMAGE_NOTES)
    (course / "docs/posters/media").mkdir()
    (course / "docs/posters/media/fig.png").write_bytes(PNG)
    results = run_all(course, outside)
    assert results["check"].returncode == 0 and results["build"].returncode == 0
    page = (course / "site/posters/pixel/index.html").read_text(encoding="utf-8")
    exported = (course / "exported/docs/posters/pixel.md").read_text(encoding="utf-8")
    for text in (page, exported):
        assert not re.search(r"<img[^>]*\ssrc=\"[^\"]*(?:tracker|evil)\.example", text), text
        assert '<a class="kb-remote-image" href="https://tracker.example/pixel.png">pixel</a>' in text
        assert '<a class="kb-remote-image" href="//evil.example/p.gif">' in text
        assert '<img alt="own figure" src="../media/fig.png">' in text  # the site's own stays


# ------------------------------------------------------------------ the site's size

def _posters(course: Path, count: int) -> None:
    for i in range(count):
        write(course, f"docs/posters/p-{i:03d}.md",
              f"---\ntitle: Poster number {i}\nauthors: [Group {i}]\n---\nNotes of poster {i}.\n")


def test_posters_stay_out_of_every_page_s_navigation(course: Path) -> None:
    """Each poster in every page's navigation made the site grow with the square of their
    number (600 posters: 173 MB); now a page that lists no poster stays the same size."""
    set_option(course, "related", "0")
    set_option(course, "library_map", "false")
    sizes = {}
    for count in (2, 150):
        _posters(course, count)
        site = build_site(course, embedder=HashingEmbedder())
        sizes[count] = {rel: len(text) for rel, text in pages(site).items()}
    for rel in ("index.html", "search/index.html", "tags/index.html", "papers/index.html"):
        assert sizes[150][rel] - sizes[2][rel] < 300, (rel, sizes[2][rel], sizes[150][rel])
    total = {n: sum(s.values()) for n, s in sizes.items()}
    poster_page = sizes[150]["posters/p-100/index.html"]
    assert total[150] - total[2] < 148 * poster_page * 1.5, total  # each poster: one page's worth
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "posters/p-" not in home and 'href="posters/"' in home


def test_a_course_of_300_posters_builds_linearly(world: tuple[Path, Path]) -> None:
    course, outside = world
    _posters(course, 300)
    results = run_all(course, outside)
    assert results["check"].returncode == 0 and results["build"].returncode == 0
    site = course / "site"
    size = sum(p.stat().st_size for p in site.rglob("*.html"))
    page = (site / "posters/p-150/index.html").stat().st_size
    assert size < 400 * page, (size, page)  # 300 poster pages and a few others, not 300 x 300
    assert "p-150" not in (site / "sessions/index.html").read_text(encoding="utf-8").split("<article")[0]
    config = yaml.safe_load((course / "exported/mkdocs.yml").read_text(encoding="utf-8"))
    assert "/posters/*.md" in config["not_in_nav"] and "!/posters/index.md" in config["not_in_nav"]
    assert not any("p-150" in str(item) for item in config["nav"])


def test_other_pages_metadata_is_allow_listed_only_when_html_is_not_trusted(course: Path) -> None:
    """A page in docs/ is the instructor's: the theme gets its front matter as it is (a
    template, a status), unless trust_html: false, which passes only title, hide, search, tags."""
    set_option(course, "related", "0")
    set_option(course, "library_map", "false")
    write(course, "docs/about.md", "---\ntitle: About <b>us</b>\nstatus: new\nhide: [toc, bogus]\n"
          "template: redirect.html\nlocation: ../elsewhere/\n---\n# About\n\nText.\n")
    about = (build_site(course, embedder=HashingEmbedder()) / "about/index.html").read_text("utf-8")
    assert "window.location.replace" in about  # the instructor's choice
    set_option(course, "trust_html", "false")
    about = (build_site(course, embedder=HashingEmbedder(), strict=False) / "about/index.html"
             ).read_text("utf-8")
    assert "window.location.replace" not in about and "Text." in about
    assert "<title>About &lt;b&gt;us&lt;/b&gt; - " in about and "md-status" not in about
