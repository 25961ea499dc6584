"""Speakers and organisations: lists, search, forms, pages."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests import factories
from tests.conftest import form_token


def test_speaker_search_works_without_javascript_and_as_an_htmx_partial(
    client: TestClient, db: Session
) -> None:
    org = factories.organisation(db, "Huairou Commission", "civil_society")
    factories.speaker(db, "Sri Sofjan", organisation_id=org.id)
    factories.speaker(db, "Victor Pineda")
    page = client.get("/speakers?q=huairou")
    assert "Sri Sofjan" in page.text
    assert "Victor Pineda" not in page.text
    assert "<html" in page.text
    assert "HX-Request" in page.headers["vary"]
    partial = client.get("/speakers?q=pineda", headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    assert "Victor Pineda" in partial.text
    assert "1 speaker matches" in partial.text
    boosted = client.get("/speakers?q=pineda", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_search_text_is_not_a_pattern(client: TestClient, db: Session) -> None:
    factories.speaker(db, "Rosa Pavanelli")
    assert "Rosa Pavanelli" not in client.get("/speakers?q=%25").text
    assert "0 speakers match" in client.get("/speakers?q=_").text


def test_secretariat_adds_a_speaker_with_an_organisation(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    org = factories.organisation(db, "World Enabled", "civil_society")
    login_as(Role.secretariat)
    token = form_token(client, "/speakers/new")
    response = client.post(
        "/speakers/new",
        data={
            "csrf_token": token,
            "name": "Victor Pineda",
            "title": "President and Founder",
            "organisation_id": str(org.id),
            "country": "US",
            "bio.en": "Accessibility caucus.",
            "email": "victor@example.org",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Victor Pineda" in response.text
    assert "World Enabled" in response.text
    assert "United States" in response.text
    assert "victor@example.org" in response.text  # staff see contact details


def test_speaker_form_rejects_bad_contact_and_country(client: TestClient, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.secretariat)
    token = form_token(client, "/speakers/new")
    response = client.post(
        "/speakers/new?lang=pt",
        data={
            "csrf_token": token,
            "name": "X",
            "email": "not-an-email",
            "phone": "call me",
            "country": "ZZ",
        },
    )
    assert response.status_code == 422
    assert "Selecione um país da lista." in response.text
    assert 'value="X"' in response.text


def test_organisation_page_lists_its_speakers(client: TestClient, db: Session) -> None:
    org = factories.organisation(db, "Public Services International", "civil_society")
    factories.speaker(db, "Rosa Pavanelli", organisation_id=org.id)
    html = client.get(f"/organisations/{org.id}").text
    assert "Public Services International" in html
    assert "Civil society" in html
    assert "Rosa Pavanelli" in html
