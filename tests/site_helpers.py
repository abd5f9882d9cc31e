"""Shared by the site and browser tests: temporary courses with a few papers, and builds."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import paper, write

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
