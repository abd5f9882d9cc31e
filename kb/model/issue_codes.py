"""The one registry of issue codes: every code kb check reports, its default severity, what it
means and how to fix it.

The codes are a documented interface: ``kb check --format json`` emits them, ``kb check
--list-codes`` and the README list them, and the ``checks:`` option of the kb plugin entry in
mkdocs.yml changes a code's severity or switches it off::

    plugins:
      - kb:
          checks:
            no-text: off          # not reported at all
            unknown-tag: error    # fails the build
            latex: warning

The severity comes from here, not from the check that finds the problem, so the CLI, the site
build and ``--strict`` agree. A *locked* code names a problem the site cannot be built with (a
file that does not load, a reference to nothing): it can be made an error, never a warning or
off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kb.model.suggest import suggest

if TYPE_CHECKING:
    from kb.model.entries import Issue

Setting = Literal["error", "warning", "off"]
SETTINGS: tuple[str, ...] = ("error", "warning", "off")


@dataclass(frozen=True)
class Code:
    """One kind of problem: its code, default severity, meaning and the usual fix."""

    code: str
    severity: Literal["error", "warning"]
    meaning: str
    fix: str
    locked: bool = False

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


_ALL = (
    # loading files
    Code("unreadable", "error", "a file cannot be read: not UTF-8, too large, or no front matter",
         "correct the file as the message says; kb leaves it out until then", locked=True),
    Code("schema", "error", "a front-matter field is missing or has the wrong type or value",
         "correct the field as the message says (kb fields lists every field)", locked=True),
    Code("duplicate-field", "error", "a front-matter field is given twice",
         "remove one of the two; only the last one counts"),
    Code("unknown-field", "warning", "a front-matter field kb does not know (not shown on the site)",
         "correct its name, remove it, or move a paper's extra field under bibtex:"),
    Code("invalid-key", "error", "a paper's file name is not a valid citation key",
         "rename the file using letters, digits and _ . + -", locked=True),
    Code("key-mismatch", "error", "a paper's key field differs from its file name",
         "rename the file or remove the key field", locked=True),
    Code("stray-file", "warning", "a file in a content folder that kb neither reads nor publishes",
         "rename it to <name>.md or move it elsewhere"),
    Code("no-papers", "warning", "the papers folder does not exist",
         "create it, or set papers_dir in mkdocs.yml"),
    # field sanity
    Code("year-range", "error", "a year outside 1600 to next year",
         "write the four-digit publication year"),
    Code("arxiv-syntax", "error", "an arXiv field that is not an arXiv id",
         "write the id as on arxiv.org, e.g. 2203.02155"),
    Code("arxiv-version", "warning", "an arXiv id with an 'arXiv:' prefix or a version",
         "write the bare id, e.g. 2203.02155"),
    Code("doi-syntax", "error", "a doi field that is not a DOI", "a DOI looks like 10.1000/xyz123"),
    Code("doi-prefix", "warning", "a DOI written as a link or with a 'doi:' prefix",
         "write the bare DOI, e.g. 10.1000/xyz123"),
    Code("url-scheme", "error", "a url, pdf or slides link that is not http(s)",
         "write a full link starting with https://"),
    Code("venue-arxiv", "warning", "a venue that only names an arXiv preprint "
         "('ArXiv:2004.05150', 'CoRR abs/2004.05150')",
         "write venue: arXiv, and the id under arxiv:"),
    Code("year-suffix", "warning", "a year kept under bibtex: with a bibliography style's letter "
         "(2023a)", "remove year from bibtex:; the paper's year is the one kb writes"),
    # text
    Code("latex", "warning", "leftover LaTeX in a title, venue, abstract, summary or name",
         "write plain Unicode text without braces or commands"),
    Code("bibtex-braces", "warning", "a kept BibTeX field whose braces do not pair up (an export "
         "escapes them, so it does not read back the same)",
         "pair the braces, or write a literal brace as \\{ or \\}"),
    Code("control-char", "error", "a control, bidi or zero-width character in a field or a page "
         "(it splits .ics and .bib lines, reorders text, or drives a terminal)",
         "delete the character (retype the text around it; an editor may not show it)"),
    Code("html", "warning", "HTML markup in a title", "remove the tags"),
    Code("author-format", "warning", "several names joined by 'and' in one author item",
         "write one 'Last, First' name per list item"),
    Code("no-text", "warning", "a paper with no abstract and no summary",
         "add a summary, or fetch the abstract with kb enrich KEY (for a paper with an arXiv id or "
         "DOI); search and the site are weaker without text"),
    Code("no-authors", "warning", "a paper with no authors and no editors",
         "add authors as a list of 'Last, First' names"),
    Code("no-year", "warning", "a paper without a year", "add the publication year"),
    Code("tag-format", "warning", "a tag that is not lowercase-with-hyphens",
         "write it in lowercase with hyphens"),
    Code("unknown-tag", "warning", "a tag outside the tag vocabulary",
         "use a tag of the vocabulary, or add it under plugins.kb.tags in mkdocs.yml"),
    Code("too-many-tags", "error", "more than 50 tags on one paper or poster",
         "keep the few tags that describe it", locked=True),
    # duplicates
    Code("duplicate-doi", "error", "two papers with the same DOI",
         "merge them, or list the pair under plugins.kb.not_duplicates"),
    Code("duplicate-arxiv", "error", "two papers with the same arXiv id",
         "merge them, or list the pair under plugins.kb.not_duplicates"),
    Code("key-case", "error", "two paper keys that differ only in upper and lower case",
         "rename one of the two files (and the citations of it)"),
    Code("duplicate-title", "warning", "two papers with nearly identical titles",
         "merge them, or list the pair under plugins.kb.not_duplicates"),
    Code("dangling-allow", "warning", "not_duplicates names a paper that does not exist",
         "correct the key or remove the pair"),
    # references
    Code("dangling-reference", "error", "a reading or poster paper that names no paper",
         "correct the key, or add the paper (kb import)", locked=True),
    Code("unknown-citation", "error", "a [@key] citation in a page that names no paper",
         "correct the key, or add the paper (kb import)", locked=True),
    Code("dangling-cites", "error", "a paper's cites: entry that names no paper in the course",
         "correct the key, or remove it (kb enrich --references writes only keys of the course)"),
    Code("self-cites", "warning", "a paper that lists itself under cites:",
         "remove its own key from cites:"),
    Code("duplicate-reading", "warning", "a paper listed twice on one session's readings",
         "remove one of the two"),
    Code("duplicate-session", "error", "two sessions with the same number",
         "give each session its own number", locked=True),
    Code("session-filename", "warning", "a session file name whose number differs from session:",
         "rename the file to NN-<slug>.md or correct session:"),
    Code("no-date", "warning", "a session without a date: it is missing from the calendar "
         "(sessions.ics), and the schedule cannot tell whether it is past or next",
         "add date: YYYY-MM-DD (and time: \"HH:MM\" for a timed calendar event)"),
    Code("session-order", "error", "a session dated before the session numbered below it",
         "correct the date or the number"),
    Code("dangling-session", "error", "a poster's session number names no session",
         "use the number of a session", locked=True),
    # what the site build needs besides the front matter
    Code("media-path", "error", "a poster's file: or image: that is an absolute path, leads "
         "outside the course repository or holds a control character",
         "write the path relative to the poster's file, e.g. media/poster.pdf", locked=True),
    Code("media-type", "error", "a poster's file: that is not a PDF, or image: that is not a "
         "PNG, JPEG, GIF or WebP", "give a .pdf under file: and a .png, .jpg, .gif or .webp "
         "under image:", locked=True),
    Code("media-missing", "error", "a poster's file: or image: that names no file",
         "correct the path; it is relative to the poster's file", locked=True),
    Code("page-clash", "error", "a page in docs/ where the site puts a page of its own "
         "(papers/, tags, search, report, map)", "rename or move the page", locked=True),
)

CODES: dict[str, Code] = {c.code: c for c in _ALL}


def issue(code: str, path: str, message: str, *, fix: str | None = None, field: str | None = None,
          line: int | None = None) -> Issue:
    """An :class:`~kb.model.entries.Issue` of a registered code. Its severity is the registry's
    (which a course's ``checks:`` may still change), and so is its fix unless the finding knows
    a more precise one (the value to write, the file to rename)."""
    from kb.model.entries import Issue

    known = CODES[code]
    return Issue(known.severity, path, message, fix=known.fix if fix is None else fix,
                 field=field, line=line, code=code)


def unknown_code_message(name: str) -> str:
    """The message for an issue code the registry does not have, with the nearest codes."""
    return f"unknown issue code {name!r}: " + suggest(name, CODES, "kb check --list-codes lists them")


def validate_settings(settings: Mapping[str, str]) -> dict[str, Setting]:
    """Check a ``checks:`` mapping (code -> error|warning|off); raise ValueError naming the bad
    entry and the fix."""
    out: dict[str, Setting] = {}
    for code, value in settings.items():
        if code not in CODES:
            raise ValueError(unknown_code_message(code))
        setting = "off" if value is False else str(value).lower()  # YAML reads a bare off as False
        if setting not in SETTINGS:
            raise ValueError(f"checks.{code}: {value!r} is not one of error, warning, off")
        if CODES[code].locked and setting != "error":
            raise ValueError(f"checks.{code} cannot be {setting}: the site cannot be built "
                             "with this problem; fix it instead")
        out[code] = setting  # type: ignore[assignment]
    return out


def apply_settings(issues: Iterable[Issue], settings: Mapping[str, str]) -> list[Issue]:
    """``issues`` with each code's severity from the registry as changed by ``settings``;
    issues of a code set to off are left out. A code missing from the registry keeps the
    severity its check gave."""
    out = []
    for issue in issues:
        known = CODES.get(issue.code)
        severity = settings.get(issue.code) or (known.severity if known else issue.severity)
        if severity == "off":
            continue
        out.append(issue if severity == issue.severity
                   else dataclasses.replace(issue, severity=severity))  # type: ignore[arg-type]
    return out


def markdown_table() -> str:
    """The registry as the Markdown table the README carries (a test keeps the two equal)."""
    rows = ["| code | severity | what it means | fix |", "| --- | --- | --- | --- |"]
    for c in sorted(CODES.values(), key=lambda c: c.code):
        lock = " (cannot be switched off)" if c.locked else ""
        rows.append(f"| `{c.code}` | {c.severity}{lock} | {c.meaning} | {c.fix} |")
    return "\n".join(rows).replace("[@key]", "`[@key]`") + "\n"
