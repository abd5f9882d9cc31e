"""Short venue names for tables and cards ("NeurIPS", "ICLR 2024", "arXiv").

The paper page shows the venue as written; narrow places (the papers table, reading cards)
show :func:`short_venue`, with the full name as a tooltip. An arXiv id or "arXiv preprint
arXiv:..." is not a venue: it shows as "arXiv".
"""

from __future__ import annotations

import re

_ARXIV = re.compile(r"^\s*(arxiv|corr\b|arxiv\.org)|^\s*arxiv\s*(preprint|e-prints)", re.I)
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9&-]{1,14})\)\s*$")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_PROCEEDINGS = re.compile(r"^(proceedings of (the )?|proc\. (of )?(the )?)", re.I)
_ORDINAL = re.compile(r"^(\d+(st|nd|rd|th)|(19|20)\d{2})\s+", re.I)
#: Well-known venues by a distinctive part of their full name (checked in order).
KNOWN: tuple[tuple[str, str], ...] = (
    ("neural information processing systems", "NeurIPS"),
    ("international conference on learning representations", "ICLR"),
    ("international conference on machine learning", "ICML"),
    ("empirical methods in natural language processing", "EMNLP"),
    ("north american chapter of the association for computational linguistics", "NAACL"),
    ("european chapter of the association for computational linguistics", "EACL"),
    ("transactions of the association for computational linguistics", "TACL"),
    ("findings of the association for computational linguistics", "Findings of ACL"),
    ("annual meeting of the association for computational linguistics", "ACL"),
    ("transactions on machine learning research", "TMLR"),
    ("journal of machine learning research", "JMLR"),
    ("conference on robot learning", "CoRL"),
    ("aaai conference on artificial intelligence", "AAAI"),
    ("international joint conference on artificial intelligence", "IJCAI"),
    ("computer vision and pattern recognition", "CVPR"),
    ("fairness, accountability, and transparency", "FAccT"),
    ("user interface software and technology", "UIST"),
    ("conference on language modeling", "COLM"),
)
MAX_LENGTH = 40
#: A venue that is only a reference to an arXiv preprint: 'ArXiv:2004.05150', 'arXiv preprint
#: arXiv:2004.05150', 'CoRR abs/2004.05150', 'arxiv.org/abs/2004.05150', 'arXiv:1709.07588 [stat]'.
_ARXIV_VENUE = re.compile(
    r"^\s*(?:(?:arxiv(?:\s+preprint)?|corr)\b[\s:,]*)?"
    r"(?:(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf)/|arxiv\s*:\s*|abs/)?"
    r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?"
    r"(?:\s*\[[^\]]*\])?\s*\.?\s*$", re.I)


def arxiv_venue(venue: str | None) -> str | None:
    """The arXiv id when ``venue`` names nothing but an arXiv preprint ('ArXiv:2004.05150',
    'CoRR abs/2004.05150'), else None. Such a paper's venue is 'arXiv' and the id its arxiv."""
    found = _ARXIV_VENUE.match(venue or "")
    return found.group(1) if found else None


def short_venue(venue: str | None, *, max_length: int = MAX_LENGTH) -> str:
    """A venue name short enough for a table cell ('' for none)."""
    if not venue or not venue.strip():
        return ""
    text = " ".join(venue.split())
    if _ARXIV.search(text):
        return "arXiv"
    lower = text.lower()
    year = _YEAR.search(text)
    for needle, short in KNOWN:
        if needle in lower:
            return f"{short} {year.group(0)}" if year and _PROCEEDINGS.match(text) else short
    acronym = _ACRONYM.search(text)
    if acronym:
        return acronym.group(1)
    text = _ORDINAL.sub("", _PROCEEDINGS.sub("", text))
    text = text[:1].upper() + text[1:]
    if len(text) <= max_length:
        return text
    cut = text[:max_length].rsplit(" ", 1)[0].rstrip(",;:- ")
    return cut + "…"
