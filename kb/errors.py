"""The one exception tree of kb.

Every error names the place (file, line, field) and says how to fix it::

    KbError
     ├── ConfigError          mkdocs.yml missing, malformed, or a bad plugin option
     ├── ContentError         a content file cannot be read or parsed
     │    └── InvalidKeyError  a citation key that cannot be a file name
     ├── BibError             a .bib file cannot be read at all
     ├── NotFoundError        an unknown paper key, session or poster
     │    └── FilterError      a filter names a session, tag, type or key nobody has
     ├── StoreError           the cache database cannot be opened or rebuilt
     └── MissingDependencyError  an optional package is not installed

Per-entry problems (one bad paper among many) are not exceptions: they are
:class:`kb.model.entries.Issue` records, collected and reported together.
"""

from __future__ import annotations

from pathlib import Path


class KbError(Exception):
    """Base of every error kb raises on purpose."""

    #: The ``kb`` command's exit status for this error: 2, the command could not run.
    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        field = f"[{self.field}] " if self.field else ""
        text = f"{where}{field}{self.message}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class ConfigError(KbError):
    """mkdocs.yml is missing or malformed, or a kb option has a bad value."""


class ContentError(KbError):
    """A content file (paper, session, poster) cannot be read or parsed."""


class InvalidKeyError(ContentError):
    """A citation key that would not make a safe file name."""


class BibError(KbError):
    """A .bib file cannot be read at all (per-entry problems are reported, not raised)."""


class NotFoundError(KbError):
    """An unknown paper key, session number or poster."""


class FilterError(NotFoundError):
    """A filter (--session, --tag, --type, --key) names nothing in the course, or the filters
    contradict each other. The command ran and found the request wrong: exit status 1."""

    exit_code = 1


class StoreError(KbError):
    """The cache database cannot be opened or rebuilt."""


class MissingDependencyError(KbError):
    """An optional dependency is not installed; the message says what to install."""
