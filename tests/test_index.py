"""kb.search.index: exact and HNSW search against brute force, filters, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb.search.embed import normalize
from kb.search.index import VectorIndex, fingerprint
from kb.search.store import texts_digest


def random_vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    return normalize(np.random.default_rng(seed).normal(size=(n, dim)))


def brute(matrix: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return list(np.argsort(-(matrix @ query), kind="stable")[:k])


def test_exact_index_matches_brute_force() -> None:
    matrix = random_vectors(500)
    keys = [f"p{i}" for i in range(500)]
    index = VectorIndex(keys, matrix)
    assert not index.approximate
    for q in random_vectors(5, seed=1):
        hits = index.search(q, 10)
        assert [k for k, _ in hits] == [keys[i] for i in brute(matrix, q, 10)]
        assert hits[0][1] == pytest.approx(float(matrix[brute(matrix, q, 1)[0]] @ q), abs=1e-5)


def test_hnsw_above_threshold_has_high_recall() -> None:
    matrix = random_vectors(3000, dim=16)
    keys = [str(i) for i in range(3000)]
    index = VectorIndex(keys, matrix, hnsw_threshold=1000)
    assert index.approximate
    found = 0
    queries = random_vectors(20, dim=16, seed=2)
    for q in queries:
        truth = {keys[i] for i in brute(matrix, q, 10)}
        found += len(truth & {k for k, _ in index.search(q, 10)})
    assert found / (10 * len(queries)) >= 0.95


def test_allowed_and_exclude() -> None:
    matrix = random_vectors(50)
    keys = [f"k{i:02d}" for i in range(50)]
    index = VectorIndex(keys, matrix)
    q = matrix[7]
    assert index.search(q, 1)[0][0] == "k07"
    assert "k07" not in [k for k, _ in index.search(q, 5, exclude=["k07"])]
    allowed = {"k01", "k02", "k03", "unknown"}
    hits = index.search(q, 10, allowed=allowed)
    assert {k for k, _ in hits} == {"k01", "k02", "k03"}
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert index.search(q, 10, allowed=set()) == []
    assert VectorIndex([], np.zeros((0, 32), dtype=np.float32)).search(q, 3) == []


@pytest.mark.parametrize("threshold", [10_000, 10])
def test_save_and_load_round_trip(tmp_path: Path, threshold: int) -> None:
    matrix = random_vectors(40)
    keys = [f"k{i}" for i in range(40)]
    print_ = fingerprint("m", texts_digest(zip(keys, keys)))
    VectorIndex(keys, matrix, hnsw_threshold=threshold).save(tmp_path, "m", print_)
    loaded = VectorIndex.load(tmp_path, "m", print_, hnsw_threshold=threshold)
    assert loaded is not None and loaded.keys == keys
    assert np.array_equal(loaded.matrix, matrix)
    assert loaded.search(matrix[3], 1)[0][0] == "k3"
    assert VectorIndex.load(tmp_path, "m", "other", hnsw_threshold=threshold) is None
    assert VectorIndex.load(tmp_path, "other-model", print_, hnsw_threshold=threshold) is None


def test_damaged_index_files_are_ignored(tmp_path: Path) -> None:
    matrix = random_vectors(5)
    keys = list("abcde")
    VectorIndex(keys, matrix).save(tmp_path, "m", "fp")
    meta, npy, _ = VectorIndex.files(tmp_path, "m")
    npy.write_bytes(b"junk")
    assert VectorIndex.load(tmp_path, "m", "fp") is None
    meta.write_text("{not json")
    assert VectorIndex.load(tmp_path, "m", "fp") is None


def test_fingerprint_depends_on_model_keys_and_hashes() -> None:
    def print_(model: str, items: list[tuple[str, str]]) -> str:
        return fingerprint(model, texts_digest(items))

    base = print_("m", [("a", "1"), ("b", "2")])
    assert base == print_("m", [("a", "1"), ("b", "2")])
    assert base != print_("n", [("a", "1"), ("b", "2")])
    assert base != print_("m", [("a", "1"), ("b", "3")])
    assert base != print_("m", [("a", "1")])
    assert base != print_("m", [("b", "1"), ("a", "2")])
