"""Moderation: reports from participants, and the moderators' decisions as a workflow
(services/workflow.py): from-state × action → to-state, reason or not, who may.

Every decision is one compare-and-set on the status and one event (who, when, from, to, why):
of two moderators deciding at once one wins and the other is told (409); an action that does
not apply to the contribution's state is refused with a message saying so, never half-applied.
Pinning and marking for the minutes keep the state (the event is still written). Enough reports
hide a contribution: the system takes that action, with no actor, through the same path.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app import permissions
from app.db import write_again
from app.i18n import N_, Message
from app.models.contributions import (
    ACTION_LABELS,
    STATUS_LABELS,
    Channel,
    Contribution,
    ModerationAction,
    ModerationEvent,
    Report,
    ReportCreate,
    Status,
)
from app.models.forums import Forum, ForumSession
from app.models.types import utcnow
from app.models.users import User
from app.services import outbox, ratelimit
from app.services.contributions.reading import staff_ids
from app.services.errors import AlreadyDone, Conflict, DomainError, InvalidInput, PermissionDenied
from app.services.pagination import page_by_id
from app.services.workflow import Transition, Workflow, nobody

# Reports from this many different accounts hide a published contribution until reviewed.
HIDE_AFTER_REPORTS = 3
# Only reports from accounts with a confirmed e-mail address or at least this old count toward
# hiding, so a few accounts made for the purpose cannot take a contribution down (they still
# reach the moderators' queue).
REPORTER_MIN_AGE = timedelta(hours=24)
REPORT_LIMIT_ACCOUNT = 20
REPORT_LIMIT_IP = 60
HOUR = 3600
AUTO_HIDE_REASON = N_("Reported by several participants; a moderator will review it.")

A = ModerationAction
S = Status


def _moderator(user: User | None, contribution: Any) -> bool:
    return permissions.can_moderate(user, contribution)


def _decided(target: Status) -> Any:
    """A decision on the state: the reason is kept for the author, the open reports are settled,
    and a contribution that leaves the published state is no longer pinned."""

    def values(contribution: Any, reason: str, actor: User | None) -> Mapping[str, Any]:
        out: dict[str, Any] = {
            "moderation_note": reason or None,
            "open_reports": 0,
            "updated_at": utcnow(),
        }
        if target != S.published:
            out["pinned"] = False
        return out

    return values


def _flag(name: str, value: bool) -> Any:
    def values(contribution: Any, reason: str, actor: User | None) -> Mapping[str, Any]:
        return {name: value, "updated_at": utcnow()}

    return values


def _kept(contribution: Any, reason: str, actor: User | None) -> Mapping[str, Any]:
    return {"open_reports": 0, "updated_at": utcnow()}


def _staff_edit(action: A) -> Transition:
    """An edit by the secretariat (themes, session, caucus lens, the official answer): any
    state, the state stays, and the event carries what changed."""
    return Transition(action, frozenset(S), None, who=_editor)


def _editor(user: User | None, contribution: Any) -> bool:
    return permissions.can_edit_contribution(user, contribution)


def _auto_hidden(contribution: Any, reason: str, actor: User | None) -> Mapping[str, Any]:
    return {"pinned": False, "moderation_note": None, "updated_at": utcnow()}


def _decision(action: A, sources: set[S], target: S, reason: bool = False) -> Transition:
    return Transition(
        action,
        frozenset(sources),
        target,
        who=_moderator,
        reason_required=reason,
        values=_decided(target),
    )


def _marking(action: A, name: str, value: bool) -> Transition:
    return Transition(
        action,
        frozenset({S.published}),
        None,
        who=_moderator,
        values=_flag(name, value),
        conflict=N_("Only published contributions can be pinned or marked."),
    )


MODERATION = Workflow(
    name="moderation",
    log_as="contribution",
    model=Contribution,
    event_model=ModerationEvent,
    record_key="contribution_id",
    transitions=[
        _decision(A.accept, {S.pending}, S.published),
        _decision(A.hide, {S.pending, S.published}, S.hidden, reason=True),
        _decision(A.reject, {S.pending, S.published, S.hidden}, S.rejected, reason=True),
        _decision(A.restore, {S.hidden, S.rejected}, S.published),
        _marking(A.pin, "pinned", True),
        _marking(A.unpin, "pinned", False),
        _marking(A.for_minutes, "for_minutes", True),
        _marking(A.not_for_minutes, "for_minutes", False),
        # Unfounded reports: the contribution stays published and leaves the queue.
        Transition(
            A.dismiss_reports,
            frozenset({S.published}),
            None,
            who=_moderator,
            values=_kept,
            conflict=N_("Only the reports on a published contribution can be dismissed."),
        ),
        _staff_edit(A.set_themes),
        _staff_edit(A.set_session),
        _staff_edit(A.set_caucus),
        _staff_edit(A.answer),
        Transition(
            A.auto_hide, frozenset({S.published}), S.hidden, who=nobody, values=_auto_hidden
        ),
    ],
    action_labels=ACTION_LABELS,
    status_labels=STATUS_LABELS,
    # Shown to the author with the outcome, so a reason is required where it matters to them.
    reason_message=N_("Give a reason: the author will see it."),
    reason_first=True,
    conflict_message=N_("“%(action)s” does not apply to a contribution that is “%(status)s”."),
)

# A flag already set: offering to set it again would only confuse (applying it is harmless).
_REDUNDANT = {
    A.pin: lambda c: c.pinned,
    A.unpin: lambda c: not c.pinned,
    A.for_minutes: lambda c: c.for_minutes,
    A.not_for_minutes: lambda c: not c.for_minutes,
    A.dismiss_reports: lambda c: not c.open_reports,
}
# Offered on their own forms (the edit and answer forms), not among the decisions.
_EDITS = {A.set_themes, A.set_session, A.set_caucus, A.answer}


def allowed_actions(user: User | None, contribution: Contribution) -> list[ModerationAction]:
    """The decisions this user may take on the contribution now, in the order they are shown."""
    return [
        A(action)
        for action in MODERATION.allowed(user, contribution)
        if A(action) not in _EDITS and not _REDUNDANT.get(A(action), lambda c: False)(contribution)
    ]


def _settle_reports(db: Session, contribution_id: int, *, dismissed: bool = False) -> None:
    db.execute(
        update(Report)
        .where(col(Report.contribution_id) == contribution_id, col(Report.resolved).is_(False))
        .values(resolved=True, dismissed=dismissed)
    )


def moderate(
    db: Session,
    *,
    actor: User,
    contribution: Contribution,
    action: ModerationAction,
    reason: str = "",
    base_url: str = "",
) -> Contribution:
    """One decision, committed; `base_url` makes the links of an e-mail to the sender."""
    if action in _EDITS:  # through services/contributions/staff.py, with what changed
        raise InvalidInput({"action": [N_("Choose one of the options.")]})
    MODERATION.apply(db, record=contribution, action=action, actor=actor, reason=reason)
    assert contribution.id is not None
    if MODERATION.transition(action).target is not None:
        # A decision settles the reports that led to it.
        _settle_reports(db, contribution.id)
        notify_sender(db, contribution, action=action, reason=reason.strip(), base_url=base_url)
    elif action == A.dismiss_reports:
        _settle_reports(db, contribution.id, dismissed=True)
    db.commit()
    db.refresh(contribution)
    return contribution


# The decisions an e-mailed sender is told about, by e-mail, in the language they wrote in.
_SENT_TO_SENDER = {A.accept, A.hide, A.reject, A.restore}


def reaches_sender(contribution: Contribution) -> str:
    """What the person who sent the contribution gets of a decision and its reason, said on
    the moderator's form: an e-mail, the contribution's page, their private link, or nothing."""
    if contribution.channel == Channel.email and contribution.author_email:
        return N_("Reason (e-mailed to the sender with the decision; required to hide or reject)")
    if contribution.author_id is not None:
        return N_(
            "Reason (the author sees it on the contribution's page; required to hide or reject)"
        )
    if contribution.receipt_hash:
        return N_(
            "Reason (the sender sees it through their private follow-up link; "
            "required to hide or reject)"
        )
    return N_("Reason (kept in the history; nobody is notified; required to hide or reject)")


def notify_sender(
    db: Session, contribution: Contribution, *, action: A, reason: str, base_url: str
) -> None:
    """An e-mailed contribution's sender never sees the site's pages: the outcome goes to them
    through the outbox, in this transaction (a decision that rolls back sends nothing)."""
    if action not in _SENT_TO_SENDER or not contribution.author_email:
        return
    if contribution.channel != Channel.email:
        return
    published = contribution.status == S.published
    outbox.enqueue(
        db,
        to=contribution.author_email,
        locale=contribution.language,
        template="moderation_decision",
        context={
            "name": contribution.author_name,
            "title": contribution.title or contribution.excerpt,
            "received_at": contribution.received_at or contribution.created_at,
            "status_label": STATUS_LABELS[contribution.status],
            "reason": reason,
            "link": f"{base_url.rstrip('/')}/contributions/{contribution.id}" if published else "",
        },
        kind="moderation",
    )


def report(
    db: Session, *, actor: User, contribution: Contribution, data: ReportCreate, ip: str
) -> Contribution:
    """One report per account and contribution; enough of them hide it until reviewed."""
    if contribution.status != S.published:
        raise Conflict(N_("Only published contributions can be reported."))
    if contribution.author_id is not None and contribution.author_id == actor.id:
        raise Conflict(N_("You cannot report your own contribution."))
    keys = {f"report:ip:{ip}": REPORT_LIMIT_IP, f"report:user:{actor.id}": REPORT_LIMIT_ACCOUNT}
    ratelimit.take(db, keys=keys, window_s=HOUR)
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
        raise AlreadyDone(N_("You have already reported this contribution.")) from None
    open_reports = db.execute(
        select(func.count())
        .select_from(Report)
        .where(col(Report.contribution_id) == contribution.id, col(Report.resolved).is_(False))
    ).scalar_one()
    contribution.open_reports = int(open_reports)
    db.add(contribution)
    db.commit()  # the report counts whatever happens next
    if _established_reports(db, contribution.id) >= HIDE_AFTER_REPORTS and (
        contribution.status == S.published
    ):
        write_again(db)
        try:
            MODERATION.apply(
                db, record=contribution, action=A.auto_hide, actor=None, reason=AUTO_HIDE_REASON
            )
            db.commit()
        except Conflict:
            pass  # a moderator (or another report) changed its state meanwhile: theirs stands
    db.refresh(contribution)
    return contribution


def _established_reports(db: Session, contribution_id: int) -> int:
    """Open reports from accounts with a confirmed e-mail address or older than
    REPORTER_MIN_AGE: the ones that may hide."""
    return int(
        db.execute(
            select(func.count())
            .select_from(Report)
            .join(User, col(User.id) == col(Report.reporter_id))
            .where(
                col(Report.contribution_id) == contribution_id,
                col(Report.resolved).is_(False),
                or_(
                    col(User.email_confirmed_at).is_not(None),
                    col(User.created_at) <= utcnow() - REPORTER_MIN_AGE,
                ),
            )
        ).scalar_one()
    )


@dataclass
class QueueItem:
    contribution: Contribution
    reports: list[Report]
    author_is_staff: bool = False
    # Why a hidden one is hidden: the latest hide (by a moderator, or by reports).
    hidden_by: ModerationEvent | None = None
    zone: str = "UTC"  # its times are shown in its session's zone, else its forum's


def _zones(db: Session, rows: Sequence[Contribution]) -> dict[int, str]:
    """Each contribution's time zone: its session's, else its forum's."""
    session_ids = {c.session_id for c in rows if c.session_id}
    forum_ids = {c.forum_id for c in rows}
    sessions = (
        dict(
            db.execute(
                select(col(ForumSession.id), col(ForumSession.timezone)).where(
                    col(ForumSession.id).in_(session_ids)
                )
            ).all()
        )
        if session_ids
        else {}
    )
    forums = (
        dict(
            db.execute(
                select(col(Forum.id), col(Forum.timezone)).where(col(Forum.id).in_(forum_ids))
            ).all()
        )
        if forum_ids
        else {}
    )
    return {
        c.id or 0: sessions.get(c.session_id or 0) or forums.get(c.forum_id) or "UTC" for c in rows
    }


