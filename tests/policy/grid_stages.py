"""Permission grid cases for policy documents' stages (tests/test_permissions.py runs them), and
the records they need, added to the grid's world (tests/policy/grid_world.py calls world()).

Moving a document and configuring its stages are the secretariat's; for the grid's other
accounts (on no drafting team) the world's document does not exist (404). A second document,
"the published paper", has been moved twice: its snapshot 1 (caucus review) is not public, its
snapshot 2 (the Policy Council) is, so anyone reads that one and its list, and nobody but staff
the first."""

from typing import Any

from sqlmodel import Session

from app.db import write_again
from app.models.policy import DocumentCreate, SectionCreate
from app.models.policy_reviews import SectionReview
from app.models.users import User
from app.services import policy
from app.services.policy import reviews, stages
from tests.grids import ANYONE, STAFF, Case, grid

DOC = "/documents/{document_id}"
API = "/api/v1/documents/{document_id}"
PUB = "{stage_public_doc_id}"


def _pub(route: str) -> str:
    return route.replace("{document_id}", PUB)


STAGES = {
    "stages": [
        {"key": "drafting", "name": {"en": "Drafting"}},
        {"key": "caucus_review", "name": {"en": "Caucus review"}, "needs_signoff": True},
        {"name": {"en": "Final vote"}, "public": True},
    ]
}
STAGES_FORM = {
    "count": "3",
    "s0.key": "drafting",
    "s0.name.en": "Drafting",
    "s0.order": "1",
    "s1.key": "caucus_review",
    "s1.name.en": "Caucus review",
    "s1.order": "2",
    "s2.key": "",
    "s2.name.en": "Final vote",
    "s2.name.es": "",
    "s2.order": "",
    "s2.public": "true",
}

CASES = grid(
    [
        Case(
            "POST",
            API + "/transitions",
            STAFF,
            200,
            json={"action": "advance", "reason": "Ready for the caucuses."},
            refused=404,
            state="drafting",
        ),
        Case(
            "POST",
            DOC + "/transitions",
            STAFF,
            303,
            form={"action": "advance", "reason": "", "from_stage": "drafting"},
            refused=404,
            state="drafting",
        ),
        Case("GET", DOC + "/stages", STAFF, 200, refused=404),
        Case("POST", DOC + "/stages", STAFF, 303, form=STAGES_FORM, refused=404),
        Case("PUT", API + "/stages", STAFF, 200, json=STAGES, refused=404),
        Case("GET", API + "/stages", STAFF, 200, refused=404, anonymous=404),
        Case("GET", API + "/stages", ANYONE, 200, path=_pub(API + "/stages"), state="published"),
        # Snapshots: the published paper's public one for anyone, its other one for staff.
        Case("GET", DOC + "/v", ANYONE, 200, path=_pub(DOC + "/v"), state="published"),
        Case("GET", DOC + "/v", STAFF, 200, refused=404, anonymous=404, state="unpublished"),
        Case("GET", DOC + "/v/{number}", ANYONE, 200, path=_pub(DOC + "/v/2"), state="public"),
        Case(
            "GET",
            DOC + "/v/{number}",
            STAFF,
            200,
            path=_pub(DOC + "/v/1"),
            refused=404,
            anonymous=404,
            state="not public",
        ),
        Case(
            "GET",
            DOC + "/v/{number}/diff",
            ANYONE,
            200,
            path=_pub(DOC + "/v/2/diff"),
            state="public",
        ),
        Case(
            "GET",
            API + "/snapshots",
            ANYONE,
            200,
            path=_pub(API + "/snapshots"),
            state="published",
        ),
        Case(
            "GET",
            API + "/snapshots/{number}",
            ANYONE,
            200,
            path=_pub(API + "/snapshots/2"),
            state="public",
        ),
        Case(
            "GET",
            API + "/snapshots/{number}",
            STAFF,
            200,
            path=_pub(API + "/snapshots/1"),
            refused=404,
            anonymous=404,
            state="not public",
        ),
        Case(
            "GET",
            DOC + "/export.docx",
            ANYONE,
            200,
            path=_pub(DOC + "/export.docx?snapshot=2"),
            state="public snapshot",
        ),
        Case(
            "GET",
            DOC + "/export.md",
            STAFF,
            200,
            path=_pub(DOC + "/export.md?snapshot=1"),
            refused=404,
            anonymous=404,
            state="snapshot not public",
        ),
        Case("GET", DOC, ANYONE, 200, path=_pub(DOC), state="published"),
        Case(
            "GET",
            "/documents/{document_id}/print",
            ANYONE,
            200,
            path=_pub(DOC + "/print"),
            state="published",
        ),
    ]
)


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """The published paper: moved into caucus review, every section signed off, then to the
    Policy Council."""
    db.rollback()
    write_again(db)
    document = policy.create_document(
        db,
        actor=staff,
        data=DocumentCreate.model_validate(
            {
                "forum_id": policy.get_document(db, ids["document_id"]).forum_id,
                "title": {"en": "Published paper"},
                "language": "en",
            }
        ),
    )
    db.rollback()
    write_again(db)
    section = policy.create_section(
        db,
        actor=staff,
        document=document,
        data=SectionCreate(title="Care", body="Care is a right."),
    )
    db.rollback()
    write_again(db)
    stages.transition(db, document=document, actor=staff, action="advance")
    db.rollback()
    write_again(db)
    for caucus_id in reviews.required_caucus_ids(db, document.id or 0):
        db.add(
            SectionReview(
                document_id=document.id or 0,
                section_id=section.id or 0,
                caucus_id=caucus_id,
                status="endorse",
                revision=section.version,
            )
        )
    db.commit()
    db.rollback()
    write_again(db)
    stages.transition(db, document=document, actor=staff, action="advance")
    db.rollback()
    return {"stage_public_doc_id": document.id}
