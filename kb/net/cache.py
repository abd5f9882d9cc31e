"""The answers kept under ``.kb/net/``: only those a parser read whole, each for a while.

An entry is one JSON file named by the hash of the URL asked, holding the answer (final
URL, status, text), when it was fetched and how long it may be used. The parser of the
service decides what is kept and for how long (:class:`Parsed`): a found record
:data:`KEEP_FOUND`, a "no such id" :data:`KEEP_NOT_FOUND`; an answer it could not read (an
HTML login page of a captive portal, a truncated feed) is never kept. An entry past its
time, from the future, from an older kb (no ``keep``) or damaged is not used; the next
answer replaces it. ``--refresh`` (``PoliteClient(refresh=True)``) asks again and
replaces the entry; deleting ``.kb/net/`` throws every answer away.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from kb.fs import atomic_write, read_limited

DAY = 24 * 3600.0
KEEP_FOUND = 30 * DAY      # a record the service has: metadata rarely changes
KEEP_NOT_FOUND = 1 * DAY   # "no such id": a new paper or a DOI just registered appears soon
CLOCK_SKEW = 300.0         # an entry fetched later than now + this is not trusted

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """A response as kb keeps it: the final URL asked, the status and the text."""

    url: str
    status: int
    text: str
    cached: bool = False
    fetched: float = 0.0  # wall-clock time (seconds since the epoch) it was received


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """What a service's parser made of an answer, and for how many seconds the answer may be
    kept (0: not at all)."""

    value: T
    keep: float = 0.0


class AnswerCache:
    """The entries in ``folder``; ``max_bytes`` bounds what is read back from one file."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def path(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.json"

    def load(self, url: str, now: float) -> Answer | None:
        """The kept answer for ``url`` if it is still good at ``now``, else None."""
        try:
            raw = read_limited(self.path(url), self.max_bytes)
            if len(raw) > self.max_bytes:
                return None
            data = json.loads(raw)
            fetched, keep = float(data["fetched"]), float(data["keep"])
            answer = Answer(str(data["url"]), int(data["status"]), str(data["text"]),
                            cached=True, fetched=fetched)
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None  # missing, damaged or from an older kb: asked again
        if not fetched - CLOCK_SKEW <= now or now - fetched >= keep:
            return None
        return answer

    def store(self, url: str, answer: Answer, keep: float) -> None:
        """Keep ``answer`` for ``keep`` seconds from when it was fetched."""
        if keep <= 0:
            return
        atomic_write(self.path(url), json.dumps({
            "url": answer.url, "status": answer.status, "text": answer.text,
            "fetched": answer.fetched, "keep": keep}))
