"""Caucus sign-off, the reading side beyond the matrix: a review's history (its events, newest
first) and what waits for a caucus's review, for the caucus workspace
(services/caucuses.on_reviews): each document that asks the caucus to sign off and has
sections without a current review from it."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app import i18n, permissions
from app.i18n import N_
from app.models.policy import PolicyDocument, PolicySection
from app.models.policy_reviews import (
    NO_REVIEW,
    VERDICT_LABELS,
    DocumentCaucus,
    ReviewEvent,
    SectionReview,
)
from app.models.users import User
from app.services.caucuses import WaitingReview
from app.services.policy.documents import team_ids, user_names
from app.services.policy.reviews import Place, in_last_stage


@dataclass(frozen=True)
class HistoryEntry:
    actor: str | None
    action: str
    from_status: str
    to_status: str
    note: str
    revision: int
    created_at: datetime

    @property
    def label(self) -> str:
        return VERDICT_LABELS.get(self.to_status, self.to_status)

    @property
    def confirmed(self) -> bool:
        """The same verdict given again (on a newer revision, or with another note)."""
        return self.from_status == self.to_status


def history(db: Session, place: Place) -> list[HistoryEntry]:
    """Every verdict given on this section for this caucus, newest first."""
    rows = list(
        db.execute(
            select(ReviewEvent)
            .join(SectionReview, col(SectionReview.id) == col(ReviewEvent.review_id))
            .where(
                col(SectionReview.section_id) == place.section.id,
                col(SectionReview.caucus_id) == place.caucus.id,
            )
            .order_by(col(ReviewEvent.created_at).desc(), col(ReviewEvent.id).desc())
        ).scalars()
    )
    names = user_names(db, {e.actor_id for e in rows if e.actor_id})
    return [
        HistoryEntry(
            actor=names.get(e.actor_id) if e.actor_id else None,
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            note=e.note or e.reason,
            revision=e.revision,
            created_at=e.created_at,
        )
        for e in rows
    ]


def waiting_for_caucus(db: Session, caucus_id: int, viewer: User) -> list[WaitingReview]:
    """The documents (that the viewer may read, not yet in their last stage) asking this caucus
    to sign off, with how many of their sections lack a current review from it."""
    documents = list(
        db.execute(
            select(PolicyDocument)
            .join(DocumentCaucus, col(DocumentCaucus.document_id) == col(PolicyDocument.id))
            .where(col(DocumentCaucus.caucus_id) == caucus_id)
            .order_by(col(PolicyDocument.id))
        ).scalars()
    )
    out = []
    for document in documents:
        readable = permissions.can_read_document(viewer, document, team_ids(db, document.id or 0))
        if not readable or in_last_stage(db, document):
            continue
        versions = dict(
            db.execute(
                select(col(PolicySection.id), col(PolicySection.version)).where(
                    col(PolicySection.document_id) == document.id
                )
            ).all()
        )
        reviewed = dict(
            db.execute(
                select(col(SectionReview.section_id), col(SectionReview.revision)).where(
                    col(SectionReview.document_id) == document.id,
                    col(SectionReview.caucus_id) == caucus_id,
                    col(SectionReview.status) != NO_REVIEW,
                )
            ).all()
        )
        todo = sum(1 for sid, version in versions.items() if reviewed.get(sid) != version)
        if not todo:
            continue
        sections = i18n.translations(i18n.get_locale()).ngettext(
            "%(num)s section to review", "%(num)s sections to review", todo
        ) % {"num": i18n.format_number(todo)}
        title = i18n.localized(document.title)[0]
        out.append(
            WaitingReview(
                kind_label=N_("Policy document: caucus sign-off"),
                title=f"{title} — {sections}",
                url=f"/documents/{document.id}#reviews",
            )
        )
    return out
