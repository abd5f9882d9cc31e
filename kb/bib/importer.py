"""``kb import``: .bib files -> ``papers/<key>.md``, with duplicates found and every entry
accounted for.

Each entry of each file gets exactly one outcome, so for every file
``read == imported + merged + duplicates + failed``:

imported    a new paper file was written (or would be, with ``dry_run``)
merged      a duplicate whose missing fields filled the existing paper (``update=True``)
duplicate   the same work as a paper in the knowledge base or earlier in the files
            (same DOI, same arXiv id, or a near-identical title); nothing written
failed      the entry could not be read or has no title; the line number says where

Keys: the file's key when it is a valid file name and free; otherwise
``lastname + year + first meaningful title word`` (a letter suffix on collision). An existing
paper file is never renamed or overwritten, except that ``update=True`` rewrites a duplicate's
existing file with the missing fields added (atomically, its notes kept).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kb.bib.read import BibEntry, BibFailure, read_bib
from kb.bib.mapping import EntryError, entry_to_paper
from kb.config import Config
from kb.content import PAPER_FIELDS, key_problem, load_project, paper_path, write_paper
from kb.errors import ContentError
from kb.ids import DuplicateIndex, Match, same_work, title_key
from kb.models import Paper

Status = Literal["imported", "merged", "duplicate", "failed"]
STATUSES: tuple[Status, ...] = ("imported", "merged", "duplicate", "failed")
Progress = Callable[[int, int], None]

_STOPWORDS = frozenset(
    "a an the on of in for to and with from towards toward via is are do does how what why when "
    "by at as can its it we you your our not or into over under using use about beyond".split())


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
            "files": [{"path": p, **self.counts(p).as_dict()} for p in self.files],
            "total": self.counts().as_dict(),
            "entries": [o.as_dict() for o in self.outcomes],
            "warnings": [{"path": p, "line": line, "message": m} for p, line, m in self.file_warnings],
        }


def _ascii_word(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).lower())


def generated_key(paper: Paper) -> str:
    """``lastname + year + first meaningful title word``, e.g. 'vaswani2017attention'."""
    names = paper.authors or paper.editors
    last = _ascii_word(names[0].split(",")[0]) if names else ""
    words = [_ascii_word(w) for w in re.split(r"[\s\-/:]+", paper.title)]
    word = next((w for w in words if w and w not in _STOPWORDS), "")
    key = f"{last or 'anon'}{paper.year or ''}{word}"
    return key[:90]


class _Keys:
    """Keys in use: the knowledge base's files and the keys given out in this import."""

    def __init__(self, config: Config, existing: Iterable[str]) -> None:
        self.config = config
        self.taken = {k.lower() for k in existing}

    def free(self, key: str) -> bool:
        return (key_problem(key) is None and key.lower() not in self.taken
                and not paper_path(self.config, key).exists())

    def claim(self, wanted: str, paper: Paper) -> tuple[str, str]:
        """A free key (the wanted one if possible) and why another was chosen ('' if not)."""
        if self.free(wanted):
            self.taken.add(wanted.lower())
            return wanted, ""
        problem = key_problem(wanted)
        reason = (f"the key {wanted!r} cannot be a file name" if problem
                  else f"the key {wanted!r} is taken")
        base = generated_key(paper)
        for suffix in ["", *"bcdefghijklmnopqrstuvwxyz", *map(str, range(2, 10_000))]:
            if self.free(base + suffix):
                self.taken.add((base + suffix).lower())
                return base + suffix, reason
        raise ContentError(f"no free key for {wanted!r}")  # pragma: no cover - 10k collisions


class _ShortTitles:
    """Titles too short for fuzzy matching ('The End'): the same work only when title,
    year and first author's last name are all equal."""

    def __init__(self, min_length: int) -> None:
        self.min_length = min_length
        self._keys: dict[tuple[str, int | None, str], str] = {}

    def _signature(self, paper: Paper) -> tuple[str, int | None, str] | None:
        tkey = title_key(paper.title)
        if not tkey or len(tkey) >= self.min_length:
            return None
        names = paper.authors or paper.editors
        return tkey, paper.year, title_key(names[0].split(",")[0]) if names else ""

    def add(self, paper: Paper) -> None:
        signature = self._signature(paper)
        if signature is not None:
            self._keys.setdefault(signature, paper.key)

    def match(self, paper: Paper) -> Match | None:
        signature = self._signature(paper)
        key = self._keys.get(signature) if signature is not None else None
        return Match(key, "title") if key else None


