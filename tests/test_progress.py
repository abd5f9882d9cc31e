"""Long work shows itself: the model-loading line before the wait, a line per phase when
stderr is not a terminal, a bar when it is, and nothing with --quiet."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import kb.search.embed
import kb.search.engine
from conftest import paper, run, write
from kb.progress import LineProgress, Progress, TerminalProgress, count_bar, progress_for
from kb.search.embed import HashingEmbedder


class SlowModel(HashingEmbedder):
    """A hashing embedder that, like the real one, is loaded on first use and says so."""

    def __init__(self) -> None:
        super().__init__(64)
        self.loaded = False
        self.events: list[str] = []

    def load(self) -> None:
        self.events.append("load")
        self.loaded = True

    def embed(self, texts: list[str]) -> np.ndarray:
        self.events.append(f"embed {len(texts)}")
        return super().embed(texts)


@pytest.fixture
def over_light_batch(course: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, SlowModel]:
    """130 papers (and the course's own one): more than kb.search.embed.LIGHT_BATCH, so the
    model is loaded, and three batches of EMBED_BATCH."""
    for i in range(130):
        write(course, f"papers/p{i:03d}.md", paper(f"p{i:03d}", title=f"Paper number {i}"))
    model = SlowModel()
    monkeypatch.setattr(kb.search.embed, "default_embedder", lambda name: model)
    return course, model


def test_line_progress_writes_one_line_per_phase() -> None:
    out = io.StringIO()
    ticks = iter([10.0, 12.5])
    progress = LineProgress(out, clock=lambda: next(ticks))
    progress.phase("loading the embedding model m...")
    with progress.bar("embedding with m", 3) as advance:
        advance(2)
        advance(1)
    assert out.getvalue() == ("loading the embedding model m...\n"
                              "embedding with m: 3 papers...\n"
                              "embedding with m: 3 papers done in 2.5 s\n")


def test_the_reporter_follows_quiet_and_the_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert type(progress_for(quiet=True, stream=Tty())) is Progress
    assert isinstance(progress_for(stream=Tty()), TerminalProgress)
    assert isinstance(progress_for(stream=io.StringIO()), LineProgress)


def test_the_import_and_enrich_bar_counts_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with count_bar("importing", enabled=False) as update:
        assert update is None
    with count_bar("importing", enabled=True) as update:
        assert update is not None
        update(1, 3)
        update(3, 3)
    assert capsys.readouterr().out == ""


def test_search_says_it_loads_the_model_before_embedding(over_light_batch: tuple[Path, SlowModel]) -> None:
    course, model = over_light_batch
    result = run(course, "search", "paper", "-k", "1", "--json")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[:2] == [
        "loading the embedding model hashing-64...",
        "embedding with hashing-64: 131 papers...",
    ]
    assert result.stderr.splitlines()[2].startswith("embedding with hashing-64: 131 papers done in ")
    assert model.events[:4] == ["load", "embed 64", "embed 64", "embed 3"]  # loaded first
    assert result.stdout.startswith("[\n")  # stdout holds only the JSON


@pytest.mark.parametrize("args", [("--quiet", "sync"), ("sync", "--quiet"), ("sync", "-q")])
def test_quiet_silences_progress(over_light_batch: tuple[Path, SlowModel], args: tuple[str, ...]) -> None:
    course, model = over_light_batch
    result = run(course, *args)
    assert result.stderr == ""
    assert result.stdout == "synced 131 papers: 131 added, 0 changed, 0 removed, 0 unchanged; 131 embedded\n"
    assert model.events[0] == "load"


def test_nothing_to_embed_prints_nothing(over_light_batch: tuple[Path, SlowModel]) -> None:
    course, _ = over_light_batch
    run(course, "sync")
    again = run(course, "search", "paper", "-k", "1", "--mode", "keyword")
    assert again.stderr == ""


def test_the_site_build_logs_its_phases(over_light_batch: tuple[Path, SlowModel],
                                        caplog: pytest.LogCaptureFixture) -> None:
    from site_helpers import build_site

    course, model = over_light_batch
    build_site(course, embedder=model)
    lines = [r.getMessage() for r in caplog.records if r.name == "mkdocs.plugins.kb"]
    assert lines[:2] == ["kb: loading the embedding model hashing-64...",
                         "kb: embedding with hashing-64: 131 papers..."]
