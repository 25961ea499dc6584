"""A section's and a document's history a page at a time, for the history pages.

`history.revisions` gives a section's whole history with each snapshot; a section with
thousands of revisions is read here fifty at a time, and without the snapshots (the heavy
part of a revision), which a list of who and when does not need.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.models.policy import PolicyDocument, PolicySection, SectionRevision
from app.services.policy.documents import tree, user_names

PAGE = 50


@dataclass(frozen=True)
class Entry:
    """One revision as a history list shows it."""

    section_id: int
    number: int
    author_id: int | None
    author: str | None
    created_at: datetime
    title: str
    note: str
    auto_merged: bool
    reverted_from: int | None
    row_id: int  # the revision's row, the document history's cursor
    section_number: str = ""
    section_title: str = ""  # as the section is titled now


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    older: int | None  # the cursor of the next (older) page; None: this is the last


_COLUMNS = (
    col(SectionRevision.id),
    col(SectionRevision.section_id),
    col(SectionRevision.number),
    col(SectionRevision.author_id),
    col(SectionRevision.created_at),
    col(SectionRevision.title),
    col(SectionRevision.note),
    col(SectionRevision.auto_merged),
    col(SectionRevision.reverted_from),
)


def _entries(
    db: Session,
    rows: list[tuple[Any, ...]],
    sections: dict[int, tuple[str, str]],
) -> list[Entry]:
    names = user_names(db, {int(r[3]) for r in rows if r[3]})
    return [
        Entry(
            row_id=int(r[0]),
            section_id=int(r[1]),
            number=int(r[2]),
            author_id=r[3],
            author=names.get(r[3]) if r[3] else None,
            created_at=r[4],
            title=str(r[5]),
            note=str(r[6] or ""),
            auto_merged=bool(r[7]),
            reverted_from=r[8],
            section_number=sections.get(int(r[1]), ("", ""))[0],
            section_title=sections.get(int(r[1]), ("", ""))[1],
        )
        for r in rows
    ]


def section_history(
    db: Session, section: PolicySection, *, before: int | None = None, limit: int = PAGE
) -> Timeline:
    """Newest first; `before`: only revisions numbered below it (the next page's cursor)."""
    query = select(*_COLUMNS).where(col(SectionRevision.section_id) == section.id)
    if before is not None:
        query = query.where(col(SectionRevision.number) < before)
    rows = list(db.execute(query.order_by(col(SectionRevision.number).desc()).limit(limit + 1)))
    more = len(rows) > limit
    entries = _entries(db, [tuple(r) for r in rows[:limit]], {})
    return Timeline(entries, entries[-1].number if more and entries else None)


def revision_numbers(db: Session, section: PolicySection) -> list[int]:
    """Every revision's number, oldest first (for choosing two to compare)."""
    return [
        int(n)
        for n in db.execute(
            select(col(SectionRevision.number))
            .where(col(SectionRevision.section_id) == section.id)
            .order_by(col(SectionRevision.number))
        ).scalars()
    ]


def previous_number(db: Session, section: PolicySection, number: int) -> int | None:
    found = db.execute(
        select(func.max(SectionRevision.number)).where(
            col(SectionRevision.section_id) == section.id, col(SectionRevision.number) < number
        )
    ).scalar()
    return int(found) if found is not None else None


def next_number(db: Session, section: PolicySection, number: int) -> int | None:
    found = db.execute(
        select(func.min(SectionRevision.number)).where(
            col(SectionRevision.section_id) == section.id, col(SectionRevision.number) > number
        )
    ).scalar()
    return int(found) if found is not None else None


def document_history(
    db: Session, document: PolicyDocument, *, before: int | None = None, limit: int = PAGE
) -> Timeline:
    """The latest revisions across the document's sections, newest first, each with its
    section's number; `before` is a revision row id (the next page's cursor)."""
    query = (
        select(*_COLUMNS)
        .join(PolicySection, col(PolicySection.id) == col(SectionRevision.section_id))
        .where(col(PolicySection.document_id) == document.id)
    )
    if before is not None:
        query = query.where(col(SectionRevision.id) < before)
    rows = list(db.execute(query.order_by(col(SectionRevision.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    sections = {n.section.id or 0: (n.number, n.section.title) for n in tree(db, document.id or 0)}
    entries = _entries(db, [tuple(r) for r in rows[:limit]], sections)
    return Timeline(entries, entries[-1].row_id if more and entries else None)
