"""Put a paper on a session's reading list, editing only the ``readings`` of its front matter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb.course.config import Config
from kb.course.load import INDEX_PAGES, scan_folder
from kb.course.edit import edit_file
from kb.errors import ContentError
from kb.course.lookups import unknown_session
from kb.model.entries import READING_KINDS, Project


@dataclass
class ReadingChange:
    """What adding a reading did: the session file, and whether the list changed."""

    session: int
    path: str
    key: str
    kind: str
    changed: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"session": self.session, "path": self.path, "key": self.key, "kind": self.kind,
                "changed": self.changed, "message": self.message}


def check_kind(kind: str) -> str:
    if kind not in READING_KINDS:
        raise ContentError(f"{kind!r} is not a reading kind", field="kind",
                           fix="use one of: " + ", ".join(READING_KINDS))
    return kind


def add_reading(config: Config, project: Project, number: int, key: str, kind: str,
                note: str | None = None, *, dry_run: bool = False) -> ReadingChange:
    """Add ``key`` as a ``kind`` reading (with ``note``) to session ``number``'s page.

    A paper already on the list is left as it is (reported). Raises NotFoundError, with
    the session numbers there are, when no page has that number.
    """
    check_kind(kind)
    session = project.session(number)
    if session is None:
        raise unknown_session(project, number)
    pages = scan_folder(config.sessions_dir, INDEX_PAGES, inside=(config.root,))[0]
    path = next(p for p in (config.sessions_dir / e.name for e in pages) if p.stem == session.slug)
    rel = config.relative(path)
    item: dict[str, Any] = {"key": key, "kind": kind}
    if note:
        item["note"] = note
    listed: list[dict[str, Any]] = []

    def appended(current: dict[str, Any]) -> dict[str, Any]:
        """The readings of the page as it is now, with the paper added unless it is listed."""
        readings: list[Any] = list(current.get("readings") or [])
        listed[:] = [{"key": r} if isinstance(r, str) else r for r in readings  # a bare key too
                     if (r if isinstance(r, str) else isinstance(r, dict) and r.get("key")) == key][:1]
        return {} if listed else {"readings": [*readings, item]}

    edit_file(path, rel, appended, config.options.max_file_size, dry_run=dry_run, root=config.root)
    if listed:
        was = str(listed[0].get("kind", "required"))
        return ReadingChange(number, rel, key, was, False,
                             f"already on session {number}'s reading list (as {was}); "
                             f"{rel} left as it was")
    return ReadingChange(number, rel, key, kind, True,
                         f"added to session {number}'s reading list as {kind} ({rel})")
