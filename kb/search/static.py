"""A static query encoder distilled from the bundled model: meaning from a few MB, at once.

The site's full query encoder (all-MiniLM-L6-v2 run by transformers.js) is about 40 MB to
download, half a minute on a phone's link. A static model answers the first query by meaning
from a table of word-piece vectors instead: a text's vector is the mean of the rows of its
word pieces, so embedding a query is a lookup, in the browser (``assets/kb/static.js``) as here.

The table is distilled from the bundled model by the model2vec recipe (Tulkens & van Dongen,
2024), computed here with kb's own numpy encoder (:mod:`kb.search.minilm`), so no package is
added: every word piece of the model's vocabulary is run through the model alone
(``[CLS] piece [SEP]``) and its last hidden states mean pooled; the rows are centred and
reduced by PCA to :data:`DIM` dimensions (signs fixed so that each component's largest value
is positive); each row is weighted by SIF, ``a / (a + p)`` with ``a`` = :data:`SIF` and ``p``
the piece's Zipf probability from its rank in the vocabulary; rows are stored as int8 with one
float32 scale each. ``[unusedN]`` pieces get zero rows. A text is split by the model's own
WordPiece tokenizer (lower-cased, accents stripped, no ``[CLS]``/``[SEP]``, no length limit),
``[UNK]`` pieces are dropped, and the mean of the remaining rows is scaled to unit length.

Distilling takes about 16 s on two cores, once per machine, into kb's user cache
(``<cache>/static/<name>/``): ``vocab.txt`` (one piece per line, line i = id i),
``embeddings.bin`` (``count`` little-endian float32 scales, then ``count x dim`` int8 values)
and ``static.json`` (written last: its presence marks the folder whole). The site ships the
first two; the papers' vectors by this model are computed by the same :class:`StaticEmbedder`
that :mod:`kb.search.engine` uses for any embedder, so the page and ``kb`` agree.

Why these numbers: scripts/eval_devset.py measures the static model per kind of question on
the development set (its ``kb static ...`` rows).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from kb.errors import ConfigError
from kb.fs import publish_folder
from kb.search.blas import one_blas_thread

RECIPE = "kb-static-1: model2vec recipe, mean pooling, PCA, SIF 1e-4, int8 rows"
DIM = 128
SIF = 1e-4
META = "static.json"
VOCAB = "vocab.txt"
EMBEDDINGS = "embeddings.bin"
_UNUSED = re.compile(r"\[unused\d+\]")
_BATCH = 2048
_THREADS = 4


def static_name(model_dir: Path, dim: int = DIM) -> str:
    """The cache folder's name: unique per source model, recipe and dimension."""
    digest = hashlib.sha256(f"{RECIPE}\0{dim}".encode())
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        path = Path(model_dir) / name
        if path.is_file():
            info = path.stat()
            digest.update(f"{name}\0{info.st_size}\0".encode())
            with path.open("rb") as handle:
                digest.update(handle.read(1 << 16))
    return f"static{dim}-{digest.hexdigest()[:16]}"


def _vocabulary(model_dir: Path) -> tuple[list[str], dict[str, int]]:
    data = json.loads((Path(model_dir) / "tokenizer.json").read_text(encoding="utf-8"))
    model = data.get("model") or {}
    if model.get("type") != "WordPiece" or not isinstance(model.get("vocab"), dict):
        raise ConfigError(f"{model_dir}/tokenizer.json is not a WordPiece tokenizer",
                          field="plugins.kb.model",
                          fix="use the bundled all-MiniLM-L6-v2 (a BERT WordPiece model)")
    vocab: dict[str, int] = model["vocab"]
    pieces = [""] * len(vocab)
    for piece, i in vocab.items():
        if not 0 <= i < len(pieces) or pieces[i] or "\n" in piece or "\r" in piece:
            raise ConfigError(f"{model_dir}/tokenizer.json: its vocabulary is not a list of "
                              "ids 0..n-1 of one-line pieces", field="plugins.kb.model")
        pieces[i] = piece
    return pieces, vocab


def pca(rows: np.ndarray, dim: int) -> np.ndarray:
    """``rows`` centred and projected on their first ``dim`` principal components, each
    component's sign chosen so that its largest absolute value is positive (model2vec's)."""
    centred = rows - rows.mean(axis=0)
    cov = (centred.T @ centred) / max(len(rows) - 1, 1)
    _, vectors = np.linalg.eigh(cov)
    components = vectors[:, ::-1][:, :dim]
    scores = centred @ components
    peak = np.argmax(np.abs(scores), axis=0)
    signs = np.sign(scores[peak, np.arange(scores.shape[1])])
    return scores * np.where(signs == 0, 1, signs)


