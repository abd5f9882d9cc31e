"""A course imported from a real 488-entry .bib (hundreds of warnings) with a few errors added.

The import is done once per session (conftest.py: ``d2l_import``, ``big_course``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SHARED, paper, write

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


def add_errors(root: Path) -> Path:
    """Add four errors to a course that imported d2l.bib (475 papers without text): a year,
    a reading and a citation with a typo, a poster naming a session that does not exist.
    (The import itself is the session fixture ``d2l_import`` in conftest.py; ``big_course``
    is its copy with these errors.)"""
    write(root, "papers/future3020.md", paper("future3020", year=3020, tags=["Attention", "nlp"],
                                              abstrct="Typo in the field name."))
    write(root, "docs/sessions/02-attention.md", SESSION_2)
    write(root, "docs/posters/attention.md", POSTER_9)
    return root


def copy_course(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".kb", "site"))
    return target