def queue(
    db: Session,
    *,
    status: Status | None = None,
    forum_id: int | None = None,
    session_id: int | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[QueueItem], str | None]:
    """What waits for a moderator: pending and hidden contributions, and published ones with
    open reports, oldest first so nothing waits forever; of one forum or session if asked."""
    stmt = select(Contribution)
    if forum_id is not None:
        stmt = stmt.where(col(Contribution.forum_id) == forum_id)
    if session_id is not None:
        stmt = stmt.where(col(Contribution.session_id) == session_id)
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
    staff = staff_ids(db, {c.author_id for c in rows if c.author_id})
    hidden_by: dict[int, ModerationEvent] = {}
    hidden = [c.id for c in rows if c.status == S.hidden and c.id is not None]
    if hidden:
        for event in db.execute(
            select(ModerationEvent)
            .where(
                col(ModerationEvent.contribution_id).in_(hidden),
                col(ModerationEvent.action).in_([A.hide, A.auto_hide]),
            )
            .order_by(col(ModerationEvent.id))
        ).scalars():
            hidden_by[event.contribution_id] = event
    zones = _zones(db, rows)
    items = [
        QueueItem(
            c, reports[c.id or 0], c.author_id in staff, hidden_by.get(c.id or 0), zones[c.id or 0]
        )
        for c in rows
    ]
    return items, next_cursor


