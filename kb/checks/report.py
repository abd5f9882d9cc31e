"""The course at a glance, for the instructor: what each session asks students to read, and
what the course as a whole leaves out. ``kb report`` prints it; the site shows it on the
instructor's page (``report:`` option). Both format the one :class:`CourseReport`.

Reading load of a paper, in this order of preference:

1. ``pages`` (a range such as ``1877--1901``) or ``numpages`` among its BibTeX fields;
2. arXiv's "N pages" comment, kept in a ``comment``, ``comments`` or ``note`` field;
3. otherwise the words of its abstract (or summary), a fallback that says only how much text
   kb has about the paper, not how long the paper is.

A session's load is given for its required readings and for all its readings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from kb.course.config import Config
from kb.model.entries import READING_KINDS, Paper, Project

#: A page count above this is taken for a misread field (a volume's page numbers, say).
MAX_PAGES = 2000
_RANGE_RE = re.compile(r"^\s*(\d+)\s*(?:-+|–|—)\s*(\d+)\s*$")
_COMMENT_RE = re.compile(r"(\d+)\s*(?:pages|pp\b|p\.)", re.I)
_COMMENT_FIELDS = ("comment", "comments", "note")


@dataclass(frozen=True)
class PaperLoad:
    """How much there is to read in one paper: pages when known, else words of its text."""

    pages: int | None
    words: int
    source: str  # pages, numpages, arxiv-comment, abstract, summary or none


def page_count(paper: Paper) -> tuple[int, str] | None:
    """(pages, field it came from) from the paper's BibTeX fields, or None."""
    fields = {k.lower(): v for k, v in paper.bibtex.items()}
    numpages = fields.get("numpages", "").strip()
    if numpages.isdigit() and 0 < int(numpages) <= MAX_PAGES:
        return int(numpages), "numpages"
    found = _RANGE_RE.match(fields.get("pages", ""))
    if found:
        first, last = int(found.group(1)), int(found.group(2))
        if first <= last and last - first < MAX_PAGES:
            return last - first + 1, "pages"
    for name in _COMMENT_FIELDS:
        comment = _COMMENT_RE.search(fields.get(name, ""))
        if comment and 0 < int(comment.group(1)) <= MAX_PAGES:
            return int(comment.group(1)), "arxiv-comment"
    return None


def paper_load(paper: Paper) -> PaperLoad:
    """The reading load of ``paper`` (see the module docstring for the order of sources)."""
    counted = page_count(paper)
    text, source = (paper.abstract, "abstract") if paper.abstract else (paper.summary, "summary")
    words = len((text or "").split())
    if counted:
        return PaperLoad(counted[0], words, counted[1])
    return PaperLoad(None, words, source if words else "none")


@dataclass
class Load:
    """The load of several readings: pages where known, words of text for the others."""

    pages: int = 0
    paged: int = 0  # readings with a page count
    words: int = 0  # words of abstract or summary of the readings without one
    worded: int = 0  # readings without a page count but with text
    unknown: int = 0  # readings with neither

    def add(self, load: PaperLoad) -> None:
        if load.pages is not None:
            self.pages, self.paged = self.pages + load.pages, self.paged + 1
        elif load.words:
            self.words, self.worded = self.words + load.words, self.worded + 1
        else:
            self.unknown += 1

    def __str__(self) -> str:
        """'45 p', '45 p + 230 w', '230 w + 1 ?' or '-'."""
        parts = ([f"{self.pages} p"] if self.paged else []) + \
            ([f"{self.words} w"] if self.worded else []) + ([f"{self.unknown} ?"] if self.unknown else [])
        return " + ".join(parts) or "-"


@dataclass
class SessionLoad:
    """One session's line of the report."""

    session: int
    title: str
    date: str | None
    kinds: dict[str, int]
    required: Load  # load of the required readings
    total: Load  # load of all its readings
    tags: list[str]
    posters: int


@dataclass
class CourseReport:
    """Per session: readings by kind, load and tags; and the course's gaps."""

    sessions: list[SessionLoad]
    papers: int
    unused: list[str]  # papers no session reads and no poster discusses
    no_required: list[int]  # sessions without a required reading
    repeated: dict[str, list[int]]  # paper -> the sessions that read it (two or more)
    uncovered_tags: list[str]  # vocabulary tags no session's readings carry
    loads: dict[str, PaperLoad] = field(default_factory=dict)  # of every paper read in a session

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        for row, session in zip(data["sessions"], self.sessions):
            row["required"]["text"] = str(session.required)
            row["total"]["text"] = str(session.total)
        return data


KINDS_LEGEND = ("req, opt, bg, pres: readings by kind (required, optional, background, "
                "presentation); load req, load all: the load of the required readings and of all.")
LOAD_LEGEND = ("p = pages (from the pages or numpages field, or arXiv's 'N pages' comment); "
               "w = words of abstract or summary, for a reading without a page count; "
               "? = a reading with neither")


def course_report(project: Project, config: Config) -> CourseReport:
    """Build the report of a loaded project (readings of papers that failed to load are left out)."""
    papers = project.papers
    read_in: dict[str, list[int]] = defaultdict(list)
    loads: dict[str, PaperLoad] = {}
    rows: list[SessionLoad] = []
    covered: set[str] = set()
    posters_of: dict[int, int] = defaultdict(int)
    for poster in project.posters:
        if poster.session is not None:
            posters_of[poster.session] += 1
    for session in project.sessions:
        kinds = dict.fromkeys(READING_KINDS, 0)
        required, total = Load(), Load()
        tags: set[str] = set()
        for reading in dict((r.key, r) for r in session.readings).values():
            paper = papers.get(reading.key)
            if paper is None:
                continue
            kinds[reading.kind] += 1
            if session.session not in read_in[reading.key]:
                read_in[reading.key].append(session.session)
            tags.update(paper.tags)
            load = loads.setdefault(reading.key, paper_load(paper))
            total.add(load)
            if reading.kind == "required":
                required.add(load)
        covered |= tags
        rows.append(SessionLoad(session.session, session.title,
                                session.date.isoformat() if session.date else None, kinds,
                                required, total, sorted(tags),
                                posters_of.get(session.session, 0)))
    used = set(read_in) | {key for poster in project.posters for key in poster.papers}
    return CourseReport(
        sessions=rows,
        papers=len(papers),
        unused=sorted(key for key in papers if key not in used),
        no_required=[row.session for row in rows if not row.kinds["required"]],
        repeated={key: numbers for key, numbers in sorted(read_in.items()) if len(numbers) > 1},
        uncovered_tags=sorted(tag for tag in config.options.tags if tag not in covered),
        loads=dict(sorted(loads.items())),
    )
