"""What accounts do by e-mail, read from the outbox as it would be sent: confirming the address,
resetting a forgotten password, registering with an address that has an account, attaching
earlier anonymous proposals, and reports from confirmed accounts."""

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from app.main import create_app
from app.models.audit import AuditEvent
from app.models.contributions import Contribution
from app.models.outbox import OutboxMessage
from app.models.types import utcnow
from app.models.users import AccountToken, Role, User
from tests import factories
from tests.conftest import PASSWORD, csrf_header, form_token, logout, make_user

NEW_PASSWORD = "a brand new passphrase 7"


def mails(engine: Engine, to: str) -> list[OutboxMessage]:
    from app.db import open_session

    with open_session(engine, write=False) as db:
        rows = db.execute(
            select(OutboxMessage)
            .where(col(OutboxMessage.recipient) == to)
            .order_by(col(OutboxMessage.id))
        )
        return list(rows.scalars())


def link(mail: OutboxMessage) -> str:
    """The first link of the e-mail, as a path the test client can open."""
    found = re.search(r"https?://[^/\s]+(/\S*)", mail.body_text)
    assert found, mail.body_text
    return found.group(1)


def register(client: TestClient, email: str, locale: str = "en", name: str = "Ana Souza") -> Any:
    return client.post(
        "/register",
        data={
            "csrf_token": form_token(client, "/register"),
            "display_name": name,
            "email": email,
            "password": "a long enough password",
            "locale": locale,
            "accept_privacy": "true",
        },
        follow_redirects=False,
    )


def login(client: TestClient, email: str, password: str) -> int:
    logout(client)
    response = client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        headers=csrf_header(client),
    )
    client.headers.update(csrf_header(client))
    return response.status_code


def said(page: str, *addresses: str) -> str:
    """A page's main part, without its CSRF tokens and with these addresses blanked."""
    main = page[page.index("<main") : page.index("</main>")]
    main = re.sub(r'name="csrf_token" value="[^"]+"', "", main)
    for address in addresses:
        main = re.sub(re.escape(address), "X", main, flags=re.IGNORECASE)
    return main


def post_form(client: TestClient, path: str, **data: Any) -> Any:
    token = form_token(client, "/forgot-password")  # a page with a form for anyone
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


CONFIRM = {
    "en": ("Confirm your e-mail address for Town Hall", "Hello Ana Souza,"),
    "es": ("Confirme su dirección de correo electrónico en Town Hall", "Hola, Ana Souza:"),
    "pt": ("Confirme seu endereço de e-mail no Town Hall", "Olá, Ana Souza,"),
}


@pytest.mark.parametrize("locale", ["en", "es", "pt"])
def test_the_confirmation_email_is_in_the_new_accounts_language(
    client: TestClient, engine: Engine, locale: str
) -> None:
    # The page is read in English; the e-mail follows the language the account chose.
    assert register(client, "ana@example.org", locale=locale).status_code == 303
    [mail] = mails(engine, "ana@example.org")
    subject, greeting = CONFIRM[locale]
    assert (mail.kind, mail.locale, mail.subject) == ("confirm_email", locale, subject)
    assert mail.body_text.startswith(greeting)
    assert re.search(r"http://testserver/confirm-email/\S{40,}", mail.body_text)


def test_links_in_emails_are_built_from_the_base_url(settings: Any, engine: Engine) -> None:
    app = create_app(
        settings.model_copy(update={"base_url": "https://townhall.example.org"}), engine
    )
    with TestClient(app) as client:
        register(client, "ana@example.org")
    [mail] = mails(engine, "ana@example.org")
    assert "https://townhall.example.org/confirm-email/" in mail.body_text
    assert "testserver" not in mail.body_text


def test_confirming_the_address_is_recorded_and_the_link_works_once(
    client: TestClient, engine: Engine, db: Session
) -> None:
    register(client, "ana@example.org")
    path = link(mails(engine, "ana@example.org")[0])
    login(client, "ana@example.org", "a long enough password")
    assert "Not confirmed yet" in client.get("/account").text
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm my address" in page.text
    confirmed = post_form(client, path)
    assert confirmed.status_code == 303
    assert "Confirmed on" in client.get("/account").text
    user = db.execute(select(User).where(col(User.email) == "ana@example.org")).scalar_one()
    assert user.email_confirmed_at is not None
    events = db.execute(select(AuditEvent).where(col(AuditEvent.action) == "user.confirm"))
    assert [e.actor_id for e in events.scalars()] == [user.id]
    db.rollback()  # ends the read, which on SQLite holds the write lock of this session
    again = post_form(client, path)
    assert again.status_code == 404
    assert "This link is not valid or has expired." in again.text


def test_an_expired_confirmation_link_is_refused(
    client: TestClient, engine: Engine, db: Session
) -> None:
    register(client, "ana@example.org")
    path = link(mails(engine, "ana@example.org")[0])
    db.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert post_form(client, path).status_code == 404
    assert db.execute(select(User.email_confirmed_at)).scalar_one() is None


