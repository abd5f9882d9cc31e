"""The search page's build side: payload, vectors, pinned browser files, ONNX query encoder.

The browser side (ranking, model, fallback, escaping) is in test_browser_search.py.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from kb.search import engine, fusion
from kb.search.embed import HashingEmbedder
from kb.site import semantic, vendor
from site_helpers import add_rlhf, build_site, set_option


def test_rules_are_the_engines_constants() -> None:
    rules = semantic.rules()
    assert (rules["coverage_weight"], rules["fusion_depth"], rules["strong"]) == (
        fusion.COVERAGE_WEIGHT, fusion.FUSION_DEPTH, fusion.STRONG)
    assert rules["modes"] == list(engine.MODES)
    assert "the" in rules["stop_words"] and rules["bm25"]["column_weights"]["title"] == 2.0
    assert "why" in rules["function_words"] and "why" not in rules["stop_words"]
    assert set(rules["stop_words"]) <= set(rules["function_words"])


def test_int8_vectors_keep_their_direction() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(50, 384)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    q, scale = semantic.quantize(matrix)
    back = q.astype(np.float32) * scale[:, None]
    cos = (back * matrix).sum(axis=1) / np.linalg.norm(back, axis=1)
    assert q.dtype == np.int8 and cos.min() > 0.9999
    data = semantic.vectors_file(matrix)
    assert len(data) == 50 * 4 + 50 * 384
    assert np.allclose(np.frombuffer(data[:200], "<f4"), scale)


def test_fake_embedder_build_ships_keyword_index_and_search_page(course: Path) -> None:
    set_option(course, "related", "0")
    add_rlhf(course)
    site = build_site(course, embedder=HashingEmbedder())
    data = json.loads((site / "assets/kb/search/index.json").read_text("utf-8"))
    keys = [p["key"] for p in data["papers"]]
    assert keys == ["christiano2017deep", "ouyang2022training", "vaswani2017attention"]
    instruct = data["papers"][1]
    assert instruct["url"] == "papers/ouyang2022training/"
    assert instruct["passages"] == [
        "Fine-tunes a language model on demonstrations, then on a reward model learned from "
        "rankings of its outputs, so that it does what its users ask.", "Notes."]
    assert instruct["authors"][0] == "Long Ouyang" and instruct["sessions"] == [2]
    assert [s["number"] for s in data["sessions"]] == [1, 2]
    # no model of this embedder can run in a browser: keyword search only, no vectors shipped
    assert data["model"] is None and data["vectors"] is None and data["passages"] is None
    assert not (site / "assets/kb/search/vectors.bin").exists()
    assert not (site / "assets/kb/search/passages.bin").exists()
    postings = data["keyword"]["terms"]
    # porter stems from FTS5's own index; "instructions" in the title (weight 2) of paper 1
    assert "instruct" in postings and 1 in postings["instruct"][0::2]
    assert data["keyword"]["rows"] == 3 and len(data["keyword"]["lengths"]) == 3
    page = (site / "search/index.html").read_text("utf-8")
    assert "data-kb-search" in page and 'name="session"' in page
    # ES modules: the two the pages load, and the ones they import, shipped beside them
    assert '<script src="../assets/kb/kb-search.js" type="module"></script>' in page
    assert '<script src="../assets/kb/kb-search-page.js" type="module"></script>' in page
    for module in ("tokens.js", "rank.js", "model.js"):
        assert f'from "./{module}"' in (site / "assets/kb/kb-search.js").read_text("utf-8")
        assert (site / "assets/kb" / module).is_file() and f"kb/{module}" not in page


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local npm registry folder served over HTTP, NPM_CONFIG_REGISTRY pointing at it."""
    root = tmp_path / "registry"
    root.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield root
    finally:
        server.shutdown()
        server.server_close()


def test_vendor_checks_tarball_and_file_digests(registry: Path, tmp_path: Path) -> None:
    js = b"export const x = 1;\n"
    data = _tarball({"dist/x.js": js, "README.md": b"not taken"})
    (registry / "demo" / "-").mkdir(parents=True)
    (registry / "demo" / "-" / "demo-1.0.0.tgz").write_bytes(data)
    good = vendor.Package("demo", "1.0.0", vendor.sri_sha512(data), "MIT",
                          {"dist/x.js": hashlib.sha256(js).hexdigest()})
    cache = tmp_path / "cache"
    folder = vendor.ensure_package(good, cache)
    assert (folder / "dist/x.js").read_bytes() == js
    assert not (folder / "README.md").exists()
    (folder / "dist/x.js").write_bytes(b"tampered")  # a changed copy is fetched again
    assert (vendor.ensure_package(good, cache) / "dist/x.js").read_bytes() == js

    wrong_tarball = vendor.Package("demo", "1.0.0", "sha512-AAAA", "MIT", good.files)
    with pytest.raises(vendor.VendorError, match="does not match the pinned integrity"):
        vendor.ensure_package(wrong_tarball, tmp_path / "other")
    wrong_file = vendor.Package("demo", "1.0.0", good.integrity, "MIT", {"dist/x.js": "0" * 64})
    with pytest.raises(vendor.VendorError, match="does not match its pinned sha256"):
        vendor.ensure_package(wrong_file, tmp_path / "third")
    missing = vendor.Package("demo", "2.0.0", good.integrity, "MIT", good.files)
    with pytest.raises(vendor.VendorError, match=r"cannot download demo@2\.0\.0") as caught:
        vendor.ensure_package(missing, tmp_path / "fourth")
    assert "NPM_CONFIG_REGISTRY" in str(caught.value)


def test_pinned_packages_name_versions_licences_and_digests() -> None:
    for package in vendor.PACKAGES:
        assert package.integrity.startswith("sha512-") and package.licence
        assert all(len(d) == 64 for d in package.files.values())
        assert package.tarball.endswith(f"-{package.version}.tgz")
    assert vendor.TRANSFORMERS.version == "4.3.1"


@pytest.mark.model
def test_onnx_query_encoder_agrees_with_the_cli(tmp_path: Path) -> None:

    import onnxruntime as ort
    from tokenizers import Tokenizer

    from kb.search.embed import default_embedder, model_location
    from kb.search.onnx_export import ONNX_FILE, ensure_onnx_model

    from kb.fs import cache_home

    cache = cache_home() / "onnx"
    folder = ensure_onnx_model(Path(model_location("all-MiniLM-L6-v2")), cache)
    assert ensure_onnx_model(Path(model_location("all-MiniLM-L6-v2")), cache) == folder
    assert (folder / "tokenizer.json").is_file() and (folder / "config.json").is_file()
    assert (folder / ONNX_FILE).stat().st_size < 30_000_000  # int8, not float32 (90 MB)
    session = ort.InferenceSession(str(folder / ONNX_FILE), providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    cli = default_embedder()
    for query in ("teaching a chatbot to follow instructions from people's rankings",
                  "efficient attention for long sequences", "reward hacking"):
        ids = np.array([tokenizer.encode(query).ids])
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0][0]
        vector = hidden.mean(axis=0)
        vector /= np.linalg.norm(vector)
        assert float(vector @ cli.embed([query])[0]) >= 0.99, query


def test_a_model_folder_that_cannot_be_exported_is_named(tmp_path: Path) -> None:
    from kb.errors import ConfigError
    from kb.search.onnx_export import ensure_onnx_model

    with pytest.raises(ConfigError, match=r"holds no model\.safetensors") as caught:
        ensure_onnx_model(tmp_path, tmp_path / "cache")
    assert caught.value.fix and "plugins.kb.model" in str(caught.value)
