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

:class:`Library` holds the rules every way into the knowledge base shares (``kb import``,
``kb add``): key choice, duplicate checks, --update merges, and writes that never overwrite.

Keys: the file's key when it is a valid file name and free; otherwise
``lastname + year + first meaningful title word`` (a letter suffix on collision). An existing
paper file is never renamed or overwritten; ``update=True`` adds the missing fields to a
duplicate's existing file in place (atomically; its other lines and notes stay as written).
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kb.bib.read import BibEntry, BibFailure, BibFile, read_bib
from kb.bib.mapping import EntryError, entry_to_paper
from kb.course.config import Config
from kb.course.load import PAPER_FIELDS, dump_paper, load_project, paper_path, write_papers
from kb.fs import remove_stale_temp_files
from kb.errors import ContentError, NotFoundError
from kb.model.rules import key_problem
from kb.model.suggest import suggest
from kb.model.ids import DuplicateIndex, Match, title_key, title_verdict
from kb.model.limits import MAX_TAGS
from kb.model.entries import Paper, Project, year_problem
from kb.progress import Count

Status = Literal["imported", "merged", "duplicate", "failed"]
STATUSES: tuple[Status, ...] = ("imported", "merged", "duplicate", "failed")

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
        # every name in papers/, read or not (a refused link, a FIFO): never a new paper's
        try:
            self.taken.update(name[:-3].lower() for name in os.listdir(config.papers_dir)
                              if name.endswith(".md"))
        except OSError:  # no papers folder yet: the write creates it or reports why not
            pass

    def free(self, key: str) -> bool:
        return key_problem(key) is None and key.lower() not in self.taken

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


@dataclass
class Placement:
    """Where an incoming paper went: imported under ``key``, merged into it, or a duplicate."""

    status: Status
    key: str | None
    message: str = ""
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_WHY = {"doi": "same DOI {doi}", "arxiv": "same arXiv id {arxiv}", "title": "title {score:.0f}% similar"}


