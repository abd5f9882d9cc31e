"""The site's browser modules (kb/site/assets/*.js) under Node's own test runner.

tests/js/*.test.mjs import the modules as the site ships them (tokens.js, rank.js, model.js,
kb-search.js) and run in about a second, with no browser, no model and no npm package. This
test runs them all and fails when Node fails; ``make node`` installs Debian's ``nodejs`` when
``node`` is missing (``make test`` does it first).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = sorted((ROOT / "tests" / "js").glob("*.test.mjs"))
MIN_NODE = 18  # node --test and node:test


def node() -> str:
    """The ``node`` on PATH, if it has a test runner; otherwise the test fails saying what to do."""
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is missing: run `make node` (Debian package nodejs) to install it for "
                    "the tests in tests/js/")
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True,
                             timeout=30).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < MIN_NODE:
        pytest.fail(f"{path} is Node {version}; tests/js/ need Node {MIN_NODE} or later "
                    "(node --test)")
    return path


def test_node_runs_the_browser_modules_tests() -> None:
    assert TESTS, "no tests/js/*.test.mjs"
    # Files, not the folder: Node 22 reads a folder argument as a file name.
    done = subprocess.run([node(), "--test", *(str(t.relative_to(ROOT)) for t in TESTS)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = done.stdout + done.stderr
    assert done.returncode == 0, f"node --test failed:\n{report[-8000:]}"
    counts = dict(re.findall(r"^\S*\s*(tests|pass|fail) (\d+)$", report, re.M))
    assert int(counts.get("tests", 0)) > 0 and counts.get("fail") == "0", report[-3000:]
