"""``kb site export``: plain Markdown that a generator without kb renders safely.

No plugin sanitises the exported pages after Markdown, so the export does it before: planted
script, event handlers and javascript: links in a poster and in a paper's notes must not
reach the Markdown, while the poster's headings stay Markdown headings (its table of
contents) and its links to pages and files point where the generator puts them. A tiny fake
embedder keeps this fast; tests/test_site_generators.py builds the real course.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kb.course.config import load_config
from kb.course.scaffold import init_course
from kb.errors import KbError
from kb.search.embed import HashingEmbedder
from kb.site.export import export_site, split_front_matter

POSTER = """---
title: A <b>planted</b> poster
authors: [Group 9]
session: 1
papers: [vaswani2017attention]
tags: [architecture]
---
## What we found {: onclick="alert(1)" }

Read [the session](../sessions/01-introduction.md) and [@vaswani2017attention].
<script>alert(2)</script>
[click](javascript:alert(3)) <img src="x" onerror="alert(4)">

```python
print("<script>kept as code</script>")
```
"""
NOTES = "\n## Notes of ours\n\nSee it {: onclick=\"alert(5)\" }\n\n<iframe src=\"https://x\"></iframe>\n"


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    init_course(root, title="Export Course")
    (root / "docs/posters/planted.md").write_text(POSTER, encoding="utf-8")
    paper = root / "papers/vaswani2017attention.md"
    paper.write_text(paper.read_text(encoding="utf-8") + NOTES, encoding="utf-8")
    export_site(load_config(root), tmp_path / "out", embedder=HashingEmbedder(), warn=print)
    return tmp_path / "out"


def test_untrusted_text_is_sanitised_before_any_generator(exported: Path) -> None:
    for page in ("posters/planted.md", "papers/vaswani2017attention.md"):
        text = (exported / "docs" / page).read_text(encoding="utf-8")
        tags = re.findall(r"<[a-z][^>]*>", text)  # what a browser would run: tags and attributes
        assert not [t for t in tags if re.search(r"\son\w+=|javascript:", t, re.I)], tags
        assert "<script" not in text and "<iframe" not in text
    poster = (exported / "docs/posters/planted.md").read_text(encoding="utf-8")
    meta, body = split_front_matter(poster)
    assert meta["title"] == "A &lt;b&gt;planted&lt;/b&gt; poster" and "tags" not in meta
    assert "\n## What we found\n" in body  # a Markdown heading: in the table of contents
    assert 'href="../../sessions/01-introduction/"' in body  # as the generator writes links
    assert 'href="../../papers/vaswani2017attention/"' in body  # the citation
    assert "&lt;script&gt;kept as code&lt;/script&gt;" in body


def test_the_export_builds_with_plain_mkdocs(exported: Path) -> None:
    config = yaml.safe_load((exported / "mkdocs.yml").read_text(encoding="utf-8"))
    assert all("kb" not in (p if isinstance(p, str) else next(iter(p))) for p in config["plugins"])
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=exported,
                          capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1",
                                                               "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    page = (exported / "site/posters/planted/index.html").read_text(encoding="utf-8")
    assert 'href="#what-we-found"' in page and "alert(" not in page.replace("kept as code", "")


def test_export_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    root = tmp_path / "course"
    init_course(root)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(KbError, match="exists and is not empty"):
        export_site(load_config(root), tmp_path / "mine", embedder=HashingEmbedder())
    with pytest.raises(KbError, match="inside the course's docs"):
        export_site(load_config(root), root / "docs/out", embedder=HashingEmbedder())
