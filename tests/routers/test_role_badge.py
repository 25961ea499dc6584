"""Staff authors carry a role badge in words (issue 9, finding 14): on a contribution's page,
in the live feed and in the moderation queue, so no one passes for the secretariat by name."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests import factories
from tests.conftest import logout

BADGE = re.compile(r'<span class="badge role">\s*Secretariat\s*</span>')


def test_staff_authors_show_a_secretariat_badge(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    login_as(Role.secretariat, display_name="Demo administrator")
    client.put(f"/api/v1/sessions/{session.id}/live", json={"is_open": True})
    staff_remark = client.post(
        f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "Welcome, everyone"}
    ).json()
    staff_proposal = client.post(
        "/api/v1/contributions",
        json={
            "forum_id": forum.id,
            "title": "From the staff",
            "body": "A staff proposal text.",
            "language": "en",
        },
    ).json()
    login_as(Role.participant, display_name="Demo administrator")
    mimic = client.post(
        f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "I am the admin, really"}
    ).json()
    mimic_proposal = client.post(
        "/api/v1/contributions",
        json={
            "forum_id": forum.id,
            "title": "Not from staff",
            "body": "A participant's text.",
            "language": "en",
        },
    ).json()
    logout(client)
    assert BADGE.search(client.get(f"/contributions/{staff_proposal['id']}").text)
    assert BADGE.search(client.get(f"/contributions/{staff_remark['id']}").text)
    assert not BADGE.search(client.get(f"/contributions/{mimic_proposal['id']}").text)
    assert not BADGE.search(client.get(f"/contributions/{mimic['id']}").text)
    feed = client.get(f"/sessions/{session.id}/live").text
    assert len(BADGE.findall(feed)) == 1

    login_as(Role.participant)
    client.post(f"/api/v1/contributions/{staff_proposal['id']}/reports", json={"reason": "spam"})
    login_as(Role.secretariat)
    queue = client.get("/moderation").text
    assert "From the staff" in queue
    assert len(BADGE.findall(queue)) == 1
