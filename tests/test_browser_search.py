"""Search by meaning in the built site, in headless Debian Chromium, with no server but files.

This repository's site, built once per session with ``site_url`` under a sub-path and served
by a plain ``python -m http.server`` from the folder above it (conftest.py: ``repo_site``,
``repo_site_url``), so every page lives below /course/. Every request is recorded, and each
test fails if one went to another host (conftest.py: ``page``). Screenshots of the search page
go to test-output/ under `make screenshots`.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import ROOT, local_url, paper, run, watched, write
from kb.course.config import load_config as load_kb
from kb.course.filters import Filters, select_papers
from kb.course.load import load_project
from kb.course.scaffold import init_course
from kb.search.embed import HashingEmbedder
from site_helpers import build_site, free_port, screenshot, serve_folder, set_option, stop_process, wait_http

pytestmark = [pytest.mark.browser, pytest.mark.model]

DONE_QUERY = "teaching a chatbot to follow instructions from people's rankings"
QUERIES = [DONE_QUERY, "efficient attention for long sequences",
           "when the proxy reward stops tracking what people want",
           "policy gradient with a clipped objective", "do language models know what they know",
           "exploration driven by curiosity", "rotary position embedding"]


@pytest.fixture
def site(repo_site_url: str) -> str:
    """This repository's site for https://host/course/, served below /course/."""
    return repo_site_url


@pytest.fixture(scope="module")
def shared_context(browser):  # type: ignore[no-untyped-def]
    """One browser context for this module's tests on the site: its HTTP cache and compiled
    WebAssembly are kept, so the query encoder loads in full once, as on a revisit."""
    from browser_launch import VIEWPORT

    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def page(new_page, shared_context):  # type: ignore[no-untyped-def]
    return new_page(context=shared_context)


@pytest.fixture(scope="module")
def searching(shared_context, repo_site_url: str):  # type: ignore[no-untyped-def]
    """One tab on the home page whose window.kb has loaded the full model, shared by the tests
    that only ask it (a reader's later queries on one page): a model loads once per page, a
    second of each test's time otherwise. At the end no error was seen on it."""
    tab = watched(shared_context.new_page())
    tab.goto(repo_site_url)
    search(tab, "warm up", k=1)
    yield tab
    tab.close()
    assert tab.errors == []
    assert [u for u in tab.requests if not local_url(u)] == []


def search(tab, query: str, **options: object) -> list[dict]:  # type: ignore[no-untyped-def]
    """window.kb.search with the full model unless another tier is given (the CLI's model)."""
    options.setdefault("tier", "full")
    return tab.evaluate("([q, o]) => window.kb.search(q, o)", [query, options])


def keys(hits: list[dict]) -> list[str]:
    return [h["key"] for h in hits]


@pytest.fixture(scope="module")
def cli() -> Iterator[Any]:
    from kb.search.engine import open_kb

    kb = open_kb(load_kb(ROOT))
    yield kb
    kb.close()


def test_api_finds_by_meaning_what_keywords_miss(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site)
    page.wait_for_load_state("networkidle")
    loaded = set(page.requests)
    assert not any("/assets/kb/model/" in u or u.endswith(".wasm") or "/search/index.json" in u
                   for u in loaded), "a page that does not search loaded search files"
    hybrid = search(page, DONE_QUERY, k=3)
    assert "ouyang2022training" in keys(hybrid)
    first = hybrid[0]
    assert set(first) >= {"key", "title", "url", "score", "authors", "year", "tags", "sessions"}
    assert first["url"].startswith(site + "papers/")
    query = "a chatbot that refuses harmful requests by critiquing itself"
    words = search(page, query, k=10, mode="keyword")
    meaning = search(page, query, k=3, mode="semantic")
    assert "glaese2022improving" not in keys(words)  # Sparrow: "dialogue agents", "judgements"
    assert keys(meaning)[0] == "glaese2022improving"
    assert "glaese2022improving" in keys(search(page, query, k=3))
    models = [u for u in page.requests if u.endswith("model_quantized.onnx")]
    assert len(models) == 1, models  # later queries reuse the loaded model
    assert page.evaluate("window.kb.status()") == {"index": "ready", "model": "ready",
                                                   "quick": "idle", "error": None}
    with pytest.raises(Exception, match="unknown search mode"):
        search(page, "x", mode="fuzzy")
    assert search(page, "   ") == []
    long = " ".join(["reward model overoptimization"] * 150)  # past the 256 word pieces it reads
    assert keys(search(page, long, k=3, mode="semantic"))
    assert page.errors == []


