"""Links both ways: a published excerpt links to its contribution, and the contribution's page
says where it is cited in the minutes, with a link to the excerpt; unpublished minutes are
cited nowhere."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests.minutes.helpers import meeting


def test_published_minutes_and_the_contributions_they_quote_link_to_each_other(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    world = meeting(db)
    remark = world.remarks["talk"]
    login_as(Role.secretariat)
    made = client.post(
        f"/api/v1/sessions/{world.session.id}/minutes", json={"requires_circulation": False}
    ).json()
    excerpt = made["blocks"][1]["excerpts"][0]
    client.cookies.clear()
    assert "Cited in the minutes" not in client.get(f"/contributions/{remark.id}").text
    login_as(Role.secretariat)
    published = client.post(f"/api/v1/minutes/{made['id']}/transitions", json={"action": "publish"})
    assert published.status_code == 200
    client.cookies.clear()
    page = client.get(f"/contributions/{remark.id}").text
    assert "Cited in the minutes of" in page
    assert f'href="/sessions/{world.session.id}/minutes#excerpt-{excerpt["id"]}"' in page
    minutes_page = client.get(f"/sessions/{world.session.id}/minutes").text
    assert f'id="excerpt-{excerpt["id"]}"' in minutes_page
    assert f'href="/contributions/{remark.id}"' in minutes_page
    assert f'href="/speakers/{world.speakers[0].id}"' in minutes_page
    assert f'href="/organisations/{world.org.id}"' in minutes_page
    assert 'lang="es"' in minutes_page  # the content's language, whatever the reader's
