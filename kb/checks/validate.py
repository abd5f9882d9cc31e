"""Checks over a loaded project -> a list of :class:`~kb.model.entries.Issue` records.

Each check is a small function ``(project, config) -> Iterable[Issue]``; :func:`check_project`
runs them all and sorts the result by file and line, so a report reads top to bottom.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from urllib.parse import urlparse

from kb.checks.citations import check_citations
from kb.checks.media import check_media
from kb.checks.site_pages import check_page_clash
from kb.model.issue_codes import issue
from kb.model.issue_codes import apply_settings
from kb.course.config import Config
from kb.course.load import load_project
from kb.model.rules import key_problem, tag_problem
from kb.model.suggest import suggest
from kb.model.ids import (normalize_arxiv, normalize_doi, paper_ids, same_work, similar_title_pairs,
                    valid_arxiv, valid_doi)
from kb.model.markup import HTML_RE, LATEX_RE, brace_problem, control_problem
from kb.model.limits import MAX_TAGS
from kb.model.entries import (YEAR_SUFFIX_RULE, Issue, Paper, Poster, Project, Session, year_of,
                              year_problem, year_suffix)
from kb.model.venues import arxiv_venue

TEXT_FIELDS = ("title", "venue", "abstract", "summary")


def _loc(field: str) -> tuple[str | int, ...]:
    """'readings[2].key' -> ('readings', 2, 'key')."""
    parts = re.findall(r"[^.\[\]]+", field)
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _paper_issue(project: Project, paper: Paper, code: str, field: str | None, message: str,
                 fix: str | None = None) -> Issue:
    source = project.source("paper", paper.key)
    line = source.line(*_loc(field)) if field else 1
    return issue(code, source.path, message, fix=fix, field=field, line=line)


def check_ids(project: Project, config: Config) -> Iterable[Issue]:
    """Field sanity: year range, arXiv and DOI syntax, URL schemes."""
    for paper in project.papers.values():
        problem = year_problem(paper.year)
        if problem:
            yield _paper_issue(project, paper, "year-range", "year", problem)
        if paper.arxiv is not None:
            if not valid_arxiv(paper.arxiv):
                yield _paper_issue(project, paper, "arxiv-syntax", "arxiv",
                                   f"{paper.arxiv!r} is not an arXiv id",
                                   "write the id as on arxiv.org, e.g. 2203.02155 or hep-th/9901001")
            elif paper.arxiv != normalize_arxiv(paper.arxiv):
                yield _paper_issue(project, paper, "arxiv-version", "arxiv",
                                   f"arXiv id {paper.arxiv!r} carries a prefix or version",
                                   f"write arxiv: '{normalize_arxiv(paper.arxiv)}' (no 'arXiv:', no v2)")
        if paper.doi is not None:
            if not valid_doi(paper.doi):
                yield _paper_issue(project, paper, "doi-syntax", "doi", f"{paper.doi!r} is not a DOI")
            elif paper.doi != normalize_doi(paper.doi) and paper.doi.lower() != normalize_doi(paper.doi):
                yield _paper_issue(project, paper, "doi-prefix", "doi", f"DOI {paper.doi!r} carries a prefix",
                                   f"write doi: '{normalize_doi(paper.doi)}'")
        preprint = arxiv_venue(paper.venue)
        if preprint:
            yield _paper_issue(project, paper, "venue-arxiv", "venue",
                               f"the venue {paper.venue!r} is an arXiv id, not a venue",
                               _venue_fix(paper.arxiv, normalize_arxiv(preprint)))
        kept = paper.bibtex.get("year", "")
        if year_suffix(kept):
            year = paper.year if paper.year is not None else year_of(kept)
            yield _paper_issue(project, paper, "year-suffix", "bibtex.year",
                               f"bibtex.year {kept!r} keeps a bibliography style's letter; "
                               f"the year is {year}",
                               "remove year from bibtex:" + ("" if paper.year is not None
                                                             else f" and write year: {year}")
                               + f" ({YEAR_SUFFIX_RULE})")
        for name in ("url", "pdf"):
            value = getattr(paper, name)
            if value is not None and urlparse(value).scheme not in ("http", "https"):
                yield _paper_issue(project, paper, "url-scheme", name, f"{value!r} is not an http(s) link")
    for session in project.sessions:
        if session.slides and urlparse(session.slides).scheme not in ("http", "https"):
            source = project.source("session", session.slug)
            yield issue("url-scheme", source.path, f"{session.slides!r} is not an http(s) link",
                        field="slides", line=source.line("slides"))


def _venue_fix(arxiv: str | None, preprint: str) -> str:
    if arxiv is None:
        return f"write venue: arXiv and arxiv: '{preprint}'"
    if normalize_arxiv(arxiv) == preprint:
        return "write venue: arXiv (the id is under arxiv: already)"
    return (f"write venue: arXiv; arxiv: holds {arxiv!r} but the venue names {preprint}: "
            "keep the right one under arxiv:")


def check_text(project: Project, config: Config) -> Iterable[Issue]:
    """Leftover LaTeX and HTML in display fields, missing text, authors, tags."""
    vocabulary = config.options.tags
    for paper in project.papers.values():
        for name in TEXT_FIELDS:
            value = getattr(paper, name) or ""
            found = LATEX_RE.search(value)
            if found:
                yield _paper_issue(project, paper, "latex", name,
                                   f"leftover LaTeX {found.group(0)!r} in {name}",
                                   "write the plain Unicode text (ü, –, &) without braces or commands")
        for name, value in paper.bibtex.items():
            problem = brace_problem(value)
            if problem:
                yield _paper_issue(project, paper, "bibtex-braces", f"bibtex.{name}",
                                   f"the kept BibTeX field {name!r}: {problem}")
        for i, author in enumerate(paper.authors):
            if LATEX_RE.search(author):
                yield _paper_issue(project, paper, "latex", f"authors[{i}]",
                                   f"leftover LaTeX in author {author!r}",
                                   "write the name in plain Unicode, e.g. 'Müller, Anna'")
            if " and " in author:
                yield _paper_issue(project, paper, "author-format", f"authors[{i}]",
                                   f"author {author!r} looks like several names joined by 'and'")
        if HTML_RE.search(paper.title):
            yield _paper_issue(project, paper, "html", "title", "the title contains HTML markup",
                               "remove the tags; the site shows them as literal text")
        if not paper.abstract and not paper.summary:
            yield _paper_issue(project, paper, "no-text", "summary", "no abstract and no summary")
        if not paper.authors and not paper.editors:
            yield _paper_issue(project, paper, "no-authors", "authors", "no authors")
        if paper.year is None:
            yield _paper_issue(project, paper, "no-year", "year", "no year")
        yield from _tag_issues(project, ("paper", paper.key), paper.tags, vocabulary)
    for poster in project.posters:
        yield from _tag_issues(project, ("poster", poster.slug), poster.tags, vocabulary)


def _tag_issues(project: Project, where: tuple[str, str], tags: list[str],
                vocabulary: dict[str, str]) -> Iterable[Issue]:
    source = project.source(*where)
    if len(tags) > MAX_TAGS:
        yield issue("too-many-tags", source.path, f"{len(tags)} tags, more than the {MAX_TAGS} kb accepts",
                    field="tags", line=source.line("tags"))
        return
    for i, tag in enumerate(tags):
        problem = tag_problem(tag)
        if problem:
            yield issue("tag-format", source.path, problem[0], fix=problem[1], field=f"tags[{i}]",
                        line=source.line("tags", i))
        elif vocabulary and tag not in vocabulary:
            yield issue("unknown-tag", source.path, f"tag {tag!r} is not in the tag vocabulary",
                        fix="use one of: " + ", ".join(sorted(vocabulary))
                        + " (or add it under plugins.kb.tags in mkdocs.yml)",
                        field=f"tags[{i}]", line=source.line("tags", i))


def check_duplicates(project: Project, config: Config) -> Iterable[Issue]:
    """Same DOI, same arXiv id (also via a 10.48550 DOI), near-identical titles."""
    by_doi: dict[str, list[str]] = defaultdict(list)
    by_arxiv: dict[str, list[str]] = defaultdict(list)
    for key, paper in project.papers.items():
        doi, arxiv = paper_ids(paper.doi, paper.arxiv)
        if doi and valid_doi(doi):
            by_doi[doi].append(key)
        if arxiv and valid_arxiv(arxiv):
            by_arxiv[arxiv].append(key)
        if paper.doi and paper.arxiv:  # an arXiv DOI whose id differs from the arxiv field
            from_doi = paper_ids(paper.doi, None)[1]
            if from_doi and from_doi != normalize_arxiv(paper.arxiv):
                by_arxiv[from_doi].append(key)
    reported: set[frozenset[str]] = set()

    def pairs(groups: dict[str, list[str]], what: str, code: str) -> Iterable[Issue]:
        for value, keys in groups.items():
            keys = sorted(set(keys))
            for other in keys[1:]:
                pair = frozenset((keys[0], other))
                if config.not_duplicate(keys[0], other) or pair in reported:
                    continue
                reported.add(pair)
                yield _paper_issue(project, project.papers[other], code, code.split("-")[1],
                                   f"same {what} {value} as {keys[0]!r}",
                                   f"merge the two into one paper, or list [{keys[0]}, {other}] "
                                   "under plugins.kb.not_duplicates in mkdocs.yml")

    by_folded: dict[str, list[str]] = defaultdict(list)
    for key in project.papers.keys() | project.broken:
        by_folded[key.casefold()].append(key)
    for keys in by_folded.values():
        first, *others = sorted(keys)
        for other in others:
            path = f"{config.options.papers_dir}/{other}.md"
            yield issue("key-case", path, f"the key {other!r} differs from {first!r} only in case: "
                        "on a case-insensitive disk (macOS, Windows) the two files are one",
                        field="key", line=1)
    yield from pairs(by_doi, "DOI", "duplicate-doi")
    yield from pairs(by_arxiv, "arXiv id", "duplicate-arxiv")
    items = [(k, p.title) for k, p in sorted(project.papers.items())]
    for a, b, score in similar_title_pairs(items, config.options.title_similarity):
        if config.not_duplicate(a, b) or frozenset((a, b)) in reported:
            continue
        if not same_work(project.papers[a], project.papers[b]):
            continue
        reported.add(frozenset((a, b)))
        yield _paper_issue(project, project.papers[b], "duplicate-title", "title",
                           f"title nearly identical to {a!r} ({score:.0f}% similar)",
                           f"merge the two, or list [{a}, {b}] under plugins.kb.not_duplicates "
                           "in mkdocs.yml")
    for pair in config.options.not_duplicates:
        for key in pair:
            if key not in project.papers and key not in project.broken:
                yield issue("dangling-allow", "mkdocs.yml", f"not_duplicates names an unknown paper {key!r}",
                            field="plugins.kb.not_duplicates")


def check_references(project: Project, config: Config) -> Iterable[Issue]:
    """Readings and poster papers that name no paper; sessions: numbers, order, posters' session."""
    known = set(project.papers) | project.broken

    def key_issue(source_kind: str, name: str, key: str, loc: tuple[str | int, ...],
                  what: str) -> Issue | None:
        if key in known:
            return None
        source = project.source(source_kind, name)
        field = f"{loc[0]}[{loc[1]}]" + (f".{loc[2]}" if len(loc) > 2 else "")
        problem = key_problem(key)
        message = f"{what} {key!r} is not a valid key: {problem}" if problem else \
            f"{what} {key!r} names no paper in {config.options.papers_dir}/"
        return issue("dangling-reference", source.path, message,
                     fix=suggest(key, project.papers, "correct the key, or add "
                                 f"{config.options.papers_dir}/<key>.md (e.g. with kb import)"),
                     field=field, line=source.line(*loc))

    numbers: dict[int, str] = {}
    for session in project.sessions:
        source = project.source("session", session.slug)
        seen: set[str] = set()
        for i, reading in enumerate(session.readings):
            found = key_issue("session", session.slug, reading.key, ("readings", i, "key"), "reading")
            if found:
                yield found
            if reading.key in seen:
                yield issue("duplicate-reading", source.path, f"reading {reading.key!r} is listed twice",
                            field=f"readings[{i}].key", line=source.line("readings", i))
            seen.add(reading.key)
        if session.session in numbers:
            yield issue("duplicate-session", source.path,
                        f"session number {session.session} is also used by {numbers[session.session]}",
                        field="session", line=source.line("session"))
        else:
            numbers[session.session] = source.path
        if session.date is None:
            yield issue("no-date", source.path, f"session {session.session} has no date, so it is "
                        "missing from the calendar (sessions.ics)", field="date",
                        line=source.lines.get(("date",)) or source.line("session"))
        prefix = re.match(r"^(\d+)-", session.slug)
        if prefix and int(prefix.group(1)) != session.session:
            yield issue("session-filename", source.path,
                        f"the file name says session {int(prefix.group(1))},"
                        f" the front matter {session.session}",
                        fix=f"rename the file to {session.session:02d}-<slug>.md or correct session:",
                        field="session", line=source.line("session"))
    dated = [(s, s.date) for s in project.sessions if s.date is not None]
    for (before, before_date), (after, after_date) in itertools.pairwise(dated):
        if after.session != before.session and after_date < before_date:
            source = project.source("session", after.slug)
            yield issue("session-order", source.path,
                        f"session {after.session} is dated {after.date}, before session "
                        f"{before.session} ({before.date})",
                        fix="correct the date or the session number", field="date", line=source.line("date"))
    for poster in project.posters:
        source = project.source("poster", poster.slug)
        for i, key in enumerate(poster.papers):
            found = key_issue("poster", poster.slug, key, ("papers", i), "paper")
            if found:
                yield found
        if poster.session is not None and poster.session not in numbers \
                and poster.session not in project.broken_sessions:
            yield issue("dangling-session", source.path, f"session {poster.session} does not exist",
                        fix="use the number of a session in " + config.options.sessions_dir
                        + f" ({', '.join(map(str, sorted(numbers))) or 'none yet'})",
                        field="session", line=source.line("session"))



