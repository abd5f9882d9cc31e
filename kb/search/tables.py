"""The cache's tables (SQLModel), and turning a stored paper row back into a Paper.

Numbered schema: a cache written with another :data:`SCHEMA_VERSION` is dropped and rebuilt
from the files by :class:`kb.search.store.Store` (it is a cache, so a rebuild is the migration).
"""

from __future__ import annotations

import json

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kb.models import Paper

SCHEMA_VERSION = 2
REGISTRY = registry()


class _Table(SQLModel, registry=REGISTRY):
    """Base of kb's cache tables (their own metadata, apart from any other SQLModel tables)."""


class PaperRow(_Table, table=True):
    __tablename__ = "paper"
    key: str = Field(primary_key=True)
    type: str = "misc"
    title: str = ""
    authors: str = "[]"  # JSON list, in order (the author table is for queries)
    year: int | None = Field(default=None, index=True)
    venue: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    tags: str = "[]"  # JSON list
    abstract: str | None = None
    summary: str | None = None
    notes: str = ""
    path: str = ""
    file_hash: str = ""
    mtime_ns: int = 0
    size: int = 0
    text_hash: str = Field(default="", index=True)


class AuthorRow(_Table, table=True):
    __tablename__ = "author"
    paper_key: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    name: str = Field(index=True)


class TagRow(_Table, table=True):
    __tablename__ = "tag"
    paper_key: str = Field(primary_key=True)
    tag: str = Field(primary_key=True, index=True)


class SessionRow(_Table, table=True):
    __tablename__ = "session"
    number: int = Field(primary_key=True)
    slug: str = ""
    title: str = ""
    date: str | None = None
    body: str = ""


class ReadingRow(_Table, table=True):
    __tablename__ = "reading"
    session: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    key: str = Field(index=True)
    kind: str = "required"
    note: str | None = None


class PosterRow(_Table, table=True):
    __tablename__ = "poster"
    slug: str = Field(primary_key=True)
    title: str = ""
    session: int | None = None
    authors: str = "[]"
    papers: str = "[]"
    tags: str = "[]"


class VectorRow(_Table, table=True):
    __tablename__ = "vector"
    model: str = Field(primary_key=True)
    text_hash: str = Field(primary_key=True)
    dim: int = 0
    data: bytes = b""


class MetaRow(_Table, table=True):
    __tablename__ = "meta"
    name: str = Field(primary_key=True)
    value: str = ""


def row_paper(row: PaperRow) -> Paper:
    """A Paper rebuilt from its row (the fields search needs; extras are not stored).

    The row was written from a validated Paper, so it is not validated a second time.
    """
    return Paper.model_construct(
        key=row.key, type=row.type, title=row.title, authors=json.loads(row.authors),
        editors=[], year=row.year, venue=row.venue, arxiv=row.arxiv, doi=row.doi, url=None,
        pdf=None, tags=json.loads(row.tags), abstract=row.abstract, summary=row.summary,
        bibtex={}, notes=row.notes)
