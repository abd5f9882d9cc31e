"""The home page of a course whose docs/ has no index.md."""

from __future__ import annotations

from kb.site.pages.common import PAPERS_INDEX, POSTERS_INDEX, TAGS_PAGE
from kb.site.render import md_escape


def home_page(name: str, description: str | None) -> str:
    """The home page of a course whose docs/ has no index.md."""
    parts = [f"# {md_escape(name)}"]
    if description:
        parts.append(md_escape(description))
    parts.append(f"Browse the [papers]({PAPERS_INDEX}), the [posters]({POSTERS_INDEX}) "
                 f"and the [tags]({TAGS_PAGE}), or search with the box at the top.")
    return "\n\n".join(parts) + "\n"
