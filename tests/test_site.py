"""The kb mkdocs plugin on temporary courses: pages, navigation, citations, errors, escaping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from conftest import paper, write
from site_helpers import add_rlhf, article, build_site, set_option, text_of

EVIL = "<script>alert(1)</script>"


def build_error(root: Path, caplog: pytest.LogCaptureFixture) -> str:
    """Build, expect it to stop with an error, and return what mkdocs logged as the error."""
    caplog.clear()
    with pytest.raises(Abort, match="Aborted with a BuildError"):
        build_site(root)
    return "\n".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_paper_page_shows_metadata_links_summary_notes_and_uses(rlhf_site: Path) -> None:
    site = rlhf_site
    page = article(read(site, "papers/ouyang2022training/index.html"))
    text = text_of(page)
    assert "<h1>Training language models to follow instructions with human feedback</h1>" in page
    assert "Long Ouyang, Jeff Wu and Xu Jiang" in text
    assert "2022 · Advances in Neural Information Processing Systems" in text
    assert 'href="https://arxiv.org/abs/2203.02155"' in page
    assert "Fine-tunes a language model on demonstrations" in text
    assert re.search(r'<h2 id="notes">Notes.*?<p>Notes.</p>', page, re.S)
    assert '<a class="kb-chip" href="../../tags/rlhf/">rlhf</a>' in page
    assert ('<a href="../../sessions/02-human-feedback/">Session 2: Learning from human feedback</a>'
            ' <span class="kb-kind kb-kind-required">required</span>') in page
    assert "Focus on the three training steps." in text
    assert '<a href="../../posters/reward-models/">Poster: Reward models in practice</a>' in page
    assert "Related papers" not in text  # related: 0


def test_session_page_groups_readings_by_kind_and_lists_posters(rlhf_site: Path) -> None:
    site = rlhf_site
    page = article(read(site, "sessions/02-human-feedback/index.html"))
    text = text_of(page)
    assert text.index("Session 2 · Wed 22 Oct 2025") < text.index("We read how preference data")
    headings = re.findall(r'<h3 id="[^"]+">(\w+)<', page)
    # the kinds in the order the page suggests reading them (kb.model.reading_order)
    assert headings == ["Required", "Presentation", "Optional"]
    cards = re.findall(r'<div class="kb-card" data-key="([^"]+)">', page)
    assert cards == ["ouyang2022training", "vaswani2017attention", "christiano2017deep"]
    assert "Ouyang, Wu, Jiang · 2022 · NeurIPS" in text  # the full name is the tooltip
    assert 'title="Advances in Neural Information Processing Systems">NeurIPS</span>' in page
    assert "Focus on the three training steps." in text
    assert '<a href="../../posters/reward-models/">Reward models in practice</a>' in page
    # the instructor's citation became a link, resolved by mkdocs to the paper page
    assert '<a href="../../papers/christiano2017deep/">Christiano &amp; Leike 2017</a>' in page


def test_poster_page_links_its_session_and_papers(rlhf_site: Path) -> None:
    site = rlhf_site
    page = article(read(site, "posters/reward-models/index.html"))
    assert ('<a href="../../papers/ouyang2022training/">Ouyang et al. 2022</a>; '
            '<a href="../../papers/christiano2017deep/">Christiano &amp; Leike 2017</a>') in page
    head = page[:page.index("Our notes")]
    assert '<a href="../../sessions/02-human-feedback/">Session 2: Learning from human feedback</a>' in head
    assert "Group 2" in text_of(head) and '<a class="kb-chip" href="../../tags/rlhf/">rlhf</a>' in head
    assert 'class="md-tags"' not in page  # kb's chips, linking to tag pages, instead of material's
    assert re.findall(r'data-key="([^"]+)"', page) == ["ouyang2022training", "christiano2017deep"]
    overview = text_of(article(read(site, "posters/index.html")))
    assert overview.index("Transformer basics") < overview.index("Reward models in practice")


def test_papers_index_table_and_tags_page(rlhf_site: Path) -> None:
    site = rlhf_site
    page = article(read(site, "papers/index.html"))
    rows = re.findall(r'<tr data-tags="([^"]*)">\s*<td><a href="([^"]+)">([^<]+)</a>', page)
    assert [(tags, href) for tags, href, _ in rows] == [
        ("architecture", "vaswani2017attention/"),
        ("rlhf", "christiano2017deep/"),
        ("rlhf", "ouyang2022training/"),
    ]
    assert '<option value="rlhf">rlhf</option>' in page
    assert "3 papers" in text_of(page)
    assert '<a href="../tags/rlhf/">rlhf</a>' in page  # the tag column links the tag's page
    tags = article(read(site, "tags/index.html"))
    assert re.search(r'<a class="kb-chip" href="rlhf/">rlhf <span class="kb-chip-count"[^>]*>2</span></a>', tags)
    assert "reinforcement learning from human feedback" in text_of(tags)
    rlhf_page = article(read(site, "tags/rlhf/index.html"))
    cards = re.findall(r'<div class="kb-card" data-key="([^"]+)">', rlhf_page)
    assert cards == ["ouyang2022training", "christiano2017deep"]  # newest first
    assert "2 papers" in text_of(rlhf_page) and 'href="../../papers/?tag=rlhf"' in rlhf_page
    assert 'href="../../posters/reward-models/"' in rlhf_page


def test_navigation_sessions_in_order_and_no_paper_or_poster_pages(rlhf_site: Path) -> None:
    site = rlhf_site
    home = read(site, "index.html")
    links = re.findall(r'href="([^"#]*)" class="md-nav__link', home)
    assert links == [".", "sessions/", "sessions/01-introduction/", "sessions/02-human-feedback/",
                     "posters/", "papers/", "search/", "tags/"]  # the posters: on posters/
    assert not any(link.startswith("papers/") and link != "papers/" for link in links)
    assert (site / "assets/kb/kb.js").is_file() and 'src="assets/kb/kb.js"' in home
    assert 'href="assets/kb/kb.css"' in home


def test_nothing_is_written_into_docs(rlhf_course: Path, rlhf_site: Path, tmp_path: Path) -> None:
    """After the build, docs/ holds what it held before: the same files as an unbuilt copy of
    the course, byte for byte."""
    from conftest import tree_digest
    from kb.course.scaffold import init_course

    assert (rlhf_site / "papers/ouyang2022training/index.html").is_file()  # built
    fresh = tmp_path / "course"
    init_course(fresh, title="Test Course")
    add_rlhf(fresh)
    assert tree_digest(rlhf_course / "docs") == tree_digest(fresh / "docs")


def test_values_from_paper_files_are_escaped(rlhf: Path) -> None:
    write(rlhf, "papers/evil2020.md", paper(
        "evil2020", title=f"{EVIL} </title><script>alert(2)</script>",
        authors=["<img src=x onerror=alert(3)>, Eve"], venue="<b>Venue</b> | pipe",
        summary=f"A summary with {EVIL}", tags=["rlhf"]).replace(
        "Notes.", "Notes with <script>alert(6)</script>, `<code>` and <div onclick=\"x()\">raw</div>."))
    write(rlhf, "docs/sessions/02-human-feedback.md", re.sub(
        r"readings:\n", "readings:\n- key: evil2020\n  kind: optional\n  note: \"<i>mind</i>\"\n",
        (rlhf / "docs/sessions/02-human-feedback.md").read_text()))
    site = build_site(rlhf, strict=False)
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for bad in ("<script>alert", "<img src=x", "<b>Venue", "<div onclick", "<i>mind"):
            assert bad not in html, f"{bad} unescaped in {path}"
    page = read(site, "papers/evil2020/index.html")
    assert ("<title>&lt;script&gt;alert(1)&lt;/script&gt; &lt;/title&gt;&lt;script&gt;alert(2)"
            "&lt;/script&gt; - Test Course</title>") in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<code>&lt;code&gt;</code>" in page
    index = json.loads(read(site, "search/search_index.json"))
    assert not [d for d in index["docs"] if d["location"].startswith("papers/")]  # kb's search
    assert "<script>alert" not in json.dumps(index)  # the session's card shows it escaped


def test_unknown_citation_key_stops_the_build_naming_the_page(rlhf: Path, caplog) -> None:
    write(rlhf, "docs/index.md", "# Home\n\nSee `[@nobody]` in code, and\n[@nobody2020].\n")
    assert build_error(rlhf, caplog) == (
        "kb found 1 error in the content; `kb check` lists them too:\n"
        "kb: docs/index.md:4: error [@nobody2020] names no paper (unknown-citation; "
        "fix: correct the key or add the paper to papers/ (kb import))")


def test_unknown_citation_in_paper_notes_names_the_paper_file(rlhf: Path, caplog) -> None:
    text = (rlhf / "papers/christiano2017deep.md").read_text().replace("Notes.", "Builds on\n[@gone].")
    write(rlhf, "papers/christiano2017deep.md", text)
    line = text.split("\n").index("[@gone].") + 1
    assert f"kb: papers/christiano2017deep.md:{line}: error [@gone] names no paper" in build_error(rlhf, caplog)


def test_content_error_stops_the_build_with_file_line_and_field(rlhf: Path, caplog) -> None:
    write(rlhf, "papers/broken.md", paper("broken", year="soon"))
    assert build_error(rlhf, caplog) == (
        "kb found 1 error in the content; `kb check` lists them too:\n"
        "kb: papers/broken.md:6: error [year] 'soon' is not a year (schema; fix: write the "
        "four-digit publication year, e.g. 2023)")


def test_warnings_fail_a_strict_build_only(rlhf: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(rlhf, "papers/lonely.md", paper("lonely", summary=None))
    assert build_error(rlhf, caplog).startswith(  # at once, before any page is built
        "kb found 1 warning in the content (logged above) and the build is strict")
    assert "kb: papers/lonely.md:1: warning [summary] no abstract and no summary (no-text" in caplog.text
    site = build_site(rlhf, strict=False)
    assert (site / "papers/lonely/index.html").is_file()


def test_bad_option_value_names_the_option(rlhf: Path, caplog) -> None:
    set_option(rlhf, "related", "-1")
    assert build_error(rlhf, caplog) == (
        "kb: mkdocs.yml: [plugins.kb.related] Input should be greater than or equal to 0\n"
        "  fix: see the option's description: related papers shown on each paper page")


def test_dangling_reading_stops_the_build(rlhf: Path, caplog) -> None:
    text = (rlhf / "docs/sessions/02-human-feedback.md").read_text().replace(
        "key: christiano2017deep", "key: christiano2017")
    write(rlhf, "docs/sessions/02-human-feedback.md", text)
    assert ("kb: docs/sessions/02-human-feedback.md:9: error [readings[1].key] reading "
            "'christiano2017' names no paper in papers/ (dangling-reference") in build_error(rlhf, caplog)


def test_generated_page_clashing_with_a_docs_page_is_an_error(rlhf: Path, caplog) -> None:
    write(rlhf, "docs/tags.md", "# My tags\n")
    assert build_error(rlhf, caplog) == (  # kb check's page-clash, found before any page is made
        "kb found 1 error in the content; `kb check` lists them too:\n"
        "kb: docs/tags.md: error the site puts the tags page at tags.md, where this page is "
        "(page-clash; fix: rename or move docs/tags.md; the site makes the tags page itself)")


def test_sessions_outside_docs_become_generated_pages(rlhf: Path) -> None:
    (rlhf / "sessions").mkdir()
    for path in (rlhf / "docs/sessions").iterdir():
        path.rename(rlhf / "sessions" / path.name)
    set_option(rlhf, "sessions_dir", "sessions")
    site = build_site(rlhf)
    page = article(read(site, "sessions/02-human-feedback/index.html"))
    assert "We read how preference data becomes a reward" in text_of(page)
    assert 'data-key="ouyang2022training"' in page


def test_serve_watches_the_papers_folder(rlhf: Path) -> None:
    from mkdocs.config import load_config

    config = load_config(str(rlhf / "mkdocs.yml"))
    plugin = config.plugins["kb"]
    config = plugin.on_config(config)

    class Server:
        def __init__(self) -> None:
            self.watched: list[str] = []

        def watch(self, path: str) -> None:
            self.watched.append(path)

    server = Server()
    plugin.on_serve(server, config=config, builder=None)
    assert server.watched == [str(rlhf / "papers")]


def test_paper_page_bibtex_block_with_copy_button(rlhf_course: Path, rlhf_site: Path) -> None:
    from kb.bib.mapping import export_bibtex
    from kb.course.config import load_config as load_kb
    from kb.course.load import load_project

    site = rlhf_site
    page = article(read(site, "papers/ouyang2022training/index.html"))
    assert '<h2 id="bibtex">BibTeX' in page
    assert '<h2 id="bibtex">BibTeX<a class="headerlink" href="#bibtex" title="Permanent link">¶</a></h2>\n<div class="highlight"><pre><span></span><code><span class="nc">@article</span>' in page
    paper = load_project(load_kb(rlhf_course)).papers["ouyang2022training"]
    code = re.search(r'<code>(.*?)</code>', page[page.index('id="bibtex"'):], re.S).group(1)  # type: ignore[union-attr]
    import html

    shown = html.unescape(re.sub(r"<[^>]+>", "", code)).strip()
    assert shown == export_bibtex([paper], omit={"summary", "keywords"}).strip()
    assert "summary" not in shown and "keywords" not in shown  # kb's own fields stay home
    assert '"content.code.copy"' in read(site, "papers/ouyang2022training/index.html")


def test_session_and_whole_bibliography_downloads_import_back(rlhf_site: Path, tmp_path: Path) -> None:
    from conftest import run
    from kb.course.scaffold import init_course

    site = rlhf_site
    page = article(read(site, "sessions/02-human-feedback/index.html"))
    assert ('<a class="md-button" href="../../bib/02-human-feedback.bib" '
            'download="02-human-feedback.bib">Download the readings as BibTeX</a>') in page
    bib = read(site, "bib/02-human-feedback.bib")
    assert re.findall(r"^@\w+\{([^,]+),", bib, re.M) == [  # the session's reading order
        "ouyang2022training", "christiano2017deep", "vaswani2017attention"]
    index = article(read(site, "papers/index.html"))
    assert 'href="../bib/bibliography.bib" download="bibliography.bib"' in index
    assert len(re.findall(r"^@", read(site, "bib/bibliography.bib"), re.M)) == 3
    fresh = tmp_path / "fresh"
    init_course(fresh)
    result = run(fresh, "import", "--dry-run", str(site / "bib/02-human-feedback.bib"))
    assert result.exit_code == 0, result.output
    assert re.search(r"02-human-feedback.bib\s+3\s+2\s+0\s+1\s+0", result.output), result.output


def test_related_papers_come_from_the_search_index(rlhf: Path) -> None:
    from kb.search.embed import HashingEmbedder

    set_option(rlhf, "related", "2")
    site = build_site(rlhf, embedder=HashingEmbedder())
    page = article(read(site, "papers/ouyang2022training/index.html"))
    related = re.search(r'<ol class="kb-related">(.*?)</ol>', page, re.S).group(1)
    links = re.findall(r'<a href="\.\./([^/]+)/">', related)
    assert sorted(links) == ["christiano2017deep", "vaswani2017attention"]
    assert "ouyang2022training" not in links
    assert (rlhf / ".kb").is_dir() and not (rlhf / "docs" / ".kb").exists()


def test_notes_headings_sit_below_the_notes_heading(rlhf: Path) -> None:
    text = (rlhf / "papers/christiano2017deep.md").read_text().replace(
        "Notes.", "## Key ideas\n\n- Compare clips.\n\n### Detail\n\nMore.")
    write(rlhf, "papers/christiano2017deep.md", text)
    page = article(read(build_site(rlhf), "papers/christiano2017deep/index.html"))
    notes = page[page.index('<h2 id="notes">'):page.index('<h2 id="read-in-the-course">')]
    assert re.findall(r"<(h\d)[ >]", notes) == ["h2", "h3", "h4"]
    assert "<li>Compare clips.</li>" in notes


def test_a_url_repeating_the_arxiv_link_is_shown_once(rlhf: Path) -> None:
    text = (rlhf / "papers/ouyang2022training.md").read_text().replace(
        "arxiv: '2203.02155'", "arxiv: '2203.02155'\nurl: https://arxiv.org/abs/2203.02155\n"
        "pdf: https://example.org/instructgpt.pdf")
    write(rlhf, "papers/ouyang2022training.md", text)
    page = article(read(build_site(rlhf), "papers/ouyang2022training/index.html"))
    links = re.findall(r'<a class="kb-link" href="([^"]+)">(\w+)</a>', page)
    assert links == [("https://arxiv.org/abs/2203.02155", "arXiv"),
                     ("https://example.org/instructgpt.pdf", "PDF")]


def test_an_existing_posters_index_is_kept_and_extended(rlhf: Path) -> None:
    write(rlhf, "docs/posters/index.md", "# Student posters\n\nHow to make one.\n")
    site = build_site(rlhf)
    page = article(read(site, "posters/index.html"))
    text = text_of(page)
    assert text.startswith("Student posters") and "How to make one." in text
    assert text.index("How to make one.") < text.index("Transformer basics")


def test_a_missing_home_page_is_generated(rlhf: Path) -> None:
    (rlhf / "docs/index.md").unlink()
    site = build_site(rlhf)
    page = article(read(site, "index.html"))
    assert '<h1 id="test-course">Test Course' in page
    assert ('Browse the <a href="papers/">papers</a>, the <a href="posters/">posters</a> and the '
            '<a href="tags/">tags</a>') in page


def test_unknown_citation_in_a_session_names_the_file_line(rlhf: Path, caplog) -> None:
    path = rlhf / "docs/sessions/02-human-feedback.md"
    text = path.read_text().replace("see [@christiano2017deep]", "see\n[@christiano2016]")
    write(rlhf, "docs/sessions/02-human-feedback.md", text)
    line = text.split("\n").index("[@christiano2016].") + 1
    assert build_error(rlhf, caplog).endswith(
        f"kb: docs/sessions/02-human-feedback.md:{line}: error [@christiano2016] names no paper "
        "(unknown-citation; fix: did you mean [@christiano2017deep]? If not, correct the key or "
        "add the paper to papers/ (kb import))")


def test_poster_and_session_titles_and_tags_are_escaped(rlhf: Path) -> None:
    text = (rlhf / "docs/posters/reward-models.md").read_text().replace(
        "title: Reward models in practice", "title: \"Reward <em>models</em> & more\"").replace(
        "tags: [rlhf]", "tags: [rlhf, \"<b>bold</b>\"]")
    write(rlhf, "docs/posters/reward-models.md", text)
    text = (rlhf / "docs/sessions/02-human-feedback.md").read_text().replace(
        "title: Learning from human feedback", "title: \"Feedback <u>now</u>\"")
    write(rlhf, "docs/sessions/02-human-feedback.md", text)
    site = build_site(rlhf, strict=False)
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for bad in ("<em>models", "<b>bold", "<u>now"):
            assert bad not in html, f"{bad} unescaped in {path}"
    poster = read(site, "posters/reward-models/index.html")
    assert "<h1>Reward &lt;em&gt;models&lt;/em&gt; &amp; more</h1>" in poster
    assert "<title>Reward &lt;em&gt;models&lt;/em&gt; &amp; more - Test Course</title>" in poster
    head = poster[:poster.index("Our notes")]  # the poster's own chips, before its notes
    assert re.findall(r'class="kb-chip" href="[^"]*">([^<]+)<', head) == ["rlhf"]
    home = read(site, "index.html")
    assert "2. Feedback &lt;u&gt;now&lt;/u&gt;" in home


def test_links_follow_use_directory_urls_false(rlhf: Path) -> None:
    config = rlhf / "mkdocs.yml"
    config.write_text(config.read_text() + "use_directory_urls: false\n")
    site = build_site(rlhf)
    session = article(read(site, "sessions/02-human-feedback.html"))
    assert '<a href="../papers/ouyang2022training.html">' in session
    assert 'href="../bib/02-human-feedback.bib"' in session
    assert '<a href="../papers/christiano2017deep.html">Christiano &amp; Leike 2017</a>' in session
    paper = article(read(site, "papers/ouyang2022training.html"))
    assert '<a href="../sessions/02-human-feedback.html">Session 2' in paper
    index = article(read(site, "papers/index.html"))
    assert '<a href="ouyang2022training.html">' in index
    assert '<a href="../tags/rlhf.html">rlhf</a>' in index


def test_papers_are_left_out_of_the_theme_search_which_keeps_the_prose(rlhf_site: Path) -> None:
    """The theme's search box would list a paper page's tags and metadata as prose; kb's
    search page finds papers (the box links there), the theme's finds the pages people wrote."""
    site = rlhf_site
    index = json.loads(read(site, "search/search_index.json"))
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert not any(loc.startswith("papers/") for loc in locations), locations
    assert {"sessions/02-human-feedback/", "posters/reward-models/"} <= locations
    noscript = re.search(r"<noscript>.*?</noscript>", read(site, "search/index.html"), re.S)
    assert noscript and 'href="../papers/"' in noscript.group(0)  # not search/papers/index.md


