"""The rules every way into the knowledge base shares (``kb import``, ``kb add``): key choice,
duplicate checks, ``--update`` merges, and writes that never overwrite.

Keys: the file's key when it is a valid file name and free; otherwise
``lastname + year + first meaningful title word`` (a letter suffix on collision). An existing
paper file is never renamed or overwritten; ``update=True`` adds the missing fields to a
duplicate's existing file in place (atomically; its other lines and notes stay as written).
No BibTeX here: ``kb add`` places papers without loading the BibTeX reader.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from kb.course.config import Config
from kb.course.load import PAPER_FIELDS, dump_paper, load_project, paper_path, write_papers
from kb.errors import ContentError
from kb.model.entries import Paper, Project, year_problem
from kb.model.ids import DuplicateIndex, Match, title_key, title_verdict
from kb.model.limits import MAX_TAGS
from kb.model.rules import key_problem
from kb.model.suggest import quoted

Status = Literal["imported", "merged", "duplicate", "failed"]
STATUSES: tuple[Status, ...] = ("imported", "merged", "duplicate", "failed")

_STOPWORDS = frozenset(
    "a an the on of in for to and with from towards toward via is are do does how what why when "
    "by at as can its it we you your our not or into over under using use about beyond".split())




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
        reason = (f"the key {quoted(wanted)} cannot be a file name" if problem
                  else f"the key {quoted(wanted)} is taken")
        base = generated_key(paper)
        for suffix in ["", *"bcdefghijklmnopqrstuvwxyz", *map(str, range(2, 10_000))]:
            if self.free(base + suffix):
                self.taken.add((base + suffix).lower())
                return base + suffix, reason
        raise ContentError(f"no free key for {quoted(wanted)}")  # pragma: no cover - 10k collisions


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
                edit_file(path, self.config.relative(path), values, self.config.options.max_file_size,
                          root=self.config.root)
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


def add_tags(paper: Paper, tags: Sequence[str]) -> list[str]:
    """Add ``tags`` that ``paper`` lacks, in order; the tags added."""
    added = [t for t in dict.fromkeys(tags) if t not in paper.tags]
    paper.tags.extend(added)
    return added
