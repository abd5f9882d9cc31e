"""kb.search.store: incremental sync from the files, FTS5, rebuilding a broken cache, database URLs."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import paper, write
from kb.config import Config, KbOptions, load_config
from kb.content import load_project
from kb.errors import MissingDependencyError, StoreError
from kb.search.store import Store
from kb.search.tables import SCHEMA_VERSION


def store_of(root: Path) -> Store:
    return Store.open(load_config(root))


def db(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / ".kb" / "kb.sqlite")


def test_first_sync_loads_papers_sessions_posters(course: Path) -> None:
    write(course, "papers/smith2020.md", paper("smith2020", tags=["rl", "rl"],
                                               authors=["Smith, Jane", "Doe, Ann"]))
    report = store_of(course).sync()
    assert sorted(report.added) == ["smith2020", "vaswani2017attention"]
    assert (report.changed, report.removed, report.unchanged) == ([], [], 0)
    assert report.sessions_changed
    con = db(course)
    assert con.execute("SELECT name FROM author WHERE paper_key='smith2020' ORDER BY position"
                       ).fetchall() == [("Smith, Jane",), ("Doe, Ann",)]
    assert con.execute("SELECT tag FROM tag WHERE paper_key='smith2020'").fetchall() == [("rl",)]
    assert con.execute("SELECT number, title FROM session").fetchall() == [(1, "Introduction")]
    assert con.execute("SELECT session, key, kind FROM reading").fetchall() == [
        (1, "vaswani2017attention", "required")]
    assert con.execute("SELECT slug, session FROM poster").fetchall() == [("transformer-basics", 1)]
    row = con.execute("SELECT path, year, authors FROM paper WHERE key='smith2020'").fetchone()
    assert row == ("papers/smith2020.md", 2020, json.dumps(["Smith, Jane", "Doe, Ann"]))


def test_unchanged_repository_parses_nothing(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_of(course).sync()
    import kb.search.store

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(kb.search.store, "load_paper", refuse)
    monkeypatch.setattr(kb.search.store, "load_project", refuse)
    report = store_of(course).sync()
    assert not report.dirty and report.unchanged == 1


def test_sync_picks_up_changes_and_deletions(course: Path) -> None:
    write(course, "papers/a2020.md", paper("a2020"))
    write(course, "papers/b2020.md", paper("b2020"))
    store_of(course).sync()
    write(course, "papers/a2020.md", paper("a2020", title="A New Title"))
    (course / "papers" / "b2020.md").unlink()
    write(course, "papers/c2021.md", paper("c2021", year=2021))
    report = store_of(course).sync()
    assert (report.added, report.changed, report.removed) == (["c2021"], ["a2020"], ["b2020"])
    assert not report.sessions_changed
    con = db(course)
    assert con.execute("SELECT title FROM paper WHERE key='a2020'").fetchone() == ("A New Title",)
    assert con.execute("SELECT count(*) FROM paper_fts WHERE key='b2020'").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM paper_fts").fetchone() == (3,)


def test_session_change_reloads_sessions(course: Path) -> None:
    store_of(course).sync()
    path = course / "docs" / "sessions" / "01-introduction.md"
    path.write_text(path.read_text().replace("title: Introduction", "title: Warm-up"))
    report = store_of(course).sync()
    assert report.sessions_changed and not report.added
    assert db(course).execute("SELECT title FROM session").fetchall() == [("Warm-up",)]


def test_project_given_is_used_instead_of_parsing(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(course)
    project = load_project(config)
    import kb.search.store

    monkeypatch.setattr(kb.search.store, "load_paper", lambda *a, **k: pytest.fail("parsed again"))
    monkeypatch.setattr(kb.search.store, "load_project", lambda *a, **k: pytest.fail("parsed again"))
    assert Store.open(config).sync(project).added == ["vaswani2017attention"]


def test_broken_paper_is_left_out_and_reported(course: Path) -> None:
    write(course, "papers/good2020.md", paper("good2020"))
    store_of(course).sync()
    write(course, "papers/good2020.md", "---\ntitle: [unclosed\n---\n")
    report = store_of(course).sync()
    assert report.broken == ["good2020"]
    assert db(course).execute("SELECT count(*) FROM paper WHERE key='good2020'").fetchone() == (0,)


def test_fts_ranks_with_bm25_and_filters(course: Path) -> None:
    write(course, "papers/rl2020.md", paper("rl2020", title="Policy gradients for robots",
                                             tags=["rl"], year=2020))
    write(course, "papers/rl2018.md", paper("rl2018", title="Policy search", summary="policy "
                                             "policy gradients", tags=["rl"], year=2018))
    store = store_of(course)
    store.sync()
    ranked = store.keyword("policy gradients", 10)
    assert [k for k, _ in ranked][:2] in (["rl2018", "rl2020"], ["rl2020", "rl2018"])
    assert all(score > 0 for _, score in ranked)
    filt = store.filter_sql(year_from=2019, tag="rl")
    assert [k for k, _ in store.keyword("policy", 10, filt)] == ["rl2020"]
    assert store.filter_keys(filt) == {"rl2020"}
    assert store.keyword("Smith", 10)  # authors are indexed
    assert store.keyword("", 10) == [] and store.keyword("!!!", 10) == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "deleted"])
def test_damaged_cache_is_rebuilt(course: Path, damage: str) -> None:
    store = store_of(course)
    store.sync()
    store.close()
    path = course / ".kb" / "kb.sqlite"
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:2048])
    else:
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    from kb.search.engine import open_kb
    from kb.search.embed import HashingEmbedder

    base = open_kb(load_config(course), embedder=HashingEmbedder())
    assert base.report.added == ["vaswani2017attention"]
    assert base.report.rebuilt == (damage != "deleted")
    assert [h.key for h in base.search("attention", mode="keyword")] == ["vaswani2017attention"]


def test_older_schema_is_dropped(course: Path) -> None:
    store_of(course).sync()
    con = db(course)
    con.execute("UPDATE meta SET value='0' WHERE name='schema'")
    con.commit()
    con.close()
    assert store_of(course).sync().added == ["vaswani2017attention"]
    assert db(course).execute("SELECT value FROM meta WHERE name='schema'").fetchone() == (
        str(SCHEMA_VERSION),)


def test_missing_driver_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on a machine without kb[postgres]
    config = Config(tmp_path, KbOptions(database_url="postgresql+psycopg://kb@localhost/kb"))
    with pytest.raises(MissingDependencyError) as err:
        Store.open(config)
    assert str(err.value) == (
        "[plugins.kb.database_url] the database driver for 'postgresql+psycopg' is not installed (psycopg)\n"
        "  fix: pip install 'kb[postgres]' for PostgreSQL, or leave database_url empty for SQLite")


def test_unusable_url_is_a_store_error(tmp_path: Path) -> None:
    config = Config(tmp_path, KbOptions(database_url="nosuchdialect://x"))
    with pytest.raises(StoreError, match="cannot use the database URL"):
        Store.open(config)


def test_keyword_fallback_without_fts(course: Path) -> None:
    """Another database than SQLite has no FTS5: keyword search ranks with in-memory BM25."""
    from kb.search.embed import HashingEmbedder
    from kb.search.engine import Filters, open_kb

    write(course, "papers/rl2020.md", paper("rl2020", title="Policy gradients for robots",
                                             tags=["rl"]))
    base = open_kb(load_config(course), embedder=HashingEmbedder(), embed=False)
    base.store.has_fts = False
    assert [h.key for h in base.search("policy gradient", mode="keyword")] == ["rl2020"]
    assert base.search("policy", mode="keyword", filters=Filters(tag="architecture")) == []
    assert [h.key for h in base.search("attention", mode="keyword")] == ["vaswani2017attention"]


def test_touched_file_is_hashed_not_parsed(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import kb.search.store

    store_of(course).sync()
    path = course / "papers" / "vaswani2017attention.md"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    monkeypatch.setattr(kb.search.store, "load_paper", lambda *a, **k: pytest.fail("parsed again"))
    report = store_of(course).sync()
    assert not report.dirty and report.unchanged == 1
    assert db(course).execute("SELECT mtime_ns FROM paper").fetchone() == (
        stat.st_mtime_ns + 5_000_000_000,)


def test_same_size_edit_is_noticed(course: Path) -> None:
    store_of(course).sync()
    path = course / "papers" / "vaswani2017attention.md"
    text = path.read_text()
    path.write_text(text.replace("year: 2017", "year: 2018"))  # same size, new time
    report = store_of(course).sync()
    assert report.changed == ["vaswani2017attention"]
    assert db(course).execute("SELECT year FROM paper").fetchone() == (2018,)
