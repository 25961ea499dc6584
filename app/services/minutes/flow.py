"""Circulating, publishing and correcting minutes (the MINUTES workflow), and the attendees'
corrections (the CORRECTIONS workflow): proposed while the minutes circulate, then accepted
(the item's text changes, the proposer is credited) or rejected with a reason they see."""

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.i18n import N_, localized
from app.models.forums import ForumSession
from app.models.minutes import (
    CorrectionAction,
    CorrectionCreate,
    CorrectionDecision,
    CorrectionPublic,
    CorrectionStatus,
    Minutes,
    MinutesAction,
    MinutesAttendee,
    MinutesCorrection,
    MinutesStatus,
    TransitionIn,
)
from app.models.types import utcnow
from app.models.users import User
from app.permissions import can_edit_minutes
from app.services import outbox
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.minutes.edit import SPECS, get_item, lock, replace_text, text_of
from app.services.minutes.workflows import CORRECTIONS, MINUTES


def _aware(value: datetime, zone: str) -> datetime:
    """A time without a zone is read in the session's zone, as the secretariat thinks of it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


def pending_corrections(db: Session, minutes_id: int) -> int:
    return int(
        db.execute(
            select(func.count())
            .select_from(MinutesCorrection)
            .where(
                col(MinutesCorrection.minutes_id) == minutes_id,
                col(MinutesCorrection.status) == CorrectionStatus.pending,
            )
        ).scalar_one()
    )


def transition(
    db: Session, *, actor: User, minutes: Minutes, data: TransitionIn, link: str = ""
) -> Minutes:
    """`link`: the absolute address of the minutes, for the attendees' e-mail."""
    minutes = lock(db, minutes)
    action = str(data.action)
    MINUTES.check(actor, minutes, action, data.reason.strip())
    extra: dict[str, object] = {}
    if action == MinutesAction.circulate:
        if data.until is None:
            raise InvalidInput({"until": [N_("Give the end of the correction window.")]})
        session = db.get(ForumSession, minutes.session_id)
        until = _aware(data.until, session.timezone if session else "UTC")
        if until <= utcnow():
            raise InvalidInput({"until": [N_("The correction window must end in the future.")]})
        extra["circulated_until"] = until
    elif action == MinutesAction.publish:
        if minutes.status == MinutesStatus.draft and minutes.requires_circulation:
            raise Conflict(
                N_("These minutes must be circulated to the attendees before they are published.")
            )
        if pending_corrections(db, minutes.id or 0):
            raise Conflict(N_("Decide on every proposed correction before publishing."))
    MINUTES.apply(db, record=minutes, action=action, actor=actor, reason=data.reason, extra=extra)
    if action == MinutesAction.circulate:
        _notify(db, minutes, link)
    db.commit()
    return minutes


def _notify(db: Session, minutes: Minutes, link: str) -> None:
    session = db.get(ForumSession, minutes.session_id)
    accounts = db.execute(
        select(User)
        .join(MinutesAttendee, col(MinutesAttendee.user_id) == col(User.id))
        .where(col(MinutesAttendee.minutes_id) == minutes.id, col(User.is_active).is_(True))
        .distinct()
    ).scalars()
    for user in accounts:
        outbox.enqueue(
            db,
            to=user.email,
            locale=user.locale,
            template="minutes_circulated",
            context={
                "name": user.display_name,
                "session": localized(session.title, user.locale)[0] if session else "",
                "until": minutes.circulated_until,
                "link": link,
            },
        )


def propose(
    db: Session, *, actor: User, minutes: Minutes, data: CorrectionCreate
) -> MinutesCorrection:
    if minutes.status != MinutesStatus.circulated:
        raise Conflict(N_("Corrections can be proposed only while the minutes are circulated."))
    until = minutes.circulated_until
    if until is not None and utcnow() >= until:
        raise Conflict(N_("The window for corrections has closed."))
    item = get_item(db, minutes, data.item_kind, data.item_id)
    correction = MinutesCorrection(
        minutes_id=minutes.id or 0,
        item_kind=data.item_kind,
        item_id=data.item_id,
        status=CorrectionStatus.pending,
        original=text_of(data.item_kind, item),
        replacement=data.replacement.strip(),
        reason=data.reason.strip(),
        proposer_id=actor.id,
    )
    db.add(correction)
    db.commit()
    return correction


def get_correction(db: Session, minutes: Minutes, correction_id: int) -> MinutesCorrection:
    found = db.get(MinutesCorrection, correction_id)
    if found is None or found.minutes_id != minutes.id:
        raise NotFound()
    return found


def decide(
    db: Session,
    *,
    actor: User,
    minutes: Minutes,
    correction: MinutesCorrection,
    data: CorrectionDecision,
) -> MinutesCorrection:
    minutes = lock(db, minutes)
    action = str(data.action)
    CORRECTIONS.check(actor, correction, action, data.reason.strip())
    if action == CorrectionAction.accept:
        if minutes.status != MinutesStatus.circulated:
            raise Conflict(N_("Corrections are accepted while the minutes are circulated."))
        item = db.get(SPECS[correction.item_kind].model, correction.item_id)
        if item is None:
            raise Conflict(N_("The item this correction is for has been deleted."))
        replace_text(db, minutes, correction.item_kind, item, correction.replacement)
    CORRECTIONS.apply(db, record=correction, action=action, actor=actor, reason=data.reason)
    db.commit()
    return correction


def list_corrections(
    db: Session, *, minutes: Minutes, viewer: User | None
) -> Sequence[MinutesCorrection]:
    """Staff see every proposal; an attendee sees their own (with the decisions' reasons)."""
    stmt = select(MinutesCorrection).where(col(MinutesCorrection.minutes_id) == minutes.id)
    if not can_edit_minutes(viewer, minutes):
        stmt = stmt.where(col(MinutesCorrection.proposer_id) == (viewer.id if viewer else -1))
    return list(db.execute(stmt.order_by(col(MinutesCorrection.id))).scalars())


def correction_public(c: MinutesCorrection, names: dict[int, str]) -> CorrectionPublic:
    return CorrectionPublic(
        id=c.id or 0,
        minutes_id=c.minutes_id,
        item_kind=c.item_kind,
        item_id=c.item_id,
        status=c.status,
        original=c.original,
        replacement=c.replacement,
        reason=c.reason,
        proposer=names.get(c.proposer_id or 0),
        decision_reason=c.decision_reason,
        decided_at=c.decided_at,
        created_at=c.created_at,
    )


def credits(db: Session, minutes: Minutes) -> dict[tuple[str, int], list[int]]:
    """Who proposed the accepted corrections of each item: (kind, id) → proposers' ids."""
    out: dict[tuple[str, int], list[int]] = {}
    for c in db.execute(
        select(MinutesCorrection).where(
            col(MinutesCorrection.minutes_id) == minutes.id,
            col(MinutesCorrection.status) == CorrectionStatus.accepted,
        )
    ).scalars():
        if c.proposer_id:
            out.setdefault((c.item_kind, c.item_id), []).append(c.proposer_id)
    return out
