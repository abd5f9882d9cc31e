"""Front matter written by kb.course.yaml_emit is byte for byte what yaml.dump writes."""

from __future__ import annotations

import random

import pytest
import yaml

from kb.bib.mapping import EntryError, entry_to_paper
from kb.bib.read import read_bib
from kb.course.load import _Dumper, paper_front_matter
from kb.course.yaml_emit import WIDTH, emit
from conftest import SHARED


def _yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH,
                     default_flow_style=False)


@pytest.fixture(scope="module")
def real_front_matter() -> list[dict]:
    """The front matter of every entry of the real .bib files, as kb import writes it."""
    out = []
    for bib in read_bib(sorted((SHARED / "bib_messy").rglob("*.bib")), []):
        for entry in bib.entries:
            try:
                out.append(paper_front_matter(entry_to_paper(entry)))
            except EntryError:
                pass
    return out


def test_emit_writes_what_yaml_dump_writes_for_every_real_entry(real_front_matter):
    written = 0
    for data in real_front_matter:
        text = emit(data)
        if text is not None:
            written += 1
            assert text == _yaml(data), data
            assert yaml.safe_load(text) == data
    assert written > 0.98 * len(real_front_matter)  # the fast way is the common way


ALPHABET = [*"abc xyz 0129 -:#'\",[]{}&*!|>%@`?.~=<_/+\\", "é", "ü", "\u00a0", "\u2028", "😀",
            "\t", "\u3000", "\ufeff", "\x85", "\n"]
AWKWARD = ["yes", "No", "null", "12", "1.5", "2020-01-01", "0x1F", "1_000", ".inf", "...x", "---",
           "<<", "=", "~", "1:20", "+1", "-x", "- x", "?", ": x", "x:", "x #y", "x#y", " lead",
           "trail ", "a  b", "it's", "'quoted'", "O'Reilly: a 'study'", ""]


def test_emit_writes_what_yaml_dump_writes_for_awkward_strings():
    rng = random.Random(7)
    written = 0
    for i in range(12_000):
        value = "".join(rng.choice(ALPHABET) for _ in range(rng.choice([1, 2, 3, 5, 8, 40, 150, 400])))
        if i % 5 == 0:
            value = AWKWARD[i // 5 % len(AWKWARD)] + ("" if i % 2 else " " + value)
        data = {"title": value, "authors": [value, "Smith, J."], "year": 2020,
                "bibtex": {"note": value, "pages": value[:3]}}
        text = emit(data)
        if text is not None:
            written += 1
            assert text == _yaml(data), repr(value)
    assert written > 4_000


@pytest.mark.parametrize("data", [{"flag": True}, {"score": 1.5}, {"nested": [{"a": "b"}]},
                                  {"yes": "key that reads as a bool"}, {"note": "two\nlines"},
                                  {"empty": []}, {"emoji": "\U0001f600"}])
def test_emit_leaves_other_shapes_to_yaml_dump(data):
    assert emit(data) is None
