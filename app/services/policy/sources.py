"""Traceability: which contributions and minutes points fed a paragraph, with the outcome for
each (services/targets.py resolves them), and the other way round, where a contribution went.

A link is one row per (paragraph, target), written by an upsert on that unique key, so that
twenty identical posts at once leave one row on SQLite and PostgreSQL alike and relinking the
same target changes its outcome and reason in place. A paragraph merged away keeps its links;
they are read under the paragraph it went into (comments do the same, following
`merged_into_id`).

Where a contribution went is read in the text its reader may read: the drafting team and the
secretariat see the live links into the working text; anyone else only what is frozen in the
document's latest public snapshot that holds it (policy_snapshot_source), never the working
text of a document that is not published.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_, gettext, localized
from app.models.contributions import Contribution, Status
from app.models.policy import PolicyDocument, PolicyParagraph
from app.models.policy_sources import (
    OUTCOME_LABELS,
    Outcome,
    ParagraphSource,
    SourceIn,
    SourcePublic,
    SourceRef,
    UptakePublic,
)
from app.models.policy_stages import DEFAULT_STAGES, DocumentSnapshot, DocumentStage, SnapshotSource
from app.models.types import utcnow
from app.models.users import User
from app.services import audit, targets
from app.services.contributions import short_title
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.minutes import point_options
from app.services.policy.amendments import Place
from app.services.policy.comments import folded, live_paragraph
from app.services.policy.documents import team_ids, tree

audit.register_states("policy_paragraph", OUTCOME_LABELS)

# What a paragraph may name as its source: what people said, not sessions or sections.
SOURCE_KINDS: tuple[str, ...] = ("contribution", "minutes_point")
_KIND = N_("Choose a contribution or a key point of the minutes.")
_MISSING = N_("There is no such record, or you may not see it.")
_REASON = N_("Say why it was not taken up: the contribution's author reads this reason.")
_REMOVED = N_("This paragraph is no longer in the text.")
_DEFAULT_STAGE_NAMES = {key: name for key, name, _public, _signoff in DEFAULT_STAGES}


@dataclass(frozen=True)
class Linked:
    source: ParagraphSource
    created: bool  # False: the link existed and was updated (or left as it was)


def _insert(db: Session):  # type: ignore[no-untyped-def]
    return pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert


def check(db: Session, *, actor: User, data: SourceIn) -> targets.Target:
    """The source named, seen as the actor sees it, and a reason when one is due: every
    problem as a field error, so that a form shows it beside what was typed."""
    errors: dict[str, list[str]] = {}
    if data.outcome == Outcome.not_taken_up and not data.reason.strip():
        errors["reason"] = [_REASON]
    found = None
    if data.target_kind not in SOURCE_KINDS:
        errors["target_kind"] = [_KIND]
    else:
        found = targets.find(db, kind=data.target_kind, target_id=data.target_id, viewer=actor)
        if found is None:
            errors["target_id"] = [_MISSING]
    if errors or found is None:
        raise InvalidInput(errors)
    return found


def link(db: Session, *, place: Place, actor: User, data: SourceIn) -> Linked:
    """Links the source to the paragraph (to the one it went into, if it was merged away), or
    updates the outcome and reason of the link that is there."""
    assert place.paragraph is not None
    paragraph = live_paragraph(db, place.paragraph)
    if paragraph.removed_at is not None:
        raise Conflict(_REMOVED)
    check(db, actor=actor, data=data)
    reason = data.reason.strip()
    key = (
        col(ParagraphSource.paragraph_id) == paragraph.id,
        col(ParagraphSource.target_kind) == data.target_kind,
        col(ParagraphSource.target_id) == data.target_id,
    )
    # INSERT … ON CONFLICT DO NOTHING: of identical posts at once one inserts, the others
    # find the row (PostgreSQL waits for the first to commit; SQLite writes one at a time).
    inserted = db.execute(
        _insert(db)(ParagraphSource)
        .values(
            document_id=place.document.id,
            paragraph_id=paragraph.id,
            target_kind=data.target_kind,
            target_id=data.target_id,
            outcome=data.outcome.value,
            reason=reason,
            linked_by_id=actor.id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["paragraph_id", "target_kind", "target_id"])
        .returning(col(ParagraphSource.id))
    ).scalar_one_or_none()
    if inserted is None:
        db.execute(
            update(ParagraphSource)
            .where(*key)
            .values(outcome=data.outcome.value, reason=reason)
            .execution_options(synchronize_session=False)
        )
    audit.record(
        db,
        actor=actor,
        action="policy.source_link",
        object_type="policy_paragraph",
        object_id=paragraph.id,
        summary=f"{audit.object_name(data.target_kind)} #{data.target_id}",
        after=data.outcome.value,
    )
    db.commit()
    row = db.execute(select(ParagraphSource).where(*key)).scalar_one_or_none()
    if row is None:  # unlinked by someone else between the commit and this read
        raise NotFound()
    return Linked(row, created=inserted is not None)


def unlink(db: Session, *, place: Place, actor: User, ref: SourceRef) -> int:
    """Removes the link from the paragraph (and from those merged into it, whose links it
    shows). Unlinking what is not linked changes nothing: the source is not linked either way."""
    assert place.paragraph is not None
    fold = folded([place.paragraph.id or 0])
    result = db.execute(
        delete(ParagraphSource)
        .where(
            col(ParagraphSource.paragraph_id).in_(select(fold.c.id)),
            col(ParagraphSource.target_kind) == ref.target_kind,
            col(ParagraphSource.target_id) == ref.target_id,
        )
        .execution_options(synchronize_session=False)
    )
    removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if removed:
        audit.record(
            db,
            actor=actor,
            action="policy.source_unlink",
            object_type="policy_paragraph",
            object_id=place.paragraph.id,
            summary=f"{audit.object_name(ref.target_kind)} #{ref.target_id}",
        )
    db.commit()
    return removed


# -- a paragraph's sources --------------------------------------------------------------------


def source_counts(db: Session, paragraph_ids: Sequence[int]) -> dict[int, int]:
    """How many sources each paragraph has (those of paragraphs merged into it included): one
    query for a whole page."""
    if not paragraph_ids:
        return {}
    fold = folded(paragraph_ids)
    rows = db.execute(
        select(fold.c.root, func.count(col(ParagraphSource.id)))
        .join(ParagraphSource, col(ParagraphSource.paragraph_id) == fold.c.id)
        .group_by(fold.c.root)
    )
    counts = {int(root): int(n) for root, n in rows}
    return {pid: counts.get(pid, 0) for pid in paragraph_ids}


def sources_of(
    db: Session, paragraph_ids: Sequence[int], viewer: User | None
) -> dict[int, list[SourcePublic]]:
    """Each paragraph's sources, oldest link first; a source that is gone, or that this reader
    may not see, is listed with no title and no link."""
    out: dict[int, list[SourcePublic]] = {pid: [] for pid in paragraph_ids}
    if not paragraph_ids:
        return out
    fold = folded(paragraph_ids)
    rows = db.execute(
        select(fold.c.root, ParagraphSource)
        .join(ParagraphSource, col(ParagraphSource.paragraph_id) == fold.c.id)
        .order_by(col(ParagraphSource.created_at), col(ParagraphSource.id))
    ).all()
    for root, source in rows:
        found = targets.find(db, kind=source.target_kind, target_id=source.target_id, viewer=viewer)
        out[int(root)].append(
            SourcePublic(
                paragraph_id=source.paragraph_id,
                target_kind=source.target_kind,
                target_id=source.target_id,
                title=found.title if found else None,
                url=found.url if found else None,
                outcome=Outcome(source.outcome),
                reason=source.reason,
                created_at=source.created_at,
            )
        )
    return out


Choices = list[tuple[str, str, list[tuple[int, str]]]]


def source_choices(db: Session, *, viewer: User, forum_id: int) -> Choices:
    """What the link form offers, as (kind, its label's msgid, (id, title) of its records): the
    published contributions of the document's forum, newest first, and the key points of its
    sessions' published minutes. Anything else is linked by its number."""
    rows = db.execute(
        select(Contribution)
        .where(col(Contribution.forum_id) == forum_id, col(Contribution.status) == Status.published)
        .order_by(col(Contribution.id).desc())
        .limit(300)
    ).scalars()
    return [
        (
            "contribution",
            targets.kind_of("contribution").label,
            [(c.id or 0, short_title(c)) for c in rows],
        ),
        (
            "minutes_point",
            targets.kind_of("minutes_point").label,
            point_options(db, viewer, forum_id=forum_id),
        ),
    ]


# -- where a contribution went ----------------------------------------------------------------


def stage_name(names: dict[str, str] | None, key: str) -> str:
    """A stage's name in the reader's language: its own, else the default stage's, else its key."""
    text = localized(names)[0] if names else ""
    if text:
        return text
    default = _DEFAULT_STAGE_NAMES.get(key)
    return gettext(default) if default else key


def _working(
    db: Session, *, kind: str, ids: Sequence[int], documents: dict[int, PolicyDocument]
) -> list[tuple[int, UptakePublic]]:
    """Live links into the working text of the documents given, each placed at the paragraph
    it is read under now (through merges)."""
    rows = db.execute(
        select(ParagraphSource, PolicyParagraph)
        .join(PolicyParagraph, col(PolicyParagraph.id) == col(ParagraphSource.paragraph_id))
        .where(
            col(ParagraphSource.target_kind) == kind,
            col(ParagraphSource.target_id).in_(list(ids)),
            col(ParagraphSource.document_id).in_(list(documents)),
        )
        .order_by(col(ParagraphSource.document_id), col(ParagraphSource.id))
    ).all()
    numbers: dict[int, dict[int, str]] = {}
    stages: dict[int, str] = {}
    out = []
    for source, paragraph in rows:
        document = documents[source.document_id]
        if source.document_id not in numbers:
            numbers[source.document_id] = {
                n.section.id or 0: n.number for n in tree(db, source.document_id)
            }
            stage = db.execute(
                select(DocumentStage).where(
                    col(DocumentStage.document_id) == source.document_id,
                    col(DocumentStage.key) == document.stage,
                )
            ).scalar_one_or_none()
            stages[source.document_id] = stage_name(stage.name if stage else None, document.stage)
        shown = live_paragraph(db, paragraph)
        anchor = f"p-{shown.id}" if shown.removed_at is None else f"s-{shown.section_id}"
        out.append(
            (
                source.target_id,
                UptakePublic(
                    document_id=source.document_id,
                    document_title=localized(document.title, document.language)[0],
                    stage=document.stage,
                    stage_name=stages[source.document_id],
                    snapshot=None,
                    section_number=numbers[source.document_id].get(shown.section_id, ""),
                    paragraph_id=shown.id or 0,
                    url=f"/documents/{source.document_id}#{anchor}",
                    outcome=Outcome(source.outcome),
                    outcome_label=gettext(OUTCOME_LABELS[source.outcome]),
                    reason=source.reason,
                ),
            )
        )
    return out


def _frozen(
    db: Session, *, kind: str, ids: Sequence[int], skip: Iterable[int]
) -> list[tuple[int, UptakePublic]]:
    """What the latest public snapshot holding each target froze, per document (but those
    whose working text this reader reads)."""
    held = (
        select(
            col(SnapshotSource.target_id).label("target_id"),
            col(SnapshotSource.document_id).label("document_id"),
            func.max(col(DocumentSnapshot.number)).label("number"),
        )
        .join(DocumentSnapshot, col(DocumentSnapshot.id) == col(SnapshotSource.snapshot_id))
        .where(
            col(SnapshotSource.target_kind) == kind,
            col(SnapshotSource.target_id).in_(list(ids)),
            col(DocumentSnapshot.public),
        )
        .group_by(col(SnapshotSource.target_id), col(SnapshotSource.document_id))
        .subquery()
    )
    query = (
        select(SnapshotSource, DocumentSnapshot)
        .join(DocumentSnapshot, col(DocumentSnapshot.id) == col(SnapshotSource.snapshot_id))
        .join(
            held,
            (held.c.target_id == col(SnapshotSource.target_id))
            & (held.c.document_id == col(DocumentSnapshot.document_id))
            & (held.c.number == col(DocumentSnapshot.number)),
        )
        .where(col(SnapshotSource.target_kind) == kind)
        .order_by(col(SnapshotSource.document_id), col(SnapshotSource.id))
    )
    skipped = list(skip)
    if skipped:
        query = query.where(col(SnapshotSource.document_id).not_in(skipped))
    out = []
    for frozen, snapshot in db.execute(query).all():
        out.append(
            (
                frozen.target_id,
                UptakePublic(
                    document_id=frozen.document_id,
                    document_title=localized(snapshot.title, snapshot.language)[0],
                    stage=snapshot.stage,
                    stage_name=stage_name(snapshot.stage_name, snapshot.stage),
                    snapshot=snapshot.number,
                    section_number=frozen.section_number,
                    paragraph_id=frozen.paragraph_id,
                    url=f"/documents/{frozen.document_id}/v/{snapshot.number}#p-{frozen.paragraph_id}",
                    outcome=Outcome(frozen.outcome),
                    outcome_label=gettext(OUTCOME_LABELS.get(frozen.outcome, frozen.outcome)),
                    reason=frozen.reason,
                ),
            )
        )
    return out


def uptake_many(
    db: Session, *, target_kind: str, target_ids: Sequence[int], viewer: User | None
) -> dict[int, list[UptakePublic]]:
    """For each target: the paragraphs it fed, in the text this reader may read."""
    out: dict[int, list[UptakePublic]] = {tid: [] for tid in target_ids}
    if not target_ids:
        return out
    linked = db.execute(
        select(PolicyDocument)
        .where(
            col(PolicyDocument.id).in_(
                select(col(ParagraphSource.document_id)).where(
                    col(ParagraphSource.target_kind) == target_kind,
                    col(ParagraphSource.target_id).in_(list(target_ids)),
                )
            )
        )
        .order_by(col(PolicyDocument.id))
    ).scalars()
    readable = {
        d.id or 0: d
        for d in linked
        if permissions.can_read_document(viewer, d, team_ids(db, d.id or 0))
    }
    found = []
    if readable:
        found += _working(db, kind=target_kind, ids=target_ids, documents=readable)
    found += _frozen(db, kind=target_kind, ids=target_ids, skip=readable)
    for target_id, row in found:
        out[target_id].append(row)
    return out


def contributions_uptake(
    db: Session, ids: Sequence[int | None], viewer: User | None
) -> dict[int, list[UptakePublic]]:
    """Where each contribution went (a contribution's page, "my contributions")."""
    wanted = [i for i in ids if i is not None]
    return uptake_many(db, target_kind="contribution", target_ids=wanted, viewer=viewer)


def uptake(
    db: Session, *, target_kind: str, target_id: int, viewer: User | None
) -> list[UptakePublic]:
    return uptake_many(db, target_kind=target_kind, target_ids=[target_id], viewer=viewer)[
        target_id
    ]
