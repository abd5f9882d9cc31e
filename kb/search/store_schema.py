"""The cache's tables: created, dropped, emptied and checked for damage or another schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.search.schema import FTS_COLUMNS, FTS_DDL, SCHEMA_VERSION

if TYPE_CHECKING:
    from kb.search.store import Store


def schema_ddl() -> list[str]:
    """CREATE statements of the cache: the SQLModel tables, their indexes, the FTS5 index."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from kb.search.tables import TABLES

    dialect = sqlite.dialect()
    out = []
    for table in TABLES:
        out.append(str(CreateTable(table).compile(dialect=dialect)))
        out.extend(str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes)
    return [*out, FTS_DDL]


class StoreSchema:
    """The tables of one :class:`~kb.search.store.Store`: their making and their checks."""

    def __init__(self, store: Store):
        self.store = store

    def create(self) -> None:
        """Create every table of an empty database, with the schema version."""
        with self.store.conn:
            for statement in schema_ddl():
                self.store.conn.execute(statement)
            self.store.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))

    def drop_all(self) -> None:
        """Drop every table and index (a cache of another schema, before :meth:`create`)."""
        names = [name for (name,) in self.store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'paper_fts_%'")]
        with self.store.conn:
            for name in names:
                self.store.conn.execute(f'DROP TABLE IF EXISTS "{name}"')

    def reset(self) -> None:
        """Empty every table (the next sync rebuilds the cache from the files)."""
        self.drop_all()
        self.create()
        self.store.forget()

    def problems(self, *, tables: bool = True) -> list[str]:
        """What is wrong with the tables (empty: sound), checked in milliseconds: the schema
        version, the columns of every table (unless ``tables`` is False: that check needs the
        table classes), and one keyword-index row per paper."""
        version = self.store.meta("schema")
        if version != str(SCHEMA_VERSION):
            return [f"schema version {version}, kb uses {SCHEMA_VERSION}"]
        problems = []
        if tables:
            from kb.search.tables import TABLES

            for table in TABLES:
                found = [row[1] for row in self.store.conn.execute(f'PRAGMA table_info("{table.name}")')]
                if found != [c.name for c in table.columns]:
                    problems.append(f"table {table.name} has the columns {found}")
        fts = [row[1] for row in self.store.conn.execute("PRAGMA table_info(paper_fts)")]
        if fts != ["key", *FTS_COLUMNS]:
            problems.append("the keyword index is missing or has other columns")
        if problems:
            return problems
        papers = self.store.count()
        indexed = self.store.conn.execute("SELECT count(*) FROM paper_fts_docsize").fetchone()[0]
        if indexed != papers:
            problems.append(f"the keyword index holds {indexed} papers, the table {papers}")
        return problems

