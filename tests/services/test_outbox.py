"""The outbox: e-mails written in the caller's transaction, delivered after the commit by SMTP
(against a real SMTP server on a local port) or to the log, retried with a growing wait.

Tests that drive delivery themselves start no app, so that no app's sender thread delivers
the e-mails before they do."""

import logging
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import col

from app import cli
from app.config import Settings, get_settings
from app.db import open_session
from app.main import create_app
from app.models.outbox import OutboxMessage
from app.models.types import utcnow
from app.services import outbox
from tests.conftest import form_token


class Sink:
    """An SMTP server's handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def _smtp_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )


def _enqueue(engine: Engine, to: str = "ana@example.org", locale: str = "es") -> None:
    with open_session(engine, write=True) as db:
        outbox.enqueue(
            db,
            to=to,
            locale=locale,
            template="password_reset",
            context={"name": "Ana", "link": "https://townhall.example.org/reset-password/abc"},
        )
        db.commit()


def _rows(engine: Engine) -> list[OutboxMessage]:
    with open_session(engine, write=False) as db:
        return list(db.execute(select(OutboxMessage).order_by(col(OutboxMessage.id))).scalars())


def _wait_for(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_registration_email_reaches_the_smtp_server_after_the_commit(
    settings: Settings, engine: Engine, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    app = create_app(_smtp_settings(settings, port), engine)
    with TestClient(app) as client:
        started = time.monotonic()
        response = client.post(
            "/register",
            data={
                "csrf_token": form_token(client, "/register"),
                "display_name": "Ana Souza",
                "email": "ana@example.org",
                "password": "a long enough password",
                "locale": "pt",
                "accept_privacy": "true",
            },
            follow_redirects=False,
        )
        answered_in = time.monotonic() - started
        assert response.status_code == 303
        # Delivered by the app's own sender thread, woken by the commit: no flush needed.
        _wait_for(lambda: sink.received)
    mail = sink.received[0]
    assert mail["To"] == "ana@example.org"
    assert mail["Subject"] == "Confirme seu endereço de e-mail no Town Hall"
    assert mail["Content-Language"] == "pt"
    body = mail.get_content()
    assert "http://testserver/confirm-email/" in body
    assert "Olá, Ana Souza," in body
    assert _rows(engine)[0].sent_at is not None
    assert answered_in < 5


def test_nothing_is_sent_for_a_write_that_rolled_back(engine: Engine) -> None:
    with open_session(engine, write=True) as db:
        outbox.enqueue(
            db, to="x@example.org", locale="en", template="password_reset_unknown", context={}
        )
        db.rollback()
    assert _rows(engine) == []


def test_a_failed_delivery_is_retried_later_with_a_growing_wait(
    settings: Settings, engine: Engine, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    _enqueue(engine)
    nobody_listens = _smtp_settings(settings, _free_port())
    first = outbox.send_due(engine, nobody_listens)
    assert (first.sent, first.failed) == (0, 1)
    [row] = _rows(engine)
    assert (row.sent_at, row.attempts) == (None, 1)
    assert row.last_error
    wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=30)
    # Not due yet: a second pass leaves it alone.
    assert outbox.send_due(engine, nobody_listens).failed == 0
    with open_session(engine, write=True) as db:
        db.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.commit()
    assert outbox.send_due(engine, nobody_listens).failed == 1
    [row] = _rows(engine)
    assert row.attempts == 2
    assert timedelta(seconds=50) < row.next_attempt_at - utcnow() <= timedelta(seconds=60)
    # The server is back: the operator's flush sends it now, once.
    flushed = outbox.send_due(engine, _smtp_settings(settings, port), force=True)
    assert (flushed.sent, flushed.failed) == (1, 0)
    assert outbox.send_due(engine, _smtp_settings(settings, port), force=True).sent == 0
    assert len(sink.received) == 1
    assert sink.received[0]["Subject"] == "Elija una contraseña nueva para Town Hall"
    [row] = _rows(engine)
    assert row.sent_at is not None
    assert row.last_error is None


def test_an_email_claimed_by_another_sender_is_not_sent_twice(
    settings: Settings, engine: Engine, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    _enqueue(engine)
    with open_session(engine, write=True) as db:
        # Another instance's sender is delivering it right now.
        db.execute(update(OutboxMessage).values(claimed_until=utcnow() + timedelta(minutes=1)))
        db.commit()
    assert outbox.send_due(engine, _smtp_settings(settings, port), force=True).sent == 0
    assert sink.received == []


def test_without_smtp_the_email_goes_to_the_log_with_its_link(
    settings: Settings, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _enqueue(engine, locale="en")
    with caplog.at_level(logging.INFO, logger="townhall.outbox"):
        assert outbox.send_due(engine, settings.model_copy(update={"smtp_host": ""})).sent == 1
    line = next(r.getMessage() for r in caplog.records if "ana@example.org" in r.getMessage())
    assert "Choose a new password for Town Hall" in line
    assert "https://townhall.example.org/reset-password/abc" in line


def test_the_cli_flushes_the_outbox(
    database_url: str,
    engine: Engine,
    smtp: tuple[Sink, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sink, port = smtp
    _enqueue(engine, to="one@example.org")
    _enqueue(engine, to="two@example.org")
    for name, value in {
        "DATABASE_URL": database_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_STARTTLS": "false",
    }.items():
        monkeypatch.setenv(f"TOWNHALL_{name}", value)
    get_settings.cache_clear()
    try:
        assert cli.main(["outbox", "flush"]) == 0
    finally:
        get_settings.cache_clear()
    assert "2 e-mails sent, 0 failed" in capsys.readouterr().out
    assert sorted(m["To"] for m in sink.received) == ["one@example.org", "two@example.org"]
