"""kb.search.store and kb.search.sync: the cache tables, incremental sync from the files, FTS5."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from conftest import paper, write
from kb.course.config import load_config
from kb.course.load import load_project
from kb.search import keyword
from kb.search.cache import cache_lock, open_store
from kb.course.filters import Filters
from kb.search.store import Filter, Store, filter_sql
from kb.search.sync import SyncReport, sync
from kb.search.tables import SCHEMA_VERSION


def synced(root: Path, project: object = None) -> tuple[Store, SyncReport]:
    config = load_config(root)
    with cache_lock(config):
        store = open_store(config)
        return store, sync(store, config, project)  # type: ignore[arg-type]


def db(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / ".kb" / "kb.sqlite")


def test_first_sync_loads_papers_and_sessions(course: Path) -> None:
    write(course, "papers/smith2020.md", paper("smith2020", tags=["rl", "rl"],
                                               authors=["Smith, Jane", "Doe, Ann"]))
    _, report = synced(course)
    assert sorted(report.added) == ["smith2020", "vaswani2017attention"]
    assert (report.changed, report.removed, report.unchanged) == ([], [], 0)
    assert report.sessions_changed
    con = db(course)
    assert con.execute("SELECT tag FROM tag WHERE paper_key='smith2020'").fetchall() == [("rl",)]
    assert con.execute("SELECT number, title FROM session").fetchall() == [(1, "Introduction")]
    assert con.execute("SELECT session, key, kind FROM reading").fetchall() == [
        (1, "vaswani2017attention", "required")]
    row = con.execute("SELECT path, year, authors FROM paper WHERE key='smith2020'").fetchone()
    assert row == ("papers/smith2020.md", 2020, json.dumps(["Smith, Jane", "Doe, Ann"]))
    # Only tables that a query reads are kept; the embeddings live in their own file.
    tables = {name for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'paper_fts%'")}
    assert tables == {"paper", "tag", "session", "reading", "meta"}


def test_unchanged_repository_parses_nothing(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced(course)
    import kb.search.sync

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(kb.search.sync, "load_paper", refuse)
    monkeypatch.setattr(kb.search.sync, "load_project", refuse)
    _, report = synced(course)
    assert not report.dirty and report.unchanged == 1


def test_sync_picks_up_changes_and_deletions(course: Path) -> None:
    write(course, "papers/a2020.md", paper("a2020"))
    write(course, "papers/b2020.md", paper("b2020"))
    synced(course)
    write(course, "papers/a2020.md", paper("a2020", title="A New Title"))
    (course / "papers" / "b2020.md").unlink()
    write(course, "papers/c2021.md", paper("c2021", year=2021))
    _, report = synced(course)
    assert (report.added, report.changed, report.removed) == (["c2021"], ["a2020"], ["b2020"])
    assert not report.sessions_changed
    con = db(course)
    assert con.execute("SELECT title FROM paper WHERE key='a2020'").fetchone() == ("A New Title",)
    assert con.execute("SELECT count(*) FROM paper_fts WHERE key='b2020'").fetchone() == (0,)
    assert con.execute("SELECT key FROM paper_fts ORDER BY key").fetchall() == [
        ("a2020",), ("c2021",), ("vaswani2017attention",)]
    assert con.execute("SELECT title FROM paper_fts WHERE key='a2020'").fetchone() == ("A New Title",)


def test_session_change_reloads_sessions(course: Path) -> None:
    synced(course)
    path = course / "docs" / "sessions" / "01-introduction.md"
    path.write_text(path.read_text().replace("title: Introduction", "title: Warm-up"))
    _, report = synced(course)
    assert report.sessions_changed and not report.added
    assert db(course).execute("SELECT title FROM session").fetchall() == [("Warm-up",)]


def test_project_given_is_used_instead_of_parsing(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_project(load_config(course))
    import kb.search.sync

    monkeypatch.setattr(kb.search.sync, "load_paper", lambda *a, **k: pytest.fail("parsed again"))
    monkeypatch.setattr(kb.search.sync, "load_project", lambda *a, **k: pytest.fail("parsed again"))
    assert synced(course, project)[1].added == ["vaswani2017attention"]


def test_broken_paper_is_left_out_and_reported(course: Path) -> None:
    write(course, "papers/good2020.md", paper("good2020"))
    synced(course)
    write(course, "papers/good2020.md", "---\ntitle: [unclosed\n---\n")
    _, report = synced(course)
    assert report.broken == ["good2020"]
    assert db(course).execute("SELECT count(*) FROM paper WHERE key='good2020'").fetchone() == (0,)
    assert db(course).execute("SELECT count(*) FROM paper_fts WHERE key='good2020'").fetchone() == (0,)


def test_title_match_ranks_above_notes_match(course: Path) -> None:
    """The FTS weights: the same word once, in papers of the same length, counts twice in a title."""
    write(course, "papers/intitle.md", paper("intitle", title="Zebra stripes", summary=None)
          .replace("Notes.", "Plain field notes."))
    write(course, "papers/innotes.md", paper("innotes", title="Plain stripes", summary=None)
          .replace("Notes.", "Zebra field notes."))
    store, _ = synced(course)
    ranked = store.keyword("zebra", 10)
    assert [k for k, _ in ranked] == ["intitle", "innotes"]
    assert ranked[0][1] > ranked[1][1] > 0
    assert store.keyword("Smith", 10)  # authors are indexed
    assert store.keyword("", 10) == [] and store.keyword("!!!", 10) == []


def test_keyword_filters(course: Path) -> None:
    write(course, "papers/rl2020.md", paper("rl2020", title="Policy gradients for robots",
                                             tags=["rl"], year=2020))
    write(course, "papers/rl2018.md", paper("rl2018", title="Policy search", tags=["rl"],
                                             year=2018))
    store, _ = synced(course)
    filt = filter_sql(Filters(year_from=2019, tags=("rl",)))
    assert filt is not None
    assert [k for k, _ in store.keyword("policy", 10, filt)] == ["rl2020"]
    assert store.filter_keys(filt) == {"rl2020"}
    assert filter_sql(Filters()) is None and filter_sql(None) is None


def test_older_schema_is_dropped_and_rebuilt(course: Path) -> None:
    synced(course)
    con = db(course)
    con.execute("UPDATE meta SET value='0' WHERE name='schema'")
    con.commit()
    con.close()
    store, report = synced(course)
    assert report.added == ["vaswani2017attention"] and not report.rebuilt and not report.notes
    assert store.meta("schema") == str(SCHEMA_VERSION)


def test_touched_file_is_hashed_not_parsed(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kb.search.sync

    synced(course)
    path = course / "papers" / "vaswani2017attention.md"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    monkeypatch.setattr(kb.search.sync, "load_paper", lambda *a, **k: pytest.fail("parsed again"))
    _, report = synced(course)
    assert not report.dirty and report.unchanged == 1
    assert db(course).execute("SELECT mtime_ns FROM paper").fetchone() == (
        stat.st_mtime_ns + 5_000_000_000,)


def test_same_size_edit_is_noticed(course: Path) -> None:
    synced(course)
    path = course / "papers" / "vaswani2017attention.md"
    text = path.read_text()
    path.write_text(text.replace("year: 2017", "year: 2018"))  # same size, new time
    _, report = synced(course)
    assert report.changed == ["vaswani2017attention"]
    assert db(course).execute("SELECT year FROM paper").fetchone() == (2018,)


# ---------------------------------------------------------------- the bm25 shortcut

def _zipf_library(root: Path, n: int) -> None:
    rng = np.random.default_rng(4)
    words = [f"w{i}" for i in range(300)]
    p = 1 / np.arange(1, len(words) + 1)
    picks = rng.choice(len(words), size=(n, 30), p=p / p.sum())
    for i in range(n):
        w = [words[j] for j in picks[i]]
        write(root, f"papers/z{i:04d}.md", paper(f"z{i:04d}", title=" ".join(w[:6]),
                                                 summary=" ".join(w[6:20]))
              .replace("Notes.", " ".join(w[20:])))


def _every_match_ranked(store: Store, query: str, k: int, filt: Filter | None
                        ) -> list[tuple[str, float]]:
    """The truth: every match scored and ordered by (score, key) in one SQL query."""
    sql = (f"SELECT key, round({keyword._BM25}, 9) AS r FROM paper_fts "
           "WHERE paper_fts MATCH :q")
    params: dict[str, object] = {"q": keyword.fts_query(query), "k": k}
    if filt is not None:
        sql += f" AND key IN ({filt[0]})"
        params.update(filt[1])
    return [(key, -r) for key, r in store.conn.execute(sql + " ORDER BY r, key LIMIT :k", params)]


def test_bm25_shortcut_returns_what_ranking_every_match_returns(
        course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _zipf_library(course, 400)
    store, _ = synced(course)
    monkeypatch.setattr(keyword, "CANDIDATES", 40)
    monkeypatch.setattr(keyword, "CANDIDATE_SHARE", 0.0)
    matches: list[str] = []
    ranked = keyword._ranked

    def spy(conn: sqlite3.Connection, match: str, *args: object, **kwargs: object) -> object:
        matches.append(match)
        return ranked(conn, match, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(keyword, "_ranked", spy)
    rng = np.random.default_rng(9)
    filt = filter_sql(Filters(year_from=2020))
    for _ in range(60):
        query = " ".join(f"w{i}" for i in rng.choice(300, size=int(rng.integers(2, 5))))
        for k in (1, 5, 30):
            for f in (None, filt):
                truth = _every_match_ranked(store, query, k, f)
                assert keyword.bm25_top(store.conn, query, k, f, total=store.count()) == truth
                full = keyword.bm25_top(store.conn, query, k, f)
                assert full == truth, (query, k)
                assert len(full) == min(k, len(store.filter_keys(
                    ("SELECT key FROM paper_fts WHERE paper_fts MATCH :q",
                     {"q": keyword.fts_query(query)}))))
    shortcuts = [m for m in matches if " AND " in m]
    assert len(shortcuts) > 20  # the shortcut was taken, and agreed every time


def test_bm25_ties_at_the_cut_are_ordered_by_key(course: Path) -> None:
    """Papers that score alike: the key decides which of them make the top k."""
    for i in (7, 3, 9, 1, 5, 8, 2, 6, 4, 0):
        write(course, f"papers/tie{i}.md", paper(f"tie{i}", title="Quokka census"))
    write(course, "papers/best.md", paper("best", title="Quokka quokka census"))
    store, _ = synced(course)
    for k in (1, 2, 4, 11, 20):
        hits = keyword.bm25_top(store.conn, "quokka", k)
        assert hits == _every_match_ranked(store, "quokka", k, None)
    assert [key for key, _ in keyword.bm25_top(store.conn, "quokka", 4)] == \
        ["best", "tie0", "tie1", "tie2"]


def test_digest_of_the_texts_follows_every_write(course: Path) -> None:
    """The meta row the vector index is found by (without reading every row) stays equal to
    the digest of the rows, and a cache without it is synced, which writes it."""
    from kb.search.uptodate import fresh_store
    from kb.search.store import texts_digest

    store, _ = synced(course)
    assert store.meta("texts") == texts_digest(store.text_hashes())
    write(course, "papers/other2020.md", paper("other2020", title="Reward models"))
    store, _ = synced(course)
    assert store.meta("texts") == texts_digest(store.text_hashes()) and len(store.text_hashes()) == 2
    (course / "papers" / "other2020.md").unlink()
    store, _ = synced(course)
    assert store.meta("texts") == texts_digest(store.text_hashes()) and len(store.text_hashes()) == 1
    with store.conn:
        store.conn.execute("DELETE FROM meta WHERE name = 'texts'")
    assert fresh_store(load_config(course)) is None
    store, report = synced(course)
    assert not report.dirty and store.meta("texts") == texts_digest(store.text_hashes())
    assert fresh_store(load_config(course)) is not None
