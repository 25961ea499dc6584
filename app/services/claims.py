"""Attaching to an account the proposals its owner sent before having one (by the web form or
e-mail, with the same address). Only once the address is confirmed: otherwise anyone could
register with someone else's address and take their proposals."""

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from app.i18n import N_
from app.models.contributions import Contribution, Kind
from app.models.types import utcnow
from app.models.users import User
from app.services import audit
from app.services.errors import Conflict, InvalidInput

NOT_CONFIRMED = N_("Confirm your e-mail address first: follow the link we sent you.")


def _theirs(user: User):  # type: ignore[no-untyped-def]
    return (
        col(Contribution.author_id).is_(None),
        func.lower(col(Contribution.author_email)) == user.email,
        col(Contribution.kind) == Kind.proposal,
    )


def unclaimed(db: Session, user: User) -> Sequence[Contribution]:
    """Proposals sent without an account from this account's confirmed address."""
    if user.email_confirmed_at is None:
        return []
    return (
        db.execute(
            select(Contribution).where(*_theirs(user)).order_by(col(Contribution.id)).limit(200)
        )
        .scalars()
        .all()
    )


def attach(db: Session, *, user: User, contribution_ids: Sequence[int]) -> int:
    """Makes these proposals the account's own; returns how many. Each is recorded."""
    stored = db.get(User, user.id)
    if stored is None or stored.email_confirmed_at is None:
        raise Conflict(NOT_CONFIRMED)
    if not contribution_ids:
        raise InvalidInput({"contribution_ids": [N_("Choose at least one proposal.")]})
    wanted = col(Contribution.id).in_(sorted(set(contribution_ids)))
    ids = list(db.execute(select(col(Contribution.id)).where(*_theirs(stored), wanted)).scalars())
    attached = 0
    for cid in ids:
        # Compare-and-set, so that a proposal is attached once even when asked twice at once.
        changed = db.execute(
            update(Contribution)
            .where(col(Contribution.id) == cid, col(Contribution.author_id).is_(None))
            .values(author_id=stored.id, updated_at=utcnow())
        )
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            attached += 1
            audit.record(
                db,
                actor=stored,
                action="contribution.claim",
                object_type="contribution",
                object_id=cid,
            )
    db.commit()
    return attached
