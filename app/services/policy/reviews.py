"""Caucus sign-off: which caucuses a document requires, each required caucus's review of each
section, and the gate that keeps a document in a sign-off stage while a section has an
objection, or lacks a current review (none, or one given on an earlier revision) from a
required caucus.

A verdict is a transition of the review workflow (services/workflow.py): endorse, concerns
or object, from any state, the note required for concerns and objections; the row is made in
state "none" on the first verdict (an insert that does nothing when another request made it
first, so that two first verdicts at once leave one row), then locked and moved by
compare-and-set, one event per verdict with the section version it was given on. The same
verdict and note again on the same version changes nothing (a PUT repeated by a client, a
form sent twice); on a newer version it is a confirmation, and an event."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, select

from app import i18n, permissions
from app.i18n import N_
from app.models.caucuses import Caucus
from app.models.policy import DraftingMember, PolicyDocument, PolicySection, TeamRole
from app.models.policy_reviews import (
    NO_REVIEW,
    VERDICT_ACTION_LABELS,
    VERDICT_LABELS,
    DocumentCaucus,
    ReviewCell,
    ReviewEvent,
    ReviewIn,
    ReviewMatrix,
    SectionReview,
    Verdict,
)
from app.models.policy_stages import DEFAULT_STAGES, Blocker, DocumentStage
from app.models.types import MAX_ID, utcnow
from app.models.users import User
from app.services import audit
from app.services.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from app.services.policy.documents import Numbered, team_ids, tree, user_names
from app.services.workflow import EventFields, Transition, Workflow

_NOTE_NEEDED = N_(
    "Write a note: concerns and objections need one, so that the drafting team knows what to "
    "change."
)
_LAST_STAGE = N_(
    "The document is in its last stage (%(stage)s): its sections' reviews can no longer be "
    "given or changed."
)
_MOVED = N_(
    "The section has changed since you opened it (it is now at version %(version)s). Read the "
    "changes and send your review again."
)
_UNKNOWN_CAUCUS = N_("Choose caucuses from the list.")
_REASON_MAX = EventFields.model_fields["reason"].metadata[0].max_length


@dataclass(frozen=True)
class Place:
    """What a review route acts on, loaded once by its dependency."""

    section: PolicySection
    document: PolicyDocument
    caucus: Caucus
    team: frozenset[int]
    represented: frozenset[int]  # the caucuses the reader represents on this drafting team


def required_caucus_ids(db: Session, document_id: int) -> list[int]:
    return list(
        db.execute(
            select(col(DocumentCaucus.caucus_id))
            .where(col(DocumentCaucus.document_id) == document_id)
            .order_by(col(DocumentCaucus.caucus_id))
        ).scalars()
    )


def represented(
    db: Session | Connection, *, document_id: int, user_id: int | None
) -> frozenset[int]:
    """The caucuses this account represents on the document's drafting team."""
    if user_id is None:
        return frozenset()
    return frozenset(
        db.execute(
            select(col(DraftingMember.caucus_id)).where(
                col(DraftingMember.document_id) == document_id,
                col(DraftingMember.user_id) == user_id,
                col(DraftingMember.role) == TeamRole.caucus_rep,
                col(DraftingMember.caucus_id).is_not(None),
            )
        ).scalars()
    )


def review_place(db: Session, *, section_id: int, caucus_id: int, user_id: int | None) -> Place:
    """404 for a section or caucus that does not exist, or a caucus the document does not ask
    to sign off."""
    section = db.get(PolicySection, section_id)
    caucus = db.get(Caucus, caucus_id)
    if section is None or caucus is None:
        raise NotFound()
    document = db.get(PolicyDocument, section.document_id)
    if document is None or caucus_id not in required_caucus_ids(db, section.document_id):
        raise NotFound()
    return Place(
        section=section,
        document=document,
        caucus=caucus,
        team=frozenset(team_ids(db, section.document_id)),
        represented=represented(db, document_id=section.document_id, user_id=user_id),
    )


def blockers(db: Session, document: PolicyDocument) -> list[Blocker]:
    """Every (section, required caucus) that keeps the document from leaving a sign-off stage,
    in reading order: an objection (whatever its revision), no review, or a review given on an
    earlier revision of the section."""
    document_id = document.id or 0
    caucus_ids = required_caucus_ids(db, document_id)
    if not caucus_ids:
        return []
    caucuses = {
        c.id: i18n.localized(c.name)[0]
        for c in db.execute(select(Caucus).where(col(Caucus.id).in_(caucus_ids))).scalars()
    }
    reviews = {
        (r.section_id, r.caucus_id): r
        for r in db.execute(
            select(SectionReview).where(col(SectionReview.document_id) == document_id)
        ).scalars()
    }
    out: list[Blocker] = []
    for shown in tree(db, document_id):
        section = shown.section
        for caucus_id in caucus_ids:
            review = reviews.get((section.id or 0, caucus_id))
            reason = _blocking(review, section)
            if reason is not None:
                out.append(
                    Blocker(
                        section_id=section.id or 0,
                        number=shown.number,
                        title=section.title,
                        caucus_id=caucus_id,
                        caucus=caucuses.get(caucus_id, ""),
                        reason=reason,
                    )
                )
    return out


