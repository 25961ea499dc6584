"""The demo paper carried into caucus review: proposals sent to the 2022 process, the
paragraphs they and the Town Hall's chat and minutes fed (each with an outcome), the move out
of drafting that froze snapshot 1, and the caucuses' first verdicts: an objection from the
accessibility caucus, an endorsement with concerns from the feminism caucus, and endorsements.
The listening report follows from these. Texts in policy_review_text.py.

Through the services, as the people concerned: participants submit their proposals, the demo
administrator (the secretariat) links sources and moves the stage, each caucus representative
gives their caucus's verdict. Idempotent: a paper that has a snapshot was carried already."""

import secrets
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.demo.contributions import CHAT, DEMO_IP, DEMO_NOTE
from app.demo.forums import theme_ids
from app.demo.policy_review_text import (
    LINKS,
    PROPOSALS,
    REVIEWS,
    SNAPSHOT_REASON,
    YOUTH_REVIEWER,
)
from app.demo.users import participants
from app.models.contributions import Contribution, ContributionCreate
from app.models.forums import Forum, ForumSession
from app.models.minutes import MinutesPoint
from app.models.policy import PolicyDocument, PolicySection, TeamMemberIn, TeamRole
from app.models.policy_reviews import ReviewIn
from app.models.policy_sources import SourceIn
from app.models.users import Role, User, UserCreate
from app.services import caucuses as caucus_service
from app.services import contributions as contribution_service
from app.services import forums as forum_service
from app.services import policy
from app.services import users as user_service
from app.services.minutes.points import KIND as POINT_KIND
from app.services.policy import amendments, reviews, snapshots, sources, stages


def _reviewer(db: Session, *, actor: User, document: PolicyDocument) -> None:
    """The youth caucus's representative, so that each required caucus has one on the team."""
    email, name, code = YOUTH_REVIEWER
    caucus_id = {c.code: c.id for c in caucus_service.list_caucuses(db)}[code] or 0
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
                caucus_ids=[caucus_id],
            ),
        )
    policy.add_member(
        db,
        actor=actor,
        document=document,
        data=TeamMemberIn(user_id=user.id or 0, role=TeamRole.caucus_rep, caucus_id=caucus_id),
    )


def _proposals(db: Session, *, forum: Forum, people: list[User]) -> list[Contribution]:
    themes = theme_ids(db, forum)
    caucuses = {c.code: c.id for c in caucus_service.list_caucuses(db)}
    sessions = forum_service.forum_view(db, forum.id or 0).sessions
    session: ForumSession | None = sessions[0] if sessions else None
    out = []
    for n, proposal in enumerate(PROPOSALS):
        data = ContributionCreate.model_validate(
            {
                "forum_id": forum.id,
                "session_id": session.id if session else None,
                "title": proposal["title"],
                "body": proposal["body"] + DEMO_NOTE[proposal["language"]],
                "language": proposal["language"],
                "theme_ids": [themes[c] for c in proposal["themes"] if c in themes],
                "caucus_id": caucuses.get(proposal["caucus"]) if proposal["caucus"] else None,
                "organisation_name": proposal["organisation_name"],
                "organisation_type": proposal["organisation_type"],
                "idempotency_key": f"demo-uclg-proposal-{n}",
            }
        )
        author = people[proposal["author"]]
        submitted = contribution_service.submit_proposal(db, actor=author, data=data, ip=DEMO_IP)
        out.append(submitted.contribution)
    return out


def _source(
    db: Session, source: tuple[str, Any], proposals: list[Contribution], people: list[User]
) -> tuple[str, int]:
    kind, key = source
    if kind == "proposal":
        return "contribution", proposals[key].id or 0
    if kind == "chat":
        replayed = contribution_service.replay(db, f"demo-chat-{key}", people[key % len(people)])
        assert replayed is not None, f"demo chat remark {key} ({CHAT[key][:30]}…) is missing"
        return "contribution", replayed.contribution.id or 0
    point = db.execute(
        select(MinutesPoint).where(col(MinutesPoint.text) == key).limit(1)
    ).scalar_one()
    return POINT_KIND, point.id or 0


def _sections(db: Session, document: PolicyDocument) -> dict[str, PolicySection]:
    return {n.section.title: n.section for n in policy.tree(db, document.id or 0)}


def load(db: Session, *, actor: User, forum: Forum, document: PolicyDocument) -> None:
    if snapshots.last_number(db, document.id or 0) > 0:
        return
    _reviewer(db, actor=actor, document=document)
    people = participants(db, actor=actor, count=5)
    proposals = _proposals(db, forum=forum, people=people)
    by_title = _sections(db, document)
    for title, index, source, outcome, reason in LINKS:
        paragraph = policy.current_paragraphs(db, by_title[title].id or 0)[index]
        kind, target_id = _source(db, source, proposals, people)
        sources.link(
            db,
            place=amendments.paragraph_place(db, paragraph.id or 0),
            actor=actor,
            data=SourceIn.model_validate(
                {
                    "target_kind": kind,
                    "target_id": target_id,
                    "outcome": outcome,
                    "reason": reason,
                }
            ),
        )
    stages.transition(db, document=document, actor=actor, action="advance", reason=SNAPSHOT_REASON)
    caucus_ids = {c.code: c.id or 0 for c in caucus_service.list_caucuses(db)}
    representatives = {
        m.caucus_id: m.user_id
        for m in policy.document_public(db, document).team
        if m.role == TeamRole.caucus_rep
    }
    for title, code, verdict, note in REVIEWS:
        caucus_id = caucus_ids[code]
        reviewer = db.get(User, representatives[caucus_id])
        assert reviewer is not None
        place = reviews.review_place(
            db, section_id=by_title[title].id or 0, caucus_id=caucus_id, user_id=reviewer.id
        )
        reviews.give_review(
            db,
            place=place,
            actor=reviewer,
            data=ReviewIn.model_validate({"verdict": verdict, "note": note}),
        )
