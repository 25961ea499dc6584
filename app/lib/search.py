"""Full-text search of contributions with the database's own index.

SQLite: an FTS5 table kept in step by triggers, with the unicode61 tokenizer folding accents
(so "participacion" finds "participación"); FTS5 has no Spanish or Portuguese stemmer, so each
word is matched as a prefix instead ("cuidad" finds "cuidados").
PostgreSQL: a GIN expression index over `to_tsvector` in the contribution's own language
(Spanish, Portuguese, English stemmers, accents folded); a query is parsed with all three
configurations and matches when any of them does, so a reader finds a text without knowing its
language.

Both are created by the contributions migration (which holds a copy of the DDL below) and live
outside the models (SQLModel cannot declare an FTS5 table or a per-dialect expression index);
`include_object` keeps them out of autogenerate's comparisons.

The SQL below is assembled from constants only (ruff's S608 cannot tell); what a person types
reaches the database as a bound parameter, never as SQL or FTS syntax.
"""

import re
from typing import Any

from sqlalchemy import ColumnElement, Integer, TableClause, column, literal_column, table, text
from sqlalchemy.engine import Dialect

FTS_TABLE = "contribution_fts"
PG_INDEX = "ix_contribution_search"
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12

SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body, content='contribution', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER contribution_fts_ai AFTER INSERT ON contribution BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    f"CREATE TRIGGER contribution_fts_ad AFTER DELETE ON contribution BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    # Only when the searchable text changes: endorsements and moderation touch the row often.
    f"CREATE TRIGGER contribution_fts_au AFTER UPDATE OF title, body ON contribution BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS contribution_fts_au",
    "DROP TRIGGER IF EXISTS contribution_fts_ad",
    "DROP TRIGGER IF EXISTS contribution_fts_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

# Text search configurations that fold accents (the `unaccent` dictionary) before stemming, so
# "participacion" finds "participación" on PostgreSQL too.
PG_CONFIGS = {"es": "townhall_es", "pt": "townhall_pt", "en": "townhall_en"}
_PG_STEMMERS = {"es": "spanish", "pt": "portuguese", "en": "english"}
PG_SETUP = ["CREATE EXTENSION IF NOT EXISTS unaccent"] + [
    statement
    for code, name in PG_CONFIGS.items()
    for statement in (
        f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {_PG_STEMMERS[code]})",
        f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
        f"WITH unaccent, {_PG_STEMMERS[code]}_stem",
    )
]
_PG_DOCUMENT = (
    "to_tsvector(CASE language WHEN 'es' THEN 'townhall_es'::regconfig "
    "WHEN 'pt' THEN 'townhall_pt'::regconfig ELSE 'townhall_en'::regconfig END, "
    "coalesce(title, '') || ' ' || body)"
)
PG_DDL = [*PG_SETUP, f"CREATE INDEX {PG_INDEX} ON contribution USING gin (({_PG_DOCUMENT}))"]
# The same expression with qualified columns, for queries that join other tables with a `title`
# (PostgreSQL still matches it to the index).
_PG_QUERY_DOCUMENT = (
    _PG_DOCUMENT.replace("CASE language", "CASE contribution.language")
    .replace("coalesce(title", "coalesce(contribution.title")
    .replace("|| body", "|| contribution.body")
)
PG_DROP = [f"DROP INDEX IF EXISTS {PG_INDEX}"] + [
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in PG_CONFIGS.values()
]


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic: the search objects are managed by hand, not compared with the models."""
    return not (name or "").startswith((FTS_TABLE, PG_INDEX))


# The FTS5 table as a join target: on SQLite a search in newest-first order walks the index by
# rowid, newest first, and stops at the page size, instead of collecting every match and sorting
# (a common word matches half of 100,000 contributions).
FTS = table(FTS_TABLE, column("rowid", Integer))


def _fts_prefix_query(words: list[str]) -> str:
    # Each word quoted (so FTS5 operators are just text) and matched as a prefix.
    return " ".join('"' + w.replace('"', "") + '"*' for w in words)


def sqlite_driver(query: str) -> tuple[TableClause, ColumnElement[bool]] | None:
    """The FTS5 table and its MATCH clause, for a join that drives the query (SQLite only)."""
    words = terms(query)
    if not words:
        return None
    match = text(f"{FTS_TABLE} MATCH :q").bindparams(q=_fts_prefix_query(words))
    return FTS, match  # type: ignore[return-value]


def terms(query: str) -> list[str]:
    return _WORD.findall(query)[:MAX_TERMS]


def matches(dialect: Dialect, query: str) -> ColumnElement[bool] | None:
    """A WHERE clause on Contribution for the words of `query` (all of them must match), or
    None when the query has no words. User input only ever reaches the database as a bound
    parameter, never as FTS syntax."""
    words = terms(query)
    if not words:
        return None
    if dialect.name == "postgresql":
        plain = " ".join(words)
        tsquery = " || ".join(f"plainto_tsquery('{cfg}', :q)" for cfg in PG_CONFIGS.values())
        return text(f"{_PG_QUERY_DOCUMENT} @@ ({tsquery})").bindparams(q=plain)  # type: ignore[return-value]
    fts_query = _fts_prefix_query(words)
    rowids = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q").bindparams(
        q=fts_query
    )
    return literal_column("contribution.id").in_(rowids)


def ranked_ids(dialect: Dialect, query: str) -> Any | None:
    """A statement giving (id, rank) for the best matches first, for the similar-proposals hint."""
    words = terms(query)
    if not words:
        return None
    if dialect.name == "postgresql":
        # Any word may match here (a hint, not a filter): OR the terms, rank by ts_rank.
        plain = " | ".join(words)
        tsq = " || ".join(f"to_tsquery('{cfg}', :q)" for cfg in PG_CONFIGS.values())
        return text(
            f"SELECT id, ts_rank({_PG_QUERY_DOCUMENT}, ({tsq})) AS rank FROM contribution "
            f"WHERE {_PG_QUERY_DOCUMENT} @@ ({tsq})"
        ).bindparams(q=plain)
    fts_query = " OR ".join('"' + w.replace('"', "") + '"*' for w in words)
    return text(
        f"SELECT rowid AS id, -bm25({FTS_TABLE}) AS rank FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH :q"
    ).bindparams(q=fts_query)
