"""Migration b9f2c1d8e402 fills the stored HTML of contributions written before it existed
(issue 9, finding 13), and goes back down."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from app.cli import _alembic_config
from app.lib import markup
from tests.conftest import PG_URL, _pg_admin_url

BEFORE, STORED_HTML = "a8e1b0c7d301", "b9f2c1d8e402"


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database of its own: the suite's is at head and shared by the worker's tests."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    name = f"th_migration_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _filler(column: sa.Column[Any]) -> Any:
    """A value for a required column this test does not care about."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 11, 30, tzinfo=UTC)
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def _insert(conn: sa.Connection, table: sa.Table, **values: Any) -> int:
    for column in table.columns:
        required = not column.nullable and column.server_default is None
        if required and column.name not in values and not column.primary_key:
            values[column.name] = _filler(column)
    return int(conn.execute(table.insert().values(**values)).inserted_primary_key[0])


def test_existing_contributions_get_their_html_and_the_column_goes_back_down(
    empty_database: str,
) -> None:
    config = _alembic_config(empty_database)
    command.upgrade(config, BEFORE)
    engine = sa.create_engine(empty_database)
    proposal = "Ver [o plano](https://example.org/plano) e **isto**.\n\n<script>x</script>"
    remark = "Os dados estão em https://ibge.gov.br/censo *aqui*"
    pathological = "[" * 20000
    with engine.begin() as conn:
        tables = sa.MetaData()
        tables.reflect(conn, only=["forum", "contribution"])
        forum_id = _insert(conn, tables.tables["forum"], kind="forum", title={"en": "F"})
        bodies = {"web": proposal, "live": remark, "email": pathological}
        ids = {
            channel: _insert(
                conn,
                tables.tables["contribution"],
                forum_id=forum_id,
                channel=channel,
                kind="remark" if channel == "live" else "proposal",
                status="published",
                body=body,
                language="pt",
                links=[],
            )
            for channel, body in bodies.items()
        }
    engine.dispose()

    command.upgrade(config, STORED_HTML)
    engine = sa.create_engine(empty_database)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT id, body_html FROM contribution")).all())
    engine.dispose()
    assert stored[ids["web"]] == markup.store(proposal)
    assert '<a href="https://example.org/plano" rel=' in stored[ids["web"]]
    assert "<script>" not in stored[ids["web"]]
    assert stored[ids["live"]] == markup.store_text(remark)
    assert '<a href="https://ibge.gov.br/censo"' in stored[ids["live"]]
    assert "*aqui*" in stored[ids["live"]]
    assert stored[ids["email"]] == markup.store(pathological)

    command.downgrade(config, BEFORE)
    engine = sa.create_engine(empty_database)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("contribution")}
    engine.dispose()
    assert "body_html" not in columns
