"""The outbox: e-mails written in the caller's transaction and delivered after it commits.

`enqueue(db, to=…, locale=…, template=…, context=…)` renders `app/templates/email/<template>.txt`
in the recipient's language and adds the e-mail to the `outbox` table in the caller's own
transaction: a write that rolls back sends nothing, one that commits is never lost. A sender
thread per process (started by the app, woken by every commit that enqueued) delivers it: by
SMTP when TOWNHALL_SMTP_HOST is set, else as a log line (recipient, subject, links). A failed
delivery is retried with a growing wait; requests never wait for a mail server.
`townhall outbox flush` sends what is waiting, at once.
"""

import logging
import re
import smtplib
import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import Engine, event, insert, or_, select, update
from sqlmodel import Session, col

from app import i18n
from app.config import Settings
from app.db import write_engine
from app.models.outbox import OutboxMessage
from app.models.types import utcnow

log = logging.getLogger("townhall.outbox")

_ENQUEUED = "townhall_outbox_enqueued"
BASE_DELAY_S = 30
MAX_DELAY_S = 3600
_LINK = re.compile(r"https?://\S+")


@contextmanager
def _in_locale(locale: str) -> Iterator[None]:
    before = i18n.get_locale()
    i18n.set_locale(locale)
    try:
        yield
    finally:
        i18n.set_locale(before)


def render(template: str, *, locale: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, text) of `email/<template>.txt` in `locale`: its `subject` block, and the whole
    template rendered as the body."""
    from app.templating import environment

    with _in_locale(locale):
        tmpl = environment().get_template(f"email/{template}.txt")
        values = {"locale": locale, **context}
        subject = "".join(tmpl.blocks["subject"](tmpl.new_context(values))).strip()
        text = tmpl.render(values).strip() + "\n"
    return " ".join(subject.split()), text


def recipient_locale(locale: str | None) -> str:
    """The language to write in: the account's (or the one a sender without an account wrote
    in), else the platform's default."""
    return locale if locale in i18n.LOCALES else i18n.DEFAULT_LOCALE


def enqueue(
    db: Session,
    *,
    to: str,
    locale: str | None,
    template: str,
    context: Mapping[str, Any],
    kind: str | None = None,
) -> None:
    """Adds an e-mail to the outbox inside `db`'s transaction; it is sent after the commit.

    `to`: the address; `locale`: the recipient's language (a User's `locale`, or the language an
    anonymous sender submitted in; None gives the default); `template`: a file of
    `app/templates/email/` without `.txt`, with a `subject` block; `context`: its variables,
    links already absolute (`web/urls.absolute_url`); `kind`: for the log (default: template).
    """
    lang = recipient_locale(locale)
    subject, text = render(template, locale=lang, context=context)
    # On the connection: an e-mail is nothing a page shows, so it must not invalidate the
    # page cache (web/pagecache.py watches ORM statements); it is still the caller's transaction.
    db.connection().execute(
        insert(OutboxMessage).values(
            recipient=to,
            locale=lang,
            subject=subject[:300],
            body_text=text,
            kind=(kind or template)[:40],
            created_at=utcnow(),
            next_attempt_at=utcnow(),
            attempts=0,
        )
    )
    db.info[_ENQUEUED] = True


# -- delivery --------------------------------------------------------------------------------


def _as_email(message: OutboxMessage, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2].strip("> "))
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    # After the content: setting it clears every Content-* header.
    email["Content-Language"] = message.locale
    return email


def deliver(message: OutboxMessage, settings: Settings) -> None:
    """Sends one e-mail, or raises. Without an SMTP host, one log line says who would get what
    (with the links, which is what a demo's user needs)."""
    if not settings.smtp_host:
        links = " ".join(_LINK.findall(message.body_text))
        log.info(
            "e-mail (%s) to %s: %s %s", message.kind, message.recipient, message.subject, links
        )
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as s:
        if settings.smtp_starttls:
            s.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            s.login(settings.smtp_user, settings.smtp_password)
        s.send_message(_as_email(message, settings))


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_DELAY_S, BASE_DELAY_S * 2 ** max(0, attempts - 1)))


