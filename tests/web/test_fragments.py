"""Logged-in pages from the copy a role shares (web/fragments.py): the same bytes as a page
rendered for the reader, for every role and language, and never older than the data.

The CSRF tokens are masked when pages are compared: a token is signed with the time it was made
(itsdangerous), so two renders a second apart differ there even without any cache. Everything
else, the reader's name and their "including yours" included, must match byte for byte."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app import demo
from app.db import make_engine, open_session
from app.models.contributions import Contribution, Endorsement, Report
from app.models.forums import ForumSession
from app.models.minutes import Minutes
from app.models.policy import PolicyDocument
from app.models.users import Role
from app.web import fragments
from tests import factories
from tests.conftest import make_user

_TOKENS = re.compile(r'(name="csrf_token" value="|"X-CSRF-Token": ")[^"]+"')


def _masked(html: str) -> str:
    return _TOKENS.sub(r'\1<token>"', html)


def _log_in(client: TestClient, email: str) -> None:
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    token = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    answer = client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": "correct horse battery"},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 200, answer.text


def _uncached(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page rendered for its reader, as before the fragment cache."""
    monkeypatch.setattr(fragments, "page", lambda request, db, user, build, **_kw: build(user))


def test_pages_are_the_same_bytes_from_the_shared_copy(
    app: Any, client: TestClient, db: Session, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.load(db)
    db.commit()
    first = db.exec(
        select(Contribution)
        .where(Contribution.status == "published")
        .order_by(col(Contribution.id))
    ).first()
    assert first is not None
    assert first.id is not None
    minutes = db.exec(select(Minutes).where(Minutes.status == "published")).first()
    document = db.exec(select(PolicyDocument)).first()
    assert minutes is not None
    assert document is not None
    db.commit()  # ends the read: make_user writes on a connection of its own
    pages = [
        "/sessions/2",
        "/sessions/1",
        "/contributions",
        f"/contributions?forum_id={first.forum_id}",
        "/contributions?sort=endorsed",
        f"/contributions/{first.id}",
        "/forums",
        f"/sessions/{minutes.session_id}/minutes",
        f"/documents/{document.id}",
        f"/documents/{document.id}/v",
        f"/documents/{document.id}/v/1",
        f"/documents/{document.id}/v/1/diff",
        f"/documents/{document.id}/listening-report",
    ]
    readers = []
    for role in Role:
        # Two readers of each role: a name that needs escaping, and one who endorsed `first`.
        odd = make_user(engine, role, display_name=f"Ana <O'Brien> & {role.value}")
        fan = make_user(engine, role, display_name=f"Fan {role.value}")
        readers += [odd, fan]
    for fan in readers[1::2]:
        db.add(Endorsement(contribution_id=first.id, user_id=fan.id))
    # Its author, and one who reported it: their report sections differ from everyone's.
    author = make_user(engine, Role.participant, display_name="Author")
    readers.append(author)
    db.execute(
        update(Contribution).where(col(Contribution.id) == first.id).values(author_id=author.id)
    )
    db.add(Report(contribution_id=first.id, reporter_id=readers[0].id, reason="spam"))
    db.execute(
        update(Contribution)
        .where(col(Contribution.id) == first.id)
        .values(endorsement_count=col(Contribution.endorsement_count) + len(readers) // 2)
    )
    db.commit()

    def render_all() -> dict[tuple[str, str, str, bool], str]:
        out = {}
        for reader in readers:
            _log_in(client, reader.email)
            for lang in ("es", "pt", "en"):
                client.cookies.set("th_lang", lang)
                for path in pages:
                    for htmx in (False, True):
                        headers = {"HX-Request": "true"} if htmx else {}
                        answer = client.get(path, headers=headers)
                        assert answer.status_code in (200, 404), (path, answer.text[:300])
                        assert answer.headers["cache-control"] == "private, no-store"
                        out[(reader.email, lang, path, htmx)] = (
                            f"{answer.status_code} {_masked(answer.text)}"
                        )
        return out

    with monkeypatch.context() as patch:
        _uncached(patch)
        before = render_all()
    assert not getattr(app.state, "fragments", None) or not app.state.fragments.entries
    filling = render_all()  # the first reader of each key fills it, the others are served
    served = render_all()
    assert app.state.fragments.entries, "nothing was shared"
    personal = {
        (k[0], k[5]) for k, (_v, _t, stored) in app.state.fragments.entries.items() if not stored
    }
    # A document in drafting: who reads it is a matter of team membership, not of role, for
    # everyone but the secretariat.
    doc = f"/documents/{document.id}"
    assert {path for path, _role in personal} <= {p for p in pages if p.startswith(doc)}
    assert {role for _path, role in personal} == {"participant", "caucus_rep"}, personal
    for key, html in before.items():
        assert filling[key] == html, key
        assert served[key] == html, key
    odd = before[(readers[0].email, "en", "/sessions/2", False)]
    assert "Ana &lt;O&#39;Brien&gt; &amp; participant" in odd
    # Every page is a page for someone: the document is the secretariat's to read.
    for path in pages:
        assert any(k[2] == path and html.startswith("200 ") for k, html in before.items()), path
    assert before[(readers[0].email, "en", f"/documents/{document.id}", False)].startswith("404")
    yours = [k for k, html in before.items() if "including yours" in html]
    assert {k[0] for k in yours} == {r.email for r in readers[1::2]}
    detail = f"/contributions/{first.id}"
    reported = "You have reported this contribution."
    assert reported in before[(readers[0].email, "en", detail, False)]
    assert reported not in before[(readers[2].email, "en", detail, False)]
    assert "Report this contribution" not in before[(author.email, "en", detail, False)]
    assert "Report this contribution" in before[(readers[2].email, "en", detail, False)]


def test_a_write_by_another_instance_shows_on_the_next_request(
    app: Any, client: TestClient, db: Session, engine: Any, settings: Any
) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    contribution = factories.contribution(db, forum, status="published")
    reader = make_user(engine, Role.participant)
    _log_in(client, reader.email)
    page = f"/sessions/{session.id}"
    assert client.get(page).text == client.get(page).text  # filled, then served
    listed = client.get("/contributions").text
    assert "including yours" not in listed

    other = make_engine(settings.database_url)  # a second instance: its own engine and pool
    try:
        with open_session(other, write=True) as second:
            found = second.get(ForumSession, session.id)
            assert found is not None
            found.title = {"en": "Renamed by the other instance"}
            second.add(found)
            second.add(Endorsement(contribution_id=contribution.id, user_id=reader.id))
            second.commit()
    finally:
        other.dispose()

    assert "Renamed by the other instance" in client.get(page).text
    assert "including yours" in client.get("/contributions").text


def test_a_page_that_reads_more_than_the_role_is_rendered_for_its_reader(
    app: Any, client: TestClient, db: Session, engine: Any
) -> None:
    """ "My contributions" is never shared; a stand-in reader that is asked for more than a
    role (here, its id) stops the sharing of that page, which is then rendered as before."""
    forum = factories.forum(db)
    mine = factories.contribution(db, forum, status="pending")
    author = make_user(engine, Role.participant)
    db.execute(
        update(Contribution).where(col(Contribution.id) == mine.id).values(author_id=author.id)
    )
    db.commit()
    _log_in(client, author.email)
    assert "pending" in client.get("/contributions?mine=true").text.lower()
    viewer = fragments.RoleViewer(author)
    assert viewer.role == author.role
    assert viewer.is_active
    with pytest.raises(fragments.PersonalPage):
        _ = viewer.id
