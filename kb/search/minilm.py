"""A light encoder for a few short texts: BERT-style sentence-transformers models in numpy.

A ``kb search`` process embeds one query. Importing sentence-transformers (with torch,
transformers and scikit-learn) takes 5-9 s on the 2-core machine, a hundred times longer than
the query itself, so :class:`~kb.search.embed.SentenceTransformerEmbedder` hands a small batch to this
module while the full model is not loaded yet. It runs the same network (a BERT encoder, mean
pooling, L2 normalisation) from the model folder's own files, ``model.safetensors`` and
``tokenizer.json``, with numpy and the ``tokenizers`` package, which import in a fraction of a
second (and most queries need not even ``tokenizers``: :mod:`kb.search.wordpiece` gives their
word pieces). A model test checks that its vectors equal sentence-transformers' to float
precision.

Only folders laid out as sentence-transformers saves a BERT model with mean pooling qualify
(:func:`supported`); anything else stays with sentence-transformers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from kb.search.blas import one_blas_thread

# Abramowitz & Stegun 7.1.26: erf to 1.5e-7, below float32's resolution for GELU's purpose.
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


_ROOT_HALF = np.float32(1.0 / math.sqrt(2.0))


def _gelu(x: np.ndarray) -> np.ndarray:
    """0.5 x (1 + erf(x / sqrt 2)) of a float32 array, with erf as A&S 7.1.26 on |z| and the
    sign applied at the end; computed in place in three temporaries (a layer's hidden states
    are the encoder's largest arrays, and ufunc calls over them its largest cost after the
    matrix products)."""
    z = x * _ROOT_HALF
    t = np.abs(z)
    q = np.square(t)
    t *= np.float32(_ERF_P)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(_ERF_A[4])
    for a in _ERF_A[3::-1]:
        poly += np.float32(a)
        poly *= t
    np.negative(q, out=q)
    np.exp(q, out=q)
    q *= poly  # 1 - erf(|z|)
    np.subtract(np.float32(2.0), q, out=q, where=z >= 0)  # 1 + erf(z)
    q *= x
    q *= np.float32(0.5)
    return q


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def supported(folder: str | Path) -> bool:
    """Whether ``folder`` is a saved sentence-transformers BERT model with mean pooling."""
    root = Path(folder)
    try:
        modules = [m["type"].rsplit(".", 1)[-1] for m in _read_json(root / "modules.json")]
        config = _read_json(root / "config.json")
        pooling = _read_json(root / "1_Pooling" / "config.json")
    except (OSError, ValueError, KeyError, TypeError):
        return False
    only_mean = pooling.get("pooling_mode_mean_tokens") and not any(
        pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                 "pooling_mode_mean_sqrt_len_tokens"))
    return (modules in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"])
            and config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and bool(only_mean) and (root / "model.safetensors").is_file()
            and (root / "tokenizer.json").is_file())


Weights = dict[str, np.ndarray]
_ALIGN = 64


def _is_dense(name: str, array: np.ndarray) -> bool:
    return name.endswith(".weight") and array.ndim == 2 and "embeddings" not in name


def _from_safetensors(path: Path) -> tuple[Weights, Weights]:
    """(weights, dense layers' weights transposed) read from the model file itself. Dense layers
    multiply by W.T: transposed once into contiguous arrays, which BLAS multiplies several times
    faster than a strided view."""
    from safetensors.numpy import load_file

    weights = load_file(str(path))
    dense = {name[:-len(".weight")]: np.ascontiguousarray(w.T)
             for name, w in weights.items() if _is_dense(name, w)}
    return {n: w for n, w in weights.items() if not _is_dense(n, w)}, dense


def _prepared_name(path: Path) -> str:
    """A name for the prepared weights of the model file at ``path``: its header (names, shapes,
    offsets), size and modification time, so a changed file is prepared again."""
    import hashlib

    info = path.stat()
    with path.open("rb") as handle:
        header = handle.read(8 + int.from_bytes(handle.read(8), "little"))
    key = f"{path.resolve()}\0{info.st_size}\0{info.st_mtime_ns}\0".encode() + header
    return "minilm-" + hashlib.sha256(key).hexdigest()[:20]


def prepared_weights(path: Path) -> tuple[Weights, Weights]:
    """The encoder's weights as :func:`_from_safetensors` arranges them, memory-mapped from a
    copy prepared once per machine in kb's user cache (``<cache>/encoder/``): reading and
    transposing the 90 MB model file took a third of a second on every ``kb search``, mapping
    the prepared copy takes milliseconds, and the values are the same floats. Where the cache
    cannot be written, the model file is read as before."""
    from kb.fs import atomic_write, cache_home

    folder = cache_home() / "encoder"
    try:
        name = _prepared_name(path)
        index_file, data_file = folder / f"{name}.json", folder / f"{name}.bin"
        if not index_file.is_file():
            weights, dense = _from_safetensors(path)
            index: dict[str, list[Any]] = {}
            parts: list[bytes] = []
            offset = 0
            for kind, arrays in (("w", weights), ("t", dense)):
                for key, array in arrays.items():
                    data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
                    index[f"{kind}:{key}"] = [list(array.shape), offset]
                    padding = -len(data) % _ALIGN
                    parts.append(data + b"\0" * padding)
                    offset += len(data) + padding
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write(data_file, b"".join(parts))
            atomic_write(index_file, json.dumps(index))  # last: its presence marks the copy whole
            return weights, dense
        index = json.loads(index_file.read_text(encoding="utf-8"))
        mapped = np.memmap(data_file, dtype=np.uint8, mode="r")
        out: tuple[Weights, Weights] = ({}, {})
        for full, (shape, offset) in index.items():
            kind, key = full.split(":", 1)
            count = int(np.prod(shape))
            array = mapped[offset:offset + 4 * count].view(np.float32).reshape(shape)
            out[0 if kind == "w" else 1][key] = array
        return out
    except (OSError, ValueError, TypeError, KeyError):  # unwritable, or a damaged copy
        return _from_safetensors(path)


class MiniEncoder:
    """The encoder of a BERT sentence-transformers model, run with numpy on one text at a time."""

    def __init__(self, folder: str | Path):
        from kb.search.wordpiece import WordPiece

        root = Path(folder)
        config = _read_json(root / "config.json")
        st_config = _read_json(root / "sentence_bert_config.json") \
            if (root / "sentence_bert_config.json").is_file() else {}
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = int(st_config.get("max_seq_length") or config["max_position_embeddings"])
        self.weights, self.dense = prepared_weights(root / "model.safetensors")
        self._tokenizer_file = root / "tokenizer.json"
        if not self._tokenizer_file.is_file():
            raise OSError(f"no tokenizer.json in {root}")
        self.wordpiece = WordPiece.prepared(self._tokenizer_file, self.max_length)
        self._tokenizer: Any = None
        self.dim = int(config["hidden_size"])

    @property
    def tokenizer(self) -> Any:
        """The model's ``tokenizers.Tokenizer`` (loaded on first use: :attr:`wordpiece` covers
        most queries without it)."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self._tokenizer_file))
            tokenizer.no_padding()
            tokenizer.enable_truncation(self.max_length)
            self._tokenizer = tokenizer
        return self._tokenizer

    def token_ids(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The word-piece ids of ``text`` and their token types, as the model's tokenizer
        gives them (:mod:`kb.search.wordpiece` where it covers the text)."""
        ids = self.wordpiece.ids(text) if self.wordpiece is not None else None
        if ids is not None:
            return np.asarray(ids, dtype=np.int64), np.zeros(len(ids), dtype=np.int64)
        encoding = self.tokenizer.encode(text)
        return (np.asarray(encoding.ids, dtype=np.int64),
                np.asarray(encoding.type_ids, dtype=np.int64))

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        # one 2-D product over all the batch's tokens: numpy multiplies a 3-D array matrix by
        # matrix, which for short sequences is many times slower
        flat = x.reshape(-1, x.shape[-1]) @ self.dense[name] + self._w(f"{name}.bias")
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self._w(f"{name}.weight"), self._w(f"{name}.bias"), self.eps)

    def _encode_one(self, text: str) -> np.ndarray:
        ids, types = self.token_ids(text)
        pooled = self._forward(ids[None, :], types[None, :])[0].mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def _forward(self, ids: np.ndarray, types: np.ndarray) -> np.ndarray:
        """The last hidden states of a batch of sequences of one length: (batch, n, dim)."""
        batch, n = ids.shape
        x = (self._w("embeddings.word_embeddings.weight")[ids]
             + self._w("embeddings.position_embeddings.weight")[:n]
             + self._w("embeddings.token_type_embeddings.weight")[types])
        x = self._norm(x, "embeddings.LayerNorm")
        head = self.dim // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (self._dense(x, f"{p}.attention.self.{m}").reshape(batch, n, self.heads, head)
                       .transpose(0, 2, 1, 3) for m in ("query", "key", "value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(head))
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            context = (scores / scores.sum(axis=-1, keepdims=True)) @ v
            context = context.transpose(0, 2, 1, 3).reshape(batch, n, self.dim)
            x = self._norm(self._dense(context, f"{p}.attention.output.dense") + x,
                           f"{p}.attention.output.LayerNorm")
            hidden = _gelu(self._dense(x, f"{p}.intermediate.dense"))
            x = self._norm(self._dense(hidden, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
        return x

    def pooled(self, ids: np.ndarray) -> np.ndarray:
        """Mean-pooled last hidden states (not normalised) of token id sequences of one length,
        with no padding: what a static model is distilled from (:mod:`kb.search.static`)."""
        ids = np.asarray(ids, dtype=np.int64)
        return self._forward(ids, np.zeros_like(ids)).mean(axis=1)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with one_blas_thread():
            for i, text in enumerate(texts):
                out[i] = self._encode_one(text)
        return out
