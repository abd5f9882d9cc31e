"""The numpy query encoder maps weights prepared once per machine: the same floats and the
same vectors as reading the model file, and a damaged or unwritable copy falls back to it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb.search import minilm
from kb.search.embed import model_location

pytestmark = pytest.mark.model
QUERY = "papers about reward over-optimisation"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KB_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "encoder"


def _model() -> Path:
    return Path(model_location("all-MiniLM-L6-v2")) / "model.safetensors"


def test_prepared_weights_equal_the_model_file_and_are_mapped(cache: Path) -> None:
    direct = minilm._from_safetensors(_model())
    first = minilm.prepared_weights(_model())  # prepares the copy
    assert len(list(cache.glob("*.json"))) == 1 and len(list(cache.glob("*.bin"))) == 1
    mapped = minilm.prepared_weights(_model())
    for expected, got, again in zip(direct, first, mapped):
        assert expected.keys() == got.keys() == again.keys()
        for name in expected:
            assert np.array_equal(expected[name], again[name]), name
    assert all(isinstance(a.base, np.memmap) or isinstance(a, np.memmap)
               for part in mapped for a in part.values())


def test_vectors_from_the_prepared_copy_are_identical(cache: Path) -> None:
    location = model_location("all-MiniLM-L6-v2")
    fresh = minilm.MiniEncoder(location).embed([QUERY])
    again = minilm.MiniEncoder(location).embed([QUERY])  # from the mapped copy
    assert np.array_equal(fresh, again)


def test_a_damaged_copy_falls_back_to_the_model_file(cache: Path) -> None:
    minilm.prepared_weights(_model())
    (data,) = cache.glob("*.bin")
    data.write_bytes(data.read_bytes()[:1000])  # cut short
    _, dense = minilm.prepared_weights(_model())
    direct = minilm._from_safetensors(_model())
    assert all(np.array_equal(direct[1][n], dense[n]) for n in direct[1])


def test_an_unwritable_cache_reads_the_model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("KB_CACHE_HOME", str(blocker))
    _, dense = minilm.prepared_weights(_model())
    assert "encoder.layer.0.attention.self.query" in dense
