"""Shared by the site and browser tests: temporary courses with a few papers, and builds."""

from __future__ import annotations

import functools
import logging
import os
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import ROOT, paper, write

OUTPUT = ROOT / "test-output"  # the browser tests' screenshots (make screenshots)

INSTRUCTGPT = paper(
    "ouyang2022training", type="article",
    title="Training language models to follow instructions with human feedback",
    authors=["Ouyang, Long", "Wu, Jeff", "Jiang, Xu"], year=2022,
    venue="Advances in Neural Information Processing Systems", arxiv="2203.02155",
    tags=["rlhf"],
    summary="Fine-tunes a language model on demonstrations, then on a reward model learned "
            "from rankings of its outputs, so that it does what its users ask.",
)
CHRISTIANO = paper(
    "christiano2017deep", type="inproceedings",
    title="Deep reinforcement learning from human preferences",
    authors=["Christiano, Paul", "Leike, Jan"], year=2017, arxiv="1706.03741",
    tags=["rlhf"],
    summary="Learns a reward function from comparisons of behaviour clips that people make, "
            "and trains an agent on it.",
)
SESSION_2 = """---
session: 2
date: 2025-10-22
title: Learning from human feedback
readings:
- key: ouyang2022training
  kind: required
  note: Focus on the three training steps.
- key: christiano2017deep
  kind: optional
- key: vaswani2017attention
  kind: presentation
---
We read how preference data becomes a reward, see [@christiano2017deep].
"""
POSTER_2 = """---
title: Reward models in practice
authors: [Group 2]
session: 2
papers: [ouyang2022training, christiano2017deep]
tags: [rlhf]
---
Our notes on [@ouyang2022training; @christiano2017deep].
"""


def add_rlhf(root: Path) -> Path:
    """Two RLHF papers, a second session reading them and a poster on them."""
    write(root, "papers/ouyang2022training.md", INSTRUCTGPT)
    write(root, "papers/christiano2017deep.md", CHRISTIANO)
    write(root, "docs/sessions/02-human-feedback.md", SESSION_2)
    write(root, "docs/posters/reward-models.md", POSTER_2)
    return root


def set_option(root: Path, name: str, value: str) -> None:
    """Set one option of the kb plugin entry in mkdocs.yml (a line below `- kb:`)."""
    path = root / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    if re.search(rf"^      {name}:.*$", text, flags=re.M):
        text = re.sub(rf"^      {name}:.*$", f"      {name}: {value}", text, flags=re.M)
    else:
        text = text.replace("  - kb:\n", f"  - kb:\n      {name}: {value}\n")
    path.write_text(text, encoding="utf-8")


def build_site(root: Path, *, strict: bool = True, embedder: Any = None) -> Path:
    """Build ``root``'s site in-process (as `mkdocs build`); returns the site folder."""
    config = load_config(str(root / "mkdocs.yml"), strict=strict)
    if embedder is not None:
        config.plugins["kb"].embedder = embedder
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    build(config)
    return Path(config.site_dir)


def stop_process(process: Any) -> None:
    """End a server started by a test: terminate, then kill if it does not stop in 10 s."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """A static HTTP server on 127.0.0.1 for ``folder`` (in this process); yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str | None:
    """The page at ``url`` as text, or None while the server does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return None


def wait_http(url: str, text: str = "", seconds: float = 120) -> str:
    """Poll ``url`` until it answers with a page containing ``text``; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = fetch(url)
        if page is not None and text in page:
            return page
        time.sleep(0.3)
    raise AssertionError(f"{url} did not show {text!r} within {seconds} s")


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path | None:
    """A screenshot into test-output/ when KB_SCREENSHOTS is set (``make screenshots``), for
    people to look at: the tests assert on the page itself, and a full-page capture costs a
    fifth of a second (a tenth of the browser tests' time), so ``make test`` takes none."""
    if not os.environ.get("KB_SCREENSHOTS"):
        return None
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / name
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000
    return path


def require_chromium(path: Path) -> Path:
    """``path`` if Chromium is there; otherwise the test fails (never skips) saying what to do."""
    import pytest

    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make chromium` (Debian package chromium) "
                    "to install it for the browser tests")
    return path


def article(html: str) -> str:
    """The page's main content (inside <article>), without the theme around it."""
    found = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', html, re.S)
    assert found, "no article element"
    return found.group(1)


def text_of(html: str) -> str:
    """Visible text: tags removed, whitespace collapsed."""
    import html as html_lib

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())