def _blocking(
    review: SectionReview | None, section: PolicySection
) -> Literal["objection", "missing", "stale"] | None:
    if review is None or review.status not in tuple(Verdict):
        return "missing"
    if review.status == Verdict.object:
        return "objection"
    if review.revision != section.version:
        return "stale"
    return None


def caucus_names(db: Session, caucus_ids: Sequence[int]) -> dict[int, str]:
    return {
        c.id or 0: i18n.localized(c.name)[0]
        for c in db.execute(select(Caucus).where(col(Caucus.id).in_(list(caucus_ids)))).scalars()
    }


# -- giving a review -------------------------------------------------------------------------


def workflow(represented: Collection[int]) -> Workflow:
    """The review workflow for one reader: who may give a verdict depends on the caucuses they
    represent on this document's drafting team."""

    def rep(user: User | None, record: Any) -> bool:
        return permissions.can_review_section(user, record.caucus_id, represented)

    every = frozenset({NO_REVIEW, *(str(v) for v in Verdict)})
    return Workflow(
        name="policy_review",
        log_as="section_review",
        model=SectionReview,
        event_model=ReviewEvent,
        record_key="review_id",
        transitions=[
            Transition(Verdict.endorse, every, Verdict.endorse, who=rep),
            Transition(Verdict.concerns, every, Verdict.concerns, who=rep, reason_required=True),
            Transition(Verdict.object, every, Verdict.object, who=rep, reason_required=True),
        ],
        action_labels=VERDICT_ACTION_LABELS,
        status_labels=VERDICT_LABELS,
        reason_message=_NOTE_NEEDED,
    )


def stage_name(db: Session, document: PolicyDocument, key: str) -> str:
    """A stage's name in the reader's language: its own, else the default stage's."""
    stage = db.execute(
        select(DocumentStage).where(
            col(DocumentStage.document_id) == document.id, col(DocumentStage.key) == key
        )
    ).scalar_one_or_none()
    if stage is not None and stage.name:
        return i18n.localized(stage.name)[0]
    default = next((name for k, name, _p, _s in DEFAULT_STAGES if k == key), key)
    return i18n.gettext(default)


def in_last_stage(db: Session, document: PolicyDocument, *, locking: bool = False) -> bool:
    """Whether the document is in the last of its stages. `locking`: the stage is read FOR
    SHARE, so that on PostgreSQL a move between stages (an UPDATE of the document row) waits
    for the review being written, and the stage gate never misses a verdict given just before
    it (SQLite serialises writers anyway)."""
    query = select(col(PolicyDocument.stage)).where(col(PolicyDocument.id) == document.id)
    stage = db.execute(query.with_for_update(read=True) if locking else query).scalar_one()
    last = db.execute(
        select(col(DocumentStage.key))
        .where(col(DocumentStage.document_id) == document.id)
        .order_by(col(DocumentStage.position).desc())
        .limit(1)
    ).scalar_one_or_none()
    return last is not None and stage == last


