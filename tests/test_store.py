"""kb.search.store and kb.search.sync: the cache tables, incremental sync from the files, FTS5."""

from __future__ import annotations

import json
import math
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
from kb.search.tables import FTS_COLUMNS, FTS_WEIGHTS, SCHEMA_VERSION


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


FtsCounts = tuple[dict[str, dict[int, float]], dict[int, int], dict[int, str]]


def _fts_counts(store: Store) -> FtsCounts:
    """What FTS5's index holds, read through fts5vocab (not through bm25()): each word's
    column-weighted count per paper, each paper's token count, each row's key."""
    conn = store.conn
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.test_instance "
                 "USING fts5vocab(main, paper_fts, instance)")
    weight = dict(zip(FTS_COLUMNS, FTS_WEIGHTS[1:]))
    counts: dict[str, dict[int, float]] = {}
    length: dict[int, int] = {}
    for term, doc, col, n in conn.execute("SELECT term, doc, col, count(*) FROM "
                                          "temp.test_instance GROUP BY term, doc, col"):
        length[doc] = length.get(doc, 0) + n
        counts.setdefault(term, {})
        counts[term][doc] = counts[term].get(doc, 0.0) + weight[col] * n
    return counts, length, dict(conn.execute("SELECT rowid, key FROM paper_fts"))


def _kb_bm25(store: Store, query: str, k: int, filt: Filter | None = None,
             index: FtsCounts | None = None) -> list[tuple[str, float]]:
    """The truth, by hand: every match scored by kb's bm25 from what FTS5's index holds
    (:func:`_fts_counts`, read afresh unless given), with Lucene's idf, ordered by (score,
    key). For queries of words that are their own Porter stem."""
    counts, length, key_of = index or _fts_counts(store)
    total, average = len(key_of), sum(length.values()) / len(key_of)
    allowed = store.filter_keys(filt) if filt is not None else set(key_of.values())
    scores: dict[int, float] = {}
    for word in keyword.query_terms(query):
        held = counts.get(word, {})
        idf = math.log(1 + (total - len(held) + 0.5) / (len(held) + 0.5))
        for doc, f in held.items():
            tf = f * 2.2 / (f + 1.2 * (0.25 + 0.75 * length[doc] / average))
            scores[doc] = scores.get(doc, 0.0) + idf * tf
    ranked = sorted(((key_of[doc], round(s, 9)) for doc, s in scores.items()
                     if key_of[doc] in allowed), key=lambda item: (-item[1], item[0]))
    return ranked[:k]


def _same(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> bool:
    return [key for key, _ in got] == [key for key, _ in want] and all(
        abs(a - b) <= 2e-9 for (_, a), (_, b) in zip(got, want))


def test_bm25_shortcut_returns_what_ranking_every_match_returns(
        course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _zipf_library(course, 400)
    store, _ = synced(course)
    narrowed: list[str] = []
    scores = keyword._scores

    def spy(conn: sqlite3.Connection, word: str, *args: object) -> object:
        if len(args) > 2 and args[2] is not None:  # scored on the candidates alone
            narrowed.append(word)
        return scores(conn, word, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(keyword, "_scores", spy)
    rng = np.random.default_rng(9)
    filt = filter_sql(Filters(year_from=2020))
    index = _fts_counts(store)  # the library does not change below
    for _ in range(60):
        query = " ".join(f"w{i}" for i in rng.choice(300, size=int(rng.integers(2, 5))))
        for k in (1, 5, 30):
            for f in (None, filt):
                truth = _kb_bm25(store, query, k, f, index)
                got = keyword.bm25_top(store.conn, query, k, f, total=store.count())
                assert _same(got, truth), (query, k, got, truth)
                assert _same(keyword.bm25_top(store.conn, query, k, f), truth), (query, k)
                assert len(got) == min(k, len(store.filter_keys(
                    ("SELECT key FROM paper_fts WHERE paper_fts MATCH :q",
                     {"q": keyword.fts_query(query)}))))
    assert len(narrowed) > 20  # the shortcut was taken, and agreed every time


def test_bm25_ties_at_the_cut_are_ordered_by_key(course: Path) -> None:
    """Papers that score alike: the key decides which of them make the top k."""
    for i in (7, 3, 9, 1, 5, 8, 2, 6, 4, 0):
        write(course, f"papers/tie{i}.md", paper(f"tie{i}", title="Quokka count"))
    write(course, "papers/best.md", paper("best", title="Quokka quokka count"))
    store, _ = synced(course)
    for k in (1, 2, 4, 11, 20):
        hits = keyword.bm25_top(store.conn, "quokka", k)
        assert _same(hits, _kb_bm25(store, "quokka", k))
    assert [key for key, _ in keyword.bm25_top(store.conn, "quokka", 4)] == \
        ["best", "tie0", "tie1", "tie2"]
    for k in (1, 4, 20):  # two words: summed here, not ranked in SQLite
        assert _same(keyword.bm25_top(store.conn, "quokka count", k),
                     _kb_bm25(store, "quokka count", k))


def test_a_word_most_papers_hold_scores_by_its_counts(course: Path) -> None:
    """Issue 24: an author's first name that most papers hold. FTS5's idf of such a word is
    floored to 1e-6 (every hit 0.0000, ranked by noise); kb's is above 0, so each hit's score
    is its count in the paper, the title counting twice, against the paper's length."""
    write(course, "papers/wang2021.md", paper("wang2021", authors=["Wang, Long"],
                                              title="Long trip"))
    write(course, "papers/zhu2022.md", paper("zhu2022", authors=["Zhu, Long"],
                                             title="Searching city parks"))
    write(course, "papers/ouyang2022.md", paper("ouyang2022", authors=["Ouyang, Long"],
                                                title="Training helpers"))
    store, _ = synced(course)  # with vaswani2017attention, 3 of 4 papers hold "long"
    assert keyword.term_hits(store.conn, ["long"]) == {"long": 3}
    assert keyword.fts5_idf(3, 4) == 1e-6 and keyword.idf(3, 4) == pytest.approx(math.log(10 / 7))
    hits = keyword.bm25_top(store.conn, "Long", 10, total=store.count())
    assert _same(hits, _kb_bm25(store, "long", 10))
    assert [key for key, _ in hits] == ["wang2021", "ouyang2022", "zhu2022"]
    assert hits[-1][1] > 0.4 and hits[0][1] > 1.2 * hits[1][1]  # the title's count weighs
    assert hits[1][1] > hits[2][1]  # the same count in a shorter paper weighs more
    assert _same(keyword.bm25_top(store.conn, "long trip", 10),
                 _kb_bm25(store, "long trip", 10))


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
