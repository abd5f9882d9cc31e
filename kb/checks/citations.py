"""``[@key]`` and ``[@a; @b]`` citations in Markdown: finding them outside code, and the one
rule for a citation that names no paper (kb check reports it; the site build runs the same
check before it turns citations into links)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kb.course.config import Config
from kb.course.files import INDEX_PAGES
from kb.model.issue_codes import issue
from kb.model.rules import key_problem
from kb.model.suggest import suggest
from kb.model.entries import Issue, Project

CITE_RE = re.compile(r"\[@([A-Za-z0-9][A-Za-z0-9_.+-]*(?:\s*;\s*@[A-Za-z0-9][A-Za-z0-9_.+-]*)*)\]")
_FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})")
_CODE_SPAN_RE = re.compile(r"(`+)(.+?)\1")


def outside_code(markdown: str, replace: Callable[[str, int], str]) -> str:
    """Apply ``replace(text, line_number)`` to every line of ``markdown`` outside code.

    Fenced blocks are left alone, and so are inline code spans within a line.
    """
    out: list[str] = []
    fence: str | None = None
    for number, line in enumerate(markdown.split("\n"), start=1):
        found = _FENCE_RE.match(line)
        if fence is not None:
            if found and found.group(1)[0] == fence[0] and len(found.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if found:
            fence = found.group(1)
            out.append(line)
            continue
        pieces, last = [], 0
        for span in _CODE_SPAN_RE.finditer(line):
            pieces.append(replace(line[last:span.start()], number))
            pieces.append(span.group(0))
            last = span.end()
        pieces.append(replace(line[last:], number))
        out.append("".join(pieces))
    return "\n".join(out)


def cited_keys(match: re.Match[str]) -> list[str]:
    """The keys of one ``[@a; @b]`` citation."""
    return [part.strip().lstrip("@") for part in match.group(1).split(";")]


def citations(markdown: str) -> list[tuple[str, int]]:
    """Every (key, line) cited in ``markdown`` outside code, lines counted from 1."""
    found: list[tuple[str, int]] = []
    if "[@" not in markdown:
        return found

    def collect(text: str, line: int) -> str:
        for match in CITE_RE.finditer(text):
            found.extend((key, line) for key in cited_keys(match))
        return text

    outside_code(markdown, collect)
    return found


def unknown_citation(path: str, line: int, key: str, papers: Iterable[str]) -> Issue:
    """The issue for ``[@key]`` at ``path:line`` when no paper has that key."""
    problem = key_problem(key)
    why = f" ({problem})" if problem else ""
    return issue("unknown-citation", path, f"[@{key}] names no paper{why}",
                 fix=suggest(key, papers, "correct the key or add the paper to papers/ (kb import)",
                             show=lambda k: f"[@{k}]"),
                 line=line)


def _pages(config: Config) -> Iterator[tuple[Path, str]]:
    """The Markdown pages of docs/ that are neither a session nor a poster (home, extra pages)."""
    docs = config.docs_dir
    if not docs.is_dir():
        return
    folders = {config.sessions_dir.resolve(), config.posters_dir.resolve()}
    for path in sorted(docs.rglob("*.md")):
        rel = path.relative_to(docs)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.parent.resolve() in folders and path.name not in INDEX_PAGES:
            continue
        yield path, config.relative(path)


def check_citations(project: Project, config: Config) -> Iterator[Issue]:
    """An issue for each ``[@key]`` in a paper's notes, a session's or poster's page or another
    page of docs/ that names no paper. Keys of paper files that failed to load are not reported
    again (their file has its own error)."""
    papers = project.papers
    known = project.broken

    def scan(markdown: str, path: str, first: int) -> Iterator[Issue]:
        for key, line in citations(markdown):
            if key not in papers and key not in known:
                yield unknown_citation(path, line + first - 1, key, papers)

    for key, paper in papers.items():
        source = project.source("paper", key)
        yield from scan(paper.notes, source.path, source.body_line)
    for kind, pages in (("session", project.sessions), ("poster", project.posters)):
        for page in pages:
            source = project.source(kind, page.slug)
            yield from scan(page.body, source.path, source.body_line)
    for path, rel in _pages(config):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # mkdocs reports a page it cannot read
        yield from scan(text, rel, 1)
