"""Moderation decisions as a workflow: two moderators deciding on one contribution at the same
moment, and a decision taken from a page that is out of date. Exactly one wins; the other is told
(409), and only the winner's event is written."""

import threading

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from app.db import open_session
from app.models.contributions import Contribution, ModerationAction, ModerationEvent
from app.models.users import Role, User
from app.services import moderation
from app.services.errors import Conflict
from tests import factories
from tests.conftest import PG_URL, make_user


def _pending(engine: Engine) -> int:
    with open_session(engine, write=True) as db:
        forum = factories.forum(db)
        item = factories.contribution(db, forum, status="pending")
        assert item.id is not None
        return int(item.id)


def _events(engine: Engine, contribution_id: int) -> list[tuple[str, str, str]]:
    with open_session(engine, write=False) as db:
        rows = db.execute(
            select(ModerationEvent).where(ModerationEvent.contribution_id == contribution_id)
        ).scalars()
        return [(e.action, e.from_status, e.to_status) for e in rows]


def _status(engine: Engine, contribution_id: int) -> str:
    with open_session(engine, write=False) as db:
        item = db.get(Contribution, contribution_id)
        assert item is not None
        return str(item.status)


def _decide(db: Session, actor: User, item: Contribution, action: ModerationAction) -> None:
    moderation.moderate(db, actor=actor, contribution=item, action=action, reason="A reason")


def test_a_decision_from_an_out_of_date_page_is_refused(engine: Engine, db: Session) -> None:
    """Both moderators loaded the contribution while it was pending; the second to decide
    is told it changed meanwhile (the compare-and-set finds no pending row)."""
    cid = _pending(engine)
    first = make_user(engine, Role.secretariat)
    second = make_user(engine, Role.secretariat)
    with open_session(engine, write=True) as a, open_session(engine, write=True) as b:
        mine = a.get(Contribution, cid)
        a.commit()  # (one at a time: on SQLite a write session's transaction takes the lock)
        theirs = b.get(Contribution, cid)
        b.commit()
        assert mine is not None
        assert theirs is not None
        _decide(a, first, mine, ModerationAction.accept)
        with pytest.raises(Conflict) as refused:
            _decide(b, second, theirs, ModerationAction.reject)
    assert "changed this meanwhile" in refused.value.message
    assert _status(engine, cid) == "published"
    assert _events(engine, cid) == [("accept", "pending", "published")]


@pytest.mark.skipif(not PG_URL, reason="two open write transactions at once: PostgreSQL")
def test_two_concurrent_decisions_exactly_one_wins(engine: Engine, db: Session) -> None:
    """Two connections, both transactions open: A's UPDATE holds the row; B's waits for it, and
    when A commits B finds the status is no longer the one it expected."""
    cid = _pending(engine)
    first = make_user(engine, Role.secretariat)
    second = make_user(engine, Role.secretariat)
    outcome: dict[str, BaseException | None] = {}
    b_started = threading.Event()

    with open_session(engine, write=True) as a, open_session(engine, write=True) as b:
        mine, theirs = a.get(Contribution, cid), b.get(Contribution, cid)
        assert mine is not None
        assert theirs is not None
        # A decides inside its transaction, and holds it open.
        moderation.MODERATION.apply(
            a, record=mine, action=ModerationAction.accept, actor=first, reason=""
        )

        def decide_b() -> None:
            b_started.set()
            try:
                _decide(b, second, theirs, ModerationAction.reject)
                outcome["b"] = None
            except BaseException as exc:
                outcome["b"] = exc

        worker = threading.Thread(target=decide_b)
        worker.start()
        b_started.wait(5)
        worker.join(0.5)
        assert worker.is_alive(), "B must wait for A's row lock, not decide on its own"
        a.commit()
        worker.join(10)
        assert not worker.is_alive()

    assert isinstance(outcome["b"], Conflict), outcome
    assert _status(engine, cid) == "published"
    assert _events(engine, cid) == [("accept", "pending", "published")]
