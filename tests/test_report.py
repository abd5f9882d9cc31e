"""`kb report` and the instructor's page: readings per kind, reading time per session (the
estimate of kb.model.reading_time, tested in test_course_layer.py), tags covered, and what the
course leaves out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from big_course import SESSION_2, copy_course
from conftest import paper, run, write

SESSION_3 = """---
session: 3
date: 2025-10-29
title: Neural language models
readings:
- key: Bengio.Ducharme.Vincent.ea.2003
  kind: required
- key: mikolov2013counted
  kind: required
- key: Ba.Kiros.Hinton.2016
  kind: background
- key: vaswani2017attention
  kind: optional
---
"""
SESSION_4 = """---
session: 4
date: 2025-11-05
title: Reading week
readings:
- key: Bahdanau.Cho.Bengio.2014
  kind: presentation
- key: summarised2020
  kind: optional
---
"""


@pytest.fixture(scope="module")
def weeks(big_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 477-paper course without its errors, and two more sessions."""
    root = copy_course(big_course, tmp_path_factory.mktemp("weeks") / "course")
    for rel in ("docs/sessions/02-attention.md", "docs/posters/attention.md"):
        (root / rel).unlink()
    write(root, "docs/sessions/02-attention.md", SESSION_2
          .replace("Devlin.Chang.Lee.2018", "Devlin.Chang.Lee.ea.2018")
          .replace(", then [@Bahdanau.Cho.Bengio.2015]", ""))
    write(root, "docs/sessions/03-neural-lms.md", SESSION_3)
    write(root, "docs/sessions/04-reading-week.md", SESSION_4)
    write(root, "papers/mikolov2013counted.md", paper(
        "mikolov2013counted", tags=["nlp"], bibtex={"comment": "12 pages, 3 figures"}))
    write(root, "papers/summarised2020.md", paper(
        "summarised2020", summary="Four words of summary.", tags=["language-models"]))
    return root


def test_report_table_shows_load_per_week_and_unused_papers(weeks: Path) -> None:
    result = run(weeks, "report")
    assert result.exit_code == 0
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[:9] == [
        "4 sessions, 479 papers",
        "",
        "  #   date         req   opt   bg   pres     time req     time all   tags",
        " " + "─" * 73,
        "  1   2025-10-15     1     0    0      0         1h05         1h05      1",
        "  2   2025-10-22     2     1    0      0   1h05 + 1 ?   1h05 + 2 ?      1",
        "  3   2025-10-29     2     1    1      0         3h05   4h10 + 1 ?      2",
        "  4   2025-11-05     0     1    0      1            -    1m* + 1 ?      1",
        "",
    ]
    assert lines[15:24] == [
        "", "sessions and the tags their readings cover:",
        "  1. Introduction", "     architecture",
        "  2. Attention and transformers", "     architecture",
        "  3. Neural language models", "     architecture, nlp",
        "  4. Reading week",
    ]
    text = result.output
    assert "sessions without a required reading (1): 4\n" in text
    assert ("papers read in several sessions (2): Bahdanau.Cho.Bengio.2014 (2, 4), "
            "vaswani2017attention (1, 2, 3)\n") in text
    assert ("papers no session or poster uses (472): Abadi.Barham.Chen.ea.2016, "
            "Abdel-Hamid.Mohamed.Jiang.ea.2014,") in text
    assert text.rstrip().endswith("vocabulary tags no session covers (1): rlhf")
    assert "and 442 more (kb report --all lists them)" in text
    assert "and 442 more" not in run(weeks, "report", "--all").output


def test_report_json(weeks: Path) -> None:
    data = json.loads(run(weeks, "report", "--json").output)
    three = data["sessions"][2]
    assert three["kinds"] == {"required": 2, "optional": 1, "background": 1, "presentation": 0}
    # 19 + 12 pages at 6 minutes a page
    assert three["required"] == {"minutes": 186, "readings": 2, "unknown": 0, "from_text": 0,
                                 "text": "3h05"}
    assert three["total"]["text"] == "4h10 + 1 ?"
    assert three["tags"] == ["architecture", "nlp"]
    assert data["times"]["mikolov2013counted"] == {"minutes": 72, "source": "arxiv-comment",
                                                   "amount": 12}
    assert data["times"]["Bengio.Ducharme.Vincent.ea.2003"] == {"minutes": 114, "source": "pages",
                                                                "amount": 19}
    # "Four words of summary." and "Notes.": 5 words, at least a minute
    assert data["times"]["summarised2020"] == {"minutes": 1, "source": "words", "amount": 5}
    assert len(data["unused"]) == 472 and data["no_required"] == [4]
    assert data["repeated"] == {"Bahdanau.Cho.Bengio.2014": [2, 4],
                                "vaswani2017attention": [1, 2, 3]}
    assert data["uncovered_tags"] == ["rlhf"]


def test_report_page_in_the_site(weeks: Path, tmp_path: Path) -> None:
    from kb.search.embed import HashingEmbedder
    from site_helpers import article, build_site, set_option, text_of

    root = copy_course(weeks, tmp_path / "course")
    set_option(root, "checks", "{no-text: off, year-range: warning}")
    site = build_site(root, strict=False, embedder=HashingEmbedder())
    page = article((site / "report/index.html").read_text(encoding="utf-8"))
    text = text_of(page)
    assert "3. Neural language models 2025-10-29 2 1 1 0 3h05 4h10 + 1 ?" in text
    assert '<td style="text-align: right;">4h10\u00a0+\u00a01\u00a0?</td>' in page
    assert '<a href="../sessions/03-neural-lms/">3. Neural language models</a>' in page
    assert "Papers no session or poster uses (472)" in text
    assert '<a href="../papers/Abadi.Barham.Chen.ea.2016/">' in page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "report/" not in home  # hidden: not in the navigation


def test_report_option_lists_the_page_or_leaves_it_out(rlhf: Path) -> None:
    """report: nav puts the page in the navigation, report: off builds none (the same on any
    course: a small one, where the page above needed the big one)."""
    from kb.search.embed import HashingEmbedder
    from site_helpers import build_site, set_option, text_of

    hidden = build_site(rlhf, embedder=HashingEmbedder())
    assert "report/" not in (hidden / "index.html").read_text(encoding="utf-8")
    assert "Papers no session or poster uses" in text_of(
        (hidden / "report/index.html").read_text(encoding="utf-8"))
    set_option(rlhf, "report", "nav")
    home = (build_site(rlhf, embedder=HashingEmbedder()) / "index.html").read_text(encoding="utf-8")
    assert 'href="report/"' in home
    set_option(rlhf, "report", "off")
    assert not (build_site(rlhf, embedder=HashingEmbedder()) / "report").exists()
