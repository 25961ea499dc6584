"""What accounts do by e-mail: confirming an address, resetting a forgotten password, and telling
an address's owner that someone tried to register with it. Links are single-use tokens
(services/tokens.py); e-mails go through the outbox in the recipient's language.

`url` arguments turn a path into an absolute link (routers pass `web/urls.absolute_url` bound to
the request), since services know no request."""

from collections.abc import Callable

from sqlmodel import Session

from app.db import write_again
from app.i18n import N_
from app.models.types import utcnow
from app.models.users import PasswordReset, TokenPurpose, User
from app.security import hash_password
from app.services import accountrules, audit, outbox, ratelimit, tokens
from app.services.errors import InvalidInput, NotFound
from app.services.users import end_sessions, find_by_email, normalise_email

Url = Callable[[str], str]

INVALID_LINK = N_("This link is not valid or has expired.")
RESENDS_PER_HOUR = 3
RESETS_PER_ADDRESS_PER_HOUR = 3
RESETS_PER_IP_PER_HOUR = 10


def send_confirmation(db: Session, *, user: User, url: Url) -> None:
    """A link confirming the account's address (the caller commits)."""
    token = tokens.issue(db, user=user, purpose=TokenPurpose.confirm_email)
    outbox.enqueue(
        db,
        to=user.email,
        locale=user.locale,
        template="confirm_email",
        context={"name": user.display_name, "link": url(f"/confirm-email/{token}")},
    )


def resend_confirmation(db: Session, *, user: User, url: Url) -> None:
    """Another confirmation e-mail, a few per hour at most."""
    stored = db.get(User, user.id)
    if stored is None:
        raise NotFound()
    if stored.email_confirmed_at is not None:
        return
    try:
        ratelimit.take(db, keys={f"confirm:user:{stored.id}": RESENDS_PER_HOUR}, window_s=3600)
    finally:
        db.commit()
    write_again(db)
    send_confirmation(db, user=stored, url=url)
    db.commit()


def confirm_email(db: Session, *, token: str) -> User:
    """Uses a confirmation link: the address it was sent to is now confirmed."""
    used = tokens.use(db, token=token, purpose=TokenPurpose.confirm_email)
    user = db.get(User, used.user_id) if used else None
    if used is None or user is None or used.email != user.email or not user.is_active:
        db.rollback()
        raise NotFound(INVALID_LINK)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    audit.record(
        db,
        actor=user,
        action="user.confirm",
        object_type="user",
        object_id=user.id,
    )
    db.commit()
    return user


def registration_attempt(db: Session, *, user: User, url: Url) -> None:
    """Someone registered with an address that has an account: its owner hears of it (the one
    registering is told nothing different, so the form reveals no account)."""
    outbox.enqueue(
        db,
        to=user.email,
        locale=user.locale,
        template="registration_attempt",
        context={
            "name": user.display_name,
            "login_link": url("/login"),
            "reset_link": url("/forgot-password"),
        },
    )


def request_reset(db: Session, *, email: str, ip: str, url: Url, locale: str | None) -> None:
    """A reset link for the account of this address, if there is one; otherwise an e-mail saying
    there is none. Either way one e-mail and the same work, so the answer reveals nothing."""
    address = normalise_email(email)
    try:
        ratelimit.take(
            db,
            keys={
                f"reset:ip:{ip}": RESETS_PER_IP_PER_HOUR,
                f"reset:email:{address}": RESETS_PER_ADDRESS_PER_HOUR,
            },
            window_s=3600,
        )
    finally:
        db.commit()
    write_again(db)
    user = find_by_email(db, address)
    if user is not None and user.is_active and user.password_hash:
        token = tokens.issue(db, user=user, purpose=TokenPurpose.reset_password)
        outbox.enqueue(
            db,
            to=user.email,
            locale=user.locale or locale,
            template="password_reset",
            context={"name": user.display_name, "link": url(f"/reset-password/{token}")},
        )
    else:
        outbox.enqueue(
            db,
            to=address,
            locale=locale,
            template="password_reset_unknown",
            context={"register_link": url("/register")},
        )
    db.commit()


def check_reset_link(db: Session, *, token: str) -> None:
    if tokens.find(db, token=token, purpose=TokenPurpose.reset_password) is None:
        raise NotFound(INVALID_LINK)


def reset_password(db: Session, *, token: str, data: PasswordReset) -> User:
    """Sets a new password through a reset link (the same rules as everywhere), ends every
    session of the account, and counts as confirming the address the link was sent to."""
    found = tokens.find(db, token=token, purpose=TokenPurpose.reset_password)
    user = db.get(User, found.user_id) if found else None
    if found is None or user is None:
        raise NotFound(INVALID_LINK)
    problem = accountrules.password_problem(
        data.new_password, email=user.email, name=user.display_name
    )
    if problem:
        raise InvalidInput({"new_password": [problem]})
    db.commit()  # argon2 holds no transaction (on SQLite, the write lock)
    new_hash = hash_password(data.new_password)
    write_again(db)
    used = tokens.use(db, token=token, purpose=TokenPurpose.reset_password)
    user = db.get(User, used.user_id) if used else None
    if used is None or user is None:
        db.rollback()
        raise NotFound(INVALID_LINK)
    user.password_hash = new_hash
    if user.email_confirmed_at is None and used.email == user.email:
        user.email_confirmed_at = utcnow()
    assert user.id is not None
    end_sessions(db, user.id)
    audit.record(db, actor=user, action="user.reset", object_type="user", object_id=user.id)
    db.commit()
    return user
