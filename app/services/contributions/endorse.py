"""Endorsing a published contribution, once per account."""

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.i18n import N_
from app.models.contributions import Contribution, Endorsement, Status
from app.models.users import User
from app.services.contributions.submit import limit_rate
from app.services.errors import Conflict

ENDORSE_LIMIT_ACCOUNT = 200
ENDORSE_LIMIT_IP = 600


def set_endorsement(
    db: Session, *, actor: User, contribution: Contribution, endorse: bool, ip: str
) -> Contribution:
    """Endorse or take it back; repeating either is harmless. The count column moves in the
    same transaction as the row, by a relative UPDATE, so concurrent endorsements add up."""
    if contribution.status != Status.published:
        raise Conflict(N_("Only published contributions can be endorsed."))
    assert contribution.id is not None
    assert actor.id is not None
    limit_rate(
        db,
        action="endorse",
        user=actor,
        ip=ip,
        per_user=ENDORSE_LIMIT_ACCOUNT,
        per_ip=ENDORSE_LIMIT_IP,
    )
    key = (contribution.id, actor.id)
    if endorse and db.get(Endorsement, key) is None:
        try:
            with db.begin_nested():
                db.add(Endorsement(contribution_id=contribution.id, user_id=actor.id))
            delta = 1
        except IntegrityError:
            delta = 0  # a double click raced us; the unique key kept it to one
    elif not endorse:
        result = db.execute(
            delete(Endorsement).where(
                col(Endorsement.contribution_id) == contribution.id,
                col(Endorsement.user_id) == actor.id,
            )
        )
        delta = -int(result.rowcount or 0)  # type: ignore[attr-defined]
    else:
        delta = 0
    if delta:
        db.execute(
            update(Contribution)
            .where(col(Contribution.id) == contribution.id)
            .values(endorsement_count=col(Contribution.endorsement_count) + delta)
        )
    db.commit()
    db.refresh(contribution)
    return contribution
