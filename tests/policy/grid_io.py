"""Permission grid cases for policy documents' io (tests/test_permissions.py runs them), and
the records they need, added to the grid's world (tests/policy/grid_world.py calls world())."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.db import write_again
from app.models.caremap import CareRun, PinCreate
from app.models.users import User
from app.services import caremap
from app.services.policy import importing
from tests.grids import STAFF, Case, grid
from tests.policy.io_files import MARKDOWN

DOC = "/documents/{document_id}"
SECTION = "/sections/{section_id}"
IMPORT = {"forum_id": "{forum_id}", "title": "Imported", "language": "en"}
MD_FILE = {"file": ("draft.md", MARKDOWN, "text/markdown")}

# Importing is the secretariat's; the files and the printable page are for those who may read
# the document, which for the grid's accounts (on no drafting team) does not exist; pinning
# beside a section is for the document's editors, so here for staff only.
CASES = grid(
    [
        Case("GET", "/documents/import", STAFF, 200),
        Case("POST", "/documents/import", STAFF, 200, form=IMPORT, files=MD_FILE),
        Case(
            "POST", "/documents/import/create", STAFF, 303, form=IMPORT | {"sealed": "{io_sealed}"}
        ),
        Case("POST", "/api/v1/documents/import", STAFF, 201, form=IMPORT, files=MD_FILE),
        Case("GET", DOC + "/export.docx", STAFF, 200, refused=404, anonymous=404),
        Case("GET", DOC + "/export.md", STAFF, 200, refused=404, anonymous=404),
        Case("GET", DOC + "/print", STAFF, 200, refused=404, anonymous=404),
        Case("GET", SECTION + "/evidence/new", STAFF, 200, refused=404),
        Case(
            "POST",
            SECTION + "/evidence",
            STAFF,
            303,
            form={"run_id": "{io_run_id}", "care_group": "older_persons", "metric": "gap"},
            refused=404,
        ),
        Case("POST", SECTION + "/evidence/{io_pin_id}/delete", STAFF, 303, refused=404),
    ]
)


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """Extra records for CASES, given the ids the world already has (document_id, section_id)."""
    sealed = importing.sealed(importing.parse("draft.md", MARKDOWN))
    # The world's session reads on after its last commit; this write takes the lock again.
    db.rollback()
    write_again(db)
    run = db.execute(select(CareRun).limit(1)).scalars().first()
    if run is None:
        return {"io_sealed": sealed}
    pin = caremap.create_pin(
        db,
        actor=staff,
        data=PinCreate.model_validate(
            {
                "run_id": run.id,
                "care_group": "children_0_5",
                "target_kind": "policy_section",
                "target_id": ids["section_id"],
            }
        ),
    )
    db.rollback()
    write_again(db)
    return {"io_run_id": run.id, "io_pin_id": pin.id, "io_sealed": sealed}
