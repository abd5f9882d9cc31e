"""The constants of the cache's layout that queries need, apart from the table classes.

:mod:`kb.search.tables` declares the tables with SQLModel; reading the cache needs only these
names and numbers, and a ``kb search`` process reads it without importing SQLModel.
"""

from __future__ import annotations

DB_NAME = "kb.sqlite"
SCHEMA_VERSION = 5

FTS_COLUMNS = ("title", "authors", "abstract", "summary", "notes", "tags")
# bm25 weights per column (the unindexed key first): a word in the title or the tags says more
# about the paper than the same word somewhere in the notes.
FTS_WEIGHTS = (0.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0)
FTS_DDL = (
    "CREATE VIRTUAL TABLE paper_fts USING fts5("
    "key UNINDEXED, " + ", ".join(FTS_COLUMNS) + ", tokenize='porter unicode61')"
)
# The columns a search hit shows, in this order (kb.search.engine.Hit).
HIT_COLUMNS = ("key", "title", "authors", "year", "venue", "arxiv", "doi")
