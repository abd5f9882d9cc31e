"""`kb add`, `kb enrich`, `kb tag`, and picking from a big .bib with `kb import`, against a
loopback server answering with recorded arXiv and Crossref responses."""

from __future__ import annotations

import json
from urllib.parse import unquote
from pathlib import Path

import pytest

from conftest import SHARED, paper, run, snapshot, write
from net_helpers import NetServer, Reply
from kb.course.config import load_config
from kb.course.load import load_project

SESSION = "docs/sessions/01-introduction.md"


@pytest.fixture
def here(course: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(course)
    return course


def front(root: Path, key: str) -> dict[str, object]:
    project = load_project(load_config(root))
    return project.papers[key].model_dump(exclude={"key", "notes"})


def test_add_arxiv_paper_writes_a_complete_file(course: Path, net: NetServer) -> None:
    result = run(course, "add", "https://arxiv.org/abs/1605.08386v1")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "https://arxiv.org/abs/1605.08386v1: added papers/stanley2016heat.md: Heat-bath random "
        "walks with Markov bases (2016)\n"
        "  with abstract\n"
        "1 added; 1 request sent\n")
    text = (course / "papers" / "stanley2016heat.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntype: misc\ntitle: Heat-bath random walks with Markov bases\n"
                           "authors:\n- Stanley, Caprice\n- Windisch, Tobias\nyear: 2016\n"
                           "arxiv: '1605.08386'\nurl: https://arxiv.org/abs/1605.08386\n"
                           "abstract: Graphs on lattice points are studied")
    assert run(course, "check").exit_code == 0


def test_rerun_is_a_duplicate_and_asks_nothing(course: Path, net: NetServer) -> None:
    run(course, "add", "1605.08386")
    before = snapshot(course)
    result = run(course, "add", "arxiv:1605.08386v1")
    assert result.exit_code == 0
    assert result.output == (
        "arxiv:1605.08386v1: skipped: already in the course as stanley2016heat "
        "(same arXiv id 1605.08386)\n"
        "1 duplicate; 0 requests sent\n")  # the library answers: not even the cache is read
    assert snapshot(course) == before and len(net.log) == 1


def test_one_batch_for_many_ids_and_every_failure_reported(course: Path, net: NetServer) -> None:
    result = run(course, "add", "1605.08386", "0000.0000", "astro-ph/0601001", "not-an-id",
                 "doi:10.1371/notarealdoi", "10.1145/3184558.3186235")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("1605.08386: added papers/stanley2016heat.md")
    assert "0000.0000: failed: arXiv knows no paper 0000.0000" in lines
    assert any(line.startswith("astro-ph/0601001: added papers/") for line in lines)
    assert "not-an-id: failed: 'not-an-id' is neither an arXiv id nor a DOI" in result.output
    assert ("doi:10.1371/notarealdoi: failed: Crossref knows no DOI 10.1371/notarealdoi"
            in result.output)
    assert lines[-1] == "3 added, 3 failed; 3 requests sent"
    assert net.requests("/api/query") == [
        "/api/query?id_list=1605.08386,0000.0000,astro-ph/0601001&max_results=3"]
    venue = front(course, "buhmann2018dl")["venue"]
    assert isinstance(venue, str) and "Web Conference 2018" in venue


def test_published_version_from_arxiv_and_crossref(course: Path, net: NetServer) -> None:
    result = run(course, "add", "--json", "1111.2011")
    report = json.loads(result.output)
    [entry] = report["papers"]
    assert entry["status"] == "added" and entry["key"] == "murray2011quantum"
    assert entry["paper"]["doi"] == "10.1103/PhysRevB.85.115117"
    assert entry["paper"]["venue"] == "Phys. Rev. B 85, 115117 (2012)"
    assert entry["paper"]["type"] == "article"
    assert entry["notes"] == ["published version 10.1103/PhysRevB.85.115117 is unknown to "
                              "Crossref; venue from arXiv's journal reference"]
    assert net.requests("/crossref") == ["/crossref/works/10.1103/PhysRevB.85.115117"]


