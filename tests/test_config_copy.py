"""load_config reads mkdocs.yml's settings from the copy of their last parse in .kb/ when it is
of the same text: the same Config as PyYAML's, without importing PyYAML; any change, a
setting JSON cannot hold or another cache folder has the file parsed again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.course.config import PARSED_FILE, load_config
from kb.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _copy(course: Path) -> Path:
    return course / ".kb" / PARSED_FILE


def _config_in_a_process(course: Path) -> tuple[dict[str, object], bool]:
    """(the settings and the plugin's options as a new process reads them, whether it imported
    yaml)."""
    code = ("import json, sys\nfrom kb.course.config import load_config\n"
            "c = load_config()\nprint(json.dumps([c.site, vars(c.options), 'yaml' in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=course, env=env, capture_output=True,
                         text=True, check=True).stdout
    site, options, imported = json.loads(out)
    return {"site": site, "options": options}, imported


def test_the_copy_gives_the_same_config_without_yaml(course: Path) -> None:
    parsed = load_config(course)
    assert not _copy(course).exists()  # no cache folder yet: nothing written
    (course / ".kb").mkdir()
    load_config(course)  # parses, writes the copy
    assert json.loads(_copy(course).read_text(encoding="utf-8"))["site"] == parsed.site
    again, imported = _config_in_a_process(course)
    assert not imported
    assert again == {"site": parsed.site,
                     "options": json.loads(json.dumps(vars(parsed.options)))}


def test_a_changed_file_is_parsed_again(course: Path) -> None:
    (course / ".kb").mkdir()
    load_config(course)
    path = course / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("related: 5", "related: 7"),
                    encoding="utf-8")
    assert load_config(course).options.related == 7
    config, imported = _config_in_a_process(course)
    assert not imported and config["options"]["related"] == 7  # type: ignore[index]
    path.write_text("site_name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="malformed YAML"):
        load_config(course)


def test_a_damaged_copy_is_parsed_again(course: Path) -> None:
    (course / ".kb").mkdir()
    expected = load_config(course).site
    _copy(course).write_text("{not json", encoding="utf-8")
    assert load_config(course).site == expected
    assert json.loads(_copy(course).read_text(encoding="utf-8"))["site"] == expected


@pytest.mark.parametrize("extra", ["copyright_date: 2024-01-31\n", "extra:\n  1: one\n",
                                   "extra:\n  ratio: .nan\n"])
def test_settings_json_cannot_hold_are_never_copied(course: Path, extra: str) -> None:
    (course / ".kb").mkdir()
    path = course / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    first = load_config(course).site
    assert not _copy(course).exists()
    assert repr(load_config(course).site) == repr(first)


def test_another_cache_folder_is_not_written_to(course: Path) -> None:
    path = course / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("related: 5",
                                                             "related: 5\n      cache_dir: cache"),
                    encoding="utf-8")
    (course / ".kb").mkdir()
    (course / "cache").mkdir()
    assert load_config(course).options.cache_dir == "cache"
    assert not _copy(course).exists() and not (course / "cache" / PARSED_FILE).exists()
