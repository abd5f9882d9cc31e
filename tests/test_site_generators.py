"""This course's site built three ways, each finding every page kb makes.

1. ``kb site build --generator mkdocs``: MkDocs 1.x runs the kb plugin.
2. ``kb site build --generator properdocs``: ProperDocs (the maintained MkDocs 1.x) runs it.
3. ``kb site export DIR``, then a plain ``mkdocs build`` in DIR, whose mkdocs.yml lists no kb
   plugin: what any generator that reads mkdocs.yml and Markdown (Zensical too) gets.

Each build runs as a process with the real model (the map and related papers), once per test
session; the tests then read the three sites. Also: the plugin module stays a thin adapter.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from kb.course.config import load_config as load_kb
from kb.course.load import load_project
from kb.model.entries import Project

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]
WAYS = ("mkdocs", "properdocs", "export")
TIMES: dict[str, float] = {}


def kb_process(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m kb.cli ARGS`` with this checkout's kb, as a user runs it."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=900)


def build(way: str, out: Path) -> Path:
    started = time.perf_counter()
    if way == "export":
        done = kb_process("site", "export", str(out / "export"))
        assert done.returncode == 0, done.stderr
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"],
                              cwd=out / "export", capture_output=True, text=True, timeout=900,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        site = out / "export" / "site"
    else:
        site = out / way
        done = kb_process("site", "build", "--strict", "--generator", way, "--site-dir", str(site))
    TIMES[way] = time.perf_counter() - started
    assert done.returncode == 0, f"{way}:\n{done.stdout}\n{done.stderr}"
    return site


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("generators")
    built = {way: build(way, out) for way in WAYS}
    print("build times: " + ", ".join(f"{w} {t:.1f} s" for w, t in TIMES.items()))
    return built


@pytest.fixture(scope="session")
def project() -> Project:
    return load_project(load_kb(ROOT))


def text(page: str) -> str:
    """What a page says: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def read(site: Path, rel: str) -> str:
    path = site / rel
    assert path.is_file(), f"{rel} is missing from {site}"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("way", WAYS)
def test_every_kb_page_and_file_is_there(sites: dict[str, Path], project: Project, way: str) -> None:
    site = sites[way]
    for key, paper in project.papers.items():
        page = read(site, f"papers/{key}/index.html")
        assert paper.title in text(page)
        assert 'id="bibtex"' in page and f"{{{key}," in text(page)
    assert 'class="kb-papers' in read(site, "papers/index.html")
    for session in project.sessions:
        page = read(site, f"sessions/{session.slug}/index.html")
        for reading in session.readings:
            assert f'data-key="{reading.key}"' in page, (session.slug, reading.key)
        bib = read(site, f"bib/{session.slug}.bib")
        assert all(f"{{{r.key}," in bib for r in session.readings if r.key in project.papers)
    assert len(re.findall(r"^@\w+\{", read(site, "bib/bibliography.bib"), re.M)) == len(project.papers)
    schedule = read(site, "sessions/index.html")
    assert all(f"sessions/{s.slug}/" in schedule or f"{s.slug}/" in schedule for s in project.sessions)
    calendar = read(site, "sessions.ics")
    assert calendar.count("BEGIN:VEVENT") == sum(1 for s in project.sessions if s.date)
    for poster in project.posters:
        page = read(site, f"posters/{poster.slug}/index.html")
        assert poster.title in text(page)
        assert "kb-poster-head" in page
    assert all(f"posters/{p.slug}/" in read(site, "posters/index.html") or f"{p.slug}/" in
               read(site, "posters/index.html") for p in project.posters)
    tags = {t for p in project.papers.values() for t in p.tags} | {t for p in project.posters for t in p.tags}
    tags_page = read(site, "tags/index.html")
    for tag in tags:
        assert "kb-cards" in read(site, f"tags/{tag}/index.html") or "kb-poster" in read(site, f"tags/{tag}/index.html")
        assert f"tags/{tag}/" in tags_page or f"{tag}/" in tags_page
    assert "<svg" in read(site, "map/index.html")
    assert "data-kb-search" in read(site, "search/index.html")
    assert "Course report" in read(site, "report/index.html")


@pytest.mark.parametrize("way", WAYS)
def test_search_page_files_are_there(sites: dict[str, Path], project: Project, way: str) -> None:
    site = sites[way]
    index = json.loads(read(site, "assets/kb/search/index.json"))
    assert {p["key"] for p in index["papers"]} == set(project.papers)
    assert all((site / p["url"]).exists() or (site / p["url"] / "index.html").is_file()
               for p in index["papers"])
    vectors = (site / "assets/kb/search/vectors.bin").stat().st_size
    assert vectors == len(project.papers) * (4 + index["vectors"]["dim"])
    model = site / "assets/kb/model" / index["model"]["name"]
    assert (model / "onnx/model_quantized.onnx").stat().st_size > 10_000_000
    assert (model / "tokenizer.json").is_file()
    for name in ("transformers.min.js", "ort-wasm-simd-threaded.mjs",
                 "ort-wasm-simd-threaded.wasm", "LICENSES.txt"):
        assert (site / "assets/kb/vendor" / name).is_file(), name
    head = read(site, "index.html")
    assert '<script src="assets/kb/kb-search.js" type="module">' in head


def test_the_three_sites_show_the_same_pages(sites: dict[str, Path]) -> None:
    pages = {way: sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
             for way, site in sites.items()}
    assert pages["mkdocs"] == pages["properdocs"] == pages["export"]
    generator = re.compile(r'<meta name="generator" content="[^"]*">')
    for rel in ("papers/ouyang2022training/index.html", "sessions/index.html", "map/index.html"):
        mk, pd = (generator.sub("", read(sites[w], rel)) for w in ("mkdocs", "properdocs"))
        assert mk == pd, rel


def test_the_export_is_plain_markdown_without_kb(sites: dict[str, Path]) -> None:
    folder = sites["export"].parent
    config = yaml.safe_load((folder / "mkdocs.yml").read_text(encoding="utf-8"))
    names = [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]]
    assert "kb" not in names and names == ["search", "tags"]
    assert {"path": "assets/kb/kb-search.js", "type": "module"} in config["extra_javascript"]
    assert config["nav"][0] == {"Home": "index.md"}
    paper = (folder / "docs/papers/ouyang2022training.md").read_text(encoding="utf-8")
    assert paper.startswith("---\ntitle: Training language models") and "## BibTeX" in paper
    assert "[@" not in (folder / "docs/posters/rlhf-recipe.md").read_text(encoding="utf-8")


def test_the_plugin_is_a_thin_adapter() -> None:
    source = (ROOT / "kb/site/plugin.py").read_text(encoding="utf-8")
    assert len(source.splitlines()) < 150
    imported = {node.module for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.ImportFrom) and node.module}
    kb_modules = {m for m in imported if m.startswith("kb")}
    assert kb_modules == {"kb.site.build", "kb.course.config", "kb.errors"}
    for path in [ROOT / "kb/site/build.py", *(ROOT / "kb/site/pages").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) (mkdocs|properdocs|material)\b", text, re.M), path
