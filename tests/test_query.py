"""Filters over the cache (kb.search.store.filter_sql, Store.known) and the fresh-cache check
(kb.search.uptodate) that lets a search skip the sync."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import paper, write
from kb.course.config import load_config
from kb.errors import FilterError
from kb.course.filters import Filters
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
    assert allowed(store, Filters(tags=("rl", "robots"))) == {"rl2020"}  # all tags must match
    assert allowed(store, Filters(tags=("rl",))) == {"rl2018", "rl2020"}
    assert allowed(store, Filters(type="InProceedings")) == {"rl2018", "vaswani2017attention"}
    assert allowed(store, Filters(session=1)) == {"vaswani2017attention"}
    assert allowed(store, Filters(keys=("rl2020", "vaswani2017attention"), year_to=2018)) == {
        "vaswani2017attention"}
    assert [k for k, _ in store.keyword("policy", 10, filter_sql(Filters(year_from=2019)))] == [
        "rl2020"]


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
