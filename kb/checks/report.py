"""The course at a glance, for the instructor: what each session asks students to read, and
what the course as a whole leaves out. ``kb report`` prints it; the site shows it on the
instructor's page (``report:`` option). Both format the one :class:`CourseReport`.

A session's reading time is given for its required readings and for all its readings, by the
one estimate the site shows students (:mod:`kb.model.reading_time`): 6 minutes a page where a
paper has a page count, else 200 words a minute over its abstract, summary and notes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from kb.course.config import Config
from kb.model.entries import READING_KINDS, Project
from kb.model.reading_time import Estimate, Total, reading_minutes, total


def time_text(time: Total) -> str:
    """A session's reading time as the report's tables print it, short: '45m', '1h30' (hours
    and minutes, from an hour on to the nearest 5 minutes), with '*' when some of its readings
    were timed by their text alone, '+ N ?' for those without an estimate, '-' for none."""
    if not time.readings:
        return "-"
    if time.unknown == time.readings:
        return f"{time.unknown} ?"
    if time.minutes < 60:
        text = f"{max(time.minutes, 1)}m"
    else:
        hours, minutes = divmod(5 * round(time.minutes / 5), 60)
        text = f"{hours}h{minutes:02d}"
    return text + ("*" if time.from_text else "") + (f" + {time.unknown} ?" if time.unknown else "")


@dataclass
class SessionLoad:
    """One session's line of the report."""

    session: int
    title: str
    date: str | None
    kinds: dict[str, int]
    required: Total  # reading time of the required readings
    total: Total  # reading time of all its readings
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
    times: dict[str, Estimate] = field(default_factory=dict)  # of every paper read in a session

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        for row, session in zip(data["sessions"], self.sessions):
            row["required"]["text"] = time_text(session.required)
            row["total"]["text"] = time_text(session.total)
        return data


KINDS_LEGEND = ("req, opt, bg, pres: readings by kind (required, optional, background, "
                "presentation); time req, time all: the reading time of the required readings and of "
                "all.")
LOAD_LEGEND = ("Reading time, estimated (1h30 = 1 hour 30 minutes): 6 min a page (from the "
               "numpages or pages field, or arXiv's 'N pages' comment), else 200 words a minute "
               "over the abstract, summary and notes; * = some readings timed by that text alone "
               "(no page count); ? = a reading with neither")


def course_report(project: Project, config: Config) -> CourseReport:
    """Build the report of a loaded project (readings of papers that failed to load are left out)."""
    papers = project.papers
    read_in: dict[str, list[int]] = defaultdict(list)
    times: dict[str, Estimate] = {}
    rows: list[SessionLoad] = []
    covered: set[str] = set()
    posters_of: dict[int, int] = defaultdict(int)
    for poster in project.posters:
        if poster.session is not None:
            posters_of[poster.session] += 1
    for session in project.sessions:
        kinds = dict.fromkeys(READING_KINDS, 0)
        required: list[Estimate] = []
        every: list[Estimate] = []
        tags: set[str] = set()
        for reading in dict((r.key, r) for r in session.readings).values():
            paper = papers.get(reading.key)
            if paper is None:
                continue
            kinds[reading.kind] += 1
            if session.session not in read_in[reading.key]:
                read_in[reading.key].append(session.session)
            tags.update(paper.tags)
            time = times.setdefault(reading.key, reading_minutes(paper))
            every.append(time)
            if reading.kind == "required":
                required.append(time)
        covered |= tags
        rows.append(SessionLoad(session.session, session.title,
                                session.date.isoformat() if session.date else None, kinds,
                                total(required), total(every), sorted(tags),
                                posters_of.get(session.session, 0)))
    used = set(read_in) | {key for poster in project.posters for key in poster.papers}
    return CourseReport(
        sessions=rows,
        papers=len(papers),
        unused=sorted(key for key in papers if key not in used),
        no_required=[row.session for row in rows if not row.kinds["required"]],
        repeated={key: numbers for key, numbers in sorted(read_in.items()) if len(numbers) > 1},
        uncovered_tags=sorted(tag for tag in config.options.tags if tag not in covered),
        times=dict(sorted(times.items())),
    )
