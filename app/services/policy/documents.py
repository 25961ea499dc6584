"""Documents, their drafting team and their section tree (numbered 1, 1.1, 1.2, 2...)."""

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.i18n import N_
from app.models.caucuses import DEFAULT_CAUCUS_CODES, Caucus
from app.models.forums import Forum
from app.models.policy import (
    MAX_DEPTH,
    DocumentCreate,
    DocumentPublic,
    DraftingMember,
    ParagraphPublic,
    PolicyDocument,
    PolicyParagraph,
    PolicySection,
    SectionCreate,
    SectionPublic,
    SectionRevision,
    SectionSummary,
    TeamMemberIn,
    TeamMemberPublic,
)
from app.models.policy_reviews import DocumentCaucus
from app.models.policy_stages import DEFAULT_STAGES, DocumentStage
from app.models.types import utcnow
from app.models.users import User
from app.services import audit
from app.services.errors import InvalidInput, NotFound
from app.services.policy.lock import ensure_open
from app.services.policy.paragraphs import join, paragraphs_of

_CHOOSE = N_("Choose one of the options.")


def get_document(db: Session, document_id: int) -> PolicyDocument:
    found = db.get(PolicyDocument, document_id)
    if found is None:
        raise NotFound()
    return found


def get_section(db: Session, section_id: int) -> PolicySection:
    found = db.get(PolicySection, section_id)
    if found is None:
        raise NotFound()
    return found


def team_ids(db: Session, document_id: int) -> set[int]:
    """The accounts on the drafting team (what the permission predicates are given)."""
    rows = db.execute(
        select(col(DraftingMember.user_id)).where(col(DraftingMember.document_id) == document_id)
    )
    return {int(i) for i in rows.scalars()}


def create_document(
    db: Session, *, actor: User, data: DocumentCreate, action: str = "create"
) -> PolicyDocument:
    if db.get(Forum, data.forum_id) is None:
        raise InvalidInput({"forum_id": [_CHOOSE]})
    document = PolicyDocument(
        forum_id=data.forum_id,
        title={str(k): v for k, v in data.title.items()},
        language=data.language,
        owner_id=actor.id,
    )
    db.add(document)
    db.flush()
    _default_process(db, document.id or 0)
    audit.record(
        db,
        actor=actor,
        action=action,
        object_type="policy_document",
        object_id=document.id,
        summary=audit.first_text(document.title),
    )
    db.commit()
    return document


def _default_process(db: Session, document_id: int) -> None:
    """A new document moves through the default stages and asks the cross-cutting caucuses
    that exist to sign its sections off; the secretariat changes both per document."""
    for position, (key, _name, public, signoff) in enumerate(DEFAULT_STAGES, start=1):
        db.add(
            DocumentStage(
                document_id=document_id,
                position=position,
                key=key,
                public=public,
                needs_signoff=signoff,
            )
        )
    caucus_ids = db.execute(
        select(col(Caucus.id)).where(col(Caucus.code).in_(DEFAULT_CAUCUS_CODES))
    ).scalars()
    for caucus_id in caucus_ids:
        db.add(DocumentCaucus(document_id=document_id, caucus_id=caucus_id))


