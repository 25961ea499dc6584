"""The privacy notice and the explicit consent to it (issue 15): at registration (form and API),
when accepting an invitation and with a proposal sent without an account; forms are posted as
a browser posts them, every field sent, empty ones included, and an unticked box not sent."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.db import open_session
from app.models.contributions import Contribution
from app.models.users import Role, User
from app.services.privacy import PRIVACY_NOTICE_VERSION
from tests import factories
from tests.conftest import csrf_header, form_token, logout
from tests.routers.test_account_email import link, mails

LABEL = "I have read the privacy notice and agree that my data is processed as it describes"
REFUSED = "tick the box to say that you have read the privacy notice and agree to it"


def _user(engine: Engine, email: str) -> User | None:
    with open_session(engine, write=False) as s:
        return s.execute(select(User).where(col(User.email) == email)).scalar_one_or_none()


def _recent(moment: datetime | None) -> bool:
    return moment is not None and datetime.now(UTC) - moment < timedelta(minutes=5)


def _box(html: str) -> Any:
    """The consent checkbox, its label, its hint and its error as the page has them."""
    page = lxml.html.fromstring(html)
    [box] = page.xpath("//input[@name='accept_privacy']")
    [label] = page.xpath(f"//label[@for='{box.get('id')}']")
    described = (box.get("aria-describedby") or "").split()
    return page, box, label, described


def _error_for_box(html: str) -> str:
    page, box, _, described = _box(html)
    errors = [page.get_element_by_id(i) for i in described if i.startswith("e-")]
    assert errors, "the error is linked to the box"
    assert box.get("aria-invalid") == "true"
    return errors[0].text_content()


# -- the notice --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("en", "Privacy notice"), ("es", None), ("pt", None)],
)
def test_the_notice_answers_in_every_language_with_its_version(
    client: TestClient, lang: str, heading: str | None
) -> None:
    response = client.get(f"/privacy?lang={lang}")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.text)
    assert page.get("lang") == lang
    assert PRIVACY_NOTICE_VERSION in response.text
    assert len(page.xpath("//main//h2")) >= 8  # sections with headings
    if heading:
        assert page.xpath("string(//h1)") == heading


def test_the_notice_says_what_a_data_protection_officer_looks_for(client: TestClient) -> None:
    text = " ".join(lxml.html.fromstring(client.get("/privacy").text).xpath("//main//text()"))
    for needed in (
        "controller",
        "e-mail address",
        "IP address",
        "Files you attach",
        "consent (GDPR article 6(1)(a); LGPD article 7, I)",
        "legitimate interest",
        "never published",
        "How long we keep it",
        "Download my data",
        "Delete my account",
        "withdraw your consent",
        "supervisory authority",
        "ANPD",
        "14 days",
    ):
        assert needed in text, needed


def test_the_notice_gives_the_configured_contact_address(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "mailto:" not in client.get("/privacy").text  # townhall@localhost: nobody reads it
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "smtp_from", "Foro <secretaria@foro.example.org>")
    page = client.get("/privacy?lang=en").text  # not the copy the page cache kept
    assert 'href="mailto:secretaria@foro.example.org"' in page


@pytest.mark.parametrize("path", ["/", "/register", "/login", "/contributions", "/privacy"])
def test_every_page_links_to_the_notice_from_its_footer(client: TestClient, path: str) -> None:
    page = lxml.html.fromstring(client.get(path).text)
    assert page.xpath("//footer//a[@href='/privacy']"), path


# -- registration ------------------------------------------------------------------------------


def _register(client: TestClient, lang: str = "en", **fields: str) -> Any:
    data = {
        "csrf_token": form_token(client, "/register"),
        "display_name": "Ana Souza",
        "email": "ana.souza@example.org",
        "password": "a long enough password",
        "locale": "pt",
    } | fields
    return client.post(f"/register?lang={lang}", data=data, follow_redirects=False)


def test_the_registration_form_asks_with_an_unticked_labelled_box(client: TestClient) -> None:
    page, box, label, described = _box(client.get("/register").text)
    assert box.get("type") == "checkbox"
    assert box.get("checked") is None
    assert box.get("required") is not None
    assert LABEL in label.text_content()
    [hint] = [page.get_element_by_id(i) for i in described if i.startswith("h-")]
    [notice] = hint.xpath(".//a")
    assert notice.get("href") == "/privacy"
    assert notice.get("target") is None  # opens normally, not in a popup


def test_registering_without_the_consent_is_refused_keeping_what_was_typed(
    client: TestClient, engine: Engine
) -> None:
    response = _register(client, display_name="Ana Souza")  # the box not sent: unticked
    assert response.status_code == 422
    assert REFUSED in _error_for_box(response.text)
    page = lxml.html.fromstring(response.text)
    assert page.xpath("string(//input[@name='display_name']/@value)") == "Ana Souza"
    assert page.xpath("string(//input[@name='email']/@value)") == "ana.souza@example.org"
    assert page.xpath("//select[@name='locale']/option[@selected]/@value") == ["pt"]
    assert page.xpath("string(//input[@name='password']/@value)") == ""
    assert REFUSED in page.xpath("string(//div[@class='error-summary'])")
    assert _user(engine, "ana.souza@example.org") is None


def test_the_refusal_is_in_the_readers_language(client: TestClient) -> None:
    response = _register(client, lang="es")
    assert response.status_code == 422
    assert lxml.html.fromstring(response.text).get("lang") == "es"
    assert _error_for_box(response.text).strip()


def test_every_empty_field_reports_all_its_errors_at_once(client: TestClient) -> None:
    response = _register(client, display_name="", email="", password="", locale="")
    assert response.status_code == 422
    summary = lxml.html.fromstring(response.text).xpath("//div[@class='error-summary']//a/@href")
    assert summary == ["#f-email", "#f-display_name", "#f-password", "#f-accept_privacy"]


def test_a_ticked_box_stays_ticked_when_something_else_is_wrong(client: TestClient) -> None:
    response = _register(client, password="short", accept_privacy="true")
    assert response.status_code == 422
    _, box, _, described = _box(response.text)
    assert box.get("checked") is not None
    assert not [i for i in described if i.startswith("e-")]


def test_registering_with_the_consent_stores_the_version_and_time(
    client: TestClient, engine: Engine
) -> None:
    response = _register(client, accept_privacy="true")
    assert response.status_code == 303
    user = _user(engine, "ana.souza@example.org")
    assert user is not None
    assert user.privacy_notice_version == PRIVACY_NOTICE_VERSION
    assert _recent(user.privacy_consent_at)


def _api_register(client: TestClient, **fields: Any) -> Any:
    body = {
        "email": "bea@example.org",
        "display_name": "Bea Lima",
        "password": "a long enough password",
    } | fields
    return client.post("/api/v1/auth/register", json=body, headers=csrf_header(client))


@pytest.mark.parametrize("given", [{}, {"accept_privacy": False}, {"accept_privacy": "yes"}])
def test_the_api_requires_accept_privacy_true(
    client: TestClient, engine: Engine, given: dict[str, Any]
) -> None:
    response = _api_register(client, **given)
    assert response.status_code == 422
    problem = response.json()
    assert "accept_privacy" in str(problem)
    assert _user(engine, "bea@example.org") is None


def test_the_api_says_why_in_a_sentence(client: TestClient) -> None:
    response = _api_register(client, accept_privacy=False)
    assert REFUSED in response.text


def test_the_api_registers_with_the_consent_and_stores_it(
    client: TestClient, engine: Engine
) -> None:
    response = _api_register(client, accept_privacy=True)
    assert response.status_code == 202, response.text
    user = _user(engine, "bea@example.org")
    assert user is not None
    assert user.privacy_notice_version == PRIVACY_NOTICE_VERSION
    assert _recent(user.privacy_consent_at)


def test_the_schema_says_the_consent_is_required(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["UserRegister"]
    assert "accept_privacy" in schema["required"]
    assert schema["properties"]["accept_privacy"]["const"] is True


def test_accounts_made_by_the_staff_record_no_consent(
    client: TestClient, engine: Engine, login_as: Any
) -> None:
    from app.models.users import UserCreate
    from app.services import users

    with open_session(engine, write=True) as s:
        made = users.create_user(
            s,
            actor=None,
            data=UserCreate(
                email="op@example.org", display_name="Operator", password="operator passphrase"
            ),
        )
        assert made.privacy_consent_at is None
        assert made.privacy_notice_version is None


# -- invitations -------------------------------------------------------------------------------


def _invitation(client: TestClient, engine: Engine, login_as: Any, email: str) -> str:
    login_as(Role.secretariat)
    data = {"csrf_token": form_token(client, "/users"), "email": email, "role": "participant"}
    assert client.post("/users/invite", data=data).status_code == 201
    logout(client)
    [mail] = mails(engine, email)
    return link(mail)


def test_accepting_an_invitation_needs_the_consent_too(
    client: TestClient, engine: Engine, login_as: Any
) -> None:
    path = _invitation(client, engine, login_as, "elana@example.org")
    _, box, _, _ = _box(client.get(path).text)
    assert box.get("checked") is None
    data = {
        "csrf_token": form_token(client, path),
        "display_name": "Elana Wong",
        "password": "a long enough password",
        "locale": "es",
    }
    refused = client.post(path, data=data, follow_redirects=False)
    assert refused.status_code == 422
    assert REFUSED in _error_for_box(refused.text)
    page = lxml.html.fromstring(refused.text)
    assert page.xpath("string(//input[@name='display_name']/@value)") == "Elana Wong"
    assert page.xpath("//select[@name='locale']/option[@selected]/@value") == ["es"]
    assert _user(engine, "elana@example.org") is None

    done = client.post(path, data=data | {"accept_privacy": "true"}, follow_redirects=False)
    assert done.status_code == 303
    user = _user(engine, "elana@example.org")
    assert user is not None
    assert user.privacy_notice_version == PRIVACY_NOTICE_VERSION
    assert _recent(user.privacy_consent_at)


# -- a proposal without an account -------------------------------------------------------------


def _proposal_form(client: TestClient, forum_id: int, **fields: str) -> dict[str, str]:
    """Every field the form has, as a browser sends it (empty where nothing was typed)."""
    token = form_token(client, f"/contributions/new?forum_id={forum_id}")
    return {
        "csrf_token": token,
        "forum_id": str(forum_id),
        "idempotency_key": "privacy1234567890",
        "title": "Cuidar de quem cuida",
        "body": "Propomos centros comunitários de cuidado em cada bairro.",
        "language": "pt",
        "session_id": "",
        "caucus_id": "",
        "organisation_name": "",
        "organisation_type": "",
        "links": "",
        "author_name": "Maria Silva",
        "author_email": "maria@example.org",
        "consent": "true",
    } | fields


def test_the_anonymous_form_asks_and_a_logged_in_one_does_not(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    _, box, label, _ = _box(client.get(f"/contributions/new?forum_id={forum.id}").text)
    assert box.get("checked") is None
    assert LABEL in label.text_content()
    login_as(Role.participant)
    page = client.get(f"/contributions/new?forum_id={forum.id}").text
    assert 'name="accept_privacy"' not in page


def test_an_anonymous_proposal_without_the_consent_is_refused_keeping_what_was_typed(
    client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    response = client.post(
        "/contributions/new",
        data=_proposal_form(client, forum.id),
        files=[("attachments", ("", b""))],
    )
    assert response.status_code == 422
    assert REFUSED in _error_for_box(response.text)
    page = lxml.html.fromstring(response.text)
    assert page.xpath("string(//input[@name='title']/@value)") == "Cuidar de quem cuida"
    assert "centros comunitários" in page.xpath("string(//textarea[@name='body'])")
    assert page.xpath("string(//input[@name='author_name']/@value)") == "Maria Silva"
    assert page.xpath("string(//input[@name='author_email']/@value)") == "maria@example.org"
    assert page.xpath("//input[@name='consent']/@checked")  # the other box stays ticked
    assert factories.query(db, select(Contribution)) == []


def test_an_anonymous_proposal_with_the_consent_stores_the_version_and_time(
    client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    data = _proposal_form(client, forum.id, accept_privacy="true")
    response = client.post("/contributions/new", data=data, files=[("attachments", ("", b""))])
    assert response.status_code == 201, response.text
    [item] = factories.query(db, select(Contribution))
    assert item.privacy_notice_version == PRIVACY_NOTICE_VERSION
    assert _recent(item.privacy_consent_at)


def test_the_api_asks_an_anonymous_author_and_not_an_account_holder(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    body = {
        "forum_id": forum.id,
        "title": "Cuidar de quem cuida",
        "body": "Propomos centros comunitários de cuidado em cada bairro.",
        "language": "pt",
        "author_name": "Maria",
        "author_email": "maria@example.org",
        "consent": True,
    }
    refused = client.post("/api/v1/contributions", json=body, headers=csrf_header(client))
    assert refused.status_code == 422
    assert REFUSED in refused.text
    taken = client.post(
        "/api/v1/contributions", json=body | {"accept_privacy": True}, headers=csrf_header(client)
    )
    assert taken.status_code == 201, taken.text
    login_as(Role.participant)
    mine = {k: v for k, v in body.items() if not k.startswith(("author", "consent"))}
    published = client.post("/api/v1/contributions", json=mine | {"title": "Outra proposta"})
    assert published.status_code == 201, published.text
    rows = {c.title: c for c in factories.query(db, select(Contribution))}
    assert rows["Cuidar de quem cuida"].privacy_notice_version == PRIVACY_NOTICE_VERSION
    # An account holder agreed when they registered: nothing is asked or stored again.
    assert rows["Outra proposta"].privacy_notice_version is None
    assert rows["Outra proposta"].privacy_consent_at is None


def test_no_stored_consent_leaks_into_the_public_shapes(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    factories.contribution(db, forum, privacy_notice_version=PRIVACY_NOTICE_VERSION)
    listed = client.get("/api/v1/contributions").text
    assert "privacy_notice_version" not in listed
    assert re.search(r"privacy_consent", listed) is None
