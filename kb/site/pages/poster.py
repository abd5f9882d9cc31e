"""A poster's page: who, group, session, tags, its media (a PDF or an image), its notes, its papers.

A poster's ``file:`` (a PDF) and ``image:`` (PNG, JPEG, GIF, WebP) are paths relative to the
poster's own file. They are copied into the site next to the poster's page and shown inline.
Keep them in a sub-folder (``docs/posters/media/``): kb reads only .md files in the posters
folder and warns about any other file there. A missing file, a path outside the repository
or another file type stops the build with an error naming the poster, the field and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kb.course.config import Config
from kb.errors import ContentError
from kb.model.entries import Poster, Project
from kb.model.issue_codes import CODES
from kb.model.markup import control_problem
from kb.model.media import POSTER_MEDIA
from kb.site.pages.common import Href, SiteData, paper_cards, render, tag_chips

KINDS = POSTER_MEDIA


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
    """The checked media of ``poster``; ``site_folder`` is the site folder of its page."""
    source = project.source("poster", poster.slug)
    where = config.root / source.path
    out = []
    for name, allowed in KINDS.items():
        value = getattr(poster, name)
        if not value:
            continue
        line = source.line(name)
        found = control_problem(value)
        if found:  # a NUL is no path at all: as kb check's control-char says it
            raise ContentError(f"{name} holds an invisible character ({found[1]}) at position "
                               f"{found[0] + 1}", path=source.path, line=line, field=name,
                               fix=CODES["control-char"].fix)
        target = (where.parent / value).resolve()
        if not target.is_relative_to(config.root):
            raise ContentError(f"{value!r} lies outside the course repository", path=source.path,
                               line=line, field=name,
                               fix="copy the file into the repository, e.g. docs/posters/media/")
        if target.suffix.lower() not in allowed:
            kinds = ", ".join(sorted(allowed))
            raise ContentError(f"{value!r} is not a {kinds} file", path=source.path, line=line,
                               field=name, fix=f"give a {kinds} file"
                               + ("; put images under image:" if name == "file" else ""))
        if not target.is_file():
            raise ContentError(f"{value!r} does not exist (looked for {config.relative(target)})",
                               path=source.path, line=line, field=name,
                               fix="correct the path; it is relative to the poster's file")
        out.append(Media(name, target, str(PurePosixPath(site_folder) / target.name)))
    return out


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
