"""Amendments to paragraphs, on the house workflow (services/workflow.py): pending → accepted,
rejected (with a reason the amender sees), withdrawn (by the amender) or merged (folded into
another amendment's text, which was accepted); a rebase moves a pending amendment onto the
paragraph's current text. Every step is one event row, written with the status change.

Accepting writes the paragraph through the core's save_section, based on the section's current
version, with the section row locked first (FOR UPDATE; SQLite's write transaction is
IMMEDIATE already): so the save cannot be overtaken and retried, the status change and the
revision commit together, and an amendment is never accepted without its text, nor the text
saved without the amendment's acceptance.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app import i18n, permissions
from app.i18n import N_
from app.models.policy import DraftingMember, PolicyDocument, PolicyParagraph, PolicySection
from app.models.policy_amendments import (
    ACTION_LABELS,
    STATUS_LABELS,
    Amendment,
    AmendmentCreate,
    AmendmentDecision,
    AmendmentEvent,
    AmendmentMerge,
    AmendmentRebase,
)
from app.models.policy_amendments import AmendmentAction as A
from app.models.policy_amendments import AmendmentStatus as S
from app.models.types import utcnow
from app.models.users import User
from app.services import audit
from app.services.contributions.submit import scoped_key
from app.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.services.idempotency import flush_or_replay, stored_by
from app.services.policy.amendment_reading import (
    amendment_public,
    events,
    list_amendments,
    paragraph_texts,
    pending_counts,
)
from app.services.policy.documents import current_paragraphs, team_ids, user_names
from app.services.policy.lock import ensure_open
from app.services.policy.paragraphs import join, paragraphs_of
from app.services.policy.saving import fresh, save_section
from app.services.workflow import Transition, Workflow

__all__ = [
    "Place",
    "amendment_place",
    "amendment_public",
    "decide",
    "editor_ids",
    "events",
    "list_amendments",
    "merge",
    "paragraph_place",
    "paragraph_texts",
    "pending_counts",
    "propose",
    "rebase",
    "workflow",
]

OUTDATED = N_(
    "The paragraph has changed since this amendment was proposed. Its author (or an editor) "
    "must update it to the current text before it can be accepted."
)
GONE = N_("The paragraph this amendment changes is no longer in the section.")
_PARAGRAPH_GONE = N_("This paragraph is no longer in the section.")
_SAME_PARAGRAPH = N_("Choose pending amendments of this paragraph.")
_REASON = N_("Tell the amender why: they will see the reason.")


def editor_ids(db: Session, document_id: int) -> set[int]:
    """The drafting team's editors (caucus representatives write, but do not decide)."""
    rows = db.execute(
        select(col(DraftingMember.user_id)).where(
            col(DraftingMember.document_id) == document_id,
            col(DraftingMember.role) == "editor",
        )
    )
    return {int(i) for i in rows.scalars()}


def workflow(editors: Collection[int]) -> Workflow:
    """The amendment workflow for one document: who decides depends on its editors."""

    def editor(user: User | None, record: Any) -> bool:
        return permissions.can_decide_amendment(user, record, editors)

    def author(user: User | None, record: Any) -> bool:
        return permissions.can_withdraw_amendment(user, record)

    def rebaser(user: User | None, record: Any) -> bool:
        return permissions.can_rebase_amendment(user, record, editors)

    def decided(record: Any, reason: str, actor: User | None) -> Mapping[str, Any]:
        return {"decision_reason": reason, "decided_at": utcnow()}

    pending = frozenset({S.pending})
    return Workflow(
        name="policy_amendment",
        log_as="amendment",
        model=Amendment,
        event_model=AmendmentEvent,
        record_key="amendment_id",
        transitions=[
            Transition(A.accept, pending, S.accepted, who=editor, values=decided),
            Transition(
                A.reject, pending, S.rejected, who=editor, reason_required=True, values=decided
            ),
            Transition(A.withdraw, pending, S.withdrawn, who=author, values=decided),
            Transition(A.merge, pending, S.merged, who=editor, values=decided),
            Transition(A.rebase, pending, None, who=rebaser),
        ],
        action_labels=ACTION_LABELS,
        status_labels=STATUS_LABELS,
        reason_message=_REASON,
    )


@dataclass(frozen=True)
class Place:
    """What an amendment route acts on, loaded once by its dependency: the paragraph (or the
    amendment's), its section and document, and who is on the drafting team and an editor."""

    paragraph: PolicyParagraph | None
    section: PolicySection
    document: PolicyDocument
    team: frozenset[int]
    editors: frozenset[int]
    amendment: Amendment | None = None


def _place(
    db: Session, paragraph: PolicyParagraph | None, section_id: int, amendment: Amendment | None
) -> Place:
    section = db.get(PolicySection, section_id)
    document = db.get(PolicyDocument, section.document_id) if section is not None else None
    if section is None or document is None:
        raise NotFound()
    return Place(
        paragraph=paragraph,
        section=section,
        document=document,
        team=frozenset(team_ids(db, document.id or 0)),
        editors=frozenset(editor_ids(db, document.id or 0)),
        amendment=amendment,
    )