def test_only_the_latest_confirmation_link_works_and_resending_is_limited(
    client: TestClient, engine: Engine
) -> None:
    register(client, "ana@example.org")
    login(client, "ana@example.org", "a long enough password")
    codes = [post_form(client, "/account/confirmation").status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    sent = mails(engine, "ana@example.org")
    assert len(sent) == 4
    assert post_form(client, link(sent[0])).status_code == 404
    assert post_form(client, link(sent[-1])).status_code == 303


def test_registering_with_an_address_that_has_an_account_answers_the_same(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import users as user_service

    owner = make_user(engine, Role.participant, email="taken@example.org", locale="es")
    hashed: list[str] = []
    real = user_service.hash_password
    monkeypatch.setattr(user_service, "hash_password", lambda p: hashed.append(p) or real(p))

    fresh = register(client, "fresh@example.org")
    fresh_page = said(client.get("/login").text, "fresh@example.org")
    logout(client)
    taken = register(client, "TAKEN@example.org")
    taken_page = said(client.get("/login").text, "taken@example.org")
    assert (fresh.status_code, fresh.headers["location"]) == (303, "/login")
    assert (taken.status_code, taken.headers["location"]) == (303, "/login")
    assert "We have sent an e-mail to X." in fresh_page
    assert fresh_page == taken_page
    assert len(hashed) == 2  # the same slow work for both

    [warning] = mails(engine, "taken@example.org")
    assert warning.kind == "registration_attempt"
    assert warning.subject == "Alguien intentó registrarse con su dirección de correo electrónico"
    assert "http://testserver/login" in warning.body_text
    assert "http://testserver/forgot-password" in warning.body_text
    # The owner's account is unchanged: still their password, no second account.
    assert login(client, owner.email, PASSWORD) == 200

    logout(client)
    headers = csrf_header(client)
    body = {"display_name": "B", "password": "a long enough password", "accept_privacy": True}
    api_fresh = client.post(
        "/api/v1/auth/register", json=body | {"email": "api@example.org"}, headers=headers
    )
    api_taken = client.post(
        "/api/v1/auth/register", json=body | {"email": "taken@example.org"}, headers=headers
    )
    assert api_fresh.status_code == api_taken.status_code == 202
    assert api_fresh.json().keys() == api_taken.json().keys() == {"email", "detail"}
    assert api_taken.json()["detail"].startswith("We have sent an e-mail to taken@example.org.")


def test_a_forgotten_password_is_reset_by_a_link_and_every_session_ends(
    client: TestClient, app: Any, engine: Engine
) -> None:
    user = make_user(engine, Role.participant, email="ana@example.org", locale="pt")
    with TestClient(app) as other_browser:
        assert login(other_browser, user.email, PASSWORD) == 200
        assert other_browser.get("/api/v1/auth/me").status_code == 200
        asked = post_form(client, "/forgot-password", email="Ana@Example.org")
        assert (asked.status_code, asked.headers["location"]) == (303, "/login")
        assert "We have sent an e-mail to ana@example.org" in client.get("/login").text
        [mail] = mails(engine, "ana@example.org")
        assert mail.subject == "Escolha uma nova senha para o Town Hall"
        assert "expira em uma hora" in mail.body_text
        path = link(mail)
        assert path.startswith("/reset-password/")

        form = client.get(path)
        assert form.status_code == 200
        assert 'name="new_password"' in form.text
        weak = post_form(client, path, new_password="password123")
        assert weak.status_code == 422
        assert "too common" in weak.text
        done = post_form(client, path, new_password=NEW_PASSWORD)
        assert (done.status_code, done.headers["location"]) == (303, "/login")
        # The other browser's session ended on the server.
        assert other_browser.get("/api/v1/auth/me").status_code == 401
    assert login(client, user.email, PASSWORD) == 401
    assert login(client, user.email, NEW_PASSWORD) == 200
    logout(client)
    assert client.get(path).status_code == 404
    assert post_form(client, path, new_password="yet another passphrase 8").status_code == 404


def test_forgot_password_for_an_unknown_address_looks_the_same(
    client: TestClient, engine: Engine
) -> None:
    make_user(engine, Role.participant, email="known@example.org")
    known = post_form(client, "/forgot-password", email="known@example.org")
    known_page = said(client.get("/login").text, "known@example.org")
    unknown = post_form(client, "/forgot-password", email="nobody@example.org")
    unknown_page = said(client.get("/login").text, "nobody@example.org")
    assert (known.status_code, known.headers["location"]) == (303, "/login")
    assert (unknown.status_code, unknown.headers["location"]) == (303, "/login")
    assert known_page == unknown_page
    [mail] = mails(engine, "nobody@example.org")
    assert mail.kind == "password_reset_unknown"
    assert "no account uses it" in mail.body_text
    assert "http://testserver/register" in mail.body_text


def test_forgot_password_wants_an_address(client: TestClient, engine: Engine) -> None:
    response = post_form(client, "/forgot-password", email="not an address")
    assert response.status_code == 422
    assert "Enter a valid e-mail address." in response.text
    assert 'value="not an address"' in response.text
    assert mails(engine, "not an address") == []


def test_a_reset_link_expires_after_an_hour(
    client: TestClient, engine: Engine, db: Session
) -> None:
    make_user(engine, Role.participant, email="ana@example.org")
    post_form(client, "/forgot-password", email="ana@example.org")
    path = link(mails(engine, "ana@example.org")[0])
    token = db.execute(select(AccountToken)).scalar_one()
    assert token.expires_at - token.created_at == timedelta(hours=1)
    db.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert client.get(path).status_code == 404
    assert post_form(client, path, new_password=NEW_PASSWORD).status_code == 404


def test_password_resets_are_limited_per_address(client: TestClient, engine: Engine) -> None:
    make_user(engine, Role.participant, email="ana@example.org")
    codes = [
        post_form(client, "/forgot-password", email="ana@example.org").status_code for _ in range(4)
    ]
    assert codes == [303, 303, 303, 429]
    assert len(mails(engine, "ana@example.org")) == 3


def test_the_account_page_changes_name_and_language(
    client: TestClient, login_as: Any, db: Session
) -> None:
    user = login_as(Role.participant)
    page = client.get("/account").text
    assert 'href="/contributions?mine=true"' in page
    assert "Send the confirmation e-mail again" in page
    refused = post_form(client, "/account/profile", display_name="Secretaría", locale="es")
    assert refused.status_code == 422
    assert 'value="Secretaría"' in refused.text
    saved = post_form(client, "/account/profile", display_name="Ana María", locale="es")
    assert saved.status_code == 303
    assert client.cookies.get("th_lang") == "es"
    stored = db.get(User, user.id)
    assert stored is not None
    assert (stored.display_name, stored.locale) == ("Ana María", "es")
    db.rollback()
    assert "Nombre e idioma" in client.get("/account").text


def _anonymous_proposal(client: TestClient, forum_id: int, email: str, title: str) -> None:
    response = client.post(
        "/contributions/new",
        data={
            "csrf_token": form_token(client, f"/contributions/new?forum_id={forum_id}"),
            "forum_id": str(forum_id),
            "title": title,
            "body": "Count community care in municipal budgets.",
            "language": "en",
            "author_name": "Ana",
            "author_email": email,
            "consent": "true",
            "accept_privacy": "true",
        },
        follow_redirects=False,
    )
    assert response.status_code == 201, response.text


def test_earlier_anonymous_proposals_are_offered_once_the_address_is_confirmed(
    client: TestClient, engine: Engine, db: Session
) -> None:
    forum = factories.forum(db)
    _anonymous_proposal(client, forum.id, "Ana@Example.org", "Kitchens for every block")
    _anonymous_proposal(client, forum.id, "someone@example.org", "Someone else's proposal")
    logout(client)
    register(client, "ana@example.org")
    login(client, "ana@example.org", "a long enough password")
    waiting = client.get("/account/proposals").text
    assert "Confirm your e-mail address first" in waiting
    assert "Kitchens for every block" not in waiting
    ana_id, other_id = db.execute(
        select(col(Contribution.id)).order_by(col(Contribution.id))
    ).scalars()
    db.rollback()
    assert post_form(client, "/account/proposals", contribution_ids=str(ana_id)).status_code == 409

    confirmed = post_form(client, link(mails(engine, "ana@example.org")[0]))
    assert confirmed.headers["location"] == "/account/proposals"
    offer = client.get("/account/proposals").text
    assert "Kitchens for every block" in offer
    assert "Someone else" not in offer
    assert "1 proposal you sent before you had an account" in client.get("/account").text

    attached = post_form(
        client, "/account/proposals", contribution_ids=[str(ana_id), str(other_id)]
    )
    assert (attached.status_code, attached.headers["location"]) == (303, "/contributions?mine=true")
    user = db.execute(select(User).where(col(User.email) == "ana@example.org")).scalar_one()
    assert db.get(Contribution, ana_id).author_id == user.id  # type: ignore[union-attr]
    assert db.get(Contribution, other_id).author_id is None  # type: ignore[union-attr]
    events = db.execute(select(AuditEvent).where(col(AuditEvent.action) == "contribution.claim"))
    assert [(e.object_id, e.actor_id) for e in events.scalars()] == [(ana_id, user.id)]
    db.rollback()
    assert "Kitchens for every block" in client.get("/contributions?mine=true").text
    assert "There are no proposals" in client.get("/account/proposals").text


def test_reports_from_new_accounts_count_once_their_address_is_confirmed(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, title="Reported one")
    for _ in range(2):  # new and unconfirmed: reach the queue, hide nothing
        login_as(Role.participant)
        client.post(f"/api/v1/contributions/{item.id}/reports", json={"reason": "spam"})
    for _ in range(2):  # made a moment ago too, but their address is confirmed
        login_as(Role.participant, email_confirmed_at=utcnow())
        client.post(f"/api/v1/contributions/{item.id}/reports", json={"reason": "spam"})
    assert factories.reload(db, item).status == "published"
    login_as(Role.participant, email_confirmed_at=utcnow())
    client.post(f"/api/v1/contributions/{item.id}/reports", json={"reason": "spam"})
    assert factories.reload(db, item).status == "hidden"
