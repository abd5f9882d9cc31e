"""BibTeX entries <-> :class:`~kb.model.entries.Paper`, and the BibTeX export (pure, no I/O).

Field mapping (import reads the first field present; export writes it back):

============  ==========================================================================
Paper         BibTeX
============  ==========================================================================
type          the entry type (``@article`` -> article)
title         ``title`` (LaTeX decoded to Unicode, protective braces dropped)
authors       ``author``, each name as "Last, First" ("von Last, Jr, First")
editors       ``editor``, likewise
year          ``year`` when it is a number; of '2023a' the year, the letter dropped (the one
              rule, :func:`kb.model.entries.year_of`, which export and kb check follow too);
              else the year of ``date`` (``date`` is kept)
venue         the first of ``journaltitle``, ``journal``, ``booktitle``, ``publisher``,
              ``school``, ``institution``, ``organization`` (the others are kept); a venue
              that only names an arXiv preprint ('ArXiv:2004.05150', 'CoRR abs/2004.05150')
              becomes ``arXiv``, its id the paper's arxiv
arxiv         ``eprint`` (with ``archiveprefix``/``eprinttype`` arXiv or none), ``arxivid``,
              ``arxiv``; else an id found in ``journal``, ``url``, ``note``, ``howpublished``
              or an arXiv DOI (10.48550/arXiv.*). Written back as eprint + archiveprefix.
doi           ``doi`` without its https://doi.org/ prefix; else a doi.org ``url``
url           ``url`` when it is an http(s) link
abstract      ``abstract`` (decoded, paragraphs kept)
summary       ``summary`` (decoded; kb's own field, ignored by BibTeX styles)
pdf           ``pdf`` when it is an http(s) link
tags          ``keywords`` that name a tag of the vocabulary in mkdocs.yml (case and
              dashes aside; the other keywords stay in ``bibtex``); without a vocabulary,
              the keywords when every one is written as a tag (lowercase-hyphenated)
bibtex        every other field, verbatim (macros expanded, ``month`` as a number 1-12)
============  ==========================================================================

Export writes entries sorted by key and fields in a fixed order (mapped fields first, then
the kept fields alphabetically), so the file diffs well; display fields are LaTeX-encoded
(non-ASCII letters as accents, specials escaped), kept fields are written verbatim. Reading
the export back gives the same papers: import -> export -> import is the identity.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache

from pydantic import ValidationError

from kb.bib.read import MONTHS, BibEntry, read_bib
from kb.model.markup import brace_problem, strip_controls
from kb.model.ids import find_arxiv, normalize_arxiv, normalize_doi, valid_arxiv, valid_doi
from kb.bib.latex import join_names, latex_to_text, normalize_space, protect_title, split_names, text_to_latex
from kb.model.entries import Paper, year_of
from kb.model.venues import arxiv_venue
from kb.model.rules import TAG_RE

__all__ = ["VENUE_FIELDS", "entry_to_paper", "export_bibtex", "keywords_to_tags", "paper_to_fields",
           "read_bib"]

VENUE_FIELDS = ("journaltitle", "journal", "booktitle", "publisher", "school", "institution",
                "organization")
_VENUE_BY_TYPE = {
    "article": "journal", "periodical": "journal", "inproceedings": "booktitle",
    "conference": "booktitle", "incollection": "booktitle", "inbook": "booktitle",
    "inreference": "booktitle", "book": "publisher", "mvbook": "publisher",
    "booklet": "publisher", "proceedings": "publisher", "collection": "publisher",
    "phdthesis": "school", "mastersthesis": "school", "thesis": "institution",
    "techreport": "institution", "report": "institution", "manual": "organization",
}
_ARXIV_PREFIXES = ("archiveprefix", "eprinttype")
_ARXIV_TEXT_FIELDS = ("journal", "journaltitle", "url", "note", "howpublished", "booktitle")
_DATE_YEAR = re.compile(r"^\s*(\d{4})")
_FIELD_NAME = re.compile(r"[^a-z0-9_.:+-]+")
_FIRST = ("title", "author", "editor", *VENUE_FIELDS, "year", "month")
_LAST = ("doi", "eprint", "archiveprefix", "arxivid", "url", "pdf", "keywords", "summary",
         "abstract")


class EntryError(ValueError):
    """An entry that cannot become a paper (no title, a field kb cannot accept)."""


def _arxiv(fields: dict[str, str], used: set[str]) -> str | None:
    prefix = next((fields[n].strip().lower() for n in _ARXIV_PREFIXES if n in fields), "")
    for name in ("eprint", "arxivid", "arxiv"):
        value = fields.get(name, "").strip()
        if not value or (name == "eprint" and prefix not in ("", "arxiv")):
            continue
        if valid_arxiv(value):
            used.add(name)
            if name == "eprint":  # the archive prefix belongs to eprint only
                used.update(n for n in _ARXIV_PREFIXES
                            if n in fields and fields[n].strip().lower() == "arxiv")
            return normalize_arxiv(value)
    for name in _ARXIV_TEXT_FIELDS:
        found = find_arxiv(latex_to_text(fields.get(name, "")))
        if found and valid_arxiv(found):
            return found
    doi = fields.get("doi", "")
    match = re.match(r"^10\.48550/arxiv\.(.+)$", normalize_doi(doi)) if doi else None
    return normalize_arxiv(match.group(1)) if match and valid_arxiv(match.group(1)) else None


def _doi(fields: dict[str, str], used: set[str]) -> str | None:
    value = fields.get("doi", "").strip()
    if value and valid_doi(value):
        used.add("doi")
        return value[len(value) - len(normalize_doi(value)):]  # prefix dropped, case kept
    url = fields.get("url", "").strip()
    if re.match(r"^https?://(dx\.)?doi\.org/", url, re.I) and valid_doi(url):
        return url[len(url) - len(normalize_doi(url)):]
    return None


@lru_cache(maxsize=16_384)  # the same keywords recur across a library's entries
def _tag_form(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", latex_to_text(text).lower())


@lru_cache(maxsize=8)
def _tag_forms(vocabulary: tuple[str, ...]) -> dict[str, str]:
    """Each tag of a vocabulary by its form (the same for every entry of an import)."""
    return {_tag_form(tag): tag for tag in vocabulary}


def keywords_to_tags(keywords: str, vocabulary: Collection[str] = ()) -> tuple[list[str], list[str]]:
    """A BibTeX ``keywords`` field -> (tags, keywords left over).

    With a tag vocabulary, each keyword that names a tag of it, case and dashes aside
    ('Reinforcement Learning' for ``reinforcement-learning``, 'RLHF' for ``rlhf``), becomes
    that tag and the others are left over. Without one, the keywords become tags only when
    every one of them is already written as a tag (lowercase-with-hyphens).
    """
    words = [k.strip() for k in re.split(r"[,;]", keywords) if k.strip()]
    if not words:
        return [], []
    if not vocabulary:
        return (words, []) if all(TAG_RE.match(k) for k in words) else ([], words)
    forms = _tag_forms(tuple(vocabulary))
    tags: list[str] = []
    rest: list[str] = []
    for word in words:
        tag = forms.get(_tag_form(word))
        if tag is None:
            rest.append(word)
        elif tag not in tags:
            tags.append(tag)
    return tags, rest


def entry_to_paper(entry: BibEntry, key: str | None = None, *,
                   tag_vocabulary: Collection[str] = ()) -> Paper:
    """The paper an entry describes (key: the entry's own unless given). Raises EntryError.

    ``keywords`` become tags through :func:`keywords_to_tags`; the keywords that are no
    tag are kept under ``bibtex``.
    """
    fields = {name: strip_controls(value, multiline=True) for name, value in entry.fields.items()}
    used: set[str] = set()
    data: dict[str, object] = {"key": key or entry.key, "type": entry.type}
    title = latex_to_text(fields.get("title", ""))
    if not title:
        raise EntryError("the entry has no title")
    data["title"] = title
    used.add("title")
    for name, target in (("author", "authors"), ("editor", "editors")):
        if fields.get(name, "").strip():
            data[target] = split_names(fields[name])
            used.add(name)
    year = year_of(fields.get("year", ""))  # '2023a' is 2023: the letter is dropped
    if year is not None:
        data["year"] = year
        used.add("year")
    elif "year" not in fields and (date := _DATE_YEAR.match(fields.get("date", ""))):
        data["year"] = int(date.group(1))
    venue_field = next((n for n in VENUE_FIELDS if fields.get(n, "").strip()), None)
    if venue_field:
        data["venue"] = latex_to_text(fields[venue_field])
        used.add(venue_field)
    data["arxiv"] = _arxiv(fields, used)
    preprint = arxiv_venue(str(data.get("venue") or ""))
    if preprint:  # 'ArXiv:2004.05150' is no venue: the venue is arXiv, the id the paper's
        data["venue"] = "arXiv"
        data["arxiv"] = data["arxiv"] or normalize_arxiv(preprint)
    data["doi"] = _doi(fields, used)
    url = fields.get("url", "").strip()
    if re.match(r"^https?://\S+$", url):
        data["url"] = url
        used.add("url")
    for name in ("abstract", "summary"):
        if fields.get(name, "").strip():
            data[name] = latex_to_text(fields[name], paragraphs=True)
            used.add(name)
    if re.match(r"^https?://\S+$", fields.get("pdf", "").strip()):
        data["pdf"] = fields["pdf"].strip()
        used.add("pdf")
    tags, rest = keywords_to_tags(fields.get("keywords", ""), tag_vocabulary)
    if tags:
        data["tags"] = tags
        if rest:
            fields = {**fields, "keywords": ", ".join(rest)}
        else:
            used.add("keywords")
    data["bibtex"] = {name: normalize_space(value) for name, value in fields.items()
                      if name not in used}
    try:
        return Paper(**{k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise EntryError(f"field {'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def _venue_field(paper: Paper) -> str:
    """The field to write the venue to: one the import reads before any field kept in bibtex."""
    kept = [VENUE_FIELDS.index(n) for n, v in paper.bibtex.items() if n in VENUE_FIELDS and v.strip()]
    limit = min(kept) if kept else len(VENUE_FIELDS)
    preferred = _VENUE_BY_TYPE.get(paper.type, "publisher" if paper.type == "misc" else "journal")
    if preferred in VENUE_FIELDS and VENUE_FIELDS.index(preferred) < limit:
        return preferred
    return VENUE_FIELDS[0] if limit > 0 else preferred




def _braced(value: str) -> str:
    """``value`` between braces, written so that BibTeX readers (kb's, bibtexparser) read
    ``value`` back: a value ending in a backslash gets a space (kb's reader drops it, and to
    BibTeX it is the same value), which keeps the backslash from escaping the closing brace.
    A value with unbalanced braces cannot be read back as it is: its braces are escaped so the
    entry stays readable (kb check warns about such a value, ``bibtex-braces``). Control,
    bidi and zero-width characters never reach the file (kb check reports them, control-char):
    a line feed in a value stays, every other one is dropped or becomes a space."""
    value = strip_controls(value, multiline=True)
    if brace_problem(value):
        value = re.sub(r"(?<!\\)([{}])", r"\\\1", value)
    if value.endswith("\\"):
        value += " "
    return "{" + value + "}"


def paper_to_fields(paper: Paper, omit: Collection[str] = ()) -> list[tuple[str, str]]:
    """The BibTeX fields of ``paper`` in export order, as (name, written value) pairs.

    Fields named in ``omit`` (lower case) are left out, wherever their value comes from.
    """
    fields: dict[str, str] = {}
    fields["title"] = _braced(protect_title(paper.title))
    if paper.authors:
        fields["author"] = _braced(join_names(paper.authors))
    if paper.editors:
        fields["editor"] = _braced(join_names(paper.editors))
    if paper.venue:
        fields[_venue_field(paper)] = _braced(text_to_latex(paper.venue))
    if paper.year is not None:  # over a kept bibtex year such as '2023a' (see year_of)
        fields["year"] = _braced(str(paper.year))
    if paper.doi and "doi" not in paper.bibtex:
        fields["doi"] = _braced(paper.doi)
    if paper.arxiv:
        if "eprint" in paper.bibtex or any(n in paper.bibtex for n in _ARXIV_PREFIXES):
            fields["arxivid"] = _braced(paper.arxiv)  # eprint holds another archive's id
        else:
            fields["eprint"] = _braced(paper.arxiv)
            fields["archiveprefix"] = "{arXiv}"
    if paper.url:
        fields["url"] = _braced(paper.url)
    if paper.tags:  # the tags first, then keywords that were no tag
        kept = [k.strip() for k in re.split(r"[,;]", paper.bibtex.get("keywords", "")) if k.strip()]
        fields["keywords"] = _braced(", ".join([*paper.tags, *kept]))
    if paper.pdf:
        fields["pdf"] = _braced(paper.pdf)
    if paper.summary:
        fields["summary"] = _braced(text_to_latex(paper.summary))
    if paper.abstract:
        fields["abstract"] = _braced(text_to_latex(paper.abstract))
    for name, value in paper.bibtex.items():
        name = _FIELD_NAME.sub("-", name.strip().lower()) or "field"  # a hand-written odd name
        if name in fields:
            continue
        if name == "month" and value.isdigit() and 1 <= int(value) <= 12:
            fields[name] = MONTHS[int(value) - 1][:3]
        else:
            fields[name] = _braced(value)
    for name in omit:
        fields.pop(name, None)
    first = [n for n in _FIRST if n in fields]
    last = [n for n in _LAST if n in fields]
    middle = sorted(n for n in fields if n not in first and n not in last)
    return [(n, fields[n]) for n in (*first, *middle, *last)]


def export_bibtex(papers: Iterable[Paper], *, omit: Collection[str] = (),
                  sort: bool = True) -> str:
    """A .bib file of ``papers`` (sorted by key, fields in a fixed order); pure, no I/O.

    ``omit`` names fields to leave out (see :mod:`kb.model.privacy`); ``sort=False`` keeps the
    order given (a session's reading order). The text is UTF-8; `kb import` reads it back to
    the same papers (less the omitted fields).
    """
    chunks = []
    for paper in sorted(papers, key=lambda p: p.key) if sort else papers:
        fields = paper_to_fields(paper, omit)
        width = max(len(name) for name, _ in fields)
        body = ",\n".join(f"  {name:<{width}} = {value}" for name, value in fields)
        chunks.append(f"@{paper.type}{{{paper.key},\n{body}\n}}\n")
    return "\n".join(chunks)
