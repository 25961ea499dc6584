"""The secretariat imports e-mailed submissions: from the command line (mbox or .eml) and
through an upload form; a message imported twice is stored once."""

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app import cli
from app.config import get_settings
from app.db import make_engine, open_session
from app.models.contributions import Attachment, Contribution
from app.models.forums import Forum
from app.models.users import Role
from tests import factories
from tests.conftest import form_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _message(n: int, *, subject: str, body: str, attach: bool = False) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Remitente {n} <sender{n}@example.org>"
    message["To"] = "townhall@uclg.org"
    message["Subject"] = subject
    message["Date"] = f"Tue, 29 Apr 2025 10:0{n}:00 -0300"
    message["Message-ID"] = f"<msg-{n}@example.org>"
    message.set_content(body)
    if attach:
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="aporte.pdf")
        message.add_attachment(
            b"MZ\x90\x00binary", maintype="image", subtype="png", filename="x.png"
        )
    return message


MESSAGES = [
    _message(
        1,
        subject="Propuesta: cuidados comunitarios",
        body="Proponemos que las ciudades financien redes comunitarias de cuidado.",
        attach=True,
    ),
    _message(
        2,
        subject="Contribuição sobre creches",
        body="Sugerimos ampliar as creches públicas nos bairros periféricos da cidade.",
    ),
    _message(3, subject="Care workers", body="Care workers need decent pay and social protection."),
]


@pytest.fixture
def mbox_file(tmp_path: Path) -> Path:
    path = tmp_path / "townhall.mbox"
    box = mailbox.mbox(path)
    for message in MESSAGES:
        box.add(message)
    box.flush()
    box.close()
    return path


def test_cli_imports_a_mailbox_once(
    tmp_path: Path,
    mbox_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'mail.db'}"
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        cli.db_upgrade(url)
        engine = make_engine(url)
        with open_session(engine, write=True) as db:
            forum = factories.forum(db)
        assert cli.main(["import-mail", str(mbox_file), "--forum", str(forum.id)]) == 0
        out = capsys.readouterr()
        assert "3 contributions created, 0 already imported" in out.out
        assert "3/3" in out.err  # progress
        assert "x.png" in out.err  # the spoofed attachment is reported, not dropped silently
        assert cli.main(["import-mail", str(mbox_file), "--forum", str(forum.id)]) == 0
        assert "0 contributions created, 3 already imported" in capsys.readouterr().out
        with open_session(engine, write=False) as db:
            rows = list(db.execute(select(Contribution).order_by(Contribution.id)).scalars())
            attachments = list(db.execute(select(Attachment)).scalars())
        engine.dispose()
    finally:
        get_settings.cache_clear()
    assert len(rows) == 3
    first = rows[0]
    assert first.channel == "email"
    assert first.status == "pending"
    assert first.title == "Propuesta: cuidados comunitarios"
    assert first.author_name == "Remitente 1"
    assert first.author_email == "sender1@example.org"
    assert first.language == "es"
    assert rows[1].language == "pt"
    assert rows[2].language == "en"
    assert first.received_at is not None
    assert first.received_at.hour == 13
    assert [a.filename for a in attachments] == ["aporte.pdf"]


def test_cli_refuses_a_file_that_is_not_mail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'mail.db'}"
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        cli.db_upgrade(url)
        junk = tmp_path / "notes.txt"
        junk.write_bytes(b"\x00\x01 not an e-mail at all")
        assert cli.main(["import-mail", str(junk), "--forum", "1"]) == 2
        assert cli.main(["import-mail", str(tmp_path / "missing.mbox"), "--forum", "1"]) == 2
    finally:
        get_settings.cache_clear()


def test_upload_form_imports_eml_files_and_skips_repeats(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum: Forum = factories.forum(db)
    login_as(Role.secretariat)
    page = f"/forums/{forum.id}/import-mail"
    files = [
        ("files", (f"m{i}.eml", m.as_bytes(), "message/rfc822")) for i, m in enumerate(MESSAGES)
    ]
    response = client.post(page, data={"csrf_token": form_token(client, page)}, files=files)
    assert response.status_code == 200
    assert "3 contributions created." in response.text
    again = client.post(page, data={"csrf_token": form_token(client, page)}, files=files[:1])
    assert "1 message was already imported." in again.text
    assert len(factories.query(db, select(Contribution))) == 3
    queue = client.get("/moderation?status=pending").text
    assert "Contribuição sobre creches" in queue
    assert "sender2@example.org" in queue


def test_upload_form_without_files_says_so(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.secretariat)
    page = f"/forums/{forum.id}/import-mail"
    response = client.post(page, data={"csrf_token": form_token(client, page)})
    assert response.status_code == 422
    assert "Choose one or more .eml files." in response.text


def test_participants_cannot_import(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.participant)
    assert client.get(f"/forums/{forum.id}/import-mail").status_code == 403
