"""The site's browser modules (kb/site/assets/*.js) under Node's own test runner.

tests/js/*.test.mjs import the modules as the site ships them (tokens.js, rank.js, model.js,
kb-search.js) and run in about a second, with no browser, no model and no npm package. This
test runs them all and fails when Node fails; ``make node`` installs Debian's ``nodejs`` when
``node`` is missing (``make test`` does it first).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import paper, run, write

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


# rank.js's keyword ranking over a payload of index.json's shape, one query per line of output
RANK_KEYWORDS = """
import { readFileSync } from "node:fs";
import { keywordIndex, keywordRanking } from "%s";
const data = JSON.parse(readFileSync(process.argv[2], "utf8"));
const index = keywordIndex(data);
for (const query of data.queries) {
  const ranked = keywordRanking(index, query, 10, null);
  console.log(JSON.stringify(ranked.map(([p, score]) => [data.papers[p].key, score])));
}
"""


def test_site_and_cli_rank_words_alike(course: Path, tmp_path: Path) -> None:
    """rank.js over the postings the build ships ranks as `kb search --mode keyword` does,
    scores and all, for a word most papers hold too (issue 24: an author's first name, whose
    hits FTS5's idf scored 0.0000 and ordered by noise)."""
    from kb.course.config import load_config
    from kb.search.embed import HashingEmbedder
    from kb.search.engine import open_kb
    from kb.site import semantic

    write(course, "papers/wang2021.md", paper("wang2021", authors=["Wang, Long"],
                                              title="Long trip planning",
                                              summary="Plans a long trip with a reward model."))
    write(course, "papers/zhu2022.md", paper("zhu2022", authors=["Zhu, Long"],
                                             title="Reward models for city parks"))
    write(course, "papers/he2023.md", paper("he2023", authors=["He, Long", "Li, Ann"],
                                            title="Long-context attention for rl_hf"))
    write(course, "papers/ouyang2022.md", paper(
        "ouyang2022", authors=["Ouyang, Long", "Wu, Jeff"],
        title="Training language models to follow instructions with human feedback"))
    queries = ["Long", "long trip", "reward models", "attention", "Long Ouyang", "rl_hf",
               "training language models with human feedback", "zzzqqq"]
    kb = open_kb(load_config(course), embedder=HashingEmbedder(), embed=False)
    try:
        keys = sorted(key for (key,) in kb.store.conn.execute("SELECT key FROM paper"))
        data = {"rules": semantic.rules(), "papers": [{"key": key} for key in keys],
                "keyword": semantic.keyword_postings(kb, keys), "queries": queries}
    finally:
        kb.close()
    assert len(keys) == 5 and len(data["keyword"]["terms"]["long"]) // 2 == 4  # 4 of 5
    (tmp_path / "payload.json").write_text(json.dumps(data), encoding="utf-8")
    script = tmp_path / "rank.mjs"
    script.write_text(RANK_KEYWORDS % (ROOT / "kb/site/assets/rank.js").as_uri(), "utf-8")
    done = subprocess.run([node(), str(script), str(tmp_path / "payload.json")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    site = [json.loads(line) for line in done.stdout.splitlines()]
    for query, ranked in zip(queries, site, strict=True):
        result = run(course, "search", query, "--mode", "keyword", "--json")
        cli = [(hit["key"], hit["score"]) for hit in json.loads(result.output)]
        assert [key for key, _ in ranked] == [key for key, _ in cli], query
        assert all(abs(score - want) <= 1e-6 for (_, score), (_, want) in zip(ranked, cli))
    first_name = dict(site[0])
    assert list(first_name) == ["wang2021", "he2023", "zhu2022", "ouyang2022"]
    assert min(first_name.values()) > 0.3  # no hit at 0.0000
    table = run(course, "search", "Long", "--mode", "keyword").output
    assert "ouyang2022" in table and "0.0000" not in table
