"""E-mail intake: each message becomes a contribution on the `email` channel, waiting for a
moderator. A message is recognised by its Message-ID, so importing a mailbox again, or a
mailbox that overlaps an earlier one, creates nothing twice."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.db import write_again
from app.i18n import N_, Message, translations
from app.lib.mailparse import MailError, ParsedMail
from app.models.contributions import EXCERPT_MAX, Channel, Contribution, Kind, Status
from app.models.forums import Forum, ForumSession
from app.models.users import User
from app.services import audit
from app.services.contributions import make_excerpt, store
from app.services.errors import InvalidInput

TITLE_MAX = 200
NO_TEXT = N_("(The message had no text.)")


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    duplicates: int = 0
    # Message ids (i18n.Message), translated where they are shown; as text, English.
    problems: list[str] = field(default_factory=list)


def problem(filename: str, error: MailError) -> MailError:
    """A file's reading problem, named by the file (for a caller that reads several files)."""
    notice = Message(N_("%(filename)s: %(problem)s"), filename=filename, problem=notice_of(error))
    return MailError(notice, detail=error.detail)


def notice_of(error: Exception) -> str:
    if isinstance(error, MailError):
        return (
            error.msgid
            if isinstance(error.msgid, Message)
            else Message(error.msgid, **error.params)
        )
    return str(error)


def source_key(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()


def import_messages(
    db: Session,
    *,
    actor: User | None,
    forum: Forum,
    session_id: int | None,
    messages: Iterable[ParsedMail | Exception],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Imports messages one transaction at a time, so an interrupted import keeps what it did
    and a second run picks up the rest."""
    if session_id is not None:
        session = db.get(ForumSession, session_id)
        if session is None or session.forum_id != forum.id:
            raise InvalidInput({"session_id": [N_("Choose a session of this forum.")]})
    report = ImportReport()
    for position, message in enumerate(messages, start=1):
        if isinstance(message, Exception):
            report.problems.append(notice_of(message))
        else:
            _import_one(db, actor, forum, session_id, message, report)
        if progress is not None:
            progress(position)
    if report.created:
        audit.record(
            db,
            actor=actor,
            action="mail.import",
            object_type="forum",
            object_id=forum.id,
            summary=f"{len(report.created)} created, {report.duplicates} already imported",
        )
        db.commit()
    return report


def _import_one(
    db: Session,
    actor: User | None,
    forum: Forum,
    session_id: int | None,
    mail: ParsedMail,
    report: ImportReport,
) -> None:
    write_again(db)  # each message is its own write transaction
    key = source_key(mail.message_id)
    exists = db.execute(
        select(col(Contribution.id)).where(col(Contribution.source_key) == key)
    ).first()
    if exists is not None:
        report.duplicates += 1
        return
    language = mail.language or _forum_language(forum)
    # Stored text, so in the message's language rather than the importing person's.
    body = mail.body_text.strip() or translations(language).gettext(NO_TEXT)
    subject = (mail.subject or "").strip()
    title = subject[:TITLE_MAX] if subject else make_excerpt(body)[:80]
    assert forum.id is not None
    contribution = Contribution(
        forum_id=forum.id,
        session_id=session_id,
        kind=Kind.proposal,
        channel=Channel.email,
        status=Status.pending,
        title=title,
        body=body,
        excerpt=make_excerpt(body)[:EXCERPT_MAX],
        language=language,
        author_name=(mail.sender_name or "")[:120],
        author_email=(mail.sender_email or "")[:254] or None,
        source_key=key,
        received_at=mail.sent_at,
    )
    for filename, rejection in mail.rejected_attachments:
        report.problems.append(
            Message(
                N_("“%(subject)s”: attachment %(filename)s was left out: %(reason)s"),
                subject=title,
                filename=filename,
                reason=Message(rejection.message, **rejection.params),
            )
        )
    try:
        submitted = store(db, contribution, (), mail.attachments, None)
    except IntegrityError:
        # Another import of the same mailbox stored this message a moment ago.
        db.rollback()
        report.duplicates += 1
        return
    if submitted.replayed:
        report.duplicates += 1
    elif submitted.contribution.id is not None:
        report.created.append(submitted.contribution.id)


def _forum_language(forum: Forum) -> str:
    return next((code for code in ("es", "pt", "en") if code in forum.title), "en")
