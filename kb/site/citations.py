"""``[@key]`` and ``[@a; @b]`` in any page become links to the papers' pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from kb.checks.citations import CITE_RE, cited_keys, outside_code, unknown_citation
from kb.model.entries import Paper
from kb.site.pages.common import paper_src
from kb.site.render import SiteError, cite_label, md_escape


class Citations:
    """Replaces citations outside code with Markdown links.

    The build's check (:func:`kb.checks.citations.check_citations`, the same as kb check's) has already
    stopped the build for a citation that names no paper; should one reach a page anyway
    (a page kb check does not see), the same issue stops it here.
    """

    def __init__(self, papers: dict[str, Paper]):
        self.papers = papers

    def link(self, markdown: str, where: str, target: Callable[[str], str], *,
             first_line: int = 1) -> str:
        """``markdown`` with each citation replaced by ``[Label 2020](target(papers/key.md))``.

        ``where`` names the page in the error for an unknown key, ``first_line`` is the line
        of that file on which ``markdown`` starts.
        """

        def on_line(text: str, line: int) -> str:
            def one(match: re.Match[str]) -> str:
                links = []
                for key in cited_keys(match):
                    paper = self.papers.get(key)
                    if paper is None:
                        issue = unknown_citation(where, line + first_line - 1, key, self.papers)
                        raise SiteError("kb: " + issue.format(one_line=True))
                    links.append(f"[{md_escape(cite_label(paper))}]({target(paper_src(key))})")
                return "; ".join(links)

            return CITE_RE.sub(one, text)

        return outside_code(markdown, on_line)
