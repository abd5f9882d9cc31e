"""``kb tag add|remove TAG KEYS...``: tag or untag many papers, editing only their ``tags``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kb.course.config import Config
from kb.course.load import load_project, paper_path
from kb.course.edit import edit_file
from kb.errors import NotFoundError
from kb.course.lookups import check_keys, check_tags
from kb.model.suggest import suggest

Action = Literal["add", "remove"]


@dataclass
class TagChange:
    key: str
    changed: bool
    tags: list[str]  # the paper's tags afterwards

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "changed": self.changed, "tags": self.tags}


def retag(config: Config, action: Action, tag: str, keys: Sequence[str], *,
          dry_run: bool = False) -> list[TagChange]:
    """Add ``tag`` to (or remove it from) the papers ``keys``; every key is checked before any
    file changes. A paper that already has (or lacks) the tag is left as it is."""
    project = load_project(config)
    check_keys(config, project, keys)
    if action == "add":
        check_tags(config, [tag])
    else:
        in_use = {t for p in project.papers.values() for t in p.tags}
        if tag not in in_use:
            raise NotFoundError(f"no paper has the tag {tag!r}", field="tag",
                                fix=suggest(tag, in_use, "see the tags in use with kb check or on "
                                                         "the site"))
    changes = []
    for key in dict.fromkeys(keys):
        change = TagChange(key, False, list(project.papers[key].tags))

        def retagged(current: dict[str, Any], change: TagChange = change) -> dict[str, Any]:
            """The tags from the file as it is now (another command may have changed them)."""
            now = current.get("tags")
            if not isinstance(now, list):  # unreadable now: what was loaded
                now = change.tags
            tags = (now if tag in now else [*now, tag]) if action == "add" else \
                [t for t in now if t != tag]
            change.changed, change.tags = tags != now, tags
            return {"tags": tags} if change.changed else {}

        path = paper_path(config, key)
        edit_file(path, config.relative(path), retagged, config.options.max_file_size,
                  dry_run=dry_run, root=config.root)
        changes.append(change)
    return changes
