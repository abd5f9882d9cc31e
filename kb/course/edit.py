"""Front matter edits that leave the rest of a file as it was written.

Changing one field of a paper or session should not reformat the others, drop their
comments or re-quote their values. :func:`set_field` rewrites only the lines of one field
(or appends the field at the end of the front matter); when a list only grows, the new items
are inserted after the last one, in the same indentation, and no existing line changes.
Every edit is checked by reading the result back before it is written (atomically).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from kb.course.load import _ContentLoader, _Dumper, parse_front_matter
from kb.fs import atomic_write, folder_lock, remove_stale_temp_files
from kb.errors import ContentError


def _dump(value: Any) -> list[str]:
    text = yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    return text.rstrip("\n").split("\n")


def _node_end(lines: list[str], node: yaml.Node) -> int:
    """The index (exclusive) of the last line holding ``node``, in ``lines``."""
    mark = node.end_mark
    if mark.line >= len(lines):
        end = len(lines)
    elif mark.column == 0 or not lines[mark.line][:mark.column].strip():
        end = mark.line
    else:
        end = mark.line + 1
    while end > node.start_mark.line + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _front_matter(text: str, rel: str) -> tuple[list[str], int, int, yaml.MappingNode]:
    """The file's lines, the index of the opening and closing '---', and the YAML node."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r").lstrip("\ufeff") != "---":
        raise ContentError("the file does not start with a '---' front matter line", path=rel,
                           line=1, fix="begin the file with '---', the YAML fields, then '---'")
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r") in ("---", "...")), None)
    if close is None:
        raise ContentError("the front matter is never closed", path=rel, line=1,
                           fix="add a line '---' after the last YAML field")
    loader = _ContentLoader("\n".join(lines[1:close]))
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise ContentError(f"malformed YAML in the front matter: {exc}", path=rel,
                           fix="run kb check and correct the file first") from None
    finally:
        loader.dispose()
    if not isinstance(node, yaml.MappingNode):
        raise ContentError("the front matter is not a mapping of fields", path=rel, line=2,
                           fix="run kb check and correct the file first")
    return lines, 0, close, node


def set_field(text: str, rel: str, name: str, value: Any) -> str:
    """``text`` with front matter field ``name`` set to ``value``; all other lines kept."""
    lines, _, close, root = _front_matter(text, rel)
    eol = "\r" if lines[0].endswith("\r") else ""
    body = lines[1:close]
    found = next(((k, v) for k, v in root.value if k.value == name), None)
    if found is None:
        new = [line + eol for line in _dump({name: value})]
        return "\n".join(lines[:close] + new + lines[close:])
    key_node, value_node = found
    start = key_node.start_mark.line
    old = yaml.load("\n".join(body), Loader=_ContentLoader).get(name)
    if (isinstance(value_node, yaml.SequenceNode) and not value_node.flow_style
            and value_node.value and isinstance(old, list) and isinstance(value, list)
            and value[:len(old)] == old and len(value) > len(old)):
        last = value_node.value[-1]
        end = _node_end(body, last)
        dash = max(0, last.start_mark.column - 2)
        added = [" " * dash + line for line in _dump(value[len(old):])]
        body = body[:end] + [line + eol for line in added] + body[end:]
    else:
        end = _node_end(body, value_node) if value_node.start_mark.line >= start else start + 1
        end = max(end, start + 1)
        indent = " " * key_node.start_mark.column
        new = [indent + line + eol for line in _dump({name: value})]
        body = body[:start] + new + body[end:]
    return "\n".join([lines[0], *body, *lines[close:]])


Values = dict[str, Any]


def edit_file(path: Path, rel: str, values: Values | Callable[[Values], Values], max_bytes: int,
              *, dry_run: bool = False, root: Path | None = None) -> str:
    """Set front matter fields of the file at ``path``, check the result reads back with those
    values, and write it atomically (unless ``dry_run``). Returns the text.

    ``values`` is the fields to set, or a function from the file's fields as they are now to
    the fields to set (an empty dict: nothing to change). The function runs while the file's
    folder is locked, so an edit computed from the file (add a tag to the tags there) is never
    lost to another command's edit of the same file. A symbolic link is edited through: its
    target changes, the link stays (``root``: the target must lie inside it).
    """
    from kb.course.load import read_text

    target = _edited_file(path, rel, root)
    with folder_lock(target.parent):
        text = read_text(target, rel, max_bytes)
        if callable(values):
            current, _, _, _ = parse_front_matter(text, rel)
            values = values(current)
        new = text
        for name, value in values.items():
            new = set_field(new, rel, name, value)
        data, _, _, _ = parse_front_matter(new, rel)
        for name, value in values.items():
            if data.get(name) != value:
                raise ContentError(f"editing the field {name!r} did not give the expected value; "
                                   "the file was left as it was", path=rel, field=name,
                                   fix="run kb check, correct the file, and try again")
        if not dry_run and new != text:
            atomic_write(target, new)
            remove_stale_temp_files(target.parent)  # what a killed edit left here
    return new


def _edited_file(path: Path, rel: str, root: Path | None) -> Path:
    """The file an edit of ``path`` writes: ``path``, or the target of a link at ``path``."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if root is not None and not target.is_relative_to(Path(os.path.realpath(root))):
        raise ContentError("the file is a link to a file outside the course; kb does not edit it",
                           path=rel, fix="replace the link with the file itself")
    return target
