"""No acknowledged write lost and none stored twice across a `kill -9` of the server (issue 15,
"Trust", durability): bench/durability.py with 20 clients instead of 200.

Each client logs in to a served instance (`townhall serve` on a loopback port, a fresh SQLite
file; and a fresh PostgreSQL database when the suite runs on PostgreSQL), then submits
proposals (Idempotency-Key header), endorses, posts live remarks (key in the body), saves its
policy section on a base version and, for the secretariat, its minutes block; the server gets
SIGKILL once a third of the actions are acknowledged and is restarted on the same port; the
clients resend every unanswered or failed request unchanged. Every acknowledged action must be
in the database once, no request may get a 5xx outside the kill, and the database must pass
its integrity check.
"""

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.models.contributions import Contribution
from app.models.policy import (
    DocumentCreate,
    PolicyParagraph,
    SectionCreate,
    TeamMemberIn,
    TeamRole,
)
from app.models.policy_comments import PolicyComment
from app.models.users import Role
from app.services import live as live_service
from app.services import policy as policy_service
from tests import factories
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 20


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_durability", ROOT / "bench/durability.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _check(report: object) -> None:
    text = report.table()  # type: ignore[attr-defined]
    total = report.total  # type: ignore[attr-defined]
    assert total.acknowledged > 0, text
    assert total.lost == 0, text
    assert total.duplicated == 0, text
    assert total.rejected == 0, text
    assert total.http5xx_other == 0, text
    assert total.stored == total.acknowledged, text
    assert report.extra_blocks == 0, text  # type: ignore[attr-defined]
    assert report.integrity.endswith("ok"), text  # type: ignore[attr-defined]


def test_kill_9_mid_load_sqlite() -> None:
    _check(_bench().run_sqlite(clients=CLIENTS, per_kind=2))


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TOWNHALL_TEST_DATABASE_URL)")
def test_kill_9_mid_load_postgres() -> None:
    _check(_bench().run_postgres(PG_URL, clients=CLIENTS, per_kind=2))


def test_a_live_remark_retried_with_the_same_idempotency_key_header_is_posted_once(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    """The API takes the key as a header, as for proposals (it was read from the body only:
    a client retrying with the header after a lost answer posted the remark twice)."""
    forum = factories.forum(db)
    session = factories.session(db, forum)
    live_service.set_open(db, actor=factories.staff(db), session=session, open_=True)
    db.commit()
    login_as(Role.participant)
    path = f"/api/v1/sessions/{session.id}/live/remarks"
    key = {"Idempotency-Key": "remark-retry-0001"}
    first = client.post(path, json={"body": "Who pays for the care centres?"}, headers=key)
    assert first.status_code == 201, first.text
    again = client.post(path, json={"body": "Who pays for the care centres?"}, headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    other = client.post(path, json={"body": "Who pays for the care centres?"})
    assert other.status_code == 201, other.text  # without a key: another remark
    count = (
        select(func.count())
        .select_from(Contribution)
        .where(
            Contribution.session_id == session.id  # type: ignore[arg-type]
        )
    )
    assert db.execute(count).scalar_one() == 2


def test_a_comment_retried_with_the_same_idempotency_key_is_posted_once(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    """The durability bench found paragraph comments stored twice after the kill (they had no
    key): a retry with the same key now returns the first comment; another author's same key
    is another comment."""
    forum = factories.forum(db)
    staff = factories.staff(db)
    document = policy_service.create_document(
        db,
        actor=staff,
        data=DocumentCreate.model_validate(
            {"forum_id": forum.id, "title": {"en": "Keys"}, "language": "en"}
        ),
    )
    section = policy_service.create_section(
        db, actor=staff, document=document, data=SectionCreate(title="One", body="A paragraph.")
    )
    paragraph_id = db.execute(
        select(col(PolicyParagraph.id)).where(col(PolicyParagraph.section_id) == section.id)
    ).scalar_one()
    first_user = login_as(Role.participant)
    db.commit()  # a fresh read: the account was made on another connection
    policy_service.add_member(
        db,
        actor=staff,
        document=document,
        data=TeamMemberIn(user_id=first_user.id, role=TeamRole.editor),
    )
    db.commit()
    path = f"/api/v1/paragraphs/{paragraph_id}/comments"
    key = {"Idempotency-Key": "comment-retry-0001"}
    first = client.post(path, json={"body": "Say who pays."}, headers=key)
    assert first.status_code == 201, first.text
    again = client.post(path, json={"body": "Say who pays."}, headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    in_body = client.post(path, json={"body": "Say when.", "idempotency_key": "in-the-body-1"})
    assert in_body.status_code == 201, in_body.text
    assert (
        client.post(path, json={"body": "Say when.", "idempotency_key": "in-the-body-1"}).json()[
            "id"
        ]
        == in_body.json()["id"]
    )
    count = select(func.count()).select_from(PolicyComment)
    assert db.execute(count).scalar_one() == 2
