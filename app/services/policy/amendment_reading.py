"""Reading amendments: a document's (as the reader may see them), the pending counts beside
paragraphs, an amendment's events, and an amendment with its tracked changes: a pending one
against its paragraph's current text, a decided one against the text it was decided on."""

from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlmodel import Session, col

from app import permissions
from app.models.policy import PolicyDocument, PolicyParagraph
from app.models.policy_amendments import (
    Amendment,
    AmendmentEvent,
    AmendmentEventPublic,
    AmendmentPublic,
    TrackedRun,
)
from app.models.policy_amendments import AmendmentStatus as S
from app.models.users import User
from app.services.policy.documents import user_names
from app.services.policy.history import word_diff


def list_amendments(
    db: Session,
    *,
    document: PolicyDocument,
    viewer: User | None,
    team: Collection[int],
    status: str | None = None,
    section_id: int | None = None,
    paragraph_id: int | None = None,
) -> list[Amendment]:
    query = select(Amendment).where(col(Amendment.document_id) == document.id)
    if status:
        query = query.where(col(Amendment.status) == status)
    if section_id:
        query = query.where(col(Amendment.section_id) == section_id)
    if paragraph_id:
        query = query.where(col(Amendment.paragraph_id) == paragraph_id)
    rows = db.execute(query.order_by(col(Amendment.id))).scalars()
    return [a for a in rows if permissions.can_see_amendment(viewer, a, team)]


def pending_counts(db: Session, paragraph_ids: Sequence[int]) -> dict[int, int]:
    if not paragraph_ids:
        return {}
    rows = db.execute(
        select(col(Amendment.paragraph_id), func.count())
        .where(
            col(Amendment.paragraph_id).in_(list(paragraph_ids)),
            col(Amendment.status) == S.pending,
        )
        .group_by(col(Amendment.paragraph_id))
    )
    return {int(pid): int(n) for pid, n in rows}


def paragraph_texts(db: Session, paragraph_ids: Sequence[int]) -> dict[int, str]:
    if not paragraph_ids:
        return {}
    rows = db.execute(
        select(col(PolicyParagraph.id), col(PolicyParagraph.text)).where(
            col(PolicyParagraph.id).in_(list(paragraph_ids))
        )
    )
    return {int(pid): str(text) for pid, text in rows}


def events(db: Session, amendment: Amendment) -> list[AmendmentEventPublic]:
    rows = list(
        db.execute(
            select(AmendmentEvent)
            .where(col(AmendmentEvent.amendment_id) == amendment.id)
            .order_by(col(AmendmentEvent.id))
        ).scalars()
    )
    names = user_names(db, {e.actor_id for e in rows if e.actor_id})
    return [
        AmendmentEventPublic(
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            actor_id=e.actor_id,
            actor=names.get(e.actor_id) if e.actor_id else None,
            reason=e.reason,
            created_at=e.created_at,
        )
        for e in rows
    ]


def _runs(old: str, new: str) -> list[TrackedRun]:
    return [TrackedRun(op=r.op, text=r.text) for r in word_diff(old, new)]


def amendment_public(db: Session, amendment: Amendment) -> AmendmentPublic:
    paragraph = db.get(PolicyParagraph, amendment.paragraph_id)
    gone = paragraph is None or paragraph.removed_at is not None
    current = None if gone or paragraph is None else paragraph.text
    # A decided amendment is read against what it was decided on; a pending one against the
    # paragraph now (the tracked changes an editor accepts).
    live = amendment.status == S.pending and current is not None
    outdated = live and current != amendment.base_text
    against = current if live and current is not None else amendment.base_text
    names = user_names(db, {amendment.author_id} if amendment.author_id else set())
    return AmendmentPublic(
        id=amendment.id or 0,
        document_id=amendment.document_id,
        section_id=amendment.section_id,
        paragraph_id=amendment.paragraph_id,
        author_id=amendment.author_id,
        author=names.get(amendment.author_id) if amendment.author_id else None,
        status=amendment.status,
        base_text=amendment.base_text,
        base_version=amendment.base_version,
        replacement=amendment.replacement,
        rationale=amendment.rationale,
        decision_reason=amendment.decision_reason,
        merged_into_id=amendment.merged_into_id,
        revision=amendment.revision,
        created_at=amendment.created_at,
        decided_at=amendment.decided_at,
        current_text=current,
        outdated=outdated or (amendment.status == S.pending and gone),
        changes=_runs(against, amendment.replacement),
        base_changes=_runs(amendment.base_text, current) if outdated and current else [],
        events=events(db, amendment),
    )
