"""A policy document for the permission grid (tests/grids.py build_world): a forum's paper with
one section; the grid's accounts are not on its drafting team, so only staff reach it."""

from typing import Any

from sqlmodel import Session

from app.db import READ_BIND
from app.models.forums import Forum
from app.models.policy import DocumentCreate, SectionCreate
from app.models.users import User
from app.services import policy


def policy_world(db: Session, staff: User, forum: Forum) -> dict[str, Any]:
    document = policy.create_document(
        db,
        actor=staff,
        data=DocumentCreate.model_validate(
            {"forum_id": forum.id, "title": {"en": "Grid paper"}, "language": "en"}
        ),
    )
    section = policy.create_section(
        db,
        actor=staff,
        document=document,
        data=SectionCreate(title="Care", body="Care is a right.\n\nCare is work."),
    )
    ids: dict[str, Any] = {
        "document_id": document.id,
        "section_id": section.id,
        "section_version": section.version,
        "paragraph_id": policy.current_paragraphs(db, section.id or 0)[0].id,
    }
    # Imported here: those modules register their cases with tests.grids, which imports this.
    from tests.policy import (
        grid_amendments,
        grid_comments,
        grid_history,
        grid_io,
        grid_pages,
        grid_reviews,
        grid_sources,
        grid_stages,
    )

    parts = (grid_pages, grid_history, grid_amendments, grid_comments, grid_io)
    for part in (*parts, grid_reviews, grid_stages, grid_sources):
        ids |= part.world(db, staff, ids)
    # The parts write with write_again: end on the read bind with no transaction open, so that
    # the world's session does not take SQLite's write lock again under the test's requests.
    db.rollback()
    read_bind = db.info.get(READ_BIND)
    if read_bind is not None:
        db.bind = read_bind
    return ids
