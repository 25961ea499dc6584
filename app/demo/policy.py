"""The demo policy paper: "Caring Systems", a draft of the 2022 Town Hall process's policy
document, organised around the UNDP brief's eight key points for care policies and opened by
the Town Hall's headline from the future. Two demo caucus representatives co-draft it: the
first writes the sections, both revise some of them (so history, diffs and blame have
something to show); one amendment is outdated by a later revision, another pending, and a
comment thread discusses a paragraph. The text is ours, marked as a demo draft (policy_text.py).

Idempotent: the document is found by its English title in the process's forum."""

import secrets

from sqlalchemy import select
from sqlmodel import Session, col

from app.demo.policy_text import (
    AMENDMENTS,
    CONTEXT,
    DRAFT_NOTE,
    KEY_POINTS,
    POINTS,
    REVISIONS,
    THREAD,
    VISION,
)
from app.models.forums import Forum
from app.models.policy import (
    DocumentCreate,
    PolicyDocument,
    PolicyParagraph,
    PolicySection,
    SectionCreate,
    TeamMemberIn,
    TeamRole,
)
from app.models.policy_amendments import AmendmentCreate
from app.models.policy_comments import CommentCreate
from app.models.users import Role, User, UserCreate
from app.services import caucuses as caucus_service
from app.services import policy
from app.services import users as user_service
from app.services.policy import amendments, comments

TITLE = {
    "en": "Caring Systems: policy paper of the 2022 Town Halls (demo draft)",
    "es": "Sistemas de cuidado: documento de políticas de los Town Halls 2022 (borrador de demostración)",
    "pt": "Sistemas de cuidados: documento de políticas dos Town Halls 2022 (rascunho de demonstração)",
}
# Demo caucus representatives: random passwords, never kept, so nobody logs in as them.
EDITORS = [
    (
        "editor.accessibility@demo.example.org",
        "Demo editor (accessibility caucus)",
        "accessibility",
    ),
    ("editor.feminism@demo.example.org", "Demo editor (feminism caucus)", "feminism"),
]


def _editors(db: Session, *, actor: User) -> list[tuple[User, int]]:
    caucuses = {c.code: c.id for c in caucus_service.list_caucuses(db)}
    out = []
    for email, name, code in EDITORS:
        user = user_service.find_by_email(db, email)
        if user is None:
            user = user_service.create_user(
                db,
                actor=actor,
                data=UserCreate(
                    email=email,
                    display_name=name,
                    password=secrets.token_urlsafe(24),
                    role=Role.caucus_rep,
                    caucus_ids=[caucuses[code] or 0],
                ),
            )
        out.append((user, caucuses[code] or 0))
    return out


def _existing(db: Session, forum: Forum) -> PolicyDocument | None:
    for document in db.execute(
        select(PolicyDocument).where(col(PolicyDocument.forum_id) == forum.id)
    ).scalars():
        if document.title.get("en") == TITLE["en"]:
            return document
    return None


def load(db: Session, *, actor: User, forum: Forum) -> PolicyDocument:
    found = _existing(db, forum)
    if found is not None:
        return found
    document = policy.create_document(
        db,
        actor=actor,
        data=DocumentCreate.model_validate(
            {"forum_id": forum.id, "title": TITLE, "language": "en"}
        ),
    )
    editors = _editors(db, actor=actor)
    for user, caucus_id in editors:
        policy.add_member(
            db,
            actor=actor,
            document=document,
            data=TeamMemberIn(user_id=user.id or 0, role=TeamRole.caucus_rep, caucus_id=caucus_id),
        )
    writer = editors[0][0]

    def section(title: str, body: str, parent: PolicySection | None = None) -> PolicySection:
        return policy.create_section(
            db,
            actor=writer,
            document=document,
            data=SectionCreate(title=title, body=body, parent_id=parent.id if parent else None),
        )

    by_title: dict[str, PolicySection] = {}
    section("Vision", f"{DRAFT_NOTE}\n\n{VISION}")
    section("Why care", CONTEXT)
    points = section("Eight key points for care policies and systems", KEY_POINTS)
    for title, body in POINTS:
        by_title[title] = section(title, body, points)

    def first_paragraph(title: str) -> PolicyParagraph:
        return policy.current_paragraphs(db, by_title[title].id or 0)[0]

    outdated, pending = AMENDMENTS
    for title, who, text, why in (outdated,):
        amendments.propose(
            db,
            actor=editors[who][0],
            paragraph=first_paragraph(title),
            data=AmendmentCreate(replacement=text, rationale=why),
        )
    for title, who, body, note in REVISIONS:
        target = policy.get_section(db, by_title[title].id or 0)
        policy.save_section(
            db,
            actor=editors[who][0],
            section=target,
            base_version=target.version,
            body=body,
            note=note,
        )
    title, who, text, why = pending
    amendments.propose(
        db,
        actor=editors[who][0],
        paragraph=first_paragraph(title),
        data=AmendmentCreate(replacement=text, rationale=why),
    )
    parent: int | None = None
    for title, who, text in THREAD:
        place = comments.get_place(db, first_paragraph(title).id or 0)
        posted = comments.post(
            db,
            actor=editors[who][0],
            place=place,
            data=CommentCreate(body=text, parent_id=parent),
        )
        parent = parent or posted.id
    return document
