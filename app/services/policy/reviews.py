"""Caucus sign-off: which caucuses a document requires, each required caucus's review of each
section, and the gate that keeps a document in a sign-off stage while a section has an
objection, or lacks a current review (none, or one given on an earlier revision) from a
required caucus."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from app import i18n
from app.models.caucuses import Caucus
from app.models.policy import DraftingMember, PolicyDocument, PolicySection, TeamRole
from app.models.policy_reviews import DocumentCaucus, SectionReview, Verdict
from app.models.policy_stages import Blocker
from app.services.errors import NotFound
from app.services.policy.documents import team_ids, tree


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


def represented(db: Session, *, document_id: int, user_id: int | None) -> frozenset[int]:
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
