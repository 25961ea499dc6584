"""What the sources tests share: a paper with two published proposals in its forum, a key
point of a session's published (or draft) minutes, and a snapshot written as the stage service
freezes one."""

from dataclasses import dataclass

from sqlmodel import Session

from app.models.contributions import Contribution
from app.models.forums import Forum
from app.models.minutes import ItemCreate, MinutesCreate, TransitionIn
from app.models.policy_stages import DocumentSnapshot, SnapshotSource
from app.models.types import utcnow
from app.services import minutes, policy
from tests import factories
from tests.policy.helpers import Paper, paper


@dataclass
class World:
    paper: Paper
    paragraphs: list[int]
    contribution: Contribution
    other: Contribution


def world(db: Session) -> World:
    made = paper(db)
    parent = db.get(Forum, made.document.forum_id)
    assert parent is not None
    db.commit()
    one = factories.contribution(db, parent, title="Care centres in every neighbourhood")
    two = factories.contribution(db, parent, title="Paid leave for carers")
    ids = [p.id or 0 for p in policy.current_paragraphs(db, made.section.id or 0)]
    db.commit()
    return World(made, ids, one, two)


def published_point(db: Session, world: World, text: str, publish: bool = True) -> int:
    staff = world.paper.staff
    forum = db.get(Forum, world.paper.document.forum_id)
    db.commit()
    assert forum is not None
    session = factories.session(db, forum, title={"en": "Caring Cities"})
    draft = minutes.create_draft(
        db, actor=staff, session=session, data=MinutesCreate(requires_circulation=False)
    )
    draft, heading = minutes.add_item(
        db,
        actor=staff,
        minutes=draft,
        kind="heading",
        data=ItemCreate(base_version=draft.version, title="Care"),
    )
    draft, point = minutes.add_item(
        db,
        actor=staff,
        minutes=draft,
        kind="point",
        data=ItemCreate(base_version=draft.version, parent_id=heading.id, text=text),
    )
    if publish:
        minutes.transition(db, actor=staff, minutes=draft, data=TransitionIn(action="publish"))
    db.commit()
    return point.id or 0


def freeze(db: Session, world: World, *, number: int, public: bool, pid: int, outcome: str) -> None:
    """A snapshot as the stage service freezes one, written directly: the text and the source
    rows it carries."""
    snapshot = DocumentSnapshot(
        document_id=world.paper.document.id or 0,
        number=number,
        stage="policy_council" if public else "caucus_review",
        from_stage="caucus_review" if public else "drafting",
        stage_name={"en": "Policy Council"} if public else {},
        public=public,
        title={"en": "Caring Systems"},
        language="en",
        created_at=utcnow(),
        sections=[],
    )
    db.add(snapshot)
    db.flush()
    db.add(
        SnapshotSource(
            snapshot_id=snapshot.id or 0,
            document_id=world.paper.document.id or 0,
            paragraph_id=pid,
            section_number="1",
            target_kind="contribution",
            target_id=world.contribution.id or 0,
            outcome=outcome,
            reason="Frozen reason." if outcome == "not_taken_up" else "",
        )
    )
    db.commit()