def test_dry_run_writes_nothing(course: Path, net: NetServer) -> None:
    before = snapshot(course)
    result = run(course, "add", "--dry-run", "--session", "1", "--tag", "rlhf", "1605.08386")
    assert result.exit_code == 0
    assert "added to session 1's reading list as required" in result.output
    assert result.output.endswith("1 added; 1 request sent (dry run: nothing was written)\n")
    assert snapshot(course) == before


def test_session_reading_list_is_edited_in_place(course: Path, net: NetServer) -> None:
    session = course / SESSION
    original = ("---\nsession: 1\ndate: 2025-10-15   # the first meeting\ntitle: Introduction\n"
                "readings:\n  - key: vaswani2017attention\n    kind: required\n"
                "    note: 'Read sections 1-3.'\nslides: https://example.org/s1.pdf\n---\n"
                "Body *kept* as written.\n")
    session.write_text(original, encoding="utf-8")
    result = run(course, "add", "--session", "1", "--kind", "optional", "--note",
                 "Sections 2-3", "1605.08386")
    assert result.exit_code == 0, result.output
    assert session.read_text(encoding="utf-8") == original.replace(
        "slides:", "  - key: stanley2016heat\n    kind: optional\n    note: Sections 2-3\nslides:")
    again = run(course, "add", "--session", "1", "1605.08386")
    assert "already on session 1's reading list (as optional)" in again.output
    assert run(course, "check").exit_code == 0


def test_unknown_session_tag_or_kind_stop_before_any_request(course: Path, net: NetServer) -> None:
    result = run(course, "add", "--session", "2", "1605.08386")
    assert result.exit_code == 2
    assert result.output == ("Error: [session] no session 2 (sessions: 1)\n"
                             "  fix: did you mean 1? If not, pass the number of a page in docs/sessions/, "
                             "or create the page first\n")
    result = run(course, "add", "--tag", "RLHF", "1605.08386")
    assert result.exit_code == 2 and "tag 'RLHF' is not lowercase-with-hyphens" in result.output and "write it as 'rlhf'" in result.output
    result = run(course, "add", "--tag", "rlfh", "1605.08386")
    assert "fix: did you mean rlhf? If not, use one of: architecture, rlhf" in result.output
    result = run(course, "add", "--note", "x", "1605.08386")
    assert result.exit_code == 2 and "--kind and --note need --session N" in result.output
    assert net.log == []


def test_existing_paper_tagged_and_listed_and_update_fills(course: Path, net: NetServer) -> None:
    write(course, "papers/heat.md", paper("heat", title="Heat-bath random walks with Markov bases",
                                          authors=["Stanley, Caprice"], year=2016, summary=None,
                                          arxiv="1605.08386"))
    result = run(course, "add", "--tag", "rlhf", "--session", "1", "1605.08386")
    assert result.exit_code == 0
    assert result.output.splitlines()[:3] == [
        "1605.08386: skipped: already in the course as heat (same arXiv id 1605.08386)",
        "  tagged heat: rlhf",
        "  added to session 1's reading list as required (docs/sessions/01-introduction.md)"]
    assert front(course, "heat")["abstract"] is None
    before = (course / "papers" / "heat.md").read_text(encoding="utf-8")
    result = run(course, "add", "--update", "1605.08386")
    assert result.output.splitlines()[0] == (
        "1605.08386: merged into heat (same arXiv id 1605.08386): filled url, abstract")
    after = (course / "papers" / "heat.md").read_text(encoding="utf-8")
    head = before.split("\n---\n")[0]
    assert after.startswith(head + "\nurl: https://arxiv.org/abs/1605.08386\nabstract: Graphs")
    assert after.endswith("\n---\nNotes.\n")  # the filled fields added, nothing else changed
    assert front(course, "heat")["tags"] == ["rlhf"]
    assert str(front(course, "heat")["abstract"]).startswith("Graphs on lattice points")


