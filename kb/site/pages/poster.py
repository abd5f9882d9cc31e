"""A poster's page: who, group, session, tags, its media (a PDF or an image), its notes, its papers.

A poster's ``file:`` (a PDF) and ``image:`` (PNG, JPEG, GIF, WebP) are paths relative to the
poster's own file. They are copied into the site next to the poster's page and shown inline.
Keep them in a sub-folder (``docs/posters/media/``): kb reads only .md files in the posters
folder and warns about any other file there. What is refused (a missing file, an absolute path or
one outside the repository, another file type) is :mod:`kb.checks.media`'s rule, which kb check
and the build's checks apply before any page is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kb.checks.media import poster_files
from kb.course.config import Config
from kb.errors import ContentError
from kb.model.entries import Poster, Project
from kb.site.pages.common import Href, SiteData, paper_cards, render, tag_chips


@dataclass(frozen=True)
class Media:
    """One file a poster shows: where it is on disk and where the site serves it."""

    field: str          # "file" or "image"
    path: Path          # absolute path on disk
    site_src: str       # path inside the site, e.g. posters/<slug>/poster.pdf

    @property
    def is_pdf(self) -> bool:
        return self.path.suffix.lower() == ".pdf"


def poster_media(config: Config, project: Project, poster: Poster, site_folder: str) -> list[Media]:
    """The media of ``poster``, checked by kb check's rule (:mod:`kb.checks.media`), which has
    stopped the build already for a value it refuses; ``site_folder`` is the site folder of
    its page."""
    files, issues = poster_files(config, project, poster)
    if issues:
        first = issues[0]
        raise ContentError(first.message, path=first.path, line=first.line, field=first.field,
                           fix=first.fix)
    return [Media(f.field, f.path, str(PurePosixPath(site_folder) / f.path.name)) for f in files]


def poster_additions(data: SiteData, poster: Poster, href: Href, media: str = "") -> tuple[str, str]:
    """(head, tail) around a poster's notes: who, group, session, tags, then ``media`` (the
    HTML that shows its PDF or image); after the notes the papers it discusses as cards."""
    session = data.project.session(poster.session) if poster.session is not None else None
    if session is not None and session.slug not in data.session_src:
        session = None
    head = render("poster_head.html", poster=poster, session=session,
                  session_href=href(data.session_src[session.slug]) if session else "",
                  tags=tag_chips(poster.tags, href))
    if media:
        head += "\n\n" + media
    keys = [k for k in dict.fromkeys(poster.papers) if k in data.papers]
    tail = ["## Papers discussed", paper_cards(data, [(k, None, None) for k in keys], href)] if keys else []
    return head, "\n\n".join(tail)