def sif_weights(count: int, a: float = SIF) -> np.ndarray:
    """SIF weights of ``count`` pieces in vocabulary order, Zipf's law standing in for counts."""
    inverse_rank = 1.0 / np.arange(2, count + 2)
    probability = inverse_rank / inverse_rank.sum()
    return a / (a + probability)


def quantize(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows as int8 with one float32 scale each: ``row ~= scale * q`` (max error scale / 2);
    the site's vector files use it too (:func:`kb.site.semantic.vectors_file`)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    peak = np.abs(matrix).max(axis=1) if len(matrix) else np.zeros(0, dtype=np.float32)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def pooled_vocabulary(model_dir: Path, progress: Callable[[int, int], object] | None = None
                      ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(vocabulary, ids of the pieces kept, their mean-pooled outputs of the model alone)."""
    from kb.search import minilm

    if not minilm.supported(model_dir):
        raise ConfigError(f"{model_dir} is not a BERT sentence-transformers model with mean "
                          "pooling, which the static model is distilled from",
                          field="plugins.kb.model",
                          fix="use the bundled all-MiniLM-L6-v2")
    pieces, vocab = _vocabulary(model_dir)
    cls, sep = vocab.get("[CLS]"), vocab.get("[SEP]")
    if cls is None or sep is None:
        raise ConfigError(f"{model_dir}/tokenizer.json has no [CLS] and [SEP] pieces",
                          field="plugins.kb.model")
    kept = np.array([i for i, p in enumerate(pieces) if not _UNUSED.fullmatch(p)], dtype=np.int64)
    encoder = minilm.MiniEncoder(model_dir)
    pooled = np.zeros((len(kept), encoder.dim), dtype=np.float32)

    def run(start: int) -> int:
        ids = kept[start:start + _BATCH]
        batch = np.stack([np.full(len(ids), cls), ids, np.full(len(ids), sep)], axis=1)
        pooled[start:start + len(ids)] = encoder.pooled(batch)
        return start + len(ids)

    # a batch per thread, each with one BLAS thread: the element-wise steps between the
    # matrix products (GELU, softmax, layer norm; half the time) run on one core in numpy,
    # which lets go of the GIL for them, so two batches side by side use two cores throughout
    # (26 s -> 16 s on the 2-core machine). The rows do not depend on the split.
    with one_blas_thread(), ThreadPoolExecutor(max_workers=min(_THREADS, os.cpu_count() or 1)
                                               ) as pool:
        for done in pool.map(run, range(0, len(kept), _BATCH)):
            if progress is not None:
                progress(done, len(kept))
    return pieces, kept, np.nan_to_num(pooled)


def reduce(count: int, kept: np.ndarray, pooled: np.ndarray, dim: int) -> np.ndarray:
    """The static table (``count`` rows, zero for pieces not kept) from the pooled outputs."""
    reduced = pca(pooled.astype(np.float64), dim)
    reduced *= sif_weights(len(kept))[:, None]
    table = np.zeros((count, reduced.shape[1]), dtype=np.float32)
    table[kept] = reduced
    return table


def distil(model_dir: Path, dim: int = DIM,
           progress: Callable[[int, int], object] | None = None) -> tuple[list[str], np.ndarray]:
    """(vocabulary, float32 table) of the static model distilled from ``model_dir``."""
    pieces, kept, pooled = pooled_vocabulary(model_dir, progress)
    return pieces, reduce(len(pieces), kept, pooled, dim)


def write_model(folder: Path, pieces: list[str], table: np.ndarray, source: str) -> None:
    """The model's files in ``folder`` (``static.json`` last)."""
    q, scale = quantize(table)
    (folder / VOCAB).write_text("\n".join(pieces) + "\n", encoding="utf-8")
    (folder / EMBEDDINGS).write_bytes(scale.astype("<f4").tobytes() + q.tobytes())
    (folder / META).write_text(json.dumps({"recipe": RECIPE, "dim": int(table.shape[1]),
                                           "count": len(pieces), "sif": SIF,
                                           "source": source}) + "\n", encoding="utf-8")


def ensure_static_model(model_dir: Path, cache: Path, dim: int = DIM,
                        note: Callable[[str], object] | None = None) -> Path:
    """The static model's folder under ``cache``, distilled now if it is missing (about a
    minute, announced through ``note``)."""
    model_dir = Path(model_dir)
    target = cache / static_name(model_dir, dim)
    if (target / META).is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if note is not None:
        note(f"preparing the quick search model, once: ~20 s (distilled into {cache})")
    pieces, table = distil(model_dir, dim)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".static-") as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        write_model(out, pieces, table, model_dir.name)
        publish_folder(out, target, META)
    if note is not None:
        note(f"quick search model ready in {time.perf_counter() - started:.0f} s: {target}")
    return target