def test_offline_fails_cleanly_without_partial_files(course: Path, net: NetServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    closed = NetServer()
    monkeypatch.setenv("KB_ARXIV_API", closed.arxiv_url)
    closed.close()
    before = snapshot(course)
    result = run(course, "add", "--session", "1", "2203.02155")
    assert result.exit_code == 1
    assert result.output.startswith("2203.02155: failed: arXiv 2203.02155: cannot reach 127.0.0.1:")
    assert "fix: check the network connection" in result.output
    assert snapshot(course) == before


def test_429_then_success_from_the_cli(course: Path, net: NetServer) -> None:
    good = net.arxiv["1605.08386"][0]
    net.arxiv["1605.08386"] = [Reply(429, "slow down", "text/plain", {"Retry-After": "3"}), good]
    result = run(course, "add", "1605.08386")
    assert result.exit_code == 0 and "1 added; 2 requests sent" in result.output
    assert net.sleeps == [3.0]  # type: ignore[attr-defined]


def test_endpoints_from_the_plugin_options(course: Path, net: NetServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KB_ARXIV_API")
    config = course / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "      related: 5\n", f"      related: 5\n      arxiv_api: {net.arxiv_url}\n"
        "      contact: curator@example.org\n"), encoding="utf-8")
    assert run(course, "add", "1605.08386").exit_code == 0
    [(_, headers)] = net.log
    assert "mailto:curator@example.org" in headers["User-Agent"]


def test_json_report(course: Path, net: NetServer) -> None:
    result = run(course, "add", "--json", "--tag", "rlhf", "10.1371/journal.pone.0033693")
    report = json.loads(result.output)
    assert report["counts"] == {"added": 1, "merged": 0, "duplicate": 0, "failed": 0}
    [entry] = report["papers"]
    assert entry["key"] == "sadasivan2012methylphenidate" and entry["tags_added"] == ["rlhf"]
    assert entry["paper"]["venue"] == "PLoS ONE" and entry["paper"]["tags"] == ["rlhf"]


# ---------------------------------------------------------------- kb enrich

def test_enrich_fills_only_missing_fields(course: Path, net: NetServer) -> None:
    write(course, "papers/heat.md", "---\ntitle: Heat-bath random walks   # kept\n"
          "arxiv: '1605.08386'\nyear: 2016\n---\nMy notes.\n")
    write(course, "papers/plos.md", paper("plos", doi="10.1371/journal.pone.0033693",
                                          venue="PLOS One (as I wrote it)"))
    write(course, "papers/nothing.md", paper("nothing"))
    before = snapshot(course)
    keys = ("heat", "plos", "nothing")
    dry = run(course, "enrich", "--dry-run", *keys)
    assert snapshot(course) == before
    assert dry.output.endswith("2 requests sent (dry run: nothing was written)\n")
    result = run(course, "enrich", *keys)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "heat: filled abstract (Graphs on lattice points are studied whose edges…)\n"
        "plos: unchanged: the services know no abstract\n"
        "1 enriched, 1 not, 1 skipped (nothing missing or no id); 0 requests sent, 2 answers "
        "from the cache in .kb/net/ (--refresh asks again)\n")
    text = (course / "papers" / "heat.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Heat-bath random walks   # kept\narxiv: '1605.08386'\n"
                           "year: 2016\nabstract: Graphs on lattice points")
    assert text.endswith("---\nMy notes.\n")
    assert front(course, "plos")["venue"] == "PLOS One (as I wrote it)"
    again = run(course, "enrich", "heat", "plos")  # answered from the cache in .kb/net/
    assert again.output == ("heat: unchanged: the services know no venue, doi\n"
                            "plos: unchanged: the services know no abstract\n"
                            "0 enriched, 2 not, 0 skipped (nothing missing or no id); "
                            "0 requests sent, 2 answers from the cache in .kb/net/ "
                            "(--refresh asks again)\n")


def test_enrich_unknown_key_says_did_you_mean(course: Path, net: NetServer) -> None:
    result = run(course, "enrich", "vaswani2017attentio")
    assert result.exit_code == 2
    assert "fix: did you mean vaswani2017attention?" in result.output


