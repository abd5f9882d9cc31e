"""``[@key]`` and ``[@a; @b]`` in any page become links to the papers' pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from mkdocs.exceptions import PluginError

from kb.content import key_problem
from kb.models import Paper
from kb.site.pages import paper_src
from kb.site.render import CITE_RE, cite_label, cited_keys, md_escape, outside_code


class Citations:
    """Replaces citations outside code with Markdown links; an unknown key stops the build."""

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
                        problem = key_problem(key)
                        why = f" ({problem})" if problem else ""
                        raise PluginError(
                            f"kb: {where}:{line + first_line - 1}: [@{key}] names no paper{why}; "
                            "correct the key or add the paper to papers/ (kb import)")
                    links.append(f"[{md_escape(cite_label(paper))}]({target(paper_src(key))})")
                return "; ".join(links)

            return CITE_RE.sub(one, text)

        return outside_code(markdown, on_line)
