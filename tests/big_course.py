"""A course imported from a real 488-entry .bib (hundreds of warnings) with a few errors added."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SHARED, paper, run, write
from kb.course.scaffold import init_course

D2L_BIB = SHARED / "bib" / "d2l-ai__d2l-en" / "d2l.bib"

SESSION_2 = """---
session: 2
date: 2025-10-22
title: Attention and transformers
readings:
- key: vaswani2017attention
  kind: required
- key: Bahdanau.Cho.Bengio.2014
  kind: optional
- key: Devlin.Chang.Lee.2018
  kind: required
---
Attention as in [@Bahdanau.Cho.Bengio.2014], then [@Bahdanau.Cho.Bengio.2015].
"""
POSTER_9 = """---
title: Attention visualised
authors: [Group 1]
session: 9
papers: [vaswani2017attention]
---
Notes.
"""


def make_big_course(root: Path) -> Path:
    """Import d2l.bib into a fresh course (475 papers without text) and add four errors: a
    year, a reading and a citation with a typo, a poster naming a session that does not exist."""
    init_course(root, title="Deep Learning Reading Group")
    result = run(root, "import", str(D2L_BIB))
    assert result.exit_code == 0, result.output
    write(root, "papers/future3020.md", paper("future3020", year=3020, tags=["Attention", "nlp"],
                                              abstrct="Typo in the field name."))
    write(root, "docs/sessions/02-attention.md", SESSION_2)
    write(root, "docs/posters/attention.md", POSTER_9)
    return root


def copy_course(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".kb", "site"))
    return target
