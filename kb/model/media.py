"""What a poster may show and the site may publish from the posters folder: its PDF (``file:``)
and its image (``image:``), by file name. No imports: the loader lists folders with it."""

from __future__ import annotations

#: A poster's media fields and the file types each takes (by suffix, lower case).
POSTER_MEDIA: dict[str, frozenset[str]] = {
    "file": frozenset({".pdf"}),
    "image": frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"}),
}
MEDIA_SUFFIXES = frozenset().union(*POSTER_MEDIA.values())
MEDIA_KINDS = "PDF, PNG, JPEG, GIF or WebP"


def is_medium(name: str) -> bool:
    """Whether a file called ``name`` is of a type a poster may show (and the site publish)."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in MEDIA_SUFFIXES
