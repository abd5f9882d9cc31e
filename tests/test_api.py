"""The public Python API: ``import kb`` names what the README uses, and stays cheap."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kb

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves() -> None:
    assert kb.__all__ == sorted(kb._API)
    for name in kb.__all__:
        assert getattr(kb, name) is not None, name
    assert kb.open_kb.__module__ == "kb.search.engine"
    assert kb.Filters(tags=["rl"]).tags == ("rl",)
    with pytest.raises(AttributeError, match="no attribute 'Store'"):
        _ = kb.Store  # type: ignore[attr-defined]


def test_import_kb_loads_no_dependency() -> None:
    code = ("import sys, kb\n"
            "print(sorted(m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
            "('pydantic', 'yaml', 'click', 'numpy', 'sqlalchemy', 'rich', 'bibtexparser')))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_readme_example_runs_on_this_course(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Python example, run on a copy of this repository's course (with the small
    test embedder in place of the model)."""
    import kb.search.embed
    from kb.search.embed import HashingEmbedder

    course = tmp_path / "course"
    for part in ("papers", "docs"):
        shutil.copytree(ROOT / part, course / part)
    shutil.copy(ROOT / "mkdocs.yml", course / "mkdocs.yml")
    monkeypatch.chdir(course)
    monkeypatch.setattr(kb.search.embed, "default_embedder", lambda model: HashingEmbedder(64))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {"print": lambda *args: None}
    exec(compile(example, "README.md", "exec"), namespace)
    hits = namespace["hits"]
    assert isinstance(hits, list) and hits
    assert all(h.year is not None and h.year >= 2017 for h in hits)
    assert len(namespace["related"]) == 5  # type: ignore[arg-type]
    assert namespace["suggested"]
    assert str(namespace["bib"]).count("\n@") + 1 == len(
        kb.select_papers(kb.load_project(kb.load_config(course)), kb.Filters(session=4)))
