"""Short venue names for the papers table and reading cards."""

from __future__ import annotations

import pytest

from kb.model.venues import short_venue


@pytest.mark.parametrize(("venue", "short"), [
    ("ArXiv:2004.05150", "arXiv"),
    ("arXiv preprint arXiv:2303.08774", "arXiv"),
    ("arXiv e-prints", "arXiv"),
    ("CoRR", "arXiv"),
    ("Advances in Neural Information Processing Systems", "NeurIPS"),
    ("Proceedings of the 2023 Conference on Empirical Methods in Natural Language Processing",
     "EMNLP 2023"),
    ("Proceedings of the 40th International Conference on Machine Learning", "ICML"),
    ("Conference on Robot Learning (CoRL)", "CoRL"),
    ("Proceedings of the Royal Society (PRSA)", "PRSA"),
    ("MIT Press", "MIT Press"),
    ("Archives of Psychology", "Archives of Psychology"),
    ("APSIPA Transactions on Signal and Information Processing",
     "APSIPA Transactions on Signal and…"),
    ("", ""),
    (None, ""),
])
def test_short_venue(venue: str | None, short: str) -> None:
    assert short_venue(venue) == short
    assert len(short_venue(venue)) <= 41
