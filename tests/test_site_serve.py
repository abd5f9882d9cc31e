"""`mkdocs serve` rebuilds the site when a paper file or a docs page changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import write
from site_helpers import free_port, set_option, stop_process, wait_http

MKDOCS = Path(sys.executable).with_name("mkdocs")


def test_serve_rebuilds_on_paper_and_docs_changes(course: Path) -> None:
    set_option(course, "related", "0")
    set_option(course, "library_map", "false")
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [str(MKDOCS), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=course, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_http(base + "papers/vaswani2017attention/", "Attention Is All You Need")
        paper = course / "papers/vaswani2017attention.md"
        write(course, "papers/vaswani2017attention.md",
              paper.read_text().replace("title: Attention Is All You Need",
                                        "title: Attention Is Still All You Need"))
        wait_http(base + "papers/vaswani2017attention/", "Attention Is Still All You Need")
        session = course / "docs/sessions/01-introduction.md"
        write(course, "docs/sessions/01-introduction.md",
              session.read_text().replace("Write what the session", "Plan: write what the session"))
        page = wait_http(base + "sessions/01-introduction/", "Plan: write what the session")
        assert "Attention Is Still All You Need" in page  # the reading card follows the paper
    finally:
        stop_process(server)
    assert server.stderr is not None
    log = server.stderr.read().decode("utf-8", "replace")
    assert "Traceback" not in log and "ERROR" not in log, log