def read_table(folder: Path) -> tuple[int, np.ndarray]:
    """(dim, float32 table) of a static model folder, dequantised as the browser does."""
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    count, dim = int(meta["count"]), int(meta["dim"])
    raw = (folder / EMBEDDINGS).read_bytes()
    if len(raw) != count * 4 + count * dim:
        raise ConfigError(f"{folder / EMBEDDINGS} is {len(raw)} bytes, not the {count * (4 + dim)} "
                          "its static.json describes", fix=f"delete {folder} to distil it again")
    scale = np.frombuffer(raw[:count * 4], dtype="<f4")
    q = np.frombuffer(raw[count * 4:], dtype=np.int8).reshape(count, dim)
    return dim, q.astype(np.float32) * scale[:, None]


class StaticEmbedder:
    """The static model as an :class:`~kb.search.embed.Embedder`: a text's vector is the mean
    of its word pieces' rows, unit length (a text with no known piece gets a zero vector)."""

    quick = True  # ranked with kb.search.fusion's quick constants

    def __init__(self, folder: Path, tokenizer_file: Path, base: str):
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        self._dim, self.table = read_table(self.folder)
        self.name = f"static{self._dim}:{base}"
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.unknown = self.tokenizer.token_to_id("[UNK]")
        # the added tokens ([CLS], [UNK], ...) match as written, before any other step
        self.special = {token.content: i for i, token
                        in self.tokenizer.get_added_tokens_decoder().items()}

    @property
    def dim(self) -> int:
        return self._dim

    def pieces(self, text: str) -> list[int]:
        """The ids of the word pieces of ``text`` that carry a vector."""
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        return [i for i in ids if i != self.unknown and 0 <= i < len(self.table)]

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.pieces(text)
            if ids:
                mean = self.table[ids].mean(axis=0)
                norm = float(np.linalg.norm(mean))
                if norm > 0:
                    out[row] = mean / norm
        return out


class CentredEmbedder:
    """A static model's vectors centred on a library's mean vector (:func:`library_centre`),
    then unit length; a text with no known piece keeps its zero vector.

    The mean of many word pieces' rows leans towards what all texts share, so every paper of a
    large library looks alike to it; taking the library's mean away leaves what sets a paper
    apart (on the development set with 300 distractors: MRR@10 of the quick hybrid ranking
    0.757 -> 0.804, at a coverage weight of 1.0; course alone 0.888 -> 0.886)."""

    quick = True

    def __init__(self, inner: StaticEmbedder, centre: np.ndarray):
        self.inner = inner
        self.centre = np.asarray(centre, dtype=np.float32)
        digest = hashlib.sha256(self.centre.tobytes()).hexdigest()[:12]
        self.name = f"{inner.name}-centred-{digest}"

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.centred(self.inner.embed(texts))

    def centred(self, raw: np.ndarray) -> np.ndarray:
        """Rows of the inner model's vectors, centred and unit length (zero rows stay zero)."""
        known = np.abs(raw).sum(axis=1) > 0
        out = np.where(known[:, None], raw - self.centre, 0).astype(np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.where(norms == 0, 1, norms)).astype(np.float32)


def library_centre(inner: StaticEmbedder, texts: list[str]) -> np.ndarray:
    """The mean of the texts' static vectors (rounded to 6 decimals, as the site ships it)."""
    return centre_of(inner.embed(texts), inner.dim)


def centre_of(raw: np.ndarray, dim: int) -> np.ndarray:
    """The mean of static vectors already computed (:func:`library_centre`)."""
    if not len(raw):
        return np.zeros(dim, dtype=np.float32)
    return np.round(raw.mean(axis=0), 6).astype(np.float32)


def static_embedder(model_dir: Path, cache: Path, base: str, dim: int = DIM,
                    note: Callable[[str], object] | None = None) -> StaticEmbedder:
    """The static model of ``model_dir`` (distilled now if missing) as an embedder."""
    folder = ensure_static_model(model_dir, cache, dim, note)
    return StaticEmbedder(folder, Path(model_dir) / "tokenizer.json", base)