def test_enrich_reports_a_failure_and_carries_on(course: Path, net: NetServer) -> None:
    write(course, "papers/gone.md", paper("gone", doi="10.1371/notarealdoi", summary=None))
    write(course, "papers/plos.md", paper("plos", doi="10.1371/journal.pone.0020476", venue=None))
    result = run(course, "enrich", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    by_key = {p["key"]: p for p in report["papers"]}
    assert by_key["gone"]["status"] == "failed"
    assert by_key["plos"]["filled"] == {"venue": "PLoS ONE"}


# ---------------------------------------------------------------- kb tag

def test_tag_add_and_remove_edit_only_tags(course: Path) -> None:
    write(course, "papers/a.md", "---\ntitle: A paper   # my title\ntags: [rlhf]\n---\nNotes.\n")
    result = run(course, "tag", "add", "architecture", "a", "vaswani2017attention")
    assert result.output == ("a: added architecture; tags now: rlhf, architecture\n"
                             "vaswani2017attention: already tagged architecture; tags: architecture\n"
                             "1 of 2 papers changed\n")
    assert (course / "papers" / "a.md").read_text(encoding="utf-8") == (
        "---\ntitle: A paper   # my title\ntags:\n- rlhf\n- architecture\n---\nNotes.\n")
    result = run(course, "tag", "remove", "rlhf", "a")
    assert result.output == "a: removed rlhf; tags now: architecture\n1 of 1 paper changed\n"


def test_tag_checks_every_key_and_tag_first(course: Path) -> None:
    before = snapshot(course)
    result = run(course, "tag", "add", "rlhf", "vaswani2017attention", "vaswani2017")
    assert result.exit_code == 2
    assert result.output == ("Error: papers/vaswani2017.md: [key] no paper with the key "
                             "'vaswani2017'\n  fix: did you mean vaswani2017attention? If not, use a key "
                             "from the papers folder (the file name without .md)\n")
    result = run(course, "tag", "add", "reward-model", "vaswani2017attention")
    assert "not in the tag vocabulary" in result.output
    result = run(course, "tag", "remove", "architectur", "vaswani2017attention")
    assert "no paper has the tag 'architectur'" in result.output
    assert "did you mean architecture?" in result.output
    assert snapshot(course) == before


def test_export_key_says_did_you_mean(course: Path) -> None:
    result = run(course, "export", "bib", "--key", "vaswani2017")
    assert result.exit_code == 1 and "did you mean vaswani2017attention?" in result.output


# ---------------------------------------------------------------- kb import: picking

BIG = SHARED / "bib" / "d2l-ai__d2l-en" / "d2l.bib"


def test_import_picks_by_key_and_title_and_tags(here: Path) -> None:
    result = run(here, "import", "--key", "Hochreiter.Schmidhuber.1997", "--key",
                 "Cheng.Dong.Lapata.2016", "--match", "^long short-term memory$", "--tag", "rlhf",
                 str(BIG))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "picked 1 of 488 entries"
    project = load_project(load_config(here))
    assert project.papers["Hochreiter.Schmidhuber.1997"].tags == ["rlhf"]
    assert "Cheng.Dong.Lapata.2016" not in project.papers
    result = run(here, "import", "--match", "long short-term", "--dry-run", str(BIG))
    assert "picked 2 of 488 entries" in result.output


def test_import_unknown_key_says_did_you_mean(here: Path) -> None:
    result = run(here, "import", "--key", "Vaswani.Shazeer.Parmar.2017", str(BIG))
    assert result.exit_code == 2
    assert "did you mean Vaswani.Shazeer.Parmar.ea.2017" in result.output
    result = run(here, "import", "--match", "(unclosed", str(BIG))
    assert result.exit_code == 2 and "not a regular expression" in result.output


def test_keywords_become_tags_of_the_vocabulary(here: Path) -> None:
    write(here, "k.bib", "@article{k, title = {Learning from Human Preferences Again}, "
          "author = {Doe, Jane}, year = 2020, keywords = {RLHF, Deep Learning, Architecture}}\n")
    run(here, "import", "k.bib")
    found = load_project(load_config(here)).papers["k"]
    assert found.tags == ["rlhf", "architecture"] and found.bibtex == {"keywords": "Deep Learning"}


def test_near_identical_titles_without_evidence_are_both_kept(here: Path) -> None:
    write(here, "manual.bib",
          "@manual{install, title = {Installing the Printer Driver}, "
          "url = {https://example.org/install}}\n"
          "@manual{remove, title = {Uninstalling the Printer Driver}, "
          "url = {https://example.org/remove}}\n"
          "@manual{installb, title = {Installing the printer driver.}}\n")
    result = run(here, "import", "manual.bib")
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == [
        "manual.bib:2: warning remove: possible duplicate of install (title 97% similar, the url "
        "differs); kept as remove: delete one if they are the same work, or list the two keys "
        "under plugins.kb.not_duplicates in mkdocs.yml",
        "manual.bib:3: skipped installb: duplicate of install earlier in the import (title 100% "
        "similar)"]
    assert {"install", "remove"} <= set(load_project(load_config(here)).papers)


def test_real_file_different_papers_with_alike_titles_are_kept(here: Path) -> None:
    refs = SHARED / "bib" / "natolambert__rlhf-book" / "teach" / "course" / "refs.bib"
    result = run(here, "import", "--key", "nvidia2025nemotron3nano", "--key", "nemotron3ultra",
                 "--format", "json", str(refs))
    report = json.loads(result.output)
    assert report["total"]["imported"] == 2
    [warning] = [w for e in report["entries"] for w in e["warnings"]]
    assert warning.startswith("possible duplicate of nvidia2025nemotron3nano (title 97% similar, "
                              "the year and venue differ)")


# ---------------------------------------------------------------- LaTeX and markup from the services

def _taubench_feed() -> Reply:
    """arXiv's feed for 2406.12045, whose title arXiv states in LaTeX ($\\tau$-bench, as the
    shared rlhf-book .bib has it); the summary is a short one of our own with LaTeX in it."""
    from string import Template

    from net_helpers import DATA

    bib = (SHARED / "bib" / "natolambert__rlhf-book" / "book" / "chapters" / "bib.bib")
    title = next(line.split("{", 1)[1].rsplit("}", 1)[0]
                 for line in bib.read_text(encoding="utf-8").splitlines()
                 if line.strip().startswith("title") and "bench: A Benchmark for Tool-Agent" in line)
    template = Template((DATA / "arxiv" / "feed-template.xml").read_text(encoding="utf-8"))
    return Reply(200, template.substitute(
        query_id="taubench", id="2406.12045", title=title, category="cs.AI",
        summary=r"Agents are scored by \emph{pass}$^k$ with $\alpha \leq 1$ over {50\%} of tasks.",
        published="2024-06-17",
        authors="    <author>\n      <name>Shunyu Yao</name>\n    </author>\n"))


def test_add_decodes_latex_from_arxiv_so_check_passes(course: Path, net: NetServer) -> None:
    net.arxiv["2406.12045"] = [_taubench_feed()]
    result = run(course, "add", "2406.12045")
    assert result.exit_code == 0, result.output
    [path] = (course / "papers").glob("yao2024*.md")
    added = load_project(load_config(course)).papers[path.stem]
    assert added.title == ("τ-bench: A Benchmark for Tool-Agent-User Interaction in Real-World "
                           "Domains")
    assert added.abstract == "Agents are scored by pass^k with α≤ 1 over 50% of tasks."
    assert run(course, "check").exit_code == 0


def test_add_strips_markup_and_latex_from_crossref_titles(course: Path, net: NetServer) -> None:
    recorded = json.loads((Path(__file__).parent / "data" / "net" / "crossref"
                           / "10.1371-journal.pone.0033693.json").read_text(encoding="utf-8"))
    recorded["message"]["title"] = [
        "Dopamine Neuron Loss in <i>Drosophila</i> &amp; Mice: an $\\alpha$-Synuclein "
        "<sub>2</sub> \\emph{Study}"]
    recorded["message"]["abstract"] = ("<jats:title>Abstract</jats:title><jats:p>Loss of "
                                       "<jats:italic>$\\beta$</jats:italic> cells.</jats:p>")
    net.crossref["10.1371/journal.pone.0033693"] = [
        Reply(200, json.dumps(recorded), "application/json")]
    result = run(course, "add", "doi:10.1371/journal.pone.0033693")
    assert result.exit_code == 0, result.output
    [added] = [p for k, p in load_project(load_config(course)).papers.items() if p.doi]
    assert added.title == "Dopamine Neuron Loss in Drosophila & Mice: an α-Synuclein 2 Study"
    assert added.abstract == "Loss of β cells."
    assert run(course, "check").exit_code == 0


def test_tag_remove_says_what_was_removed_and_what_remains(course: Path) -> None:
    write(course, "papers/walks.md", paper("walks", tags=["architecture"]))
    result = run(course, "tag", "remove", "architecture", "walks", "vaswani2017attention")
    assert result.output == ("walks: removed architecture; no tags left\n"
                             "vaswani2017attention: removed architecture; no tags left\n"
                             "2 of 2 papers changed\n")
    result = run(course, "tag", "add", "rlhf", "walks", "--dry-run")
    assert result.output == ("walks: added rlhf; tags now: rlhf\n"
                             "1 of 1 paper changed (dry run: nothing was written)\n")
    run(course, "tag", "add", "rlhf", "walks")
    result = run(course, "tag", "remove", "rlhf", "walks", "vaswani2017attention")
    assert result.output == ("walks: removed rlhf; no tags left\n"
                             "vaswani2017attention: not tagged rlhf; no tags\n"
                             "1 of 2 papers changed\n")


# ---------------------------------------------------------------- kb add: the library first

def test_an_id_the_course_has_is_answered_offline_with_no_request(
        course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = NetServer()  # both services unreachable: a closed port
    monkeypatch.setenv("KB_ARXIV_API", closed.arxiv_url)
    monkeypatch.setenv("KB_CROSSREF_API", closed.crossref_url)
    closed.close()
    write(course, "papers/ouyang2022training.md", paper(
        "ouyang2022training", title="Training language models to follow instructions",
        arxiv="2203.02155"))
    write(course, "papers/plos2012.md", paper("plos2012", doi="10.1371/journal.pone.0033693"))
    write(course, "papers/beltagy2020longformer.md", paper(
        "beltagy2020longformer", title="Longformer", doi="10.48550/arXiv.2004.05150"))
    before = snapshot(course)
    result = run(course, "add", "2203.02155v2", "https://arxiv.org/abs/2203.02155v1",
                 "10.48550/arXiv.2203.02155", "DOI:10.1371/JOURNAL.PONE.0033693",
                 "arxiv:2004.05150")
    assert result.exit_code == 0
    assert result.output == (
        "2203.02155v2: skipped: already in the course as ouyang2022training (same arXiv id "
        "2203.02155)\n"
        "https://arxiv.org/abs/2203.02155v1: skipped: already in the course as "
        "ouyang2022training (same arXiv id 2203.02155)\n"
        "10.48550/arXiv.2203.02155: skipped: already in the course as ouyang2022training (same "
        "arXiv id 2203.02155)\n"
        "DOI:10.1371/JOURNAL.PONE.0033693: skipped: already in the course as plos2012 (same DOI "
        "10.1371/JOURNAL.PONE.0033693)\n"
        "arxiv:2004.05150: skipped: already in the course as beltagy2020longformer (same arXiv id "
        "2004.05150)\n"
        "5 duplicates; 0 requests sent\n")
    assert snapshot(course) == before
    result = run(course, "add", "2203.02155", "--tag", "rlhf", "--session", "1", "--kind", "optional")
    assert result.exit_code == 0
    assert result.output == (
        "2203.02155: skipped: already in the course as ouyang2022training (same arXiv id "
        "2203.02155)\n"
        "  tagged ouyang2022training: rlhf\n"
        "  added to session 1's reading list as optional (docs/sessions/01-introduction.md)\n"
        "1 duplicate; 0 requests sent\n")


def test_only_the_new_ids_are_asked_for_and_update_asks(course: Path, net: NetServer) -> None:
    write(course, "papers/heat.md", paper("heat", title="Heat-bath random walks with Markov bases",
                                          arxiv="1605.08386"))
    result = run(course, "add", "1605.08386v2", "astro-ph/0601001")
    assert result.output.splitlines()[0] == (
        "1605.08386v2: skipped: already in the course as heat (same arXiv id 1605.08386)")
    assert [unquote(p) for p in net.requests("/api/query")] == [
        "/api/query?id_list=astro-ph/0601001&max_results=1"]
    result = run(course, "add", "--update", "1605.08386")
    assert result.output.splitlines()[0].startswith("1605.08386: merged into heat (same arXiv id")
    assert len(net.requests("/api/query")) == 2