def test_filters_narrow_the_results(searching) -> None:  # type: ignore[no-untyped-def]
    project = load_project(load_kb(ROOT))
    everything = search(searching, "reward model", k=40)
    session = next(s for s in project.sessions if len(s.readings) >= 3)
    listed = {r.key for r in session.readings}
    narrowed = search(searching, "reward model", k=40, session=session.session)
    assert narrowed and set(keys(narrowed)) <= listed and len(narrowed) < len(everything)
    recent = search(searching, "reward model", k=40, yearFrom=2022, yearTo=2023)
    assert recent and all(2022 <= h["year"] <= 2023 for h in recent)
    tagged = search(searching, "reward model", k=40, tag="policy-gradient")
    assert tagged and all("policy-gradient" in h["tags"] for h in tagged)
    books = search(searching, "reward model", k=40, type="book")
    assert books and all(project.papers[h["key"]].type == "book" for h in books)
    assert search(searching, "reward model", yearFrom=3000) == []


def test_site_and_cli_rank_alike(searching, cli) -> None:  # type: ignore[no-untyped-def]
    for query in QUERIES:
        words = search(searching, query, k=10, mode="keyword")
        assert keys(words) == [h.key for h in cli.search(query, mode="keyword", k=10)], query
        site_top = keys(search(searching, query, k=5))
        cli_top = [h.key for h in cli.search(query, k=5)]
        assert len(set(site_top) & set(cli_top)) >= 4, (query, site_top, cli_top)
        browser = np.array(searching.evaluate("q => window.kb.embed(q)", query), dtype=np.float32)
        assert float(browser @ cli.embed_query(query)) >= 0.99, query


def test_browser_tokens_are_fts5s(searching) -> None:  # type: ignore[no-untyped-def]
    words = sorted({w for p in (ROOT / "papers").glob("*.md")
                    for w in re.findall(r"[a-z]+", p.read_text("utf-8").lower())})
    words += ["Café", "naïve", "GPT-4", "x", "caresses", "ponies", "hopping", "generalization"]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", list(enumerate(words)))
    want: dict[int, list[str]] = {}
    for term, doc, _offset in db.execute("SELECT term, doc, offset FROM v ORDER BY doc, offset"):
        want.setdefault(doc, []).append(term)
    got = searching.evaluate("ws => ws.map(w => window.kb.textTokens(w))", words)
    wrong = [(w, want.get(i), got[i]) for i, w in enumerate(words) if want.get(i, []) != got[i]]
    assert wrong == [] and len(words) > 1000