def test_plugin_options_mirror_the_cli_options() -> None:
    from kb.course.config import KbOptions
    from kb.site.plugin import KbPluginConfig

    names = [name for name, _ in KbPluginConfig._schema]
    assert sorted(names) == sorted(KbOptions.model_fields)
    defaults = KbPluginConfig()
    defaults.load_dict({})
    assert not defaults.validate()[0]
    assert dict(defaults) == KbOptions().model_dump()


def test_unknown_or_mistyped_option_fails_the_strict_build(rlhf: Path, caplog) -> None:
    set_option(rlhf, "relatd", "3")
    with pytest.raises(Abort):
        build_site(rlhf)
    assert "Plugin 'kb' option 'relatd': Unrecognised configuration name: relatd" in caplog.text
    text = (rlhf / "mkdocs.yml").read_text().replace("      relatd: 3\n", "")
    (rlhf / "mkdocs.yml").write_text(text)
    set_option(rlhf, "related", "five")
    with pytest.raises(Abort):
        build_site(rlhf)
    assert "kb: mkdocs.yml: [plugins.kb.related] Input should be a valid integer" in caplog.text


def test_folders_option_is_read_by_site_and_cli_alike(rlhf: Path) -> None:
    from conftest import run

    (rlhf / "papers").rename(rlhf / "library")
    set_option(rlhf, "papers_dir", "library")
    assert run(rlhf, "check").exit_code == 0
    site = build_site(rlhf)
    assert (site / "papers/ouyang2022training/index.html").is_file()


def test_browser_tests_fail_not_skip_without_chromium(tmp_path: Path) -> None:
    from site_helpers import require_chromium

    with pytest.raises(pytest.fail.Exception, match=r"chromium is missing: run `make chromium`"):
        require_chromium(tmp_path / "chromium")
