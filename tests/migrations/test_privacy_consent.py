"""Migration c6f2a8d4e1b9 adds the privacy consent columns to accounts and contributions
(issue 15): rows from before it keep their data and agreed to no version; it goes back down."""

import sqlalchemy as sa
from alembic import command

from app.cli import _alembic_config
from tests.migrations.test_stored_html import _insert, empty_database  # noqa: F401 (fixture)

BEFORE, CONSENT = "b3d8e1f4a9c2", "c6f2a8d4e1b9"
COLUMNS = {"privacy_consent_at", "privacy_notice_version"}


def _columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_existing_rows_agreed_to_no_version_and_the_columns_go_back_down(
    empty_database: str,  # noqa: F811
) -> None:
    config = _alembic_config(empty_database)
    command.upgrade(config, BEFORE)
    engine = sa.create_engine(empty_database)
    with engine.begin() as conn:
        tables = sa.MetaData()
        tables.reflect(conn, only=["user", "forum", "contribution"])
        user_id = _insert(conn, tables.tables["user"], email="old@example.org", role="participant")
        forum_id = _insert(conn, tables.tables["forum"], kind="forum", title={"en": "F"})
        contribution_id = _insert(
            conn,
            tables.tables["contribution"],
            forum_id=forum_id,
            channel="web",
            kind="proposal",
            status="pending",
            body="An old proposal.",
            language="en",
            links=[],
            author_email="anon@example.org",
        )
    engine.dispose()

    command.upgrade(config, CONSENT)
    assert _columns(empty_database, "user") >= COLUMNS
    assert _columns(empty_database, "contribution") >= COLUMNS
    engine = sa.create_engine(empty_database)
    with engine.connect() as conn:
        user = conn.execute(
            sa.text(
                'SELECT email, privacy_consent_at, privacy_notice_version FROM "user" WHERE id = :i'
            ),
            {"i": user_id},
        ).one()
        contribution = conn.execute(
            sa.text(
                "SELECT author_email, privacy_consent_at, privacy_notice_version"
                " FROM contribution WHERE id = :i"
            ),
            {"i": contribution_id},
        ).one()
    engine.dispose()
    assert tuple(user) == ("old@example.org", None, None)
    assert tuple(contribution) == ("anon@example.org", None, None)

    command.downgrade(config, BEFORE)
    assert not COLUMNS & _columns(empty_database, "user")
    assert not COLUMNS & _columns(empty_database, "contribution")