def _row(db: Session, place: Place) -> SectionReview:
    """The review row, made in state "none" if there is none yet, and locked (FOR UPDATE; a
    SQLite write transaction holds the database already)."""
    section_id, caucus_id = place.section.id or 0, place.caucus.id or 0
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(
        insert(SectionReview.__table__)  # type: ignore[attr-defined]
        .values(
            document_id=place.document.id or 0,
            section_id=section_id,
            caucus_id=caucus_id,
            status=NO_REVIEW,
            note="",
            revision=0,
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["section_id", "caucus_id"])
    )
    return db.execute(
        select(SectionReview)
        .where(
            col(SectionReview.section_id) == section_id,
            col(SectionReview.caucus_id) == caucus_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def give_review(
    db: Session, *, place: Place, actor: User, data: ReviewIn, seen: int | None = None
) -> SectionReview:
    """The caucus's verdict on the section's current version. `seen`: the version the reviewer
    read (the form's, or an If-Match); a verdict is never recorded for text they did not see."""
    document, section = place.document, place.section
    db.refresh(section)  # the version as this transaction reads it, after any save before it
    if in_last_stage(db, document, locking=True):
        raise Conflict(_LAST_STAGE, stage=stage_name(db, document, document.stage))
    if seen is not None and seen != section.version:
        raise Conflict(_MOVED, version=section.version)
    note = data.note.strip()
    flow = workflow(place.represented)
    review = _row(db, place)
    same = (review.status, review.revision, review.note) == (data.verdict, section.version, note)
    try:
        if same:
            flow.check(actor, review, data.verdict, note)
        else:
            flow.apply(
                db,
                record=review,
                action=data.verdict,
                actor=actor,
                # The event's reason column holds the start; its note the whole of it.
                reason=note[:_REASON_MAX],
                extra={
                    "note": note,
                    "revision": section.version,
                    "reviewer_id": actor.id,
                    "updated_at": utcnow(),
                },
                event_values={"revision": section.version, "note": note},
            )
    except InvalidInput as exc:
        db.rollback()  # nothing of this request stays: not even the row made for it
        # Named after the field the person typed in.
        renamed = {"note" if k == "reason" else k: v for k, v in exc.errors.items()}
        raise InvalidInput(renamed) from exc
    except DomainError:
        db.rollback()
        raise
    db.commit()
    return review


# -- the caucuses a document requires ----------------------------------------------------------


def set_required_caucuses(
    db: Session, *, document: PolicyDocument, actor: User, caucus_ids: Sequence[int]
) -> list[int]:
    """The caucuses whose sign-off the document requires, all at once. A caucus taken off keeps
    its reviews (they show again if it is asked back); it no longer blocks the stage gate."""
    if not permissions.can_steer_process(actor, document):
        raise PermissionDenied()
    wanted = sorted(set(caucus_ids))
    if any(not 0 < c <= MAX_ID for c in wanted):  # no id the database could not even compare
        raise InvalidInput({"caucus_ids": [_UNKNOWN_CAUCUS]})
    known = set(db.execute(select(col(Caucus.id)).where(col(Caucus.id).in_(wanted))).scalars())
    if len(known) != len(wanted):
        raise InvalidInput({"caucus_ids": [_UNKNOWN_CAUCUS]})
    # The document row locked first (FOR UPDATE; on SQLite the write transaction holds the
    # database): identical choices sent at once change the rows and write the audit event
    # once, and each later one reads the choice already made.
    db.execute(
        select(col(PolicyDocument.id))
        .where(col(PolicyDocument.id) == document.id)
        .with_for_update()
    )
    before = set(required_caucus_ids(db, document.id or 0))
    if before == set(wanted):
        return wanted
    db.execute(
        delete(DocumentCaucus).where(
            col(DocumentCaucus.document_id) == document.id,
            col(DocumentCaucus.caucus_id).not_in(wanted),
        )
    )
    for caucus_id in sorted(set(wanted) - before):
        db.add(DocumentCaucus(document_id=document.id or 0, caucus_id=caucus_id))
    names = caucus_names(db, wanted)
    audit.record(
        db,
        actor=actor,
        action="policy.required_caucuses",
        object_type="policy_document",
        object_id=document.id,
        summary=", ".join(names[c] for c in wanted) or "—",
    )
    db.commit()
    return wanted


# -- reading ------------------------------------------------------------------------------------


def _cell(
    section: PolicySection, caucus_id: int, review: SectionReview | None, names: dict[int, str]
) -> ReviewCell:
    given = review is not None and review.status != NO_REVIEW
    return ReviewCell(
        section_id=section.id or 0,
        caucus_id=caucus_id,
        state=review.status if review is not None and given else NO_REVIEW,  # type: ignore[arg-type]
        stale=given and review is not None and review.revision != section.version,
        revision=review.revision if review is not None and given else None,
        section_version=section.version,
        note=review.note if review is not None and given else "",
        reviewer=names.get(review.reviewer_id or 0) if review is not None and given else None,
        updated_at=review.updated_at if review is not None and given else None,
    )


def bucket(cell: ReviewCell) -> str:
    """Where a cell counts, once: an objection whatever its revision (it blocks the gate as
    such), else a verdict given on an earlier revision, else the current verdict, else none."""
    if cell.state == Verdict.object:
        return "object"
    if cell.stale:
        return "stale"
    return cell.state


def matrix(
    db: Session,
    document: PolicyDocument,
    viewer: User | None = None,
    *,
    numbered: Sequence[Numbered] | None = None,
) -> ReviewMatrix:
    """Sections in reading order × the required caucuses. Every reader of the document sees the
    whole matrix (`viewer` is who asks; the dependency has checked they may read it).
    `numbered`: the document's tree, when the caller has read it already (a page that shows the
    sections' numbers must lay out the same sections as the matrix)."""
    document_id = document.id or 0
    caucus_ids = required_caucus_ids(db, document_id)
    sections = tree(db, document_id) if numbered is None else numbered
    reviews = {
        (r.section_id, r.caucus_id): r
        for r in db.execute(
            select(SectionReview).where(col(SectionReview.document_id) == document_id)
        ).scalars()
    }
    names = user_names(db, {r.reviewer_id for r in reviews.values() if r.reviewer_id})
    cells = [
        _cell(n.section, c, reviews.get((n.section.id or 0, c)), names)
        for n in sections
        for c in caucus_ids
    ]
    counts = dict.fromkeys(("endorse", "concerns", "object", "stale", "none"), 0)
    for cell in cells:
        counts[bucket(cell)] += 1
    return ReviewMatrix(
        document_id=document_id,
        caucus_ids=caucus_ids,
        sections=[n.section.id or 0 for n in sections],
        cells=cells,
        counts=counts,
    )


def cell(db: Session, place: Place) -> ReviewCell:
    review = db.execute(
        select(SectionReview).where(
            col(SectionReview.section_id) == place.section.id,
            col(SectionReview.caucus_id) == place.caucus.id,
        )
    ).scalar_one_or_none()
    names = user_names(db, {review.reviewer_id} if review and review.reviewer_id else set())
    return _cell(place.section, place.caucus.id or 0, review, names)
