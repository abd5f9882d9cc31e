"""Shared by the site search scripts: build a course's site, serve it, drive it in Chromium.

    with served_site(root) as base, chromium() as page:
        page.goto(base + "search/")
        hits = search(page, "reward hacking", k=5)
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

# Chromium is started the one way the tests start it (tests/browser_launch.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_launch import launch_persistent


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def build_site(root: Path, site_dir: Path, embedder: Any = None) -> float:
    """``mkdocs build --strict`` of ``root`` into ``site_dir``; returns the seconds it took."""
    import time

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    config = load_config(str(root / "mkdocs.yml"), strict=True, site_dir=str(site_dir))
    if embedder is not None:
        config.plugins["kb"].embedder = embedder
    started = time.perf_counter()
    build(config)
    return time.perf_counter() - started


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A static HTTP server on ``folder``; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def served_site(root: Path, embedder: Any = None) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="kb-site-") as tmp:
        build_site(root, Path(tmp) / "site", embedder)
        with serve(Path(tmp) / "site") as base:
            yield base


@contextmanager
def chromium(profile: Path | None = None) -> Iterator[Any]:
    """A Chromium context (a persistent profile when given, so the HTTP cache survives)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kb-chromium-") as tmp, sync_playwright() as p:
        context = launch_persistent(p, Path(profile or tmp))
        try:
            yield context
        finally:
            context.close()


def search(page: Any, query: str, **options: object) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate("([q, o]) => window.kb.search(q, o)",
                                                 [query, options])
    return result
