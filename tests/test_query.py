"""Filters over the cache (kb.search.store.filter_sql, Store.known), the filter rule itself
(tests/data/filter_rule.json, which rank.test.mjs checks the site's allowed() against too), and
the fresh-cache check (kb.search.uptodate) that lets a search skip the sync."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, paper, write
from kb.course.config import load_config
from kb.course.load import load_project
from kb.errors import FilterError
from kb.course.filters import Filters, select_papers
from kb.search.cache import open_synced
from kb.search.uptodate import fresh_store
from kb.search.store import Store, filter_sql


def synced(root: Path) -> Store:
    store, _ = open_synced(load_config(root))
    return store


def allowed(store: Store, filters: Filters) -> set[str]:
    filt = filter_sql(filters)
    assert filt is not None
    return store.filter_keys(filt)


@pytest.fixture
def robots(course: Path) -> Path:
    write(course, "papers/rl2020.md", paper("rl2020", title="Policy gradients for robots",
                                             tags=["rl", "robots"], year=2020))
    write(course, "papers/rl2018.md", paper("rl2018", title="Policy search", summary="policy "
                                             "policy gradients", tags=["rl"], year=2018,
                                             type="inproceedings"))
    return course


def test_filters_narrow_by_every_field(robots: Path) -> None:
    store = synced(robots)
    assert allowed(store, Filters(tags=("robots",))) == {"rl2020"}
    assert allowed(store, Filters(tags=("rl",))) == {"rl2018", "rl2020"}
    assert allowed(store, Filters(tags=("robots", "architecture"))) == {  # any of the tags
        "rl2020", "vaswani2017attention"}
    assert allowed(store, Filters(type="InProceedings")) == {"rl2018", "vaswani2017attention"}
    assert allowed(store, Filters(session=1)) == {"vaswani2017attention"}
    assert allowed(store, Filters(keys=("rl2020", "vaswani2017attention"), year_to=2018)) == {
        "vaswani2017attention"}
    assert [k for k, _ in store.keyword("policy", 10, filter_sql(Filters(year_from=2019)))] == [
        "rl2020"]


RULE = json.loads((ROOT / "tests" / "data" / "filter_rule.json").read_text(encoding="utf-8"))


@pytest.fixture
def rule_course(course: Path) -> Path:
    """A course holding exactly the papers and reading lists of filter_rule.json."""
    for old in [*course.glob("papers/*.md"), *course.glob("docs/sessions/*.md"),
                *course.glob("docs/posters/*.md")]:
        old.unlink()
    for p in RULE["papers"]:
        write(course, f"papers/{p['key']}.md", paper(p["key"], year=p["year"], type=p["type"],
                                                     tags=p["tags"] or None))
    for number in sorted({n for p in RULE["papers"] for n in p["sessions"]}):
        readings = [{"key": p["key"], "kind": "required"} for p in RULE["papers"]
                    if number in p["sessions"]]
        write(course, f"docs/sessions/0{number}-s.md", "---\n" + json.dumps(
            {"session": number, "date": f"2025-10-0{number}", "title": f"Session {number}",
             "readings": readings}) + "\n---\nText.\n")
    return course


@pytest.mark.parametrize("case", RULE["cases"], ids=lambda c: json.dumps(c["filters"]))
def test_the_filter_rule_in_python_and_in_sql(rule_course: Path, case: dict) -> None:
    """Each case of the one rule: the loaded project's papers (Filters.matches, through
    select_papers, as kb export) and the cache's SQL (filter_sql, as kb search) select alike."""
    filters = Filters(**case["filters"])
    project = load_project(load_config(rule_course))
    assert sorted(project.papers) == sorted(p["key"] for p in RULE["papers"])
    assert [p.key for p in select_papers(project, filters)] == case["selects"]
    store = synced(rule_course)
    filt = filter_sql(filters)
    everything = {p["key"] for p in RULE["papers"]}
    assert sorted(store.filter_keys(filt) if filt else everything) == case["selects"]