def test_search_page_shows_results_with_progress_at_both_widths(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").fill("chatbot instructions")
    jump = page.locator(".kb-search-jump")
    jump.wait_for(timeout=10_000)
    assert jump.get_attribute("href").startswith(site + "search/?query=chatbot")
    jump.click()
    page.wait_for_url(re.compile(r"/course/search/\?query=chatbot"))
    assert not page.locator("[data-md-toggle=search]").is_checked()  # the overlay closed
    box = page.locator("[data-kb-search] input[name=q]")
    page.wait_for_function("document.querySelector('.kb-search__status').textContent"
                           ".includes('chatbot instructions')", timeout=60_000)
    box.fill(DONE_QUERY)
    results = page.locator(".kb-search__result")
    page.wait_for_function("s => { const t = document.querySelector('.kb-search__status')"
                           ".textContent; return t.includes(s) && t.includes('words and meaning'); }",
                           arg=DONE_QUERY, timeout=60_000)
    top3 = [results.nth(i).get_attribute("data-key") for i in range(3)]
    assert "ouyang2022training" in top3
    assert "matches:" in page.locator(".kb-search__result").nth(top3.index("ouyang2022training")).inner_text()
    assert "query=teaching" in page.url
    page.locator("select[name=session]").select_option("4")
    page.wait_for_url(re.compile(r"session=4"))
    page.wait_for_function("document.querySelector('.kb-search__status').textContent"
                           ".includes('words and meaning')", timeout=30_000)
    listed = {r.key for r in next(s for s in load_project(load_kb(ROOT)).sessions
                                  if s.session == 4).readings}
    shown = [results.nth(i).get_attribute("data-key") for i in range(results.count())]
    assert shown and set(shown) <= listed
    for width, name in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        page.wait_for_function("document.querySelector('.kb-search__status').textContent"
                               ".includes('words and meaning')", timeout=30_000)
        for scheme in ("default", "slate"):
            page.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
            screenshot(page, f"search-{name}-{'dark' if scheme == 'slate' else 'light'}.png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the search page scrolls sideways on a phone"
    assert page.errors == []


def test_keyword_fallback_without_webassembly(site: str, new_page) -> None:  # type: ignore[no-untyped-def]
    # a browser with WebAssembly switched off (V8's --no-expose-wasm is ignored by this build)
    tab = new_page(init_script="delete globalThis.WebAssembly;")
    tab.goto(site + "search/?query=reward+model")
    assert tab.evaluate("typeof WebAssembly") == "undefined"
    # the page answers by meaning with the quick model, and says why the full one is missing
    tab.wait_for_function("document.querySelector('.kb-search__results').dataset.tier === 'quick'",
                          timeout=20_000)
    assert "words and meaning" in tab.locator(".kb-search__status").inner_text()
    line = tab.locator(".kb-search__model")
    assert line.is_visible() and "needs WebAssembly" in line.inner_text()
    assert tab.locator(".kb-search__load").is_hidden()  # no offer of a model that cannot run
    hits = tab.evaluate("async () => { const r = await window.kb.search('reward model', "
                        "{tier: 'full'}); return {keys: r.map(h => h.key), note: r.note}; }")
    assert hits["keys"] and "WebAssembly" in hits["note"]
    assert tab.evaluate("window.kb.status().model") == "unavailable"
    # the quick model is a table, not WebAssembly: it still answers by meaning
    quick = tab.evaluate("window.kb.search('reward model', {mode: 'semantic'})"
                         ".then(r => ({tier: r.tier, n: r.length}))")
    assert quick == {"tier": "quick", "n": 10}
    assert tab.errors == []


def test_results_are_escaped(course: Path, page) -> None:  # type: ignore[no-untyped-def]
    evil = "<img src=x onerror=alert(1)>"
    set_option(course, "related", "0")
    write(course, "papers/evil2024title.md",
          paper("evil2024title", title=evil, authors=["<b>Mallory</b>, Eve"], tags=["rlhf"],
                summary="A reward model paper with a hostile title."))
    folder = build_site(course, strict=False, embedder=HashingEmbedder())  # kb check warns
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with serve_folder(folder) as base:
        page.goto(base + "search/?query=hostile+reward")
        result = page.locator(".kb-search__result[data-key=evil2024title]")
        result.wait_for(timeout=20_000)
        assert page.locator(".kb-search__title", has_text=evil).count() == 1
        assert result.locator("img, b").count() == 0
        assert "Eve <b>Mallory</b>" in result.inner_text()
        # this site's embedder has no browser model: keyword results and a note, no failure
        page.wait_for_function("document.querySelector('.kb-search__status').textContent"
                               ".includes('not available')", timeout=20_000)
    assert dialogs == []


def test_works_under_mkdocs_serve_with_a_sub_path(tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def]
    import os

    course = tmp_path / "course"
    init_course(course, title="Served Course")
    set_option(course, "related", "0")
    text = (course / "mkdocs.yml").read_text("utf-8")
    (course / "mkdocs.yml").write_text("site_url: https://host.example/sub/\n" + text, "utf-8")
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen([str(Path(sys.executable).with_name("mkdocs")), "serve",
                               "--dev-addr", f"127.0.0.1:{port}"], cwd=course, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/sub/"
    try:
        wait_http(base + "search/")
        page.goto(base + "search/")
        hits = page.evaluate("window.kb.search('how transformers replace recurrence', "
                             "{k: 2, mode: 'semantic'})")
        assert hits and all(h["url"].startswith(base + "papers/") for h in hits)
        index = json.loads(urllib.request.urlopen(base + "assets/kb/search/index.json").read())
        assert index["model"] and index["vectors"]["count"] == len(index["papers"])
    finally:
        stop_process(server)


# ------------------------------------------------------------------ filters alike in CLI and site

# The filters as `kb search` takes them (Filters.describe() is the command line) and as
# window.kb.search does: several tags (any of), a session, a year range, a key list, and
# several of them together (each condition taking papers out).
FILTERED = [
    Filters(tags=("agents", "policy-gradient", "uncertainty")),
    Filters(session=4),
    Filters(year_from=2020, year_to=2022),
    Filters(keys=("ouyang2022training", "bai2022constitutional", "rafailov2023direct",
                  "christiano2017deep", "touvron2023llama2", "stiennon2020learning",
                  "glaese2022improving", "kadavath2022language")),
    Filters(session=5, tags=("alignment", "policy-gradient"), year_from=2021, type="misc"),
    Filters(tags=("alignment", "evaluation", "uncertainty"), year_from=2020, year_to=2023,
            type="misc", keys=("glaese2022improving", "bai2022constitutional", "bai2022training",
                               "perez2022discovering", "kadavath2022language",
                               "touvron2023llama2", "gao2022scaling", "christiano2017deep")),
]
FILTERED_QUERIES = [DONE_QUERY, "policy gradient with a clipped objective"]


def site_options(filters: Filters) -> dict[str, object]:
    """``filters`` with window.kb.search's names (unset ones left out)."""
    options = {"session": filters.session, "tag": list(filters.tags), "yearFrom": filters.year_from,
               "yearTo": filters.year_to, "type": filters.type, "key": list(filters.keys)}
    return {name: value for name, value in options.items() if value not in (None, [])}


@pytest.mark.parametrize("filters", FILTERED, ids=lambda f: f.describe())
def test_site_and_cli_filter_alike(searching, filters: Filters) -> None:  # type: ignore[no-untyped-def]
    """`kb search --json` with the filters and window.kb.search with the same ones give the
    same papers, in each mode, by the tolerance of test_site_and_cli_rank_alike: keyword
    results equal in order; by meaning (the site's int8 vectors and query encoder) the top 5
    share 4 papers, or all of them when fewer pass."""
    project = load_project(load_kb(ROOT))
    selected = {p.key for p in select_papers(project, filters)}
    assert len(selected) >= 3, filters  # a filter that leaves a ranking to compare
    if len(filters.tags) > 1:  # any of the tags: papers that lack some of them pass too
        assert any(not set(filters.tags) <= set(project.papers[key].tags) for key in selected)
    for query in FILTERED_QUERIES:
        for mode, k in (("keyword", 10), ("hybrid", 5), ("semantic", 5)):
            result = run(ROOT, "search", query, "--json", "--mode", mode, "-k", str(k),
                         *filters.describe().split())
            assert result.exit_code == 0, result.output
            mine = keys(json.loads(result.stdout))
            theirs = keys(search(searching, query, k=k, mode=mode, **site_options(filters)))
            what = (filters.describe(), query, mode, theirs, mine)
            assert set(theirs) <= selected and set(mine) <= selected, what
            assert len(theirs) == len(mine), what
            if mode == "keyword":
                assert theirs == mine, what
            else:
                assert len(mine) == min(k, len(selected)), what  # every paper has a vector
                assert len(set(theirs) & set(mine)) >= min(4, len(mine)), what
    assert searching.errors == []


# ------------------------------------------------------------------ results explain themselves

LONG_DOCUMENTS = "making transformers handle very long documents efficiently"
OFF_TOPIC = "protein folding with graph networks"


def test_site_explains_results_as_the_cli_does(searching, cli) -> None:  # type: ignore[no-untyped-def]
    same = total = 0
    for query in QUERIES:
        theirs = {h["key"]: h for h in search(searching, query, k=5)}
        for mine in cli.search(query, k=5):
            hit = theirs.get(mine.key)
            if hit is None:
                continue
            total += 1
            assert hit["matched"] == mine.matched, (query, mine.key)
            assert hit["strong"] == mine.strong or abs(mine.score - 0.5) < 0.01, (query, mine.key)
            excerpt = mine.excerpt.as_dict() if mine.excerpt else None
            if excerpt is None or excerpt["by"] == "words":
                assert hit["excerpt"] == excerpt, (query, mine.key)
            same += hit["excerpt"] == excerpt and hit["why"] == mine.why
    # by meaning, the int8 vectors may pick another sentence of the same paper, rarely
    assert total >= 30 and same >= 0.9 * total, (same, total)
    assert searching.errors == []


def test_search_page_shows_the_excerpt_with_its_words_marked(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + "search/?query=reward+model+over-optimisation")
    page.wait_for_function("document.querySelector('.kb-search__status').textContent"
                           ".includes('words and meaning')", timeout=60_000)
    # the page's first answer by meaning is the quick model's: the paper is near the top
    shown = page.locator(".kb-search__result").evaluate_all("els => els.map(e => e.dataset.key)")
    assert "gao2022scaling" in shown[:3], shown
    first = page.locator(".kb-search__result[data-key=gao2022scaling]")
    excerpt = first.locator(".kb-search__excerpt")
    assert excerpt.get_attribute("data-by") == "words"
    marked = [m.lower() for m in excerpt.locator("mark").all_inner_texts()]
    assert {"reward", "model"} <= set(marked) and "over-optimisation" in excerpt.inner_text()
    assert "matches: reward, model, optimisation" in first.inner_text()
    assert page.errors == []


def test_search_page_says_when_nothing_is_a_strong_match(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site)
    # the example, judged by the full model; the quick model, whose first answer is
    # rougher, takes it for a match (jo2020lessons holds "long" and "documents") but says
    # "no strong match" for questions further from the course
    for query, tier in ((LONG_DOCUMENTS, "full"), (OFF_TOPIC, "full"), (OFF_TOPIC, "quick")):
        hits = page.evaluate("([q, tier]) => window.kb.search(q, {k: 5, tier}).then(r => "
                             "({strong: r.strong, each: r.map(h => h.strong), tier: r.tier}))",
                             [query, tier])
        assert hits == {"strong": False, "each": [False] * 5, "tier": tier}, (query, hits)
    assert page.evaluate("q => window.kb.search(q, {k: 3, mode: 'keyword'}).then(r => "
                         "[r.strong, r[0].strong])", LONG_DOCUMENTS) == [None, None]
    page.goto(site + "search/?query=" + OFF_TOPIC.replace(" ", "+"))
    page.wait_for_function("document.querySelector('.kb-search__status').textContent"
                           ".includes('words and meaning')", timeout=60_000)
    status = page.locator(".kb-search__status").inner_text()
    assert status.startswith(f"No strong match for \u201c{OFF_TOPIC}\u201d; the nearest")
    assert page.locator(".kb-search__result").count() > 0
    assert page.errors == []


def test_excerpts_are_text_never_markup(course: Path, new_page) -> None:  # type: ignore[no-untyped-def]
    set_option(course, "related", "0")
    write(course, "papers/evil2024notes.md", paper(
        "evil2024notes", title="Reward hacking in the wild", tags=["rlhf"],
        summary="A reward model <img src=x onerror=alert(1)> is fooled; <b>bold</b> claims "
                "about reward <script>alert(2)</script> follow.").replace(
        "Notes.\n", "- The reward is <i>hacked</i> & nobody notices.\n"
                     "- It is hacked &lt;img src=x onerror=alert(3)&gt; again.\n"))
    folder = build_site(course, strict=False, embedder=HashingEmbedder())
    tab = new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with serve_folder(folder) as base:
        tab.goto(base + "search/?query=reward+hacked")
        result = tab.locator(".kb-search__result[data-key=evil2024notes]")
        result.wait_for(timeout=20_000)
        excerpt = result.locator(".kb-search__excerpt")
        assert excerpt.inner_text() == "The reward is hacked & nobody notices."  # tags dropped
        assert excerpt.locator("mark").all_inner_texts() == ["reward", "hacked"]
        assert result.locator("img, b, i, script").count() == 0
        assert dialogs == []
