"""The public Python API: ``import kb`` names what the README uses, and stays cheap."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    test embedder in place of the model): what it prints and every name it binds hold what the
    README says they hold, checked against the course's own files."""
    import re

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
    printed: list[tuple[object, ...]] = []
    namespace: dict[str, Any] = {"print": lambda *args: printed.append(args)}
    exec(compile(example, "README.md", "exec"), namespace)

    project = kb.load_project(kb.load_config(course))
    papers = project.papers
    # hits: the five best papers tagged reinforcement-learning from 2017 on, printed one a line
    hits = namespace["hits"]
    allowed = {k for k, p in papers.items()
               if "reinforcement-learning" in p.tags and p.year is not None and p.year >= 2017}
    assert len(allowed) >= 5
    assert len(hits) == 5 and len({h.key for h in hits}) == 5 and {h.key for h in hits} <= allowed
    assert printed == [(h.key, h.year, h.title) for h in hits]
    assert all((h.year, h.title) == (papers[h.key].year, papers[h.key].title) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # related: the five nearest other papers
    related = namespace["related"]
    assert len(related) == 5 and "ouyang2022training" not in {h.key for h in related}
    assert {h.key for h in related} <= set(papers)
    assert [h.score for h in related] == sorted((h.score for h in related), reverse=True)
    # suggested: ten papers session 4 does not read yet
    session = next(s for s in project.sessions if s.session == 4)
    readings = {r.key for r in session.readings}
    suggested = namespace["suggested"]
    assert len(suggested) == min(10, len(papers) - len(readings))
    assert not {h.key for h in suggested} & readings and {h.key for h in suggested} <= set(papers)
    # bib: session 4's readings as BibTeX, each once
    keys = re.findall(r"^@\w+\{([^,]+),", str(namespace["bib"]), re.M)
    assert sorted(keys) == sorted(readings)
