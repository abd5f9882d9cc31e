"""Two commands editing one file never lose an edit, and a linked paper is edited through its
link: `kb tag add` run as eight processes at once on one paper keeps all eight tags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import run

KB = "import sys; from kb.cli import main; sys.argv[0] = 'kb'; main()"
TAGS = [f"topic-{i}" for i in range(8)]


def _tags(path: Path) -> list[str]:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["tags"]


def _open_vocabulary(course: Path) -> None:
    """The kb init course keeps a tag vocabulary; these tests tag outside it."""
    config = course / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("      tags:\n        architecture: model architectures and their "
                                   "building blocks\n        rlhf: reinforcement learning from human "
                                   "feedback\n", ""), encoding="utf-8")


def test_eight_tag_adds_at_once_keep_every_tag(course: Path) -> None:
    _open_vocabulary(course)
    paper = course / "papers/vaswani2017attention.md"
    before = _tags(paper)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", KB, "--root", str(course), "tag", "add", tag,
                               "vaswani2017attention"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for tag in TAGS]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, outputs
    assert all(out.endswith("1 of 1 paper changed\n") for out, _ in outputs), outputs
    after = _tags(paper)
    assert after[:len(before)] == before
    assert sorted(after[len(before):]) == TAGS


def test_an_edit_through_a_link_changes_the_target_and_keeps_the_link(course: Path) -> None:
    _open_vocabulary(course)
    real = course / "library" / "vaswani2017attention.md"
    real.parent.mkdir()
    os.replace(course / "papers/vaswani2017attention.md", real)
    link = course / "papers/vaswani2017attention.md"
    link.symlink_to(os.path.relpath(real, link.parent))
    result = run(course, "tag", "add", "linked", "vaswani2017attention")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and "linked" in _tags(real)


def test_an_edit_removes_nothing_another_command_added_meanwhile(course: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The edit reads the file under the folder's lock: a tag written after the course was
    loaded (by another command) is kept when this command removes a different one."""
    from kb.course.config import load_config
    from kb.curate import tagging

    _open_vocabulary(course)
    paper = course / "papers/vaswani2017attention.md"
    config = load_config(course)
    real_load = tagging.load_project

    def load_then_someone_edits(config_: object) -> object:
        project = real_load(config)
        text = paper.read_text(encoding="utf-8")
        paper.write_text(text.replace("tags:\n", "tags:\n- added-meanwhile\n", 1), encoding="utf-8")
        return project

    monkeypatch.setattr(tagging, "load_project", load_then_someone_edits)
    changes = tagging.retag(config, "remove", "architecture", ["vaswani2017attention"])
    assert changes[0].changed and "added-meanwhile" in _tags(paper)
    assert "architecture" not in _tags(paper)


def test_an_edit_removes_what_a_killed_edit_left(course: Path) -> None:
    _open_vocabulary(course)
    stale = course / "papers/.vaswani2017attention.md.a1b2c3d4.tmp"
    stale.write_text("half a paper", encoding="utf-8")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    fresh = course / "papers/.vaswani2017attention.md.e5f6a7b8.tmp"  # a live write's: kept
    fresh.write_text("being written", encoding="utf-8")
    assert run(course, "tag", "add", "cleaned", "vaswani2017attention").exit_code == 0
    assert not stale.exists() and fresh.exists()


@pytest.mark.parametrize("command", [("tag", "add", "full", "vaswani2017attention"),
                                     ("export", "bib", "--output", "OUT")])
def test_a_full_disk_is_a_clear_error_and_changes_nothing(course: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          command: tuple[str, ...]) -> None:
    import errno

    import kb.fs
    from conftest import snapshot

    _open_vocabulary(course)
    before = snapshot(course)

    def full(path: Path, text: str | bytes) -> tuple[str, int]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kb.fs, "_write_temporary", full)
    out = tmp_path / "out.bib"
    args = [str(out) if a == "OUT" else a for a in command]
    result = run(course, *args)
    target = course / "papers/vaswani2017attention.md" if command[0] == "tag" else out
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {target}: the file could not be written or read: No space left on device\n"
        "  fix: free some disk space and run it again; kb writes whole files or none, so the files "
        "are as they were\n")
    assert snapshot(course) == before and not out.exists()