def events(db: Session, contribution_ids: Sequence[int]) -> list[ModerationEvent]:
    return list(
        db.execute(
            select(ModerationEvent)
            .where(col(ModerationEvent.contribution_id).in_(contribution_ids))
            .order_by(col(ModerationEvent.id))
        ).scalars()
    )


def for_minutes(db: Session, *, session_id: int) -> list[Contribution]:
    """What the moderators marked for a session's minutes, in the order it was posted."""
    return list(
        db.execute(
            select(Contribution)
            .where(
                col(Contribution.session_id) == session_id,
                col(Contribution.for_minutes).is_(True),
                col(Contribution.status) == S.published,
            )
            .order_by(col(Contribution.created_at), col(Contribution.id))
        ).scalars()
    )


@dataclass
class BulkOutcome:
    done: list[Contribution]
    refused: list[tuple[Contribution, str]]  # with the message id saying why


def moderate_many(
    db: Session,
    *,
    actor: User,
    contributions: Sequence[Contribution],
    action: ModerationAction,
    reason: str = "",
    base_url: str = "",
) -> BulkOutcome:
    """One decision on several contributions, each its own compare-and-set and event: one that
    no longer applies (decided meanwhile, another state) is reported, the others stand."""
    transition = MODERATION.transition(action)
    if transition.reason_required and not reason.strip():
        raise InvalidInput({"reason": [MODERATION.reason_message]})
    outcome = BulkOutcome(done=[], refused=[])
    for contribution in contributions:
        try:
            outcome.done.append(
                moderate(
                    db,
                    actor=actor,
                    contribution=contribution,
                    action=action,
                    reason=reason,
                    base_url=base_url,
                )
            )
        except (Conflict, InvalidInput, PermissionDenied) as exc:
            db.rollback()
            outcome.refused.append((contribution, _why(exc)))
    return outcome


def _why(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput):
        return next(m for messages in exc.errors.values() for m in messages)
    return Message(exc.message, **exc.params)
