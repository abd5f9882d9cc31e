"""kb.search.cache and kb.search.vectors: a cache that knows its health.

Each test plants one fault (damage, a wrong file type, a read-only or full cache, an I/O
error, commands started together) and checks the outcome: a rebuilt cache with one line
saying so, a clear error, or correct results from the files with a note.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import paper, write
from kb.course.config import load_config
from kb.errors import StoreError
from kb.search import cache
from kb.search.embed import HashingEmbedder
from kb.search.engine import open_kb
from kb.search.vectors import VECTOR_SCHEMA

ROOT = Path(__file__).resolve().parents[1]


def db(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / ".kb" / "kb.sqlite")


def keyword_keys(root: Path, query: str = "attention") -> tuple[list[str], list[str]]:
    """(hit keys, notes) of a keyword search in a fresh handle."""
    kb = open_kb(load_config(root), embedder=HashingEmbedder(), embed=False)
    try:
        return [h.key for h in kb.search(query, mode="keyword")], kb.report.notes
    finally:
        kb.close()


def plant(path: Path, damage: str) -> None:
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:2048])
    elif damage == "fts rows deleted":
        con = sqlite3.connect(path)
        con.execute("DELETE FROM paper_fts")
        con.commit()
        con.close()
    elif damage == "table dropped":
        con = sqlite3.connect(path)
        con.execute("DROP TABLE tag")
        con.commit()
        con.close()
    elif damage == "column missing":
        con = sqlite3.connect(path)
        con.execute("ALTER TABLE paper DROP COLUMN doi")
        con.commit()
        con.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "fts rows deleted", "table dropped",
                                    "column missing"])
def test_damaged_cache_is_rebuilt_with_one_line(course: Path, damage: str) -> None:
    assert keyword_keys(course) == (["vaswani2017attention"], [])
    path = course / ".kb" / "kb.sqlite"
    plant(path, damage)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    keys, notes = keyword_keys(course)
    assert keys == ["vaswani2017attention"]
    assert len(notes) == 1
    assert notes[0].startswith("note: the cache .kb/kb.sqlite was damaged (")
    assert notes[0].endswith("); rebuilt it from the files")
    assert keyword_keys(course) == (["vaswani2017attention"], [])  # healed for good


def test_deleted_cache_is_made_again_without_a_note(course: Path) -> None:
    keyword_keys(course)
    (course / ".kb" / "kb.sqlite").unlink()
    assert keyword_keys(course) == (["vaswani2017attention"], [])


def test_cache_folder_that_is_a_file_is_a_clear_error(course: Path) -> None:
    (course / ".kb").write_text("not a folder")
    with pytest.raises(StoreError) as caught:
        keyword_keys(course)
    assert str(caught.value).startswith(".kb: this is a file, but kb keeps its cache in a folder")
    assert "move the file away" in str(caught.value)


def test_database_that_is_a_folder_is_a_clear_error(course: Path) -> None:
    (course / ".kb" / "kb.sqlite").mkdir(parents=True)
    with pytest.raises(StoreError) as caught:
        keyword_keys(course)
    assert str(caught.value).startswith(
        ".kb/kb.sqlite: this is a folder, but kb keeps a cache file of that name")
    assert "remove the folder" in str(caught.value)


def test_io_error_is_not_taken_for_damage(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyword_keys(course)
    path = course / ".kb" / "kb.sqlite"
    before = path.read_bytes()
    real = cache.connect

    def failing(p: Path) -> sqlite3.Connection:
        conn = real(p)
        if p.name == "kb.sqlite":
            error = sqlite3.OperationalError("disk I/O error")
            error.sqlite_errorcode = 10  # type: ignore[attr-defined]  # as SQLite sets it
            raise error
        return conn

    monkeypatch.setattr(cache, "connect", failing)
    # A changed file, so the cache is opened for the sync (a fresh cache is only read).
    write(course, "papers/new2024.md", paper("new2024", title="Attention everywhere"))
    with pytest.raises(StoreError) as caught:
        keyword_keys(course)
    assert "the cache could not be read: disk I/O error" in str(caught.value)
    assert "the cache was left as it is" in str(caught.value)
    assert path.read_bytes() == before


def _read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite opens the cache files read-only, and the lock file cannot be created (as in a
    read-only folder; the tests run as root, whom file modes do not stop)."""
    def connect(p: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{p}?mode=ro", uri=True)

    def no_lock(config: object) -> object:
        raise PermissionError(13, "Permission denied", str(p))

    p = Path(".kb/kb.lock")
    monkeypatch.setattr(cache, "connect", connect)
    monkeypatch.setattr(cache, "cache_lock", no_lock)


def test_read_only_cache_reads_the_files_with_a_note(course: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    keyword_keys(course)
    path = course / ".kb" / "kb.sqlite"
    write(course, "papers/new2024.md", paper("new2024", title="Attention everywhere"))
    before = path.read_bytes()
    _read_only(monkeypatch)
    kb = open_kb(load_config(course), embedder=HashingEmbedder())
    assert sorted(h.key for h in kb.search("attention", mode="keyword")) == [
        "new2024", "vaswani2017attention"]
    assert kb.search("attention everywhere", mode="semantic", k=1)[0].key == "new2024"
    assert kb.report.notes[0] == ("note: the cache .kb/ cannot be written; reading the files "
                                  "instead (slower; nothing is saved)")
    kb.close()
    assert path.read_bytes() == before


def test_read_only_without_any_cache_still_answers(course: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _read_only(monkeypatch)
    keys, notes = keyword_keys(course)
    assert keys == ["vaswani2017attention"] and len(notes) == 1
    assert not (course / ".kb" / "kb.sqlite").exists()


def test_full_disk_reads_the_files_with_a_note(course: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    keyword_keys(course)
    real = cache.connect

    def full(p: Path) -> sqlite3.Connection:
        conn = real(p)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # no room to grow, as on a full disk
        return conn

    monkeypatch.setattr(cache, "connect", full)
    for i in range(40):
        write(course, f"papers/extra{i:02d}.md", paper(f"extra{i:02d}", title="Attention " * 40))
    before = (course / ".kb" / "kb.sqlite").read_bytes()
    keys, notes = keyword_keys(course, "attention")
    assert sorted(keys) == [f"extra{i:02d}" for i in range(10)]
    assert notes == [
        "note: the disk holding .kb/ is full; reading the files instead (slower; nothing is saved)"]
    assert (course / ".kb" / "kb.sqlite").read_bytes() == before


def test_other_schema_of_paper_tables_keeps_the_vectors(course: Path) -> None:
    class Counting(HashingEmbedder):
        calls = 0

        def embed(self, texts: list[str]) -> np.ndarray:
            Counting.calls += len(texts)
            return super().embed(texts)

    config = load_config(course)
    first = open_kb(config, embedder=Counting())
    first.close()
    assert Counting.calls == 1 + first.vectors.embedded_passages  # the paper, its sentences
    calls = Counting.calls
    con = db(course)
    con.execute("UPDATE meta SET value = '0' WHERE name = 'schema'")
    con.commit()
    con.close()
    for index_file in (course / ".kb").glob("vectors-*"):
        index_file.unlink()
    kb = open_kb(config, embedder=Counting())
    assert kb.report.added == ["vaswani2017attention"] and kb.embedded == 0
    assert Counting.calls == calls


@pytest.mark.parametrize("damage", ["nan", "short blob", "other dimension", "swapped"])
def test_unsound_vectors_are_embedded_again(course: Path, damage: str) -> None:
    write(course, "papers/other2020.md", paper("other2020", title="Reward models"))
    config = load_config(course)
    embedder = HashingEmbedder()
    kb = open_kb(config, embedder=embedder)
    expected = {key: kb.index.vector(key).copy() for key in kb.keys}  # type: ignore[union-attr]
    kb.close()
    for index_file in (course / ".kb").glob("vectors-*"):
        index_file.unlink()
    con = sqlite3.connect(course / ".kb" / "vectors.sqlite")
    rows = con.execute("SELECT text_hash, data FROM vector ORDER BY text_hash").fetchall()
    (h1, d1), (h2, d2) = rows
    if damage == "nan":
        bad = np.frombuffer(d1, dtype=np.float32).copy()
        bad[3] = np.nan
        con.execute("UPDATE vector SET data = ? WHERE text_hash = ?", (bad.tobytes(), h1))
    elif damage == "short blob":
        con.execute("UPDATE vector SET data = ? WHERE text_hash = ?", (d1[:-3], h1))
    elif damage == "other dimension":
        con.execute("UPDATE vector SET data = ?, dim = ? WHERE text_hash = ?", (d1[:-4],
                    len(d1) // 4 - 1, h1))
    else:
        con.execute("UPDATE vector SET data = ? WHERE text_hash = ?", (d2, h1))
        con.execute("UPDATE vector SET data = ? WHERE text_hash = ?", (d1, h2))
    con.commit()
    con.close()
    kb = open_kb(config, embedder=embedder)
    assert kb.embedded == (2 if damage == "swapped" else 1)
    for key, vector in expected.items():
        np.testing.assert_allclose(kb.index.vector(key), vector, rtol=1e-6)  # type: ignore[arg-type]
    kb.close()


def test_vector_cache_of_another_version_is_replaced(course: Path) -> None:
    config = load_config(course)
    open_kb(config, embedder=HashingEmbedder()).close()
    con = sqlite3.connect(course / ".kb" / "vectors.sqlite")
    con.execute(f"PRAGMA user_version = {VECTOR_SCHEMA + 1}")
    con.commit()
    con.close()
    for index_file in (course / ".kb").glob("vectors-*"):
        index_file.unlink()
    kb = open_kb(config, embedder=HashingEmbedder())
    assert kb.embedded == 1
    kb.close()


def test_damaged_vector_cache_is_made_again_with_a_note(course: Path) -> None:
    config = load_config(course)
    open_kb(config, embedder=HashingEmbedder()).close()
    (course / ".kb" / "vectors.sqlite").write_bytes(b"garbage" * 1000)
    for index_file in (course / ".kb").glob("vectors-*"):
        index_file.unlink()
    kb = open_kb(config, embedder=HashingEmbedder())
    assert kb.embedded == 1
    assert kb.report.notes == [
        kb.report.notes[0]] and kb.report.notes[0].startswith("note: the vector cache .kb/vectors.sqlite was damaged (")
    kb.close()


# ---------------------------------------------------------------- several processes

_SEARCH = """
import sys
from pathlib import Path
from kb.course.config import load_config
from kb.search.embed import HashingEmbedder
from kb.search.engine import open_kb
kb = open_kb(load_config(Path(sys.argv[1])), embedder=HashingEmbedder())
print(",".join(h.key for h in kb.search("attention", mode="hybrid", k=3)))
for note in kb.report.notes:
    print(note, file=sys.stderr)
"""


def _together(root: Path, n: int) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", _SEARCH, str(root)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(n)]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


def test_commands_started_together_on_a_fresh_checkout_all_answer(course: Path) -> None:
    for i in range(30):
        write(course, f"papers/p{i:02d}.md", paper(f"p{i:02d}", title=f"Attention study {i}"))
    results = _together(course, 6)
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
    assert len({r.stdout for r in results}) == 1 and results[0].stdout.count(",") == 2
    assert all(r.stderr == "" for r in results), [r.stderr for r in results]


def test_commands_started_together_on_a_damaged_cache_rebuild_it_once(course: Path) -> None:
    keyword_keys(course)
    (course / ".kb" / "kb.sqlite").write_bytes(b"garbage" * 1000)
    results = _together(course, 6)
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
    assert {r.stdout for r in results} == {"vaswani2017attention\n"}
    notes = [r.stderr for r in results if r.stderr]
    assert len(notes) == 1 and "was damaged" in notes[0]


# ---------------------------------------------------------------- what the sync reads

def test_link_out_of_the_course_is_not_cached(course: Path, tmp_path: Path) -> None:
    assert keyword_keys(course, "quokka")[0] == []  # synced: the next sync reads papers alone
    outside = write(tmp_path, "outside/secret.md", paper("secret2020", title="Quokka secrets"))
    (course / "papers" / "out2020side.md").symlink_to(outside)
    kb = open_kb(load_config(course), embedder=HashingEmbedder(), embed=False)
    assert kb.search("quokka", mode="keyword") == []
    assert "out2020side" not in kb.keys and not kb.report.dirty
    kb.close()
    assert db(course).execute("SELECT count(*) FROM paper WHERE key = 'out2020side' "
                              "OR title LIKE '%Quokka%'").fetchone() == (0,)
    inside = write(course, "notes/inside.md", paper("inside2020", title="Quokka notes"))
    (course / "papers" / "in2020side.md").symlink_to(inside)
    assert keyword_keys(course, "quokka")[0] == ["in2020side"]  # a link inside the course is read


def test_file_over_max_file_size_is_broken_until_it_shrinks(course: Path) -> None:
    config = load_config(course)
    assert keyword_keys(course, "quokka")[0] == []
    big = write(course, "papers/big2020.md",
                paper("big2020", title="Quokka") + "x" * config.options.max_file_size)
    kb = open_kb(config, embedder=HashingEmbedder(), embed=False)
    assert kb.report.broken == ["big2020"] and "big2020" not in kb.keys
    assert kb.search("quokka", mode="keyword") == []
    kb.close()
    big.write_text(paper("big2020", title="Quokka"), encoding="utf-8")  # back under the limit
    kb = open_kb(config, embedder=HashingEmbedder(), embed=False)
    assert kb.report.added == ["big2020"] and kb.report.broken == []
    assert [h.key for h in kb.search("quokka", mode="keyword")] == ["big2020"]
    kb.close()


def test_unreadable_paper_file_is_broken_not_an_error(course: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.search import sync as sync_module

    write(course, "papers/locked2020.md", paper("locked2020", title="Quokka"))

    def refuse(path: Path | str, max_bytes: int) -> bytes:
        if str(path).endswith("locked2020.md"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, max_bytes)

    real = sync_module.read_limited
    monkeypatch.setattr(sync_module, "read_limited", refuse)
    kb = open_kb(load_config(course), embedder=HashingEmbedder(), embed=False)
    assert kb.report.broken == ["locked2020"] and kb.report.added == ["vaswani2017attention"]
    assert kb.search("quokka", mode="keyword") == []
    kb.close()


def test_saved_index_with_values_not_finite_is_rebuilt_on_use(course: Path) -> None:
    write(course, "papers/other2020.md", paper("other2020", title="Reward models"))
    config = load_config(course)
    kb = open_kb(config, embedder=HashingEmbedder())
    expected = [(h.key, h.score) for h in kb.search("reward models", mode="semantic")]
    kb.close()
    npy = next((course / ".kb").glob("vectors-*.npy"))
    matrix = np.load(npy)
    matrix[0, 5] = np.nan
    np.save(npy, matrix)
    kb = open_kb(config, embedder=HashingEmbedder())
    assert [(h.key, h.score) for h in kb.search("reward models", mode="semantic")] == expected
    assert kb.embedded == 0  # rebuilt from the vector cache, nothing embedded again
    kb.close()
    assert np.isfinite(np.load(npy)).all()  # and saved again