class Library:
    """The papers of the knowledge base as a way in sees them, plus what it adds.

    One place for the rules of ``kb import`` and ``kb add``: a free key (the wanted one, or
    ``lastname + year + word`` with a letter suffix), duplicates by DOI, arXiv id or a
    near-identical title that other evidence confirms, ``update`` merges of missing fields,
    and :meth:`write`, which never overwrites a file it did not read.
    """

    def __init__(self, config: Config, project: Project | None = None) -> None:
        project = project if project is not None else load_project(config)
        self.config = config
        self.index = DuplicateIndex(threshold=config.options.title_similarity)
        self.known: dict[str, Paper] = dict(project.papers)
        self.short = _ShortTitles(self.index.min_title_length)
        for paper in self.known.values():
            self.index.add(paper.key, title=paper.title, doi=paper.doi, arxiv=paper.arxiv)
            self.short.add(paper)
        self.keys = _Keys(config, [*self.known, *project.broken])
        self.new: dict[str, Paper] = {}
        self.touched: dict[str, set[str]] = {}  # existing papers changed by update: fields

    def place(self, paper: Paper, wanted: str, *, update: bool = False) -> Placement:
        """Decide what ``paper`` (wanting the key ``wanted``) becomes, and remember it."""
        match = self.index.match(title=paper.title, doi=paper.doi, arxiv=paper.arxiv) \
            or self.short.match(paper)
        warnings: list[str] = []
        if match is not None and self.config.not_duplicate(wanted, match.key):
            match = None
        if match is not None and match.reason == "title":
            verdict, reason = title_verdict(paper, self.known[match.key])
            if verdict == "possible":
                warnings.append(
                    f"possible duplicate of {match.key} (title {match.score:.0f}% similar, "
                    f"{reason}); both kept: delete one if they are the same work, or list the "
                    "two keys under plugins.kb.not_duplicates in mkdocs.yml")
            if verdict != "same":
                match = None
        if match is not None:
            return self._duplicate(paper, match, update)
        key, reason = self.keys.claim(wanted, paper)
        paper.key = key
        self.new[key] = self.known[key] = paper
        self.index.add(key, title=paper.title, doi=paper.doi, arxiv=paper.arxiv)
        self.short.add(paper)
        warnings = [w.replace("both kept:", f"kept as {key}:") for w in warnings]
        return Placement("imported", key, f"as {key} ({reason})" if reason else "",
                         warnings=warnings)

    def _duplicate(self, paper: Paper, match: Match, update: bool) -> Placement:
        why = _WHY[match.reason].format(doi=paper.doi, arxiv=paper.arxiv, score=match.score)
        where = "earlier in the import" if match.key in self.new else "in the knowledge base"
        target = self.known[match.key]
        changes = merge_missing(target, paper) if update else []
        if changes:
            if match.key not in self.new:
                self.touched.setdefault(match.key, set()).update(c.split(".")[0] for c in changes)
            self.index.add(match.key, title=target.title, doi=target.doi, arxiv=target.arxiv)
            return Placement("merged", match.key,
                             f"into {match.key} ({why}): filled " + ", ".join(changes), changes)
        return Placement("duplicate", match.key, f"duplicate of {match.key} {where} ({why})"
                         + ("; nothing new to merge" if update else ""))

    def write(self) -> dict[str, str]:
        """Write new papers (never over an existing file; one disk sync for the whole batch)
        and add the filled fields to updated ones in place (:mod:`kb.course.edit`: their other lines
        stay as written); the keys whose file could not be written, with the reason. On a full
        (or read-only) disk nothing of the batch is left half-written and every paper not
        written is reported."""
        from kb.course.edit import edit_file
        from kb.errors import KbError

        try:
            refused = write_papers(self.config, [(p, False) for p in self.new.values()])
        except OSError as exc:  # a full disk: the batch leaves no file half-written
            message = f"not written: {exc.strerror or exc}"
            return {key: message for key in [*self.new, *self.touched]}
        # a file that appeared meanwhile: left alone, reported
        failed = {key: f"not written: {exc.message}" for key, exc in refused.items()}
        full: str | None = None
        for key, names in self.touched.items():
            if full is not None:
                failed[key] = full.replace("not written", "not updated")
                continue
            paper = self.known[key]
            path = paper_path(self.config, key)
            values = {name: getattr(paper, name) for name in PAPER_FIELDS if name in names}
            try:
                edit_file(path, self.config.relative(path), values, self.config.options.max_file_size)
            except KbError as exc:  # changed or broken meanwhile: left alone, reported
                failed[key] = f"not updated: {exc.message}"
            except OSError as exc:
                failed[key] = f"not updated: {exc.strerror or exc}"
                if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                    full = failed[key]
        return failed


def not_accepted(paper: Paper, config: Config) -> str | None:
    """Why kb itself would reject ``paper`` once written (so no way in writes it), or None."""
    problem = year_problem(paper.year)
    if problem:
        return problem + " (kb check rejects it)"
    if len(paper.tags) > MAX_TAGS:
        return f"{len(paper.tags)} tags, more than the {MAX_TAGS} kb accepts"
    limit = config.options.max_file_size
    rough = sum(len(v) for v in (paper.title, paper.abstract, paper.summary, paper.notes) if v) + \
        sum(len(k) + len(v) for k, v in paper.bibtex.items())
    if rough > limit // 2:  # near the limit: measure the file exactly
        size = len(dump_paper(paper).encode("utf-8"))
        if size > limit:
            return (f"its file would be {size / 1_048_576:.1f} MB, more than the "
                    f"{limit / 1_048_576:.1f} MB kb reads (max_file_size in mkdocs.yml)")
    return None


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


def add_tags(paper: Paper, tags: Sequence[str]) -> list[str]:
    """Add ``tags`` that ``paper`` lacks, in order; the tags added."""
    added = [t for t in dict.fromkeys(tags) if t not in paper.tags]
    paper.tags.extend(added)
    return added


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
