"""The shared fixtures of the suite (and the small helpers every test module uses).

Expensive things are made once per session and shared by the tests that only read them:
this repository's built site (``repo_site``, served by ``repo_site_url``), the RLHF course's
site (``rlhf_site``), the 488-entry import (``d2l_import``, ``big_course``) and one headless
Chromium (``browser``; each test gets its own context and tab from ``page``/``new_page``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner, Result

from kb.cli import cli
from kb.course.scaffold import init_course

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
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


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder``: a shared, read-only fixture checks at the end of
    the session that no test changed it."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ sites built once

@pytest.fixture(scope="session")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This repository's course site, built once per session as `mkdocs build --strict` builds
    it (the real model: related papers, the map, the search vectors), with ``site_url`` under a
    sub-path (https://host.example/course/) so that ``repo_site_url`` serves it below /course/.
    Read-only: a test that changes a course builds its own site."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    folder = tmp_path_factory.mktemp("www") / "course"
    build(load_config(str(ROOT / "mkdocs.yml"), strict=True, site_dir=str(folder),
                      site_url="https://host.example/course/"))
    before = tree_digest(folder)
    yield folder
    assert tree_digest(folder) == before, "a test changed the shared site of this repository"


@pytest.fixture(scope="session")
def repo_site_url(repo_site: Path) -> Iterator[str]:
    """``repo_site`` served by a plain `python -m http.server` from the folder above it (no
    server but files), so every page lives below http://127.0.0.1:PORT/course/."""
    from site_helpers import free_port, stop_process, wait_http

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", str(repo_site.parent)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/course/"
    try:
        wait_http(base)
        yield base
    finally:
        stop_process(server)


def _rlhf(root: Path) -> Path:
    from site_helpers import add_rlhf, set_option

    set_option(root, "related", "0")
    set_option(root, "library_map", "false")
    return add_rlhf(root)


@pytest.fixture
def rlhf(course: Path) -> Path:
    """A fresh `kb init` course with the two RLHF papers, a second session and a poster
    (related papers and the map off), for a test that changes it before building."""
    return _rlhf(course)


@pytest.fixture(scope="session")
def rlhf_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``rlhf`` made once per session, read-only; ``rlhf_site`` is its site."""
    root = tmp_path_factory.mktemp("rlhf") / "course"
    init_course(root, title="Test Course")
    return _rlhf(root)


@pytest.fixture(scope="session")
def rlhf_site(rlhf_course: Path) -> Iterator[Path]:
    """``rlhf_course`` built once with --strict, for the tests that only read its pages."""
    from site_helpers import build_site

    before = tree_digest(rlhf_course / "docs")
    site = build_site(rlhf_course)
    after = tree_digest(site)
    yield site
    assert tree_digest(site) == after, "a test changed the shared RLHF site"
    assert tree_digest(rlhf_course / "docs") == before


# ------------------------------------------------------------------ the 488-entry import

@pytest.fixture(scope="session")
def d2l_import(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A fresh `kb init` course that imported d2l.bib (488 entries, 475 imported), and the
    import's JSON report. Read-only: copy it (``copy_course``) to change it."""
    from big_course import D2L_BIB

    root = tmp_path_factory.mktemp("d2l") / "course"
    init_course(root, title="Deep Learning Reading Group")
    result = run(root, "import", "--format", "json", str(D2L_BIB))
    assert result.exit_code == 0, result.output
    before = snapshot(root)
    yield root, json.loads(result.output)
    assert snapshot(root) == before, "a test changed the shared d2l import; copy it first"


