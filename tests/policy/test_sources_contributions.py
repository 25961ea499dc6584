"""Where a contribution went, on the contribution's side: "my contributions" shows the outcome
and reason of each in the text its author may read; the optional organisation type on the
proposal form and the API; the endnote citations of contributions and minutes points."""

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.models.contributions import Contribution
from app.models.users import Role
from app.services import targets
from tests import factories
from tests.conftest import form_token
from tests.policy.sources_world import freeze, published_point
from tests.policy.sources_world import world as world_of

Login = Callable[..., Any]


def test_my_contributions_show_the_outcome_and_reason(
    client: TestClient, db: Session, login_as: Login
) -> None:
    world = world_of(db)
    author = login_as(Role.participant, display_name="Paula")
    mine = db.get(Contribution, world.contribution.id)
    assert mine is not None
    mine.author_id = author.id
    db.commit()
    freeze(db, world, number=1, public=True, pid=world.paragraphs[0], outcome="not_taken_up")

    page = client.get("/contributions?mine=true").text
    # Not taken up: the paragraph it was considered for, not one it "fed".
    assert "Considered for §1 of “Caring Systems” (stage: Policy Council)" in page
    assert "Fed into" not in page
    assert "Not taken up" in page
    assert "Frozen reason." in page
    assert "Considered for" not in client.get("/contributions").text  # only on "my contributions"


def test_the_organisation_type_on_the_form(
    client: TestClient, db: Session, login_as: Login
) -> None:
    forum = factories.forum(db)
    login_as(Role.participant)

    def submit(title: str, kind: str) -> Contribution:
        data = {
            "forum_id": str(forum.id),
            "idempotency_key": f"key-{title.replace(' ', '-')}",
            "title": title,
            "body": "A proposal long enough to be accepted.",
            "language": "en",
            "caucus_id": "",
            "organisation_name": "",
            "organisation_type": kind,
            "links": ["", "", ""],
            "csrf_token": form_token(client, f"/contributions/new?forum_id={forum.id}"),
        }
        sent = client.post("/contributions/new", data=data, follow_redirects=False)
        assert sent.status_code == 303, sent.text
        db.commit()
        found = db.execute(
            select(Contribution).where(col(Contribution.title) == title)
        ).scalar_one()
        db.commit()
        return found

    form = client.get(f"/contributions/new?forum_id={forum.id}").text
    assert '<option value="">Prefer not to say</option>' in form
    assert submit("Not said", "").organisation_type is None
    said = submit("Said", "grassroots")
    assert said.organisation_type == "grassroots"

    api = client.post(
        "/api/v1/contributions",
        json={
            "forum_id": forum.id,
            "title": "By the API",
            "body": "A proposal long enough to be accepted.",
            "language": "en",
            "organisation_type": "academia",
        },
    )
    assert api.status_code == 201, api.text
    db.commit()
    stored = db.get(Contribution, api.json()["id"])
    assert stored is not None
    assert stored.organisation_type == "academia"
    db.commit()
    unknown = {
        "forum_id": forum.id,
        "title": "Odd",
        "body": "Long enough body text.",
        "language": "en",
    }
    assert (
        client.post(
            "/api/v1/contributions", json=unknown | {"organisation_type": "guild"}
        ).status_code
        == 422
    )

    assert "Grassroots or community group" not in client.get(f"/contributions/{said.id}").text
    login_as(Role.secretariat)
    assert "Grassroots or community group" in client.get(f"/contributions/{said.id}").text


def test_endnotes_cite_the_channel_and_day(client: TestClient, db: Session) -> None:
    world = world_of(db)
    point = published_point(db, world, "Training paid by the state.")
    contribution = targets.find(
        db, kind="contribution", target_id=world.contribution.id or 0, viewer=None
    )
    assert contribution is not None
    assert targets.citation("contribution", contribution.record) == (
        "Submitted online",
        world.contribution.created_at.date(),
    )
    said = targets.find(db, kind="minutes_point", target_id=point, viewer=None)
    assert said is not None
    assert targets.citation("minutes_point", said.record) == (
        "Key point of the session's minutes",
        date(2025, 5, 3),
    )
    db.commit()