def paragraph_place(db: Session, paragraph_id: int) -> Place:
    paragraph = get_paragraph(db, paragraph_id)
    return _place(db, paragraph, paragraph.section_id, None)


def amendment_place(db: Session, amendment_id: int) -> Place:
    amendment = get_amendment(db, amendment_id)
    return _place(
        db, db.get(PolicyParagraph, amendment.paragraph_id), amendment.section_id, amendment
    )


def get_amendment(db: Session, amendment_id: int) -> Amendment:
    found = db.get(Amendment, amendment_id)
    if found is None:
        raise NotFound()
    return found


def get_paragraph(db: Session, paragraph_id: int) -> PolicyParagraph:
    found = db.get(PolicyParagraph, paragraph_id)
    if found is None:
        raise NotFound()
    return found


def is_outdated(amendment: Amendment, paragraph: PolicyParagraph | None) -> bool:
    return (
        paragraph is None
        or paragraph.removed_at is not None
        or (paragraph.text != amendment.base_text)
    )


def _event(db: Session, amendment: Amendment, actor: User, action: str, reason: str = "") -> None:
    db.add(
        AmendmentEvent(
            amendment_id=amendment.id or 0,
            actor_id=actor.id,
            action=action,
            from_status="",
            to_status=str(amendment.status),
            reason=reason,
        )
    )


def _replacement(text: str, field: str = "replacement") -> str:
    """The replacement as the section will hold it: its blocks, joined as a body joins them."""
    try:
        return join(paragraphs_of(text))
    except InvalidInput as exc:  # named after the field the person typed in
        raise InvalidInput({field: exc.errors["body"]}) from exc


def replay(db: Session, *, actor: User, key: str | None) -> Amendment | None:
    """The amendment an earlier attempt with this idempotency key proposed, if any (the key is
    scoped to its author, as a comment's)."""
    return stored_by(db, Amendment, actor=actor, key=key)


def propose(
    db: Session, *, actor: User, paragraph: PolicyParagraph, data: AmendmentCreate
) -> Amendment:
    """A new amendment; with an idempotency key this author already used, the one it made."""
    earlier = replay(db, actor=actor, key=data.idempotency_key)
    if earlier is not None:
        return earlier
    if paragraph.removed_at is not None:
        raise Conflict(_PARAGRAPH_GONE)
    section = db.get(PolicySection, paragraph.section_id)
    assert section is not None
    amendment = Amendment(
        document_id=section.document_id,
        section_id=section.id or 0,
        paragraph_id=paragraph.id or 0,
        author_id=actor.id,
        status=S.pending,
        base_text=paragraph.text,
        base_version=section.version,
        replacement=_replacement(data.replacement),
        rationale=data.rationale.strip(),
        idempotency_key=scoped_key(f"user:{actor.id}", data.idempotency_key)
        if data.idempotency_key
        else None,
    )
    db.add(amendment)
    again = flush_or_replay(db, lambda: replay(db, actor=actor, key=data.idempotency_key))
    if again is not None:
        return again
    _event(db, amendment, actor, A.propose)
    db.commit()
    return amendment


def _note(document: PolicyDocument, ids: Sequence[int], names: Sequence[str]) -> str:
    """The revision's note, in the document's language (it is part of the document's history,
    read by whoever reads the document)."""
    catalogue = i18n.translations(document.language)
    numbers = ", ".join(f"#{n}" for n in ids)
    people = ", ".join(dict.fromkeys(n for n in names if n)) or "—"
    if len(ids) == 1:
        text = catalogue.gettext(N_("Amendment %(numbers)s by %(names)s"))
    else:
        text = catalogue.gettext(N_("Amendments %(numbers)s by %(names)s, merged"))
    return (text % {"numbers": numbers, "names": people})[:1000]


def _write_paragraph(
    db: Session, *, actor: User, section: PolicySection, paragraph_id: int, text: str, note: str
) -> int | None:
    """Puts `text` in place of the paragraph in a new revision on the current version, and
    commits what the caller changed with it; the new version, or None when the paragraph
    already read so (then the caller's changes are committed alone)."""
    paragraphs = current_paragraphs(db, section.id or 0)
    body = join([text if p.id == paragraph_id else p.text for p in paragraphs])
    if body == join([p.text for p in paragraphs]):
        db.commit()
        return None
    saved = save_section(
        db,
        actor=actor,
        section=section,
        base_version=section.version,
        body=body,
        note=note,
        logged=False,
    )
    return saved.section.version


