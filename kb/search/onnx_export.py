"""The query encoder for the browser: an ONNX export of the embedding model, int8 per channel.

The course site embeds a reader's query in the browser with transformers.js, which runs ONNX
models. :func:`ensure_onnx_model` exports the sentence-transformers model's BERT encoder
once with torch (``torch.onnx.export`` with the TorchScript exporter, opset 14, dynamic batch
and sequence axes, eager attention), quantises its weights to int8 per output channel with
onnxruntime (per-tensor quantisation moves query vectors too far: cosine 0.93 against 0.99),
except for the first layer's feed-forward output, kept in float32 (+1.8 MB): its input, the
GELU activations, has outliers that a uint8 activation scale flattens, and short queries
("PPO") lost most there (cosine 0.954 against 0.990 with it kept). Like sentence-transformers,
the encoder reads at most ``max_seq_length`` (256) word pieces: the position table is cut to
that length and the shipped tokenizer_config.json truncates there. The layout is the one
transformers.js reads for a local model::

    <cache>/<name>/config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json
    <cache>/<name>/onnx/model_quantized.onnx          (dtype "q8")

The folder is keyed by a hash of the model's files and the export recipe, so a changed model
or recipe makes a new export and an unchanged one is never exported twice. torch, onnx and
onnxruntime are imported only when an export is needed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.errors import ConfigError, MissingDependencyError
from kb.fs import publish_folder

RECIPE = "torchscript-opset14-eager/positions-256/int8-per-channel-ffn0-fp32/v4"
# MatMul nodes left in float32 (see the module docstring).
KEEP_FLOAT = ("/layer.0/output/dense/",)
OPSET = 14
ONNX_FILE = "onnx/model_quantized.onnx"
DTYPE = "q8"  # transformers.js' name for model_quantized.onnx
TOKENIZER_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json",
                   "special_tokens_map.json")


def model_hash(model_dir: Path) -> str:
    """A short hash of the files that define the encoder, and of the export recipe."""
    digest = hashlib.sha256(RECIPE.encode())
    for name in ("model.safetensors", *TOKENIZER_FILES):
        path = model_dir / name
        if path.is_file():
            digest.update(name.encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def export_name(model_dir: Path) -> str:
    """The folder name of the export: readable, and unique per model and recipe."""
    return f"minilm-{model_hash(model_dir)}"


def ensure_onnx_model(model_dir: Path, cache: Path,
                      note: Callable[[str], object] | None = None) -> Path:
    """The export's folder under ``cache``, exporting and quantising now if it is missing
    (about 20 s on two cores, announced through ``note`` before it starts and when done)."""
    model_dir = Path(model_dir)
    if not (model_dir / "model.safetensors").is_file() or not (model_dir / "config.json").is_file():
        raise ConfigError(f"{model_dir} holds no model.safetensors and config.json to export",
                          field="plugins.kb.model",
                          fix="use the bundled all-MiniLM-L6-v2 or a saved BERT "
                              "sentence-transformers model folder")
    target = cache / export_name(model_dir)
    if (target / ONNX_FILE).is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if note is not None:
        note(f"preparing the search model, once: ~20 s (its ONNX export, into {cache})")
    with tempfile.TemporaryDirectory(dir=cache, prefix=".export-") as tmp:
        work = Path(tmp)
        fp32 = work / "model.onnx"
        out = work / "out"
        (out / "onnx").mkdir(parents=True)
        longest = _max_length(model_dir)
        with _quiet():  # the exporter's and quantiser's advice is noise in a site build's log
            _export(model_dir, fp32)
            _cut_positions(fp32, longest)
            _quantize(fp32, out / ONNX_FILE)
        for name in TOKENIZER_FILES:
            if (model_dir / name).is_file():
                shutil.copyfile(model_dir / name, out / name)
        settings = json.loads((out / "tokenizer_config.json").read_text("utf-8")) \
            if (out / "tokenizer_config.json").is_file() else {}
        settings["model_max_length"] = longest
        (out / "tokenizer_config.json").write_text(json.dumps(settings, indent=2) + "\n", "utf-8")
        # The model's tokenizer.json pads every text to 128 and cuts at 128; the CLI's encoder
        # neither pads nor cuts before max_seq_length: the browser's copy does the same.
        tokenizer = json.loads((out / "tokenizer.json").read_text("utf-8"))
        tokenizer["padding"] = None
        if tokenizer.get("truncation"):
            tokenizer["truncation"]["max_length"] = longest
        (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False,
                                                       separators=(",", ":")), "utf-8")
        (out / "export.json").write_text(json.dumps({"recipe": RECIPE, "opset": OPSET}) + "\n",
                                          encoding="utf-8")
        publish_folder(out, target, ONNX_FILE)  # another build may have finished it first
    if note is not None:
        note(f"search model ready in {time.perf_counter() - started:.0f} s: {target}")
    return target


def _max_length(model_dir: Path) -> int:
    """The longest input the sentence-transformers model reads (its max_seq_length)."""
    config = json.loads((model_dir / "config.json").read_text("utf-8"))
    longest = int(config.get("max_position_embeddings", 512))
    st_config = model_dir / "sentence_bert_config.json"
    if st_config.is_file():
        longest = min(longest, int(json.loads(st_config.read_text("utf-8"))
                                   .get("max_seq_length") or longest))
    return longest


def _cut_positions(path: Path, longest: int) -> None:
    """Keep the first ``longest`` rows of the position embeddings (the rest is never read)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    for tensor in model.graph.initializer:
        if tensor.name.endswith("position_embeddings.weight"):
            rows = numpy_helper.to_array(tensor)[:longest]
            tensor.CopyFrom(numpy_helper.from_array(rows, tensor.name))
    onnx.save(model, str(path))


@contextmanager
def _quiet() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _export(model_dir: Path, path: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise MissingDependencyError("exporting the browser's query encoder needs torch and "
                                     "transformers", fix="pip install torch==2.13.0 "
                                     "sentence-transformers") from None
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager",
                                      local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(Encoder(), (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                          str(path), input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                        "token_type_ids": axes, "last_hidden_state": axes},
                          opset_version=OPSET, dynamo=False)


def _quantize(source: Path, target: Path) -> None:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise MissingDependencyError("quantising the browser's query encoder needs onnxruntime",
                                     fix="pip install onnxruntime onnx") from None
    import onnx

    graph = onnx.load(str(source), load_external_data=False).graph
    keep = [n.name for n in graph.node
            if n.op_type == "MatMul" and any(part in n.name for part in KEEP_FLOAT)]
    quantize_dynamic(str(source), str(target), per_channel=True, weight_type=QuantType.QInt8,
                     nodes_to_exclude=keep)
