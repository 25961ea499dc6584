"""Issue 10, defect 5: care-map pins and crowd reports as a newcomer meets them.

The suite missed these because it tested the API's refusals and the form's fields one by one,
never what a person does first: open the form and send it as it comes, or follow the address of
a list ("/caremap/pins", ".../reports") that only answered POST.
"""

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.caremap import CrowdReportCreate
from app.models.users import Role
from app.services import caremap as service
from tests import factories
from tests.conftest import form_token, logout
from tests.routers.test_caremap import small_territory, stored_run


def test_the_pin_form_offers_real_sessions_and_contributions_by_name(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    run = stored_run(db, small_territory(db))
    forum = factories.forum(db)
    session = factories.session(db, forum)
    published = factories.contribution(db, forum, title="Crèches near the market")
    pending = factories.contribution(db, forum, title="Still in moderation", status="pending")
    login_as(Role.secretariat)
    form = client.get(f"/caremap/pins/new?run_id={run.id}").text
    assert 'name="target_id"' not in form  # no raw number to type
    choice = form[
        form.index('<select id="f-target"') : form.index("</select>", form.index('id="f-target"'))
    ]
    assert '<optgroup label="Session">' in choice
    assert f'<option value="session:{session.id}">' in choice
    assert f'<option value="contribution:{published.id}">Crèches near the market</option>' in choice
    assert f"contribution:{pending.id}" not in choice  # only what is public sits beside a panel
    # Coming from a session's page, that session is already chosen.
    preset = client.get(f"/caremap/pins/new?target_kind=session&target_id={session.id}").text
    assert f'<option value="session:{session.id}" selected>' in preset

    token = form_token(client, "/caremap/pins/new")
    made = client.post(
        "/caremap/pins",
        data={
            "csrf_token": token,
            "run_id": run.id,
            "care_group": "older_persons",
            "metric": "gap",
            "target": f"contribution:{published.id}",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"/contributions/{published.id}#evidence"


def test_a_pin_to_something_that_does_not_exist_is_refused_on_the_field(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    run = stored_run(db, small_territory(db))
    login_as(Role.secretariat)
    token = form_token(client, "/caremap/pins/new")
    base = {"csrf_token": token, "run_id": run.id, "care_group": "older_persons"}
    for target in ("no_such_kind:3", "section:1", "session:", ""):
        page = client.post("/caremap/pins", data={**base, "target": target})
        assert page.status_code == 422, target
        field = page.text[page.text.index('<label for="f-target"') :]
        assert field.index('id="e-target"') < field.index("</select>")
        assert "Choose a session or a contribution from the list." in field
    assert (
        service.list_pins(
            db, target_kind=None, target_id=None, run_id=run.id, limit=10, cursor=None
        )[0]
        == []
    )


def test_the_list_of_pins_is_a_page(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    run = stored_run(db, small_territory(db))
    forum = factories.forum(db)
    session = factories.session(db, forum, title={"en": "Caring Cities"})
    hidden = factories.contribution(db, forum, title="Waiting for moderation", status="pending")
    staff = factories.staff(db)
    for kind, target_id in (("session", session.id), ("contribution", hidden.id)):
        service.create_pin(
            db,
            actor=staff,
            data=service.PinCreate(
                run_id=run.id, care_group="older_persons", target_kind=kind, target_id=target_id
            ),
        )
    page = client.get("/caremap/pins")
    assert page.status_code == 200
    assert "Pinned care-map panels" in page.text
    assert f'<a href="/sessions/{session.id}#evidence">Caring Cities</a>' in page.text
    assert "Waiting for moderation" not in page.text  # not for this reader to see
    login_as(Role.secretariat)
    assert "Waiting for moderation" in client.get("/caremap/pins").text


def test_the_reports_of_a_territory_are_a_page_with_their_state(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = small_territory(db)
    url = f"/caremap/territories/{place.id}/reports"
    anonymous = client.get(url, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")
    someone = login_as(Role.participant)
    service.propose(
        db,
        actor=someone,
        territory=place,
        data=CrowdReportCreate.model_validate(
            {"kind": "need", "care_group": "children_0_5", "lon": -56.2, "lat": -34.9}
        ),
    )
    page = client.get(url)
    assert page.status_code == 200
    assert "<h1" in page.text
    assert "Your reports" in page.text
    assert "Waiting for verification" in page.text
    logout(client)
    login_as(Role.participant)
    assert "No reports yet." in client.get(url).text  # another person's report is theirs


def _form_defaults(html: str) -> dict[str, str]:
    """What a browser sends for a form left as it came: checked radios, selected options."""
    values: dict[str, str] = {}
    for name, value in re.findall(r'name="(\w+)" value="([^"]*)" required checked', html):
        values[name] = value
    for name, body in re.findall(
        r'<select id="f-\w+" name="(\w+)"[^>]*>(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected', body) or re.search(
            r'<option value="([^"]*)"', body
        )
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_the_report_form_as_it_comes_can_be_sent_once_a_point_is_chosen(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = small_territory(db)
    login_as(Role.participant)
    url = f"/caremap/territories/{place.id}/reports/new"
    html = client.get(url).text
    defaults = _form_defaults(html)
    assert defaults["kind"] == "need"
    assert defaults["sphere"] == ""  # asked only of a facility, and said so
    assert "About the facility (only for a care facility)" in html
    token = form_token(client, url)
    sent = client.post(
        f"/caremap/territories/{place.id}/reports",
        data={"csrf_token": token, **defaults, "lon": "-56.2", "lat": "-34.9"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    # A facility without its sphere is refused on the sphere field, keeping what was typed.
    again = client.post(
        f"/caremap/territories/{place.id}/reports",
        data={
            "csrf_token": token,
            **defaults,
            "kind": "facility",
            "lon": "-56.2",
            "lat": "-34.9",
            "name": "Jardín Nº 3",
        },
    )
    assert again.status_code == 422
    field = again.text[again.text.index('<label for="f-sphere"') :]
    assert field.index('id="e-sphere"') < field.index("</select>")
    assert 'value="Jardín Nº 3"' in again.text
    assert 'value="facility" required checked' in again.text
