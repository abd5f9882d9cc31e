"""The rules for names that become file names and page routes: citation keys and tags.

One rule each, with one wording, for every reader: loading the course, ``kb check``, the
importer, ``kb tag``, the filters and the site.
"""

from __future__ import annotations

import re

from kb.errors import InvalidKeyError
from kb.model.suggest import quoted

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}$")
KEY_RULE = "letters, digits and . _ + - (starting with a letter or digit, at most 100 characters)"
# Names no paper file may take: the papers folder's own index page on the site (index, README)
# and the device names Windows reserves (also with an extension: aux.2020).
RESERVED_KEYS = frozenset({"index", "readme", "con", "prn", "aux", "nul",
                           *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})

# A tag is a page route too (tags/<tag>/): the names of the tags folder's own index page are
# not tags, or a tag's page would replace the overview.
RESERVED_TAGS = frozenset({"index", "readme"})
TAG_RE = re.compile(r"^(?!(?:index|readme)$)[a-z0-9]+(-[a-z0-9]+)*$")
TAG_RULE = "lowercase words joined by hyphens, e.g. 'reward-model'"


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a citation key (it becomes a file name), or None if it can."""
    if not key:
        return "the key is empty"
    if "/" in key or "\\" in key or ".." in key:
        return f"the key {quoted(key)} contains a path separator or '..'"
    if not KEY_RE.match(key):
        return f"the key {quoted(key)} may only contain {KEY_RULE}"
    if key.split(".")[0].lower() in RESERVED_KEYS:
        return (f"the key {quoted(key)} is a reserved name (the site's index page or a Windows "
                "device name)")
    return None


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe citation key, else raise InvalidKeyError."""
    problem = key_problem(key)
    if problem:
        raise InvalidKeyError(problem, field="key", fix=f"use only {KEY_RULE}")
    return key


def is_tag(tag: object) -> bool:
    """Whether ``tag`` is a well-formed tag (lowercase words joined by hyphens)."""
    return isinstance(tag, str) and TAG_RE.match(tag) is not None


def tag_problem(tag: str) -> tuple[str, str] | None:
    """(message, fix) when ``tag`` is not a well-formed tag, or None when it is."""
    if is_tag(tag):
        return None
    if tag in RESERVED_TAGS:
        return (f"tag {tag!r} is a reserved name (the page of all tags)",
                f"choose another name, e.g. '{tag}-tag'")
    words = re.findall(r"[a-z0-9]+", tag.lower())
    fix = f"write it as {'-'.join(words)!r}" if words else f"tags are {TAG_RULE}"
    return f"tag {tag!r} is not lowercase-with-hyphens", fix