@dataclass
class Flushed:
    sent: int = 0
    failed: int = 0


def _due_ids(engine: Engine, settings: Settings, now: datetime, force: bool) -> list[int]:
    stmt = select(col(OutboxMessage.id)).where(
        col(OutboxMessage.sent_at).is_(None),
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
    )
    if not force:
        stmt = stmt.where(
            col(OutboxMessage.next_attempt_at) <= now,
            col(OutboxMessage.attempts) < settings.outbox_max_attempts,
        )
    with engine.connect() as conn:
        rows = conn.execute(stmt.order_by(col(OutboxMessage.id)).limit(100)).scalars()
        return [i for i in rows if i is not None]


def _claim(engine: Engine, message_id: int, now: datetime, lease: timedelta) -> bool:
    """Takes the e-mail for this sender, unless another (instance) has it: compare-and-set."""
    with write_engine(engine).begin() as conn:
        claimed = conn.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == message_id,
                col(OutboxMessage.sent_at).is_(None),
                or_(
                    col(OutboxMessage.claimed_until).is_(None),
                    col(OutboxMessage.claimed_until) < now,
                ),
            )
            .values(claimed_until=now + lease, attempts=col(OutboxMessage.attempts) + 1)
        )
        return claimed.rowcount == 1


def send_due(engine: Engine, settings: Settings, *, force: bool = False) -> Flushed:
    """Delivers every e-mail that is due (all unsent ones with `force`), each claimed first so
    that two senders never send one twice. Runs in the sender thread or the CLI, never in a
    request."""
    done = Flushed()
    lease = timedelta(seconds=settings.smtp_timeout_s * 3 + 60)
    while True:
        now = utcnow()
        ids = _due_ids(engine, settings, now, force)
        batch = 0
        for message_id in ids:
            if not _claim(engine, message_id, now, lease):
                continue
            batch += 1
            with engine.connect() as conn:
                row = conn.execute(
                    select(OutboxMessage).where(col(OutboxMessage.id) == message_id)
                ).one()
            message = OutboxMessage.model_validate(row._mapping)
            try:
                deliver(message, settings)
            except Exception as exc:  # any failure is retried later
                done.failed += 1
                log.warning("e-mail %s to %s not sent: %s", message_id, message.recipient, exc)
                values: dict[str, Any] = {
                    "claimed_until": None,
                    "last_error": f"{type(exc).__name__}: {exc}"[:500],
                    "next_attempt_at": utcnow() + _backoff(message.attempts),
                }
            else:
                done.sent += 1
                values = {"claimed_until": None, "sent_at": utcnow(), "last_error": None}
            with write_engine(engine).begin() as conn:
                conn.execute(
                    update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(values)
                )
        if len(ids) < 100 or batch == 0:
            return done


class Sender:
    """The process's delivery thread: sends what is due, then sleeps until a commit in this
    process enqueues an e-mail or `outbox_poll_s` passes (for e-mails enqueued elsewhere and
    retries)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)

    def start(self) -> None:
        if not logging.getLogger("townhall").hasHandlers():
            # The log is where e-mails go without an SMTP server: make sure it is shown.
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
        _senders.add(self)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        _senders.discard(self)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                send_due(self.engine, self.settings)
            except Exception:  # a database outage: try again at the next wake or poll
                log.exception("outbox: could not read the outbox")
            self._wake.wait(self.settings.outbox_poll_s)


_senders: set[Sender] = set()


@event.listens_for(Session, "after_commit")
def _wake_senders(session: Session) -> None:
    if session.info.pop(_ENQUEUED, False):
        for sender in list(_senders):
            sender.wake()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_ENQUEUED, None)