def merge_missing(target: Paper, source: Paper) -> list[str]:
    """Fill the empty fields of ``target`` from ``source``; the names of the fields filled."""
    changes = []
    for name in PAPER_FIELDS:
        if name in ("type", "bibtex"):
            continue
        mine, theirs = getattr(target, name), getattr(source, name)
        if mine in (None, "", []) and theirs not in (None, "", []):
            setattr(target, name, theirs)
            changes.append(name)
    for name, value in source.bibtex.items():
        if name not in target.bibtex and value.strip():
            target.bibtex[name] = value
            changes.append(f"bibtex.{name}")
    return changes


def import_bib(config: Config, paths: list[Path], *, refs: list[Path] | tuple[Path, ...] = (),
               update: bool = False, dry_run: bool = False,
               progress: Progress | None = None) -> ImportReport:
    """Import the entries of ``paths`` into ``config``'s papers folder.

    ``refs`` are read for @string macros and crossref targets only. With ``update`` a
    duplicate fills the missing fields of the paper it duplicates; with ``dry_run`` nothing
    is written but the report is the same. ``progress(done, total)`` is called per entry.
    Raises BibError only when a file cannot be read at all.
    """
    files = read_bib(list(paths), refs)
    project = load_project(config)
    report = ImportReport([f.path for f in files], dry_run=dry_run, update=update)
    index = DuplicateIndex(threshold=config.options.title_similarity)
    known: dict[str, Paper] = dict(project.papers)
    short = _ShortTitles(index.min_title_length)
    for paper in known.values():
        index.add(paper.key, title=paper.title, doi=paper.doi, arxiv=paper.arxiv)
        short.add(paper)
    keys = _Keys(config, [*known, *project.broken])
    new: dict[str, Paper] = {}
    touched: dict[str, Paper] = {}  # existing papers changed by --update
    total = sum(f.read for f in files)
    done = 0
    for bib in files:
        report.file_warnings.extend((bib.path, line, message) for line, message in bib.warnings)
        items: list[BibEntry | BibFailure] = sorted([*bib.entries, *bib.failures],
                                                    key=lambda x: x.line or 0)
        for item in items:
            if isinstance(item, BibEntry):
                outcome = _one(item, config, index, short, known, keys, new, touched, update)
            else:
                outcome = Outcome(item.path, item.line, item.key, "failed", message=item.message)
            report.outcomes.append(outcome)
            done += 1
            if progress:
                progress(done, total)
    if not dry_run:
        _write(config, report, new, touched)
    return report


def _one(entry: BibEntry, config: Config, index: DuplicateIndex, short: _ShortTitles,
         known: dict[str, Paper], keys: _Keys, new: dict[str, Paper], touched: dict[str, Paper],
         update: bool) -> Outcome:
    outcome = Outcome(entry.path, entry.line, entry.key, "failed", warnings=list(entry.warnings))
    try:
        paper = entry_to_paper(entry, tag_vocabulary=config.options.tags)
    except EntryError as exc:
        outcome.message = str(exc)
        return outcome
    match = index.match(title=paper.title, doi=paper.doi, arxiv=paper.arxiv) or short.match(paper)
    if match is not None and (config.not_duplicate(entry.key, match.key)
                              or (match.reason == "title" and not same_work(paper, known[match.key]))):
        match = None
    if match is not None:
        outcome.key = match.key
        why = {"doi": f"same DOI {paper.doi}", "arxiv": f"same arXiv id {paper.arxiv}",
               "title": f"title {match.score:.0f}% similar"}[match.reason]
        where = "earlier in the import" if match.key in new else "in the knowledge base"
        target = known[match.key]
        changes = merge_missing(target, paper) if update else []
        if changes:
            outcome.status, outcome.changes = "merged", changes
            outcome.message = f"into {match.key} ({why}): filled " + ", ".join(changes)
            if match.key not in new:
                touched[match.key] = target
            index.add(match.key, title=target.title, doi=target.doi, arxiv=target.arxiv)
        else:
            outcome.status = "duplicate"
            outcome.message = f"duplicate of {match.key} {where} ({why})" + \
                ("; nothing new to merge" if update else "")
        return outcome
    key, reason = keys.claim(entry.key, paper)
    paper.key = key
    outcome.status, outcome.key = "imported", key
    outcome.message = f"as {key} ({reason})" if reason else ""
    new[key] = known[key] = paper
    index.add(key, title=paper.title, doi=paper.doi, arxiv=paper.arxiv)
    short.add(paper)
    return outcome


def _write(config: Config, report: ImportReport, new: dict[str, Paper],
           touched: dict[str, Paper]) -> None:
    """Write new papers (never over an existing file) and rewrite updated ones atomically."""
    for key, paper in new.items():
        try:
            write_paper(config, paper, overwrite=False)
        except ContentError as exc:  # the file appeared meanwhile: left alone, reported
            for outcome in report.outcomes:
                if outcome.key == key and outcome.status == "imported":
                    outcome.status, outcome.message = "failed", f"not written: {exc.message}"
    for paper in touched.values():
        write_paper(config, paper, overwrite=True)
