"""The instructor's page (``report/``): :func:`kb.checks.report.course_report` as Markdown tables and
lists, the same report ``kb report`` prints."""

from __future__ import annotations

from collections.abc import Callable

from kb.model.entries import Paper
from kb.model.plural import plural
from kb.checks.report import KINDS_LEGEND, LOAD_LEGEND, CourseReport, time_text
from kb.site.render import md_code, md_escape

REPORT_PAGE = "report.md"
REPORT_META = "---\ntitle: Course report\nhide: [navigation]\nsearch:\n  exclude: true\n---\n"


def _cell(text: str) -> str:
    return md_escape(text)  # quotes | too, so a table cell holds it


def _nbsp(text: str) -> str:
    return text.replace(" ", "\u00a0")  # '≈ 1 h 30 min' on one line


def report_page(report: CourseReport, papers: dict[str, Paper], session_src: dict[int, str],
                link: Callable[[str], str]) -> str:
    """The page's Markdown; ``session_src`` maps a session number to its page's source path and
    ``link`` turns a source path into a link relative to this page."""

    def paper(key: str) -> str:
        title = papers[key].title if key in papers else key
        return f"[{_cell(title)}]({link(f'papers/{key}.md')}) ({md_code(key)})"

    def session(number: int, title: str | None = None) -> str:
        text = _cell(f"{number}. {title}" if title else str(number))
        return f"[{text}]({link(session_src[number])})" if number in session_src else text

    titles = {row.session: row.title for row in report.sessions}
    out = ["# Course report", "",
           f"{plural(len(report.sessions), 'session')}, {plural(report.papers, 'paper')}. "
           + KINDS_LEGEND, "",
           "| session | date | req | opt | bg | pres | time req | time all |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in report.sessions:
        k = row.kinds
        out.append(f"| {session(row.session, row.title)} | {row.date or ''} | {k['required']} | "
                   f"{k['optional']} | {k['background']} | {k['presentation']} | "
                   f"{_nbsp(_cell(time_text(row.required)))} | {_nbsp(_cell(time_text(row.total)))} |")
    out += ["", _cell(LOAD_LEGEND) + "."]

    def section(title: str, items: list[str]) -> None:
        out.extend(["", f"## {title} ({len(items)})", ""])
        out.extend([f"- {item}" for item in items] or ["None."])

    out.extend(["", "## Tags each session covers", ""])
    out.extend(f"- {session(row.session, row.title)}: "
               + (", ".join(md_code(tag) for tag in row.tags) or "none") for row in report.sessions)
    section("Sessions without a required reading",
            [session(n, titles.get(n)) for n in report.no_required])
    section("Papers read in several sessions",
            [paper(key) + ": " + ", ".join(session(n) for n in numbers)
             for key, numbers in report.repeated.items()])
    section("Papers no session or poster uses", [paper(key) for key in report.unused])
    section("Vocabulary tags no session covers", [md_code(tag) for tag in report.uncovered_tags])
    return "\n".join(out) + "\n"
