"""Single-use, expiring links sent by e-mail (confirm an address, reset a password). The link
carries a random token; the database keeps only its hash, so a leaked table opens nothing.
Using one is a compare-and-set on `used_at`: of two clicks at once, one wins."""

import secrets
from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from app.models.types import utcnow
from app.models.users import AccountToken, TokenPurpose, User
from app.security import token_digest

LIFETIME = {
    TokenPurpose.confirm_email: timedelta(days=3),
    TokenPurpose.reset_password: timedelta(hours=1),
}


def issue(db: Session, *, user: User, purpose: TokenPurpose) -> str:
    """A new token for this user and purpose, in the caller's transaction; returns the token
    itself (for the link), which is never stored. Earlier unused ones of the same purpose stop
    working: only the latest e-mail's link does."""
    assert user.id is not None
    now = utcnow()
    conn = db.connection()
    conn.execute(
        update(AccountToken)
        .where(
            col(AccountToken.user_id) == user.id,
            col(AccountToken.purpose) == purpose,
            col(AccountToken.used_at).is_(None),
        )
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(AccountToken).values(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(token),
            email=user.email,
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )
    return token


def find(db: Session, *, token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The valid (unused, unexpired) token of this purpose, or None."""
    found = db.execute(
        select(AccountToken).where(
            col(AccountToken.token_hash) == token_digest(token),
            col(AccountToken.purpose) == purpose,
        )
    ).scalar_one_or_none()
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    return found


def use(db: Session, *, token: str, purpose: TokenPurpose) -> AccountToken | None:
    """Marks the token used and returns it, or None when it is unknown, used or expired (also
    when someone else used it a moment ago). The caller commits."""
    found = find(db, token=token, purpose=purpose)
    if found is None:
        return None
    now = utcnow()
    changed = db.connection().execute(
        update(AccountToken)
        .where(
            col(AccountToken.id) == found.id,
            col(AccountToken.used_at).is_(None),
            col(AccountToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    return found if changed.rowcount == 1 else None
