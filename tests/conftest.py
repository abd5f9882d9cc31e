from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb.cli import cli
from kb.course.scaffold import init_course

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# The search page's pinned browser files ship in the package (kb/site/assets/vendor/, placed by
# `make setup`); its ONNX query encoder is exported once into the user cache (kb.site.vendor).


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A fresh course repository made by `kb init`."""
    root = tmp_path / "course"
    init_course(root, title="Test Course")
    return root


def run(root: Path | None, *args: str, input: str | None = None) -> Result:
    """Run the real `kb` command in-process; --root points at the course."""
    runner = CliRunner()
    argv = (["--root", str(root)] if root is not None else []) + list(args)
    return runner.invoke(cli, argv, input=input, catch_exceptions=False)


def snapshot(root: Path) -> dict[str, str]:
    """Hash of every file below root, to prove a command changed nothing."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file() and ".kb" not in p.parts
    }


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def paper(name: str = "smith2020example", **fields: object) -> str:
    """Front matter for a paper with sane defaults; a field set to None is left out."""
    import yaml

    data: dict[str, object] = {
        "type": "article", "title": f"A Study Called {name}", "authors": ["Smith, Jane"],
        "year": 2020, "summary": "A short summary.",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\nNotes.\n"
