"""The one wording of 'did you mean' that every command and check uses."""

from __future__ import annotations

from kb.model.suggest import did_you_mean, suggest


def test_lists_only_the_names_nearly_as_close_as_the_best() -> None:
    keys = ["Devlin.Chang.Lee.ea.2018", "He.Zhang.Ren.ea.2015", "He.Zhang.Ren.ea.2016"]
    assert did_you_mean("Devlin.Chang.Lee.2018", keys) == "did you mean Devlin.Chang.Lee.ea.2018?"
    assert did_you_mean("He.Zhang.Ren.2016", keys) == \
        "did you mean He.Zhang.Ren.ea.2016, He.Zhang.Ren.ea.2015?"
    assert did_you_mean("He.Zhang.Ren.2016", keys, n=1) == "did you mean He.Zhang.Ren.ea.2016?"


def test_nothing_close_means_no_hint_and_case_alone_is_close() -> None:
    assert did_you_mean("transformer", ["ouyang2022training"]) == ""
    assert did_you_mean("RLHF", ["rlhf", "architecture"]) == "did you mean rlhf?"


def test_suggest_puts_the_hint_before_the_fix_in_one_style() -> None:
    fix = "correct the key"
    assert suggest("vaswani2017", ["vaswani2017attention"], fix) == \
        "did you mean vaswani2017attention? If not, correct the key"
    assert suggest("zzz", ["vaswani2017attention"], fix) == fix
    assert suggest("vaswani2017", ["vaswani2017attention"], fix, show=lambda k: f"[@{k}]") == \
        "did you mean [@vaswani2017attention]? If not, correct the key"
