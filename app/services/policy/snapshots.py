"""Snapshots of a policy document, frozen by each move between stages: the text as it stood,
with each paragraph's sources, readable at /documents/{id}/v/{n} for ever.

A snapshot is written once, by freeze(), in the transaction of the move, and nothing updates
it: each paragraph keeps its id, its Markdown and its sanitised HTML, so reading a snapshot
never renders anything again nor depends on later edits; each source keeps its title, address,
channel and date as the public could see them then (a source the public could not see is
frozen untitled, as "source not public", so no snapshot carries what its readers may not read).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import i18n
from app.models.forums import Forum
from app.models.policy import PolicyDocument
from app.models.policy_sources import ParagraphSource
from app.models.policy_stages import (
    DocumentSnapshot,
    SnapshotPublic,
    SnapshotSource,
    SnapshotSummary,
)
from app.models.users import User
from app.services import targets
from app.services.errors import NotFound
from app.services.policy.comments import folded
from app.services.policy.documents import user_names
from app.services.policy.listing import document_sections, paragraph_html


@dataclass(frozen=True)
class View:
    """What a reader reads of a document (given by its dependency): the working text
    (`snapshot` None: the drafting team and the secretariat) or the latest public snapshot."""

    document: PolicyDocument
    snapshot: DocumentSnapshot | None
    working: bool  # may read the working text and every snapshot


@dataclass(frozen=True)
class Note:
    """A frozen source as an endnote: numbered in reading order across the snapshot."""

    number: int
    paragraph_id: int
    section_number: str
    kind: str
    title: str | None  # None: not public when frozen
    url: str | None
    channel: str | None  # msgid
    date: date | None
    outcome: str


def latest_public(db: Session, document_id: int) -> DocumentSnapshot | None:
    return db.execute(
        select(DocumentSnapshot)
        .where(col(DocumentSnapshot.document_id) == document_id, col(DocumentSnapshot.public))
        .order_by(col(DocumentSnapshot.number).desc())
        .limit(1)
    ).scalar_one_or_none()


def get_snapshot(db: Session, *, document_id: int, number: int) -> DocumentSnapshot:
    found = db.execute(
        select(DocumentSnapshot).where(
            col(DocumentSnapshot.document_id) == document_id,
            col(DocumentSnapshot.number) == number,
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def last_number(db: Session, document_id: int) -> int:
    found = db.execute(
        select(func.max(col(DocumentSnapshot.number))).where(
            col(DocumentSnapshot.document_id) == document_id
        )
    ).scalar_one_or_none()
    return int(found or 0)


def snapshots_of(db: Session, document_id: int, *, public_only: bool) -> list[DocumentSnapshot]:
    """Newest first."""
    query = select(DocumentSnapshot).where(col(DocumentSnapshot.document_id) == document_id)
    if public_only:
        query = query.where(col(DocumentSnapshot.public))
    return list(db.execute(query.order_by(col(DocumentSnapshot.number).desc())).scalars())


def previous(
    db: Session, snapshot: DocumentSnapshot, *, public_only: bool
) -> DocumentSnapshot | None:
    """The snapshot before this one that the reader may read (its diff's other side)."""
    query = select(DocumentSnapshot).where(
        col(DocumentSnapshot.document_id) == snapshot.document_id,
        col(DocumentSnapshot.number) < snapshot.number,
    )
    if public_only:
        query = query.where(col(DocumentSnapshot.public))
    return db.execute(
        query.order_by(col(DocumentSnapshot.number).desc()).limit(1)
    ).scalar_one_or_none()


def later_exists(db: Session, snapshot: DocumentSnapshot, *, public_only: bool) -> int | None:
    """The number of the newest later snapshot this reader may read, if any."""
    query = select(func.max(col(DocumentSnapshot.number))).where(
        col(DocumentSnapshot.document_id) == snapshot.document_id,
        col(DocumentSnapshot.number) > snapshot.number,
    )
    if public_only:
        query = query.where(col(DocumentSnapshot.public))
    found = db.execute(query).scalar_one_or_none()
    return int(found) if found else None


def _source(row: ParagraphSource, found: targets.Target | None) -> dict[str, Any]:
    if found is None:
        return {
            "kind": row.target_kind,
            "id": None,
            "title": None,
            "url": None,
            "channel": None,
            "date": None,
            "outcome": str(row.outcome),
            "reason": "",
        }
    channel, day = targets.citation(row.target_kind, found.record)
    return {
        "kind": row.target_kind,
        "id": row.target_id,
        "title": found.title,
        "url": found.url,
        "channel": channel,
        "date": day.isoformat() if day is not None else None,
        "outcome": str(row.outcome),
        "reason": row.reason,
    }


def _targets(
    db: Session, rows: list[ParagraphSource]
) -> dict[tuple[str, int], targets.Target | None]:
    """Each source's record as the public may see it (viewer=None: whoever moved the document),
    one query per kind: a move freezing thousands of sources holds the write lock briefly."""
    by_kind: dict[str, list[int]] = {}
    for row in rows:
        by_kind.setdefault(row.target_kind, []).append(row.target_id)
    out: dict[tuple[str, int], targets.Target | None] = {}
    for kind, ids in by_kind.items():
        found = targets.find_many(db, kind=kind, target_ids=ids, viewer=None)
        out.update({(kind, i): found.get(i) for i in ids})
    return out


def freeze(
    db: Session,
    *,
    document: PolicyDocument,
    number: int,
    stage: str,
    from_stage: str,
    stage_name: dict[str, str],
    public: bool,
    actor: User | None,
    reason: str,
) -> DocumentSnapshot:
    """The snapshot of the document as it stands, in the caller's transaction (the caller
    commits, with the move that froze it)."""
    document_id = document.id or 0
    shown = document_sections(db, document_id)
    paragraph_ids = [p.id or 0 for s in shown for p in s.paragraphs]
    by_paragraph: dict[int, list[ParagraphSource]] = {}
    if paragraph_ids:
        # The links of paragraphs merged into a current one are that paragraph's sources, as
        # its page shows them (comments.folded).
        fold = folded(paragraph_ids)
        rows = db.execute(
            select(fold.c.root, ParagraphSource)
            .join(fold, col(ParagraphSource.paragraph_id) == fold.c.id)
            .where(col(ParagraphSource.document_id) == document_id)
            .order_by(col(ParagraphSource.created_at), col(ParagraphSource.id))
        ).all()
        for root, row in rows:
            by_paragraph.setdefault(int(root), []).append(row)
    found = _targets(db, [row for rows in by_paragraph.values() for row in rows])
    sections: list[dict[str, Any]] = []
    frozen_sources: list[tuple[int, str, ParagraphSource]] = []
    for s in shown:
        paragraphs = []
        for p in s.paragraphs:
            sources = by_paragraph.get(p.id or 0, [])
            frozen_sources += [(p.id or 0, s.numbered.number, row) for row in sources]
            paragraphs.append(
                {
                    "id": p.id,
                    "text": p.text,
                    "html": str(paragraph_html(p.text)),
                    "sources": [
                        _source(row, found[(row.target_kind, row.target_id)]) for row in sources
                    ],
                }
            )
        sections.append(
            {
                "id": s.section.id,
                "number": s.numbered.number,
                "depth": s.numbered.depth,
                "title": s.section.title,
                "version": s.section.version,
                "paragraphs": paragraphs,
            }
        )
    snapshot = DocumentSnapshot(
        document_id=document_id,
        number=number,
        stage=stage,
        from_stage=from_stage,
        stage_name=stage_name,
        public=public,
        actor_id=actor.id if actor is not None else None,
        reason=reason,
        title=dict(document.title),
        language=document.language,
        sections=sections,
    )
    db.add(snapshot)
    db.flush()
    db.add_all(
        SnapshotSource(
            snapshot_id=snapshot.id or 0,
            document_id=document_id,
            paragraph_id=paragraph_id,
            section_number=section_number,
            target_kind=row.target_kind,
            target_id=row.target_id,
            outcome=str(row.outcome),
            reason=row.reason,
        )
        for paragraph_id, section_number, row in frozen_sources
    )
    return snapshot


def notes(snapshot: DocumentSnapshot) -> list[Note]:
    """Every frozen source as a numbered endnote, in reading order."""
    out: list[Note] = []
    for section in snapshot.sections:
        for paragraph in section.get("paragraphs", []):
            for source in paragraph.get("sources", []):
                day = source.get("date")
                out.append(
                    Note(
                        number=len(out) + 1,
                        paragraph_id=int(paragraph["id"]),
                        section_number=str(section.get("number", "")),
                        kind=str(source.get("kind", "")),
                        title=source.get("title"),
                        url=source.get("url"),
                        channel=source.get("channel"),
                        date=date.fromisoformat(day) if day else None,
                        outcome=str(source.get("outcome", "")),
                    )
                )
    return out


def notes_by_paragraph(snapshot: DocumentSnapshot) -> dict[int, list[Note]]:
    out: dict[int, list[Note]] = {}
    for note in notes(snapshot):
        out.setdefault(note.paragraph_id, []).append(note)
    return out


def url_of(snapshot: DocumentSnapshot) -> str:
    return f"/documents/{snapshot.document_id}/v/{snapshot.number}"


def stage_name_of(snapshot: DocumentSnapshot) -> str:
    return i18n.localized(snapshot.stage_name)[0] or snapshot.stage


def summary(snapshot: DocumentSnapshot) -> SnapshotSummary:
    return SnapshotSummary(
        number=snapshot.number,
        stage=snapshot.stage,
        stage_name=stage_name_of(snapshot),
        from_stage=snapshot.from_stage,
        public=snapshot.public,
        created_at=snapshot.created_at,
        reason=snapshot.reason,
        url=url_of(snapshot),
    )


def public_shape(snapshot: DocumentSnapshot) -> SnapshotPublic:
    return SnapshotPublic(
        **summary(snapshot).model_dump(),
        document_id=snapshot.document_id,
        title=snapshot.title,
        language=snapshot.language,
        sections=snapshot.sections,
    )


def actor_name(db: Session, snapshot: DocumentSnapshot) -> str | None:
    if snapshot.actor_id is None:
        return None
    return user_names(db, {snapshot.actor_id}).get(snapshot.actor_id)


def reading(db: Session, view: View) -> dict[str, Any]:
    """What the snapshot page shows: the frozen text with its notes, and the banner (which
    stage, when, by whom, whether a later version exists, the diff from the one before)."""
    snapshot = view.snapshot
    assert snapshot is not None
    public_only = not view.working
    before = previous(db, snapshot, public_only=public_only)
    return {
        "document": view.document,
        "forum": db.get(Forum, view.document.forum_id),
        "snapshot": snapshot,
        "stage_name": stage_name_of(snapshot),
        "actor": actor_name(db, snapshot),
        "later": later_exists(db, snapshot, public_only=public_only),
        "before": before,
        "notes": notes_by_paragraph(snapshot),
        "note_list": notes(snapshot),
        "working": view.working,
    }
