"""Deleting one's own account (GDPR art. 17 / LGPD art. 18): the account row stays, emptied of
who they were, so that what they wrote keeps its place and reads "Deleted participant"; every
copy of their e-mail address and name elsewhere goes."""

from typing import Any

from sqlalchemy import Column, String, TypeDecorator, delete, func, select, update
from sqlmodel import Session, SQLModel, col

from app.db import write_again
from app.i18n import N_
from app.models.audit import AuditEvent
from app.models.contributions import Contribution
from app.models.minutes import MinutesAttendee, MinutesExcerpt
from app.models.outbox import OutboxMessage
from app.models.policy import SectionRevision
from app.models.policy_amendments import Amendment
from app.models.policy_comments import PolicyComment
from app.models.users import DELETED_NAME, AccountToken, Invitation, LoginThrottle, User
from app.security import verify_password
from app.services import audit, targets
from app.services import contributions as contribution_service
from app.services.errors import InvalidInput, NotFound
from app.services.policy import comments as comment_service
from app.services.users import _count_login_try, _login_succeeded, end_sessions

WRONG_PASSWORD = N_("Your password is not correct.")


def placeholder_email(user_id: int) -> str:
    """Unique (the column is) and not an address: nothing can be sent to it or log in by it."""
    return f"deleted-account-{user_id}"


def delete_account(
    db: Session, *, user: User, password: str, remove_contributions: bool, ip: str
) -> None:
    """Checks the password (throttled as a login is), then erases the account in one
    transaction; the caller's browser session ends with all the others."""
    stored = db.get(User, user.id)
    if stored is None or stored.id is None:
        raise NotFound()
    password_hash = stored.password_hash
    try:
        pair_key = _count_login_try(db, email=stored.email, ip=ip)
    finally:
        db.commit()  # the slow hash below holds no transaction (on SQLite, the write lock)
    if not verify_password(password, password_hash):
        raise InvalidInput({"password": [WRONG_PASSWORD]})
    write_again(db)
    _login_succeeded(db, pair_key=pair_key, ip=ip)
    stored = db.get(User, user.id)
    if stored is None or stored.id is None:
        raise NotFound()
    user_id, email, name = stored.id, stored.email, stored.display_name
    if remove_contributions:
        _remove_their_writing(db, user_id)
    _forget(db, user_id=user_id, email=email, name=name)
    stored.email = placeholder_email(user_id)
    stored.display_name = DELETED_NAME
    stored.password_hash = None
    stored.is_active = False
    stored.locale = None
    stored.last_login_at = None
    stored.email_confirmed_at = None
    audit.record(
        db,
        actor=stored,
        action="user.delete_writing" if remove_contributions else "user.delete",
        object_type="user",
        object_id=user_id,
    )
    db.commit()
    _compact(db)


def _remove_their_writing(db: Session, user_id: int) -> None:
    """Real deletion: what they wrote goes, not just out of sight."""
    ids = db.execute(
        select(col(Contribution.id)).where(col(Contribution.author_id) == user_id)
    ).scalars()
    for contribution_id in list(ids):
        contribution_service.deleted(db, contribution_id=contribution_id)
        db.execute(delete(Contribution).where(col(Contribution.id) == contribution_id))
    amendment_ids = db.execute(
        select(col(Amendment.id)).where(col(Amendment.author_id) == user_id)
    ).scalars()
    for amendment_id in list(amendment_ids):
        targets.deleted(db, kind="amendment", target_id=amendment_id)
        db.execute(delete(Amendment).where(col(Amendment.id) == amendment_id))
    comments = db.execute(
        select(PolicyComment).where(
            col(PolicyComment.author_id) == user_id, col(PolicyComment.deleted_at).is_(None)
        )
    ).scalars()
    for comment in list(comments):
        # As a moderator removes one: with replies it stays as "comment deleted", text gone.
        comment_service._remove(db, comment)
    db.flush()


def _forget(db: Session, *, user_id: int, email: str, name: str) -> None:
    """Every other row that holds their address or their name."""
    end_sessions(db, user_id)
    db.execute(delete(AccountToken).where(col(AccountToken.user_id) == user_id))
    db.execute(delete(Invitation).where(col(Invitation.email) == email))
    db.execute(delete(OutboxMessage).where(col(OutboxMessage.recipient) == email))
    db.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.key).startswith(f"login:pair:{email}:", autoescape=True)
        )
    )
    # Proposals sent without an account from their address (attached or not).
    db.execute(
        update(Contribution)
        .where(col(Contribution.author_email) == email)
        .values(author_email=None, author_name="")
    )
    db.execute(
        update(MinutesAttendee).where(col(MinutesAttendee.user_id) == user_id).values(name="")
    )
    # Their name copied where it was said or sent: minutes quoting their remarks, revision
    # notes crediting an amendment, e-mails to others naming them. The action log is
    # append-only and names people by id only (audit.record), so it keeps its rows as they are.
    # Only these columns: the name may be a word that others' own text also contains.
    if name:
        db.execute(
            update(MinutesExcerpt)
            .where(col(MinutesExcerpt.author) == name)
            .values(author=DELETED_NAME)
        )
        for copied in (
            SectionRevision.note,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
        ):
            _replace(db, copied, name, DELETED_NAME)
    # Their address anywhere at all: it is distinctive enough to replace blindly.
    for table in SQLModel.metadata.sorted_tables:
        if table.name == AuditEvent.__tablename__:
            continue
        for column in table.columns:
            if _is_text(column) and not column.primary_key:
                _replace(db, column, email, placeholder_email(user_id))


def _is_text(column: Column[Any]) -> bool:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # sqlmodel's AutoString among them
        kind = kind.impl_instance
    return isinstance(kind, String)


def _replace(db: Session, column: Any, old: str, new: str) -> None:
    c: Any = column if isinstance(column, Column) else col(column)
    db.execute(
        update(c.table)
        .where(c.contains(old, autoescape=True))
        .values({c.name: func.replace(c, old, new)})
    )


CHECKPOINT_WAIT_MS = 2000
POOL_BUSY_TIMEOUT_MS = 30000  # as db.py sets on every connection


def _compact(db: Session) -> None:
    """On SQLite, secure_delete (db.py) zeroes freed pages; checkpointing now also empties the
    WAL, whose older frames still hold the rows as they were."""
    engine = db.get_bind().engine
    if engine.dialect.name != "sqlite":
        return
    # The driver's own connection, outside any transaction (db.py hands SQLite no implicit
    # BEGIN): a checkpoint inside a read transaction could not pass that transaction's snapshot.
    raw = engine.raw_connection()
    cursor = raw.cursor()
    try:
        # A TRUNCATE checkpoint waits for every reader's snapshot to end; with the pool's 30 s
        # busy timeout one long read would hold this request (and its worker thread) that long.
        # Bounded instead: if readers stay, the WAL keeps its frames until the next full
        # checkpoint overwrites them (SQLite restarts the WAL from its beginning after one).
        cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        cursor.execute(f"PRAGMA busy_timeout={POOL_BUSY_TIMEOUT_MS}")
        raw.close()
