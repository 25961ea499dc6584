"""The data export covers every table that points at an account or stores an e-mail address
(issue 15, data portability): a table added later without a line in
`services/personal_data.PERSONAL_DATA` fails here."""

from typing import Any

from sqlalchemy import String, Table, TypeDecorator
from sqlmodel import SQLModel

import app.main  # noqa: F401 — every model module imported, so metadata holds every table
from app.services.personal_data import PERSONAL_DATA


def _user_columns(table: Table) -> set[str]:
    return {
        c.name
        for c in table.columns
        if any(fk.target_fullname == "user.id" for fk in c.foreign_keys)
    } | ({"id"} if table.name == "user" else set())


def _is_text(column: Any) -> bool:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, String)


def _email_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if "email" in c.name and _is_text(c)}


def test_every_table_about_a_person_is_in_the_export() -> None:
    missing = []
    for table in SQLModel.metadata.sorted_tables:
        holds = PERSONAL_DATA.get(table.name)
        by_user = {link.column for link in holds.links if link.by == "user"} if holds else set()
        by_email = {link.column for link in holds.links if link.by == "email"} if holds else set()
        for column in sorted(_user_columns(table) - by_user):
            missing.append(f"{table.name}.{column} (points at user.id)")
        for column in sorted(_email_columns(table) - by_email):
            missing.append(f"{table.name}.{column} (an e-mail address)")
    assert not missing, f"not covered by services/personal_data.PERSONAL_DATA: {missing}"


def test_the_declaration_names_real_tables_and_columns() -> None:
    tables = SQLModel.metadata.tables
    wrong = []
    for name, holds in PERSONAL_DATA.items():
        if name not in tables:
            wrong.append(name)
            continue
        columns = set(tables[name].c.keys())
        named = {link.column for link in holds.links} | set(holds.secret)
        for link in holds.links:
            named |= set(link.only or ())
        if holds.via is not None:
            named.add(holds.via.column)
            if holds.via.parent not in PERSONAL_DATA:
                wrong.append(f"{name}: parent {holds.via.parent} is not exported")
        assert holds.links or holds.via, name
        wrong += [f"{name}.{c}" for c in sorted(named - columns)]
    assert not wrong, wrong


def test_secrets_are_never_exported() -> None:
    """Password and token hashes, and the keys that would let someone replay a submission."""
    for table, column in (
        ("user", "password_hash"),
        ("login_session", "token_hash"),
        ("account_token", "token_hash"),
        ("invitation", "token_hash"),
        ("contribution", "idempotency_key"),
        ("contribution", "receipt_hash"),
        ("policy_comment", "idempotency_key"),
    ):
        assert column in PERSONAL_DATA[table].secret, (table, column)