def test_several_tags_and_the_vocabulary(robots: Path) -> None:
    """Any of the tags: a tag of the vocabulary that no paper has yet adds nothing beside a tag
    in use, and is named as such when no given tag is on a paper; a typo is an error always."""
    known = synced(robots).known(["from-the-vocabulary", "also-unused"])
    both = Filters(tags=("from-the-vocabulary", "robots"))
    both.check(known)  # no error: the papers with robots
    assert allowed(synced(robots), both) == {"rl2020"}
    with pytest.raises(FilterError) as unused:
        Filters(tags=("from-the-vocabulary", "also-unused")).check(known)
    assert str(unused.value) == (
        "[tag] no paper has any of the tags 'from-the-vocabulary', 'also-unused' (they are in the "
        "tag vocabulary)\n  fix: tag papers with one of them (kb tag add from-the-vocabulary KEY "
        "...), or leave out --tag from-the-vocabulary --tag also-unused")
    with pytest.raises(FilterError) as typo:
        Filters(tags=("robots", "robot", "from-the-vocabulary")).check(known)
    assert str(typo.value).startswith("[tag] no paper has the tag 'robot'\n  fix: did you mean "
                                      "robots?")


def test_unknown_filter_values_are_named_with_a_suggestion(robots: Path) -> None:
    known = synced(robots).known()
    with pytest.raises(FilterError) as tag:
        Filters(tags=("robot",)).check(known)
    assert str(tag.value) == ("[tag] no paper has the tag 'robot'\n  fix: did you mean robots? If "
                              "not, use one of the tags in use: architecture, rl, robots")
    with pytest.raises(FilterError) as session:
        Filters(session=4).check(known)
    assert str(session.value) == ("[session] no session number 4\n"
                                  "  fix: use one of the session numbers: 1")
    with pytest.raises(FilterError) as vocabulary:  # a tag that exists, on no paper yet
        Filters(tags=("from-the-vocabulary",)).check(synced(robots).known(["from-the-vocabulary"]))
    assert str(vocabulary.value) == (
        "[tag] no paper has the tag 'from-the-vocabulary' (it is in the tag vocabulary)\n"
        "  fix: tag papers with it (kb tag add from-the-vocabulary KEY ...), or leave out --tag "
        "from-the-vocabulary")
    with pytest.raises(FilterError, match="--year-from 2021 is after --year-to 2020"):
        Filters(year_from=2021, year_to=2020)


def test_fresh_store_only_when_the_files_match(robots: Path) -> None:
    config = load_config(robots)
    assert fresh_store(config) is None  # no cache yet
    synced(robots).close()
    assert fresh_store(config) is not None
    path = robots / "papers" / "rl2020.md"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert fresh_store(config) is None  # a touched file: the sync must look
    synced(robots).close()
    assert fresh_store(config) is not None
    write(robots, "docs/sessions/02-more.md", "---\nsession: 2\ntitle: More\n---\n")
    assert fresh_store(config) is None  # a new session page
    synced(robots).close()
    (robots / "papers" / "rl2018.md").unlink()
    assert fresh_store(config) is None  # a removed paper
    synced(robots).close()
    assert fresh_store(config) is not None
    (config.cache_dir / "kb.sqlite").write_bytes(b"not a database")
    assert fresh_store(config) is None


def test_keyword_search_process_imports_no_heavy_module(robots: Path) -> None:
    """`kb search --mode keyword` on a fresh cache reads it with sqlite3 alone (and no logging),
    and mkdocs.yml from the copy of its last parse (no PyYAML)."""
    synced(robots).close()
    load_config(robots)  # the first read since .kb/ exists copies mkdocs.yml's parse there
    code = ("import sys\nfrom kb.cli import main\nsys.argv = ['kb', 'search', 'policy', "
            "'--mode', 'keyword', '--tag', 'rl']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = ('pydantic', 'sqlalchemy', 'sqlmodel', 'numpy', 'rich', 'faiss', "
            "'bibtexparser', 'torch', 'logging', 'concurrent', 'yaml')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], cwd=robots, env=env, capture_output=True,
                         text=True, check=True).stdout
    assert "rl2020" in out and "rl2018" in out
    assert out.strip().splitlines()[-1] == "[]"
