"""Permission grid cases for policy documents' sources (tests/test_permissions.py runs them), and
the records they need, added to the grid's world (tests/policy/grid_world.py calls world()).

The grid's accounts are not on the world's drafting team: the paragraph, its sources and the
working text's listening report do not exist for them (404), and the document has no public
snapshot; grid_stages' published paper has one, whose report anyone reads. Staff are editors of
every document. Where a contribution went is for anyone who may see the contribution (the
world's published one; the pending one is its author's and the moderators'). Each case runs on
a fresh world: the second paragraph's link is there each time."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.db import write_again
from app.models.contributions import Contribution
from app.models.policy import PolicyDocument
from app.models.policy_sources import Outcome, SourceIn
from app.models.users import User
from app.services import policy
from app.services.policy import amendments, sources
from tests.grids import ANYONE, STAFF, Case, grid

P_API = "/api/v1/paragraphs/{paragraph_id}/sources"
P_PAGE = "/paragraphs/{paragraph_id}/sources"
LINKED = "{sourced_paragraph_id}"
LINK = {"target_kind": "contribution", "target_id": "{contribution_id}"}
REPORT = "/documents/{document_id}/listening-report"
PUB = "{stage_public_doc_id}"  # tests/policy/grid_stages.py: a paper with a public snapshot

CASES = grid(
    [
        Case(
            "POST",
            P_API,
            STAFF,
            201,
            json=LINK | {"outcome": "incorporated"},
            refused=404,
        ),
        Case(
            "POST",
            P_API,
            STAFF,
            200,
            path=P_API.replace("{paragraph_id}", LINKED),
            json=LINK | {"outcome": "not_taken_up", "reason": "Out of scope."},
            refused=404,
            state="linked",
        ),
        Case(
            "DELETE",
            P_API,
            STAFF,
            204,
            path=P_API.replace("{paragraph_id}", LINKED),
            params=LINK,
            refused=404,
            state="linked",
        ),
        Case("GET", P_API, STAFF, 200, refused=404, anonymous=404),
        Case("GET", "/api/v1/contributions/{contribution_id}/uptake", ANYONE, 200),
        Case(
            "GET",
            "/api/v1/contributions/{contribution_id}/uptake",
            STAFF,
            200,
            path="/api/v1/contributions/{pending_id}/uptake",
            refused=404,
            anonymous=404,
            state="pending",
        ),
        Case("GET", "/api/v1" + REPORT, STAFF, 200, refused=404, anonymous=404),
        Case("GET", P_PAGE, STAFF, 200, refused=404, anonymous=404),
        Case(
            "POST",
            P_PAGE,
            STAFF,
            303,
            form={"target": "contribution:{contribution_id}", "outcome": "merged", "reason": ""},
            refused=404,
        ),
        Case(
            "POST",
            P_PAGE + "/delete",
            STAFF,
            303,
            path=P_PAGE.replace("{paragraph_id}", LINKED) + "/delete",
            form=LINK,
            refused=404,
            state="linked",
        ),
        # The published paper of grid_stages: its public snapshot's report is anyone's, the
        # caucus-review snapshot's (not public) the secretariat's.
        Case(
            "GET",
            "/api/v1" + REPORT,
            ANYONE,
            200,
            path="/api/v1" + REPORT.replace("{document_id}", PUB),
            state="published",
        ),
        Case(
            "GET",
            "/api/v1" + REPORT,
            STAFF,
            200,
            path="/api/v1" + REPORT.replace("{document_id}", PUB),
            params={"snapshot": 1},
            refused=404,
            anonymous=404,
            state="published, snapshot not public",
        ),
        Case(
            "GET",
            REPORT,
            ANYONE,
            200,
            path=REPORT.replace("{document_id}", PUB),
            params={"snapshot": 2},
            state="published",
        ),
        Case("GET", REPORT, STAFF, 200, refused=404, anonymous=404),
        Case("GET", REPORT + ".csv", STAFF, 200, refused=404, anonymous=404),
    ]
)


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """The section's second paragraph fed by the forum's published contribution."""
    db.rollback()
    write_again(db)
    document = db.get(PolicyDocument, ids["document_id"])
    assert document is not None
    contribution_id = db.execute(
        select(col(Contribution.id))
        .where(
            col(Contribution.forum_id) == document.forum_id,
            col(Contribution.status) == "published",
        )
        .order_by(col(Contribution.id))
        .limit(1)
    ).scalar_one()
    paragraph = policy.current_paragraphs(db, ids["section_id"])[1]
    place = amendments.paragraph_place(db, paragraph.id or 0)
    sources.link(
        db,
        place=place,
        actor=staff,
        data=SourceIn(
            target_kind="contribution", target_id=contribution_id, outcome=Outcome.merged
        ),
    )
    found = {"sourced_paragraph_id": paragraph.id}
    db.rollback()
    return found