@pytest.fixture(scope="session")
def big_course(d2l_import: tuple[Path, dict[str, Any]],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The d2l import with four errors added (big_course.py): hundreds of warnings and a few
    errors. Read-only: copy it (``copy_course``) to change it."""
    from big_course import add_errors, copy_course

    root = add_errors(copy_course(d2l_import[0], tmp_path_factory.mktemp("big") / "course"))
    before = snapshot(root)
    yield root
    assert snapshot(root) == before, "a test changed the shared big course; copy it first"


# ------------------------------------------------------------------ Chromium

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The session's one headless Chromium (tests/browser_launch.py); it fails, never skips,
    when Chromium is missing."""
    from browser_launch import CHROMIUM, launch
    from site_helpers import require_chromium

    require_chromium(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        try:
            yield chromium
        finally:
            chromium.close()


def local_url(url: str) -> bool:
    """Whether a request of a tab stays on this machine (127.0.0.1, or no network: blob:, data:)."""
    parsed = urlparse(url)
    return parsed.scheme not in ("http", "https", "ws", "wss") or parsed.hostname == "127.0.0.1"


def watched(tab: Any) -> Any:
    """``tab``, recording its ``errors`` (console errors, uncaught exceptions) and the URLs of
    its ``requests``."""
    tab.errors = []
    tab.requests = []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    tab.on("request", lambda r: tab.requests.append(r.url))
    tab.on("websocket", lambda ws: tab.requests.append(ws.url))
    return tab


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Make a tab: in a fresh browser context (1280 x 900, downloads on; ``init_script`` runs
    before any page script), or in ``context`` when given (a module's shared context, whose
    HTTP and compiled-code caches its tests reuse). Each tab records ``errors`` (console
    errors, uncaught exceptions) and ``requests``; at the end the test fails if any request
    went to a host other than 127.0.0.1 (Chromium resolves no other name, so none leaves the
    machine)."""
    from browser_launch import VIEWPORT

    contexts: list[Any] = []
    tabs: list[Any] = []

    def make(init_script: str | None = None, context: Any = None, **options: Any) -> Any:
        if context is None:
            context = browser.new_context(**{"viewport": VIEWPORT, "accept_downloads": True,
                                             **options})
            contexts.append(context)
            if init_script:
                context.add_init_script(init_script)
        tab = watched(context.new_page())
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.close()
    for context in contexts:
        context.close()
    away = [u for tab in tabs for u in tab.requests if not local_url(u)]
    assert away == [], f"requests to other hosts: {away}"


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A tab in a fresh browser context (see ``new_page``)."""
    return new_page()


# ------------------------------------------------------------------ recorded web services

@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The recorded arXiv and Crossref services on 127.0.0.1, set as kb's endpoints
    (KB_ARXIV_API, KB_CROSSREF_API); kb's waits are recorded in ``net.sleeps`` on a clock that
    moves only when kb waits, so no test sleeps for real (tests/net_helpers.py)."""
    import kb.curate.services
    from net_helpers import start_server

    server = start_server()
    monkeypatch.setenv("KB_ARXIV_API", server.arxiv_url)
    monkeypatch.setenv("KB_CROSSREF_API", server.crossref_url)
    sleeps: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(kb.curate.services, "CLIENT_OPTIONS",
                        {"sleep": sleep, "clock": lambda: now[0], "backoff": 0.01, "timeout": 2.0})
    server.sleeps = sleeps
    yield server
    server.close()


# ------------------------------------------------------------------ with pytest-xdist

# `make test` runs the suite in two processes (pytest-xdist, ``-n auto --dist loadscope``):
# each module runs in one worker, so that its module fixtures are made once, and the modules
# that share a costly session fixture run in one worker together, so that it is made once too:
# this repository's built site (and its .kb cache, which test_site_generators' builds write)
# and the 488-entry import. (xdist's own --dist loadgroup reads no group under pytest 9.)
MODULE_GROUPS = {
    **dict.fromkeys(("test_browser.py", "test_browser_course.py", "test_browser_search.py",
                     "test_browser_search_page.py", "test_quick_model.py", "test_site_repo.py",
                     "test_site_generators.py"), "repo-site"),
    **dict.fromkeys(("test_check_triage.py", "test_import_real.py", "test_report.py"), "d2l"),
}
SHARED_FIXTURES = {"repo_site": "repo-site", "repo_site_url": "repo-site",
                   "d2l_import": "d2l", "big_course": "d2l"}
# The longest units of work, longest first (measured: about 110, 48, 34, 32, 22 and 20 s of
# the ~390 s of work): handed out first, so that the two processes end together on short ones.
LONGEST_FIRST = ("repo-site", "test_hostile_site.py", "d2l", "test_hostile.py",
                 "test_browser_map.py", "test_site_offline.py")


def work_unit(module_file: str) -> str:
    """The unit of work a test module (its file name) belongs to: its group, else itself."""
    return MODULE_GROUPS.get(module_file, module_file)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroups(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid.split("::", 1)[0].rsplit("/", 1)[-1])

    config.option.loadscopereorder = False  # not by count: LONGEST_FIRST's order

    return ModuleGroups(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest units of work first (the order xdist hands them out in); in an xdist
    worker, a module that uses a shared session fixture must be in its group."""
    rank = {unit: i for i, unit in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(work_unit(item.path.name), len(rank)))  # stable otherwise
    if not hasattr(config, "workerinput"):
        return
    missing = sorted({f"{item.path.name} uses {name}" for item in items
                      for name, group in SHARED_FIXTURES.items()
                      if name in getattr(item, "fixturenames", ())
                      and work_unit(item.path.name) != group})
    if missing:
        raise pytest.UsageError("add to MODULE_GROUPS in tests/conftest.py: " + "; ".join(missing))