def add_member(
    db: Session, *, actor: User, document: PolicyDocument, data: TeamMemberIn
) -> tuple[DraftingMember, bool]:
    """Adds someone to the drafting team, or changes their role there; (member, created)."""
    person = db.get(User, data.user_id)
    if person is None or not person.is_active:
        raise InvalidInput({"user_id": [_CHOOSE]})
    if data.caucus_id is not None and db.get(Caucus, data.caucus_id) is None:
        raise InvalidInput({"caucus_id": [_CHOOSE]})
    if data.role == "caucus_rep" and data.caucus_id is None:
        raise InvalidInput({"caucus_id": [N_("Say which caucus this person represents.")]})
    # INSERT … ON CONFLICT DO NOTHING on (document, person): of identical posts at once one
    # inserts and the others find its row (PostgreSQL waits for the first to commit; SQLite
    # writes one at a time), instead of each seeing no member and the unique key refusing all
    # but one.
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = db.execute(
        insert(DraftingMember.__table__)  # type: ignore[attr-defined]
        .values(
            document_id=document.id or 0,
            user_id=data.user_id,
            role=data.role.value,
            caucus_id=data.caucus_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["document_id", "user_id"])
        .returning(DraftingMember.__table__.c.id)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    member = db.execute(
        select(DraftingMember)
        .where(
            col(DraftingMember.document_id) == document.id,
            col(DraftingMember.user_id) == data.user_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    before = "" if inserted is not None else str(member.role)
    member.role, member.caucus_id = data.role, data.caucus_id
    db.add(member)
    audit.record(
        db,
        actor=actor,
        action="policy.team",
        object_type="policy_document",
        object_id=document.id,
        before=before,
        after=str(data.role.value),
    )
    db.commit()
    return member, inserted is not None


def _siblings(db: Session, document_id: int, parent_id: int | None) -> list[PolicySection]:
    query = select(PolicySection).where(col(PolicySection.document_id) == document_id)
    if parent_id is None:
        query = query.where(col(PolicySection.parent_id).is_(None))
    else:
        query = query.where(col(PolicySection.parent_id) == parent_id)
    return list(
        db.execute(query.order_by(col(PolicySection.position), col(PolicySection.id))).scalars()
    )


def _depth(db: Session, section: PolicySection) -> int:
    depth = 1
    while section.parent_id is not None:
        parent = db.get(PolicySection, section.parent_id)
        if parent is None:
            break
        section, depth = parent, depth + 1
    return depth


def create_section(
    db: Session,
    *,
    actor: User,
    document: PolicyDocument,
    data: SectionCreate,
    logged: bool = True,
) -> PolicySection:
    """A new section (its first revision holds the body), placed among its siblings: at
    `position` (1 is first), or last. `logged=False`: part of an import, the log's one row."""
    # Locks the document row: two sections added at once do not take the same position.
    db.execute(
        update(PolicyDocument)
        .where(col(PolicyDocument.id) == document.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    ensure_open(db, document.id or 0)  # an adopted document's text is final
    if data.parent_id is not None:
        parent = db.get(PolicySection, data.parent_id)
        if parent is None or parent.document_id != document.id:
            raise InvalidInput({"parent_id": [_CHOOSE]})
        if _depth(db, parent) >= MAX_DEPTH:
            raise InvalidInput(
                {"parent_id": [N_("Sections go three levels deep at most (1.2.3).")]}
            )
    siblings = _siblings(db, document.id or 0, data.parent_id)
    where = min(data.position or len(siblings) + 1, len(siblings) + 1)
    for n, sibling in enumerate(siblings, start=1):
        shifted = n if n < where else n + 1
        if sibling.position != shifted:
            sibling.position = shifted
            db.add(sibling)
    section = PolicySection(
        document_id=document.id or 0,
        parent_id=data.parent_id,
        position=where,
        title=data.title.strip(),
        version=1,
    )
    db.add(section)
    db.flush()
    texts = paragraphs_of(data.body)
    rows = [
        PolicyParagraph(section_id=section.id or 0, position=n, text=text, changed_version=1)
        for n, text in enumerate(texts, start=1)
    ]
    db.add_all(rows)
    db.flush()
    db.add(
        SectionRevision(
            section_id=section.id or 0,
            number=1,
            author_id=actor.id,
            title=section.title,
            paragraphs=[{"id": r.id, "text": r.text} for r in rows],
        )
    )
    if logged:
        audit.record(
            db,
            actor=actor,
            action="create",
            object_type="policy_section",
            object_id=section.id,
            summary=section.title[:200],
        )
    db.commit()
    return section


@dataclass(frozen=True)
class Numbered:
    section: PolicySection
    number: str
    depth: int


def tree(db: Session, document_id: int) -> list[Numbered]:
    """Every section in reading order, numbered by its place among its siblings."""
    rows = list(
        db.execute(
            select(PolicySection)
            .where(col(PolicySection.document_id) == document_id)
            .order_by(col(PolicySection.position), col(PolicySection.id))
        ).scalars()
    )
    children: dict[int | None, list[PolicySection]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[Numbered] = []

    def walk(parent: int | None, prefix: str, depth: int) -> None:
        for n, section in enumerate(children.get(parent, []), start=1):
            number = f"{prefix}{n}"
            out.append(Numbered(section, number, depth))
            walk(section.id, number + ".", depth + 1)

    walk(None, "", 1)
    return out


def number_of(db: Session, section: PolicySection) -> str:
    return next((n.number for n in tree(db, section.document_id) if n.section.id == section.id), "")


def current_paragraphs(db: Session, section_id: int) -> list[PolicyParagraph]:
    return list(
        db.execute(
            select(PolicyParagraph)
            .where(
                col(PolicyParagraph.section_id) == section_id,
                col(PolicyParagraph.removed_at).is_(None),
            )
            .order_by(col(PolicyParagraph.position), col(PolicyParagraph.id))
        ).scalars()
    )


def user_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.execute(select(col(User.id), col(User.display_name)).where(col(User.id).in_(ids)))
    return {int(i): str(name) for i, name in rows}


def document_public(db: Session, document: PolicyDocument) -> DocumentPublic:
    members = list(
        db.execute(
            select(DraftingMember)
            .where(col(DraftingMember.document_id) == document.id)
            .order_by(col(DraftingMember.id))
        ).scalars()
    )
    names = user_names(db, {m.user_id for m in members})
    return DocumentPublic(
        id=document.id or 0,
        forum_id=document.forum_id,
        title=document.title,
        language=document.language,
        stage=document.stage,
        owner_id=document.owner_id,
        created_at=document.created_at,
        updated_at=document.updated_at,
        team=[member_public(m, names) for m in members],
        sections=[
            SectionSummary(
                id=n.section.id or 0,
                parent_id=n.section.parent_id,
                position=n.section.position,
                number=n.number,
                depth=n.depth,
                title=n.section.title,
                version=n.section.version,
                updated_at=n.section.updated_at,
            )
            for n in tree(db, document.id or 0)
        ],
    )


def member_public(member: DraftingMember, names: dict[int, str]) -> TeamMemberPublic:
    return TeamMemberPublic(
        user_id=member.user_id,
        name=names.get(member.user_id, ""),
        role=member.role,
        caucus_id=member.caucus_id,
    )


def section_public(db: Session, section: PolicySection) -> SectionPublic:
    paragraphs = current_paragraphs(db, section.id or 0)
    return SectionPublic(
        id=section.id or 0,
        document_id=section.document_id,
        parent_id=section.parent_id,
        position=section.position,
        number=number_of(db, section),
        title=section.title,
        body=join([p.text for p in paragraphs]),
        version=section.version,
        updated_at=section.updated_at,
        paragraphs=[ParagraphPublic(id=p.id or 0, text=p.text) for p in paragraphs],
    )
