"""Minutes in each state for the permission grid (tests/grids.py build_world): a draft on the
world's session, circulated minutes with an attendee's pending correction, published minutes,
and a session without minutes."""

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app.db import write_again
from app.models.forums import Forum, ForumSession
from app.models.minutes import (
    CorrectionCreate,
    ItemCreate,
    MinutesCreate,
    TransitionIn,
)
from app.models.types import utcnow
from app.models.users import Role, User
from app.services import minutes
from tests import factories


def minutes_world(db: Session, staff: User, forum: Forum, session: ForumSession) -> dict[str, Any]:
    draft = minutes.create_draft(db, actor=staff, session=session, data=MinutesCreate())
    block = minutes.contents(db, draft).blocks[0].block
    _, turn = minutes.add_item(
        db,
        actor=staff,
        minutes=draft,
        kind="turn",
        data=ItemCreate(base_version=1, parent_id=block.id, speaker_name="Ana"),
    )
    draft, decision = minutes.add_item(
        db,
        actor=staff,
        minutes=draft,
        kind="decision",
        data=ItemCreate(base_version=1, text="Meet again"),
    )
    attendee = User(
        email="grid-attendee@example.org", display_name="Attendee", role=Role.participant
    )
    db.add(attendee)
    db.commit()
    circulated = _minutes(db, staff, forum, requires_circulation=True)
    minutes.add_item(
        db,
        actor=staff,
        minutes=circulated,
        kind="attendee",
        data=ItemCreate(base_version=1, name="Attendee", account_email=attendee.email),
    )
    _, point = minutes.add_item(
        db,
        actor=staff,
        minutes=circulated,
        kind="decision",
        data=ItemCreate(base_version=1, text="Publish in March"),
    )
    published = _minutes(db, staff, forum, requires_circulation=False)
    minutes.transition(db, actor=staff, minutes=published, data=TransitionIn(action="publish"))
    bare = factories.session(db, forum, title={"en": "No minutes yet"})
    # Last: circulating enqueues an e-mail, and the app's outbox sender then writes too; the
    # proposal's transaction begins IMMEDIATE so it waits for that writer instead of failing.
    minutes.transition(
        db,
        actor=staff,
        minutes=circulated,
        data=TransitionIn(action="circulate", until=utcnow() + timedelta(days=7)),
    )
    write_again(db)
    correction = minutes.propose(
        db,
        actor=attendee,
        minutes=circulated,
        data=CorrectionCreate(
            item_kind="decision", item_id=point.id, replacement="Publish in April", reason="Date"
        ),
    )
    return {
        "minutes_id": draft.id,
        "minutes_version": draft.version,
        "minutes_block_id": block.id,
        "minutes_turn_id": turn.id,
        "minutes_decision_id": decision.id,
        "circulated_id": circulated.id,
        "minutes_correction_id": correction.id,
        "published_id": published.id,
        "published_session_id": published.session_id,
        "bare_session_id": bare.id,
    }


def _minutes(db: Session, staff: User, forum: Forum, *, requires_circulation: bool) -> Any:
    session = factories.session(db, forum, title={"en": "With minutes"})
    return minutes.create_draft(
        db,
        actor=staff,
        session=session,
        data=MinutesCreate(requires_circulation=requires_circulation),
    )
