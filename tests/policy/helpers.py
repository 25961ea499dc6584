"""A policy document as the secretariat sets it up: a forum's paper with a drafting team (an
editor and a youth caucus representative) and a section of three paragraphs."""

from dataclasses import dataclass

from sqlmodel import Session

from app.models.policy import (
    DocumentCreate,
    PolicyDocument,
    PolicySection,
    SectionCreate,
    TeamMemberIn,
)
from app.models.users import Role, User
from app.services import policy
from tests import factories

PARAGRAPHS = [
    "Care is a right of every person, at every age.",
    "Public authorities fund care services and train care workers.",
    "The youth, feminism and accessibility caucuses review this text.",
]
BODY = "\n\n".join(PARAGRAPHS)


@dataclass
class Paper:
    document: PolicyDocument
    section: PolicySection
    staff: User


def add_to_team(db: Session, paper: Paper, user: User, role: str = "editor") -> None:
    caucus = factories.caucus(db, "youth") if role == "caucus_rep" else None
    policy.add_member(
        db,
        actor=paper.staff,
        document=paper.document,
        data=TeamMemberIn.model_validate(
            {"user_id": user.id, "role": role, "caucus_id": caucus.id if caucus else None}
        ),
    )


def paper(db: Session, *, body: str = BODY) -> Paper:
    staff = factories.staff(db)
    forum = factories.forum(db)
    document = policy.create_document(
        db,
        actor=staff,
        data=DocumentCreate.model_validate(
            {"forum_id": forum.id, "title": {"en": "Caring Systems"}, "language": "en"}
        ),
    )
    section = policy.create_section(
        db,
        actor=staff,
        document=document,
        data=SectionCreate(title="Care as a right", body=body),
    )
    return Paper(document, section, staff)


def person(db: Session, role: Role = Role.participant, name: str = "Someone") -> User:
    user = User(email=f"{name.lower().replace(' ', '.')}@example.org", display_name=name, role=role)
    db.add(user)
    db.commit()
    return user
