"""The pages the site puts into ``docs/`` of its own, and the pages of a course that stand where
one of them goes (``page-clash``): the build cannot have both, so ``kb check`` says so first.

The site (:mod:`kb.site.build` and :mod:`kb.site.pages`) generates, as virtual files:
``papers/index.md`` and ``papers/<key>.md`` per paper, ``tags.md`` and ``tags/<tag>.md`` per tag,
``search.md``, ``report.md`` (unless the ``report`` option is off) and ``map.md`` (unless
``library_map`` is false). ``index.md``, ``sessions/index.md`` and ``posters/index.md`` are the
course's to write: the site fills them in instead. A test keeps these names equal to the site's.
"""

from __future__ import annotations

from collections.abc import Iterator

from kb.course.config import Config
from kb.model.entries import Issue, Project
from kb.model.issue_codes import issue

PAPERS_DIR = "papers"
TAG_DIR = "tags"
#: The pages of the site's own, by their path in docs/, with what each is.
PAGES = {"papers/index.md": "the papers index", "tags.md": "the tags page",
         "search.md": "the search page", "report.md": "the course report", "map.md": "the map"}


def generated_pages(project: Project, config: Config) -> dict[str, str]:
    """Every page path in docs/ the site generates for this course, with what it is."""
    options = config.options
    pages = {src: what for src, what in PAGES.items()
             if not (src == "report.md" and options.report == "off")
             and not (src == "map.md" and not options.library_map)}
    for key in project.papers:
        pages[f"{PAPERS_DIR}/{key}.md"] = f"the page of paper {key}"
    tags = {t for p in project.papers.values() for t in p.tags} | \
        {t for p in project.posters for t in p.tags}
    for tag in tags:
        pages[f"{TAG_DIR}/{tag}.md"] = f"the page of tag {tag}"
    return pages


def check_page_clash(project: Project, config: Config) -> Iterator[Issue]:
    """An issue for each page of docs/ that stands where the site puts one of its own."""
    docs = config.docs_dir
    if not docs.is_dir():
        return
    for src, what in sorted(generated_pages(project, config).items()):
        path = docs / src
        if path.is_file():
            rel = config.relative(path)
            yield issue("page-clash", rel, f"the site puts {what} at {src}, where this page is",
                        fix=f"rename or move {rel}; the site makes {what} itself")
