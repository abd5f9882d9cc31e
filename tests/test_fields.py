"""`kb fields`: the field reference comes from the models and cannot drift from them."""

from __future__ import annotations

import json

from conftest import run
from kb.model.fields import DESCRIPTIONS, KINDS, MODELS, fields_of, type_name
from kb.model.entries import READING_KINDS


def test_every_front_matter_field_is_described_and_nothing_else() -> None:
    for model in MODELS:
        names = [n for n, info in model.model_fields.items() if not info.exclude]
        assert set(DESCRIPTIONS[model.__name__]) == set(names), model.__name__
        assert all(doc.description for doc in fields_of(model))
    assert list(KINDS) == list(READING_KINDS)


def test_types_read_as_words() -> None:
    import datetime as dt
    from typing import Literal

    assert type_name(int | None) == "int or none"
    assert type_name(list[str]) == "list of str"
    assert type_name(dict[str, str]) == "mapping of str to str"
    assert type_name(Literal["a", "b"]) == "one of a, b"
    assert type_name(dt.date | None) == "date (YYYY-MM-DD) or none"


def test_kb_fields_lists_readings_and_kinds() -> None:
    result = run(None, "fields")
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("Paper  papers/<key>.md: the file name is the citation key, the body "
                           "holds the notes\n  type       str (default misc)\n")
    assert ("Reading  one item of a session's readings:\n"
            "  key         str (required; not empty)\n"
            "              the paper's key (its file name in papers/ without .md)\n"
            "  kind        one of required, optional, background, presentation (default required)\n"
            "              what the reading asks of students (see the reading kinds below)\n"
            "  note        str or none\n"
            "              a note for students, shown with the reading\n"
            "  presenters  list of str\n"
            "              names of those presenting this reading (for kind presentation)\n") in text
    assert text.endswith(
        "Reading kinds\n"
        "  required      everyone reads it before the session (counted in kb report's load)\n"
        "  optional      for those who want more\n"
        "  background    context the session assumes\n"
        "  presentation  presented in the session by a student or a group\n")
    assert "  session     int (required; >= 0, <= 999)\n" in text


def test_kb_fields_json() -> None:
    data = json.loads(run(None, "fields", "--json").output)
    assert list(data["models"]) == ["Paper", "Session", "Reading", "Poster"]
    title = next(f for f in data["models"]["Paper"]["fields"] if f["name"] == "title")
    assert title == {"name": "title", "type": "str", "required": True, "default": "",
                     "limits": "not empty", "description": "the paper's title"}
    assert data["kinds"]["presentation"].startswith("presented in the session")


def test_help_points_to_the_reference() -> None:
    assert "kb fields" in run(None, "--help").output
    assert "required, optional, background, presentation" in " ".join(
        run(None, "fields", "--help").output.split())
