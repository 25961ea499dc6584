"""Saving a section without losing anyone's words.

A save carries the whole body as the editor has it and the version it was based on. Its
paragraphs are aligned with the base revision's (so they keep their ids); if the section moved
on since, the save is merged three ways with the current revision (merge.py): what does not
overlap is kept from both, what overlaps is a SectionConflict and nothing is stored.

The write is a compare-and-set: `UPDATE policy_section SET version = v + 1 WHERE id = :id AND
version = v`, v being the version the merge was made against. If another writer got there
first, nothing was written; the save is merged again on the newer revision and tried again.
So an acknowledged save is always the base of the next one, on PostgreSQL under READ COMMITTED
with any number of instances. SQLite write sessions begin IMMEDIATE (app/db.py), so there the
read and the write cannot interleave with another writer's at all and the first try wins.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlmodel import Session, col

from app.i18n import N_
from app.models.policy import PolicyParagraph, PolicySection, SectionRevision
from app.models.types import utcnow
from app.models.users import User
from app.services import audit
from app.services.errors import Conflict, NotFound
from app.services.policy.lock import ensure_open
from app.services.policy.merge import Clash, merge
from app.services.policy.paragraphs import Para, align, paragraphs_of

ATTEMPTS = 50
_OVERLAP = N_(
    "Someone else changed the same part of this section since you opened it. Compare the "
    "texts, choose or combine them, and save again."
)
_UNKNOWN_VERSION = N_("This version of the section does not exist. Reload the page.")
_BUSY = N_("This section is being changed by many people at once. Please save again.")
NO_REVISION = N_("That revision of the section does not exist.")


class SectionConflict(Conflict):
    """A save that overlaps what was saved since its base: the places both changed."""

    def __init__(self, clashes: Sequence[Clash] = (), message: str = _OVERLAP) -> None:
        super().__init__(message)
        self.clashes = list(clashes)


@dataclass
class Saved:
    section: PolicySection
    merged: bool  # others' newer changes were kept alongside this save
    changed: bool = True  # False: the text and title were already so; no revision was made
    clashes: list[Clash] = field(default_factory=list)


def fresh(db: Session, section_id: int) -> PolicySection:
    found = db.execute(
        select(PolicySection)
        .where(col(PolicySection.id) == section_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def get_revision(db: Session, section_id: int, number: int) -> SectionRevision | None:
    return db.execute(
        select(SectionRevision).where(
            col(SectionRevision.section_id) == section_id, col(SectionRevision.number) == number
        )
    ).scalar_one_or_none()


def snapshot(revision: SectionRevision) -> list[Para]:
    return [Para(int(p["id"]), str(p["text"])) for p in revision.paragraphs]


def _same(a: Sequence[Para], b: Sequence[Para]) -> bool:
    return [(p.id, p.text) for p in a] == [(p.id, p.text) for p in b]


def _write(
    db: Session,
    *,
    actor: User,
    current: PolicySection,
    paragraphs: Sequence[Para],
    title: str,
    merges: Sequence[tuple[int, int]],
    base_version: int,
    auto_merged: bool,
    note: str,
    reverted_from: int | None = None,
    logged: bool = True,
) -> bool:
    """The new revision over `current`, if `current` is still the latest (else False and
    nothing written)."""
    now = utcnow()
    seen = current.version
    won = db.execute(
        update(PolicySection)
        .where(col(PolicySection.id) == current.id, col(PolicySection.version) == seen)
        .values(version=seen + 1, title=title, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return False
    version = seen + 1
    existing = {
        p.id: p
        for p in db.execute(
            select(PolicyParagraph).where(col(PolicyParagraph.section_id) == current.id)
        ).scalars()
    }
    rows: list[PolicyParagraph] = []
    for position, para in enumerate(paragraphs, start=1):
        row = existing.get(para.id) if para.id is not None else None
        if row is None:
            row = PolicyParagraph(
                section_id=current.id or 0,
                position=position,
                text=para.text,
                changed_version=version,
            )
        else:
            if row.text != para.text or row.removed_at is not None:
                row.text, row.changed_version = para.text, version
            row.position, row.removed_at, row.merged_into_id = position, None, None
        db.add(row)
        rows.append(row)
    db.flush()
    kept = {r.id for r in rows}
    into = dict(merges)
    for row in existing.values():
        if row.id not in kept and row.removed_at is None:
            row.removed_at = now
            row.merged_into_id = into.get(row.id or 0)
            db.add(row)
    db.add(
        SectionRevision(
            section_id=current.id or 0,
            number=version,
            author_id=actor.id,
            created_at=now,
            title=title,
            paragraphs=[{"id": r.id, "text": r.text} for r in rows],
            merges=[{"id": a, "into": b} for a, b in merges if a not in kept and b in kept],
            base_version=base_version,
            auto_merged=auto_merged,
            note=note.strip(),
            reverted_from=reverted_from,
        )
    )
    if logged:
        audit.record(
            db,
            actor=actor,
            action="policy.section_revert" if reverted_from else "policy.section_save",
            object_type="policy_section",
            object_id=current.id,
            before=str(seen),
            after=str(version),
        )
    db.commit()
    return True


def save_section(
    db: Session,
    *,
    actor: User,
    section: PolicySection,
    base_version: int,
    body: str,
    title: str | None = None,
    note: str = "",
    logged: bool = True,
) -> Saved:
    """`logged=False`: the caller's own action (an accepted amendment) is the log's row."""
    texts = paragraphs_of(body)
    section_id = section.id or 0
    for _attempt in range(ATTEMPTS):
        ensure_open(db, section.document_id)
        current = fresh(db, section_id)
        base_revision = get_revision(db, section_id, base_version)
        if base_version > current.version or base_revision is None:
            db.rollback()
            raise SectionConflict(message=_UNKNOWN_VERSION)
        base = snapshot(base_revision)
        ours = align(base, texts)
        our_title = title.strip() if title is not None else base_revision.title
        if base_version == current.version:
            result, new_title, merged = ours.paragraphs, our_title, False
            theirs = base
        else:
            latest = get_revision(db, section_id, current.version)
            theirs = snapshot(latest) if latest is not None else []
            outcome = merge(
                base=base,
                ours=ours.paragraphs,
                theirs=theirs,
                base_title=base_revision.title,
                our_title=our_title,
                their_title=current.title,
            )
            if outcome.clashes:
                db.rollback()
                raise SectionConflict(outcome.clashes)
            result, new_title, merged = outcome.paragraphs, outcome.title, True
        if _same(result, theirs) and new_title == current.title:
            db.rollback()
            return Saved(current, merged, changed=False)
        if _write(
            db,
            actor=actor,
            current=current,
            paragraphs=result,
            title=new_title,
            merges=ours.merges,
            base_version=base_version,
            auto_merged=merged,
            note=note,
            logged=logged,
        ):
            return Saved(fresh(db, section_id), merged)
        db.rollback()  # another save won: merge again over it
    raise Conflict(_BUSY)


def revert(
    db: Session, *, actor: User, section: PolicySection, revision: int, note: str = ""
) -> Saved:
    """The section as it was at `revision`, as a new revision over the latest one (the ones
    between stay in the history)."""
    section_id = section.id or 0
    for _attempt in range(ATTEMPTS):
        ensure_open(db, section.document_id)
        current = fresh(db, section_id)
        target = get_revision(db, section_id, revision)
        latest = get_revision(db, section_id, current.version)
        if target is None or latest is None:
            db.rollback()
            raise NotFound(NO_REVISION)
        wanted = snapshot(target)
        if _same(wanted, snapshot(latest)) and target.title == current.title:
            db.rollback()
            return Saved(current, False, changed=False)
        if _write(
            db,
            actor=actor,
            current=current,
            paragraphs=wanted,
            title=target.title,
            merges=(),
            base_version=current.version,
            auto_merged=False,
            note=note,
            reverted_from=revision,
        ):
            return Saved(fresh(db, section_id), False)
        db.rollback()
    raise Conflict(_BUSY)
