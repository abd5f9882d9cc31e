"""The cache's tables (SQLModel), its keyword index, and a stored paper row turned back into a Paper.

Every table here is read by a query; what nothing reads is not stored. Numbered schema: a
cache written with another :data:`SCHEMA_VERSION` is dropped and rebuilt from the files by
:mod:`kb.search.cache` (it is a cache, so a rebuild is the migration). The embeddings live
apart, in :mod:`kb.search.vectors`, with a version of their own, so a new version here never
re-embeds the library.

::

    paper      one row per loadable papers/<key>.md: the fields a hit shows, the prose the
               embedded text is made of, the file's path, content hash, time and size, and
               the hash of the embedded text (kb.search.embed.embed_text); an index
               (paper_state) holds key, time, size and text hash for the no-change check
    tag        (paper_key, tag)                          filters: --tag
    session    one row per session page                  suggest: title and page text
    reading    (session, position, key, kind, note)      filters: --session; suggest
    meta       schema version, hash of the session and poster files
    paper_fts  FTS5 over title, authors, abstract, summary, notes and tags
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kb.model.entries import Paper
from kb.search.schema import FTS_COLUMNS as FTS_COLUMNS
from kb.search.schema import FTS_DDL as FTS_DDL
from kb.search.schema import FTS_WEIGHTS as FTS_WEIGHTS
from kb.search.schema import HIT_COLUMNS as HIT_COLUMNS
from kb.search.schema import SCHEMA_VERSION as SCHEMA_VERSION

REGISTRY = registry()


class _Table(SQLModel, registry=REGISTRY):
    """Base of kb's cache tables (their own metadata, apart from any other SQLModel tables)."""


class PaperRow(_Table, table=True):
    __tablename__ = "paper"
    # Every command compares each file's time and size with the stored ones and fingerprints
    # the embedded texts: this index answers both without reading the rows' prose.
    __table_args__ = (Index("paper_state", "key", "mtime_ns", "size", "text_hash"),)
    key: str = Field(primary_key=True)
    type: str = "misc"
    title: str = ""
    authors: str = "[]"  # JSON list, in order
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
    text_hash: str = ""


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


class MetaRow(_Table, table=True):
    __tablename__ = "meta"
    name: str = Field(primary_key=True)
    value: str = ""


TABLES = tuple(REGISTRY.metadata.sorted_tables)


def paper_of(values: dict[str, Any]) -> Paper:
    """A Paper rebuilt from the values of its row (the fields search needs; extras are not
    stored). The row was written from a validated Paper, so it is not validated again."""
    return Paper.model_construct(
        key=values["key"], type=values["type"], title=values["title"],
        authors=json.loads(str(values["authors"])), editors=[], year=values["year"],
        venue=values["venue"], arxiv=values["arxiv"], doi=values["doi"], url=None, pdf=None,
        tags=json.loads(str(values["tags"])), abstract=values["abstract"],
        summary=values["summary"], bibtex={}, notes=values["notes"])
