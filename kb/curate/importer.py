"""``kb import``: .bib files -> ``papers/<key>.md``, with duplicates found and every entry
accounted for.

Each entry of each file gets exactly one outcome, so for every file
``read == imported + merged + duplicates + failed``:

imported    a new paper file was written (or would be, with ``dry_run``)
merged      a duplicate whose missing fields filled the existing paper (``update=True``)
duplicate   the same work as a paper in the knowledge base or earlier in the files
            (same DOI, same arXiv id, or a near-identical title that other evidence
            confirms, see :func:`kb.model.ids.title_verdict`); nothing written
failed      the entry could not be read or has no title; the line number says where

A near-identical title without agreeing evidence is imported and reported as a possible
duplicate (a warning naming the other paper), never dropped. ``keys`` and ``match`` pick
entries from a big file; only picked entries are counted.

:class:`kb.curate.library.Library` holds the rules every way into the knowledge base shares:
key choice, duplicate checks, --update merges, and writes that never overwrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.bib.read import BibEntry, BibFailure, BibFile, read_bib
from kb.bib.mapping import EntryError, entry_to_paper
from kb.course.config import Config
from kb.curate.library import Library, Status, add_tags, not_accepted
from kb.fs import remove_stale_temp_files
from kb.errors import NotFoundError
from kb.model.suggest import suggest
from kb.progress import Count


@dataclass
class Outcome:
    """What happened to one entry of one file."""

    path: str
    line: int | None
    source_key: str | None
    status: Status
    key: str | None = None  # the paper written, merged into, or duplicated
    message: str = ""
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "source_key": self.source_key,
                "status": self.status, "key": self.key, "message": self.message,
                "changes": self.changes, "warnings": self.warnings}


@dataclass
class Counts:
    read: int = 0
    imported: int = 0
    merged: int = 0
    duplicate: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"read": self.read, "imported": self.imported, "merged": self.merged,
                "duplicates": self.duplicate, "failed": self.failed}


@dataclass
class ImportReport:
    """Every entry's outcome, file-level warnings, and the counts per file."""

    files: list[str]
    outcomes: list[Outcome] = field(default_factory=list)
    file_warnings: list[tuple[str, int | None, str]] = field(default_factory=list)
    dry_run: bool = False
    update: bool = False
    picked: tuple[int, int] | None = None  # (entries picked, entries in the files)

    def counts(self, path: str | None = None) -> Counts:
        """Counts of one file (or of all); read is always the sum of the other four."""
        counts = Counts()
        for outcome in self.outcomes:
            if path is None or outcome.path == path:
                counts.read += 1
                setattr(counts, outcome.status, getattr(counts, outcome.status) + 1)
        return counts

    @property
    def ok(self) -> bool:
        return self.counts().failed == 0

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok, "dry_run": self.dry_run, "update": self.update,
            "picked": ({"picked": self.picked[0], "of": self.picked[1]} if self.picked else None),
            "files": [{"path": p, **self.counts(p).as_dict()} for p in self.files],
            "total": self.counts().as_dict(),
            "entries": [o.as_dict() for o in self.outcomes],
            "warnings": [{"path": p, "line": line, "message": m} for p, line, m in self.file_warnings],
        }


def _picked(item: BibEntry | BibFailure, keys: set[str], pattern: re.Pattern[str] | None) -> bool:
    if keys and item.key not in keys:
        return False
    if pattern is not None:
        if not isinstance(item, BibEntry):
            return False
        from kb.bib.latex import latex_to_text

        return bool(pattern.search(latex_to_text(item.fields.get("title", ""))))
    return True


def _check_picks(files: list[BibFile], keys: list[str]) -> None:
    """Every --key names an entry of the files; otherwise say which, and what is close."""
    present = {e.key for bib in files for e in bib.entries} | \
        {f.key for bib in files for f in bib.failures if f.key}
    missing = [k for k in keys if k not in present]
    if missing:
        raise NotFoundError(f"no entry with the key {missing[0]!r} in "
                            + ", ".join(f.path for f in files), field="key",
                            fix=suggest(missing[0], present,
                                        "use a key as written after @type{ in the file"))


def import_bib(config: Config, paths: list[Path], *, refs: list[Path] | tuple[Path, ...] = (),
               update: bool = False, dry_run: bool = False,
               progress: Count | None = None, keys: list[str] | tuple[str, ...] = (),
               match: str | None = None, tags: list[str] | tuple[str, ...] = ()) -> ImportReport:
    """Import the entries of ``paths`` into ``config``'s papers folder.

    ``refs`` are read for @string macros and crossref targets only. With ``update`` a
    duplicate fills the missing fields of the paper it duplicates; with ``dry_run`` nothing
    is written but the report is the same. ``keys`` (entry keys) and ``match`` (a regular
    expression searched in titles) pick entries, all others are left alone; ``tags`` are
    added to every imported paper. ``progress(done, total)`` is called per entry.
    Raises BibError only when a file cannot be read at all, NotFoundError for a key that
    no file holds, ValueError for a bad ``match`` expression.
    """
    pattern = re.compile(match, re.IGNORECASE) if match else None
    files = read_bib(list(paths), refs)
    _check_picks(files, list(keys))
    report = ImportReport([f.path for f in files], dry_run=dry_run, update=update)
    if not dry_run:
        for stale in remove_stale_temp_files(config.papers_dir):
            report.file_warnings.append((config.relative(stale.parent) + "/" + stale.name, None,
                                         "removed a temporary file an interrupted write left"))
    library = Library(config)
    wanted = set(keys)
    batches = []
    for bib in files:
        items: list[BibEntry | BibFailure] = sorted([*bib.entries, *bib.failures],
                                                    key=lambda x: x.line or 0)
        batches.append((bib, [i for i in items if _picked(i, wanted, pattern)]))
    total = sum(len(items) for _, items in batches)
    if wanted or pattern is not None:
        report.picked = (total, sum(f.read for f in files))
    done = 0
    for bib, items in batches:
        report.file_warnings.extend((bib.path, line, message) for line, message in bib.warnings)
        for item in items:
            if isinstance(item, BibEntry):
                outcome = _one(item, library, update, tags)
            else:
                outcome = Outcome(item.path, item.line, item.key, "failed", message=item.message)
            report.outcomes.append(outcome)
            done += 1
            if progress:
                progress(done, total)
    if not dry_run:
        failed = library.write()
        for outcome in report.outcomes:
            if outcome.key in failed and outcome.status in ("imported", "merged"):
                outcome.status, outcome.message = "failed", failed[outcome.key]
    return report


def _one(entry: BibEntry, library: Library, update: bool, tags: list[str] | tuple[str, ...]) -> Outcome:
    outcome = Outcome(entry.path, entry.line, entry.key, "failed", warnings=list(entry.warnings))
    try:
        paper = entry_to_paper(entry, tag_vocabulary=library.config.options.tags)
    except EntryError as exc:
        outcome.message = str(exc)
        return outcome
    add_tags(paper, tags)
    problem = not_accepted(paper, library.config)
    if problem:
        outcome.message = problem
        return outcome
    placed = library.place(paper, entry.key, update=update)
    outcome.status, outcome.key, outcome.message = placed.status, placed.key, placed.message
    outcome.changes = placed.changes
    outcome.warnings.extend(placed.warnings)
    return outcome
