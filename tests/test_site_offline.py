"""A new course builds with the network unreachable and searches by meaning.

`kb init`, then `kb site build --strict`, as processes, with the npm registry and every proxy
pointing at a closed port and a fresh user cache (KB_CACHE_HOME): the browser files come from
the kb package, the query encoder is exported into the cache once (saying so), and a second
course reuses it. The built search page then answers a query by meaning: its files through
ONNX Runtime in Python, and the page itself in headless Chromium.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from typing import Any
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, every request fails
OFFLINE = {"npm_config_registry": CLOSED, "NPM_CONFIG_REGISTRY": CLOSED, "http_proxy": CLOSED,
           "https_proxy": CLOSED, "HTTP_PROXY": CLOSED, "HTTPS_PROXY": CLOSED, "ALL_PROXY": CLOSED,
           "no_proxy": "", "NO_PROXY": "", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
QUERY = "teaching a chatbot to follow instructions from people's rankings"
PAPERS = {
    "ouyang2022training": """---
type: article
title: Training language models to follow instructions with human feedback
authors: ["Ouyang, Long", "Wu, Jeff"]
year: 2022
tags: [rlhf]
summary: >-
  Fine-tunes a language model on demonstrations, then on a reward model learned from
  rankings of its outputs, so that it does what its users ask.
---
""",
    "christiano2017deep": """---
type: inproceedings
title: Deep reinforcement learning from human preferences
authors: ["Christiano, Paul", "Leike, Jan"]
year: 2017
tags: [rlhf]
summary: >-
  Learns a reward function from comparisons of behaviour clips that people make, and
  trains an agent on it.
---
""",
}


def kb_process(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()  # kb site itself silences the notices
           if k not in ("NO_MKDOCS_2_WARNING", "DISABLE_MKDOCS_2_WARNING")}
    env.update({"PYTHONPATH": str(ROOT), "KB_CACHE_HOME": str(cache), **OFFLINE})
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def new_course(folder: Path, cache: Path, generator: str) -> subprocess.CompletedProcess[str]:
    """`kb init` a course with three papers, then `kb site build --strict` it."""
    done = kb_process("init", "course", "--title", "Offline Course", cwd=folder, cache=cache)
    assert done.returncode == 0, done.stderr
    for key, text in PAPERS.items():
        (folder / "course/papers" / f"{key}.md").write_text(text, encoding="utf-8")
    return kb_process("site", "build", "--strict", "--generator", generator,
                      cwd=folder / "course", cache=cache)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    cache = tmp_path_factory.mktemp("user-cache")
    # The quick model is distilled once per machine (about 20 s); this cache starts with the
    # machine's copy, so the build shows it is found there (tests/test_quick_model.py distils
    # one from a model of its own). The ONNX export is done here for real.
    from kb.search.embed import DEFAULT_MODEL, model_location
    from kb.site.vendor import quick_model

    machine = quick_model(Path(model_location(DEFAULT_MODEL)))
    shutil.copytree(machine, cache / "static" / machine.name)
    first = new_course(tmp_path_factory.mktemp("first"), cache, "mkdocs")
    second_folder = tmp_path_factory.mktemp("second")
    second = new_course(second_folder, cache, "auto")  # ProperDocs where it is installed
    return {"first": first, "second": second, "site": second_folder / "course/site",
            "cache": cache}


def test_a_new_course_builds_offline_and_prepares_the_model_once(built: dict[str, object]) -> None:
    first, second = built["first"], built["second"]
    assert isinstance(first, subprocess.CompletedProcess) and isinstance(second, subprocess.CompletedProcess)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "preparing the search model, once: ~20 s" in first.stderr
    assert "and the kb plugin" in first.stderr.splitlines()[0]  # says which generator runs
    assert "Material for MkDocs reaches end of life" not in first.stderr + first.stdout
    assert "WARNING: MkDocs may break" not in first.stderr + first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert "preparing the search model" not in second.stderr  # every course reuses it
    assert "preparing the quick search model" not in first.stderr + second.stderr
    cache = built["cache"]
    assert isinstance(cache, Path) and len(list((cache / "onnx").glob("minilm-*/onnx/*.onnx"))) == 1
    assert [p.name for p in (cache / "static").iterdir()] == [
        p.name for p in (built["site"] / "assets/kb/quick").iterdir()]  # type: ignore[operator]
    assert not (cache / "npm").exists()  # nothing was downloaded


def test_the_built_search_files_answer_by_meaning(built: dict[str, object]) -> None:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    site = built["site"]
    assert isinstance(site, Path)
    index = json.loads((site / "assets/kb/search/index.json").read_text(encoding="utf-8"))
    keys = [p["key"] for p in index["papers"]]
    assert sorted(keys) == sorted([*PAPERS, "vaswani2017attention"])
    for name in ("transformers.min.js", "ort-wasm-simd-threaded.wasm", "LICENSES.txt"):
        assert (site / "assets/kb/vendor" / name).is_file()
    raw = (site / "assets/kb/search/vectors.bin").read_bytes()
    n, dim = index["vectors"]["count"], index["vectors"]["dim"]
    scales = np.frombuffer(raw[:4 * n], dtype="<f4")
    vectors = np.frombuffer(raw[4 * n:], dtype=np.int8).reshape(n, dim) * scales[:, None]
    model = site / "assets/kb/model" / index["model"]["name"]
    tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
    tokenizer.no_padding()
    ids = np.array([tokenizer.encode(QUERY).ids])
    session = ort.InferenceSession(str(model / "onnx/model_quantized.onnx"),
                                   providers=["CPUExecutionProvider"])
    hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                "token_type_ids": np.zeros_like(ids)})[0][0]
    query = hidden.mean(axis=0)
    query /= np.linalg.norm(query)
    scores = vectors @ query / np.linalg.norm(vectors, axis=1)
    assert keys[int(np.argmax(scores))] == "ouyang2022training"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(built: dict[str, object]) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(built["site"]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@pytest.mark.browser
def test_the_search_page_answers_by_meaning_in_chromium(served: str, page: Any) -> None:
    """The session's Chromium (its tab fails the test on any request off 127.0.0.1): the
    built course answers by meaning from its own files alone."""
    page.goto(served + "search/")
    hits = page.evaluate("([q]) => window.kb.search(q, {mode: 'semantic', k: 3})", [QUERY])
    assert hits[0]["key"] == "ouyang2022training"
