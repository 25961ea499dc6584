"""What the document pages show beyond the core: the list of documents a reader may see, a
document's sections with their paragraphs in one pass, and team members named by e-mail."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import func, select
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_
from app.lib.markup import plain_text, render_markdown
from app.models.forums import Forum
from app.models.policy import (
    DraftingMember,
    PolicyDocument,
    PolicyParagraph,
    PolicySection,
    TeamMemberIn,
)
from app.models.policy_stages import DocumentSnapshot
from app.models.users import User
from app.services import users
from app.services.errors import InvalidInput
from app.services.policy.documents import Numbered, add_member, tree


@dataclass(frozen=True)
class Listed:
    document: PolicyDocument
    forum: Forum
    sections: int
    updated_at: datetime
    # The latest public snapshot, for a reader who does not see the working text: the row
    # then says what that snapshot says (its stage, its sections, when it was frozen).
    snapshot: DocumentSnapshot | None = None


def visible_documents(db: Session, *, user: User | None) -> list[Listed]:
    """Staff see every document; anyone else the ones whose drafting team they are on and,
    as their latest public snapshot, the ones that have one."""
    counts = (
        select(
            col(PolicySection.document_id),
            func.count().label("n"),
            func.max(col(PolicySection.updated_at)).label("last"),
        )
        .group_by(col(PolicySection.document_id))
        .subquery()
    )
    query = (
        select(PolicyDocument, Forum, func.coalesce(counts.c.n, 0), counts.c.last)
        .join(Forum, col(Forum.id) == col(PolicyDocument.forum_id))
        .outerjoin(counts, counts.c.document_id == col(PolicyDocument.id))
        .order_by(col(PolicyDocument.updated_at).desc(), col(PolicyDocument.id).desc())
    )
    if permissions.can_see_all_documents(user):
        return [
            Listed(document, forum, int(n), max(document.updated_at, last or document.updated_at))
            for document, forum, n, last in db.execute(query).all()
        ]
    mine: set[int] = set()
    if user is not None and user.is_active:
        mine = {
            int(i)
            for i in db.execute(
                select(col(DraftingMember.document_id)).where(
                    col(DraftingMember.user_id) == user.id
                )
            ).scalars()
        }
    published = select(col(DocumentSnapshot.document_id)).where(col(DocumentSnapshot.public))
    query = query.where(col(PolicyDocument.id).in_(mine) | col(PolicyDocument.id).in_(published))
    out: list[Listed] = []
    for document, forum, n, last in db.execute(query).all():
        if document.id in mine:
            out.append(
                Listed(
                    document, forum, int(n), max(document.updated_at, last or document.updated_at)
                )
            )
            continue
        snapshot = _latest_public(db, document.id or 0)
        if snapshot is not None:
            out.append(
                Listed(document, forum, len(snapshot.sections), snapshot.created_at, snapshot)
            )
    # Ordered by what the reader sees change: the working text, or the snapshot's freezing.
    return sorted(out, key=lambda row: (row.updated_at, row.document.id or 0), reverse=True)


def _latest_public(db: Session, document_id: int) -> DocumentSnapshot | None:
    return db.execute(
        select(DocumentSnapshot)
        .where(col(DocumentSnapshot.document_id) == document_id, col(DocumentSnapshot.public))
        .order_by(col(DocumentSnapshot.number).desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Shown:
    """A section on the document page: its place in the tree and its current paragraphs."""

    numbered: Numbered
    paragraphs: list[PolicyParagraph]

    @property
    def section(self) -> PolicySection:
        return self.numbered.section


def document_sections(db: Session, document_id: int) -> list[Shown]:
    """Every section in reading order with its paragraphs: two queries, whatever the size."""
    numbered = tree(db, document_id)
    ids = [n.section.id for n in numbered]
    by_section: dict[int, list[PolicyParagraph]] = {}
    if ids:
        rows = db.execute(
            select(PolicyParagraph)
            .where(
                col(PolicyParagraph.section_id).in_(ids),
                col(PolicyParagraph.removed_at).is_(None),
            )
            .order_by(col(PolicyParagraph.position), col(PolicyParagraph.id))
        ).scalars()
        for row in rows:
            by_section.setdefault(row.section_id, []).append(row)
    return [Shown(n, by_section.get(n.section.id or 0, [])) for n in numbered]


@lru_cache(maxsize=4096)
def paragraph_start(text: str) -> str:
    """A paragraph's first words, naming it in its tools' labels ("Sources of “…”") so that a
    screen reader's list of links says which paragraph each is for. Every tool of every
    paragraph asks for it on each view, and the sanitiser behind it is the page's costliest
    call, hence the cache (keyed by the text, like paragraph_html)."""
    return plain_text(text, limit=40)


@lru_cache(maxsize=4096)
def paragraph_html(text: str) -> Markup:
    """A paragraph through the house sanitiser. Paragraphs have no stored HTML, so the page
    renders them; most are unchanged between two views, hence the cache (keyed by the text)."""
    return render_markdown(text)


def add_member_by_email(
    db: Session,
    *,
    actor: User,
    document: PolicyDocument,
    email: str,
    role: str,
    caucus_id: int | None,
) -> tuple[DraftingMember, bool]:
    """The team form names people by e-mail address; the core takes an account id."""
    email = email.strip()
    if not email:
        raise InvalidInput({"email": [N_("Enter the person's e-mail address.")]})
    person = users.find_by_email(db, email)
    if person is None or not person.is_active:
        raise InvalidInput({"email": [N_("No active account has this e-mail address.")]})
    try:
        data = TeamMemberIn.model_validate(
            {"user_id": person.id, "role": role, "caucus_id": caucus_id}
        )
    except ValueError as exc:
        raise InvalidInput({"role": [N_("Choose one of the options.")]}) from exc
    return add_member(db, actor=actor, document=document, data=data)
