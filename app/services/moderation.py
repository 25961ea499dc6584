"""Moderation: reports from participants, and the moderators' decisions as a state machine.

Every transition is an event (who, when, from, to, why); an action that does not apply to the
contribution's state is refused with a message saying so, never half-applied.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.i18n import N_, gettext
from app.models.contributions import (
    Contribution,
    ModerationAction,
    ModerationEvent,
    Report,
    ReportCreate,
    Status,
)
from app.models.types import utcnow
from app.models.users import User
from app.services import ratelimit
from app.services.errors import Conflict, InvalidInput
from app.services.pagination import page_by_id

# Reports from this many different accounts hide a published contribution until reviewed.
HIDE_AFTER_REPORTS = 3
REPORT_LIMIT_ACCOUNT = 20
REPORT_LIMIT_IP = 60
HOUR = 3600

A = ModerationAction
S = Status
# action -> (states it applies to, state it leads to)
TRANSITIONS: dict[ModerationAction, tuple[frozenset[Status], Status]] = {
    A.accept: (frozenset({S.pending}), S.published),
    A.hide: (frozenset({S.pending, S.published}), S.hidden),
    A.reject: (frozenset({S.pending, S.published, S.hidden}), S.rejected),
    A.restore: (frozenset({S.hidden, S.rejected}), S.published),
}
FLAGS: dict[ModerationAction, tuple[str, bool]] = {
    A.pin: ("pinned", True),
    A.unpin: ("pinned", False),
    A.for_minutes: ("for_minutes", True),
    A.not_for_minutes: ("for_minutes", False),
}
# Shown to the author with the outcome, so a reason is required where it matters to them.
NEEDS_REASON = frozenset({A.reject, A.hide})

ACTION_LABELS = {
    A.accept: N_("Accept"),
    A.hide: N_("Hide"),
    A.reject: N_("Reject"),
    A.restore: N_("Restore"),
    A.auto_hide: N_("Hidden after reports"),
    A.pin: N_("Pin"),
    A.unpin: N_("Unpin"),
    A.for_minutes: N_("Mark for the minutes"),
    A.not_for_minutes: N_("Unmark for the minutes"),
}
STATUS_LABELS = {
    S.pending: N_("Waiting for moderation"),
    S.published: N_("Published"),
    S.hidden: N_("Hidden pending review"),
    S.rejected: N_("Rejected"),
}


def allowed_actions(contribution: Contribution) -> list[ModerationAction]:
    status = Status(contribution.status)
    actions = [a for a, (sources, _) in TRANSITIONS.items() if status in sources]
    if status == S.published:
        actions.append(A.unpin if contribution.pinned else A.pin)
        actions.append(A.not_for_minutes if contribution.for_minutes else A.for_minutes)
    return actions


def _event(
    db: Session,
    contribution: Contribution,
    *,
    actor: User | None,
    action: ModerationAction,
    to_status: Status,
    reason: str,
) -> None:
    assert contribution.id is not None
    db.add(
        ModerationEvent(
            contribution_id=contribution.id,
            actor_id=actor.id if actor else None,
            action=action,
            from_status=contribution.status,
            to_status=to_status,
            reason=reason,
        )
    )


def moderate(
    db: Session,
    *,
    actor: User,
    contribution: Contribution,
    action: ModerationAction,
    reason: str = "",
) -> Contribution:
    reason = reason.strip()
    if action == A.auto_hide:
        raise InvalidInput(
            {"action": [gettext(N_("This action is taken by the system, not by a person."))]}
        )
    if action in NEEDS_REASON and not reason:
        raise InvalidInput({"reason": [gettext(N_("Give a reason: the author will see it."))]})
    status = Status(contribution.status)
    if action in FLAGS:
        if status != S.published:
            raise Conflict(N_("Only published contributions can be pinned or marked."))
        attribute, value = FLAGS[action]
        setattr(contribution, attribute, value)
        _event(db, contribution, actor=actor, action=action, to_status=status, reason=reason)
    else:
        sources, target = TRANSITIONS[action]
        if status not in sources:
            raise Conflict(
                N_("“%(action)s” does not apply to a contribution that is “%(status)s”."),
                action=gettext(ACTION_LABELS[action]),
                status=gettext(STATUS_LABELS[status]),
            )
        _event(db, contribution, actor=actor, action=action, to_status=target, reason=reason)
        contribution.status = target
        contribution.moderation_note = reason or None
        if target != S.published:
            contribution.pinned = False
        # A decision settles the reports that led to it.
        db.execute(
            update(Report)
            .where(col(Report.contribution_id) == contribution.id, col(Report.resolved).is_(False))
            .values(resolved=True)
        )
        contribution.open_reports = 0
    contribution.updated_at = utcnow()
    db.add(contribution)
    db.commit()
    db.refresh(contribution)
    return contribution


def report(
    db: Session, *, actor: User, contribution: Contribution, data: ReportCreate, ip: str
) -> Contribution:
    """One report per account and contribution; enough of them hide it until reviewed."""
    if contribution.status != S.published:
        raise Conflict(N_("Only published contributions can be reported."))
    if contribution.author_id is not None and contribution.author_id == actor.id:
        raise Conflict(N_("You cannot report your own contribution."))
    keys = {f"report:ip:{ip}": REPORT_LIMIT_IP, f"report:user:{actor.id}": REPORT_LIMIT_ACCOUNT}
    ratelimit.check(db, keys=keys, window_s=HOUR)
    for key in keys:
        ratelimit.hit(db, key=key, window_s=HOUR)
    assert contribution.id is not None
    assert actor.id is not None
    try:
        with db.begin_nested():
            db.add(
                Report(
                    contribution_id=contribution.id,
                    reporter_id=actor.id,
                    reason=data.reason,
                    note=data.note.strip(),
                )
            )
    except IntegrityError:
        raise Conflict(N_("You have already reported this contribution.")) from None
    open_reports = db.execute(
        select(func.count())
        .select_from(Report)
        .where(col(Report.contribution_id) == contribution.id, col(Report.resolved).is_(False))
    ).scalar_one()
    contribution.open_reports = int(open_reports)
    if contribution.open_reports >= HIDE_AFTER_REPORTS:
        _event(
            db,
            contribution,
            actor=None,
            action=A.auto_hide,
            to_status=S.hidden,
            reason=N_("Reported by several participants; a moderator will review it."),
        )
        contribution.status = S.hidden
        contribution.pinned = False
        contribution.moderation_note = None
    db.add(contribution)
    db.commit()
    db.refresh(contribution)
    return contribution


@dataclass
class QueueItem:
    contribution: Contribution
    reports: list[Report]


def queue(
    db: Session, *, status: Status | None = None, limit: int = 20, cursor: str | None = None
) -> tuple[list[QueueItem], str | None]:
    """What waits for a moderator: pending and hidden contributions, and published ones with
    open reports, oldest first so nothing waits forever."""
    stmt = select(Contribution)
    if status is not None:
        stmt = stmt.where(col(Contribution.status) == status)
    else:
        stmt = stmt.where(
            col(Contribution.status).in_([S.pending, S.hidden])
            | (col(Contribution.open_reports) > 0)
        )
    rows, next_cursor = page_by_id(db, stmt, col(Contribution.id), limit=limit, cursor=cursor)
    reports: dict[int, list[Report]] = {c.id: [] for c in rows if c.id is not None}
    if reports:
        for found in db.execute(
            select(Report)
            .where(col(Report.contribution_id).in_(reports), col(Report.resolved).is_(False))
            .order_by(col(Report.id))
        ).scalars():
            reports[found.contribution_id].append(found)
    return [QueueItem(c, reports[c.id or 0]) for c in rows], next_cursor


def events(db: Session, contribution_ids: Sequence[int]) -> list[ModerationEvent]:
    return list(
        db.execute(
            select(ModerationEvent)
            .where(col(ModerationEvent.contribution_id).in_(contribution_ids))
            .order_by(col(ModerationEvent.id))
        ).scalars()
    )