def check_cites(project: Project, config: Config) -> Iterable[Issue]:
    """A paper's ``cites:``: each key names a paper of the course (else an error with the
    nearest keys), and not the paper itself (a warning)."""
    known = set(project.papers) | project.broken
    for paper in project.papers.values():
        for i, key in enumerate(paper.cites):
            field = f"cites[{i}]"
            if key == paper.key:
                yield _paper_issue(project, paper, "self-cites", field,
                                   f"the paper lists itself ({key!r}) under cites")
            elif key not in known:
                problem = key_problem(key)
                message = (f"cites {key!r}, which is not a valid key: {problem}" if problem else
                           f"cites {key!r}, which names no paper in {config.options.papers_dir}/")
                yield _paper_issue(project, paper, "dangling-cites", field, message,
                                   suggest(key, project.papers, "correct the key, or remove it"))


_MULTILINE = frozenset({"abstract", "summary", "note"})


def _strings(value: object, loc: tuple[str | int, ...]) -> Iterable[tuple[tuple[str | int, ...], str]]:
    """Every string inside a front-matter value, with its place."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(item, (*loc, str(name)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*loc, i))


def check_characters(project: Project, config: Config) -> Iterable[Issue]:
    """Control, bidi and zero-width characters in any field or page body: invisible on the
    page, they split .ics and .bib lines, reorder what a reader sees, or drive a terminal."""
    items: list[tuple[str, str, Paper | Session | Poster, str]] = [
        *(("paper", k, p, p.notes) for k, p in project.papers.items()),
        *(("session", s.slug, s, s.body) for s in project.sessions),
        *(("poster", p.slug, p, p.body) for p in project.posters)]
    for kind, name, item, body in items:
        source = project.source(kind, name)
        for loc, text in _strings(item.model_dump(mode="json"), ()):
            if kind == "poster" and loc in (("file",), ("image",)):
                continue  # a path: kb.checks.media refuses it (media-path, which cannot be off)
            found = control_problem(text, multiline=loc[-1] in _MULTILINE if loc else False)
            if found:
                field = ".".join(f"[{p}]" if isinstance(p, int) else p for p in loc).replace(".[", "[")
                yield issue("control-char", source.path, f"{field} holds an invisible character "
                            f"({found[1]}) at position {found[0] + 1}", field=field,
                            line=source.line(*loc))
        found = control_problem(body, multiline=True)
        if found:
            line = source.body_line + body.count("\n", 0, found[0])
            yield issue("control-char", source.path, f"the text holds an invisible character "
                        f"({found[1]})", line=line)


CHECKS: tuple[Callable[[Project, Config], Iterable[Issue]], ...] = (
    check_ids, check_text, check_duplicates, check_references, check_cites, check_citations,
    check_characters, check_media, check_page_clash,
)


def check_project(project: Project, config: Config) -> list[Issue]:
    """Every problem of the project: those met while loading plus every check's findings."""
    issues = list(project.issues)
    for check in CHECKS:
        issues.extend(check(project, config))
    issues = apply_settings(issues, config.options.checks)
    return sorted(issues, key=lambda i: (i.path, i.line or 0, i.severity != "error", i.code))


def check(config: Config) -> tuple[Project, list[Issue]]:
    """Load the repository at ``config`` and check it."""
    project = load_project(config)
    return project, check_project(project, config)