def _lock(db: Session, amendment: Amendment) -> tuple[PolicySection, PolicyParagraph | None]:
    """The amendment's section, locked against other saves until this transaction ends, and
    its paragraph as it stands then. Refused (409) once the document is adopted; the document's
    stage is read first, as a save reads it, so every writer takes the locks in one order."""
    ensure_open(db, amendment.document_id)
    db.execute(
        select(col(PolicySection.id))
        .where(col(PolicySection.id) == amendment.section_id)
        .with_for_update()
    )
    section = fresh(db, amendment.section_id)
    paragraph = db.execute(
        select(PolicyParagraph)
        .where(col(PolicyParagraph.id) == amendment.paragraph_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    db.refresh(amendment)
    return section, paragraph


def decide(
    db: Session,
    *,
    actor: User,
    document: PolicyDocument,
    amendment: Amendment,
    data: AmendmentDecision,
    editors: Collection[int],
) -> Amendment:
    flow = workflow(editors)
    if data.action != A.accept:
        flow.apply(db, record=amendment, action=data.action, actor=actor, reason=data.reason)
        db.commit()
        return amendment
    section, paragraph = _lock(db, amendment)
    flow.check(actor, amendment, A.accept, data.reason)
    if paragraph is None or paragraph.removed_at is not None:
        db.rollback()
        raise Conflict(GONE)
    if is_outdated(amendment, paragraph):
        db.rollback()
        raise Conflict(OUTDATED)
    names = user_names(db, {amendment.author_id} if amendment.author_id else set())
    note = _note(document, [amendment.id or 0], [names.get(amendment.author_id or 0, "")])
    flow.apply(
        db,
        record=amendment,
        action=A.accept,
        actor=actor,
        reason=data.reason,
        extra={"revision": section.version + 1},
    )
    made = _write_paragraph(
        db,
        actor=actor,
        section=section,
        paragraph_id=paragraph.id or 0,
        text=amendment.replacement,
        note=note,
    )
    if made is None and amendment.revision is not None:
        amendment.revision = None  # the text already read so: no revision was made
        db.add(amendment)
        db.commit()
    return amendment


def rebase(
    db: Session,
    *,
    actor: User,
    amendment: Amendment,
    data: AmendmentRebase,
    editors: Collection[int],
) -> Amendment:
    """The amendment's base moves to the paragraph's current text, with a new replacement."""
    section, paragraph = _lock(db, amendment)
    flow = workflow(editors)
    flow.check(actor, amendment, A.rebase)
    if paragraph is None or paragraph.removed_at is not None:
        db.rollback()
        raise Conflict(GONE)
    extra: dict[str, Any] = {
        "base_text": paragraph.text,
        "base_version": section.version,
        "replacement": _replacement(data.replacement),
    }
    if data.rationale is not None:
        extra["rationale"] = data.rationale.strip()
    flow.apply(db, record=amendment, action=A.rebase, actor=actor, extra=extra)
    db.commit()
    return amendment


def merge(
    db: Session,
    *,
    actor: User,
    document: PolicyDocument,
    paragraph: PolicyParagraph,
    data: AmendmentMerge,
    editors: Collection[int],
) -> Amendment:
    """Several pending amendments of one paragraph become one text, written by an editor: a
    new amendment, accepted at once (its revision credits every amender); the others are
    merged into it."""
    if not permissions.can_decide_amendment(actor, document, editors):
        raise PermissionDenied()
    ids = list(dict.fromkeys(data.amendment_ids))
    if len(ids) < 2:
        raise InvalidInput({"amendment_ids": [N_("Choose at least two amendments to merge.")]})
    found = {
        a.id: a for a in db.execute(select(Amendment).where(col(Amendment.id).in_(ids))).scalars()
    }
    if any(found.get(i) is None or found[i].paragraph_id != paragraph.id for i in ids):
        raise InvalidInput({"amendment_ids": [_SAME_PARAGRAPH]})
    folded = [found[i] for i in ids]
    probe = folded[0]
    section, current = _lock(db, probe)
    if current is None or current.removed_at is not None:
        db.rollback()
        raise Conflict(_PARAGRAPH_GONE)
    flow = workflow(editors)
    for one in folded:
        db.refresh(one)
        flow.check(actor, one, A.merge)
    names = user_names(db, {a.author_id for a in folded if a.author_id})
    combined = Amendment(
        document_id=document.id or 0,
        section_id=section.id or 0,
        paragraph_id=current.id or 0,
        author_id=actor.id,
        status=S.accepted,
        base_text=current.text,
        base_version=section.version,
        replacement=_replacement(data.text, "text"),
        rationale=data.reason.strip(),
        revision=section.version + 1,
        decided_at=utcnow(),
    )
    db.add(combined)
    db.flush()
    _event(db, combined, actor, A.merge, data.reason.strip())
    for one in folded:
        flow.apply(
            db,
            record=one,
            action=A.merge,
            actor=actor,
            reason=data.reason,
            extra={"merged_into_id": combined.id},
            logged=False,
        )
    audit.record(
        db,
        actor=actor,
        action=A.merge.value,
        object_type="amendment",
        object_id=combined.id,
        summary=", ".join(f"#{a.id}" for a in folded),
    )
    note = _note(
        document,
        [a.id or 0 for a in folded],
        [names.get(a.author_id or 0, "") for a in folded],
    )
    made = _write_paragraph(
        db,
        actor=actor,
        section=section,
        paragraph_id=current.id or 0,
        text=combined.replacement,
        note=note,
    )
    if made is None:
        combined.revision = None
        db.add(combined)
        db.commit()
    return combined
