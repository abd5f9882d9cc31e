"""The escaping, citation and Markdown helpers of the site, without a build."""

from __future__ import annotations

import pytest

from kb.model.entries import Paper
from kb.site.citations import Citations
from kb.model.names import short_authors
from kb.checks.citations import outside_code
from kb.site.render import SafeMarkdown, SiteError, cite_label, fence, md_escape


def test_md_escape_quotes_markdown_and_html() -> None:
    assert md_escape("<b>*x*</b> [a](b) | c_d") == r"&lt;b&gt;\*x\*&lt;/b&gt; \[a\]\(b\) \| c\_d"


def test_fence_is_longer_than_any_backtick_run_inside() -> None:
    assert fence("a ```` b", "bibtex") == "`````bibtex\na ```` b\n`````"
    assert fence("plain") == "```\nplain\n```"


def test_outside_code_skips_fences_and_code_spans() -> None:
    text = "a [x] `[x]`\n```\n[x]\n```\n~~~~\n[x]\n~~~~\n[x]"
    out = outside_code(text, lambda s, line: s.replace("[x]", f"<{line}>"))
    assert out == "a <1> `[x]`\n```\n[x]\n```\n~~~~\n[x]\n~~~~\n<8>"


def test_short_authors_and_cite_labels() -> None:
    assert short_authors(["Vaswani, Ashish", "Shazeer, Noam", "Parmar, Niki", "Kaiser, Łukasz"]) \
        == "Vaswani, Shazeer, Parmar et al."
    assert short_authors(["OpenAI", "Jane Smith"]) == "OpenAI, Smith"  # no comma: last word
    one = Paper(key="a", title="T", authors=["Sutton, Richard"], year=2018)
    two = Paper(key="b", title="T", authors=["Christiano, Paul", "Leike, Jan"], year=2017)
    many = Paper(key="c", title="T", authors=["Ouyang, Long", "Wu, Jeff", "Jiang, Xu"], year=2022)
    nobody = Paper(key="d", title="Untitled <i>x</i>")
    assert [cite_label(p) for p in (one, two, many, nobody)] == [
        "Sutton 2018", "Christiano & Leike 2017", "Ouyang et al. 2022", "Untitled <i>x</i>"]


def test_citations_become_escaped_links_and_unknown_keys_fail() -> None:
    papers = {"a1": Paper(key="a1", title="T", authors=["O'Neil_, *Ann*"], year=2020)}
    cites = Citations(papers)
    out = cites.link("See [@a1] and `[@zz]`.", "docs/x.md", lambda src: f"../{src}")
    assert out == r"See [O'Neil\_ 2020](../papers/a1.md) and `[@zz]`."
    with pytest.raises(SiteError, match=r"^kb: docs/x.md:12: error \[@zz\] names no paper \(unknown-citation"):
        cites.link("text\n[@a1; @zz]", "docs/x.md", str, first_line=11)
    with pytest.raises(SiteError, match=r"\[@bad\.\.key\] names no paper \(the key 'bad\.\.key'"):
        cites.link("[@bad..key]", "docs/x.md", str)


def test_safe_markdown_shows_raw_html_as_text_and_shifts_headings() -> None:
    md = SafeMarkdown(["tables", "pymdownx.superfences"], {})
    html = md.convert("## Head\n\n<script>alert(1)</script>\n\n| a |\n| - |\n| <b>x</b> |", shift=1)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<h3>Head</h3>" in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert md.convert("# One") == "<h1>One</h1>"  # the instance is reusable


def test_safe_markdown_does_not_include_files_through_snippets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import markdown

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    configs = {"pymdownx.snippets": {"base_path": [str(tmp_path)]}}
    # the same text and settings in plain Markdown do include the file ...
    plain = markdown.Markdown(extensions=["pymdownx.snippets"], extension_configs=configs)
    assert plain.convert('--8<-- "secret.txt"') == "<p>TOP SECRET</p>"
    # ... the safe one shows the line as text
    md = SafeMarkdown(["pymdownx.snippets"], configs)
    assert md.convert('--8<-- "secret.txt"') == '<p>--8&lt;-- "secret.txt"</p>'


def test_names_read_first_name_first() -> None:
    from kb.model.names import display_name, name_list

    assert display_name("Kaiser, Łukasz") == "Łukasz Kaiser"
    assert display_name("King, Jr., Martin Luther") == "Martin Luther King, Jr."
    assert display_name("OpenAI") == "OpenAI"
    assert name_list(["Sutton, Richard S.", "Barto, Andrew G."]) == "Richard S. Sutton and Andrew G. Barto"
    assert name_list(["A, B", "C, D", "E, F"]) == "B A, D C and F E"
    assert name_list([]) == ""
