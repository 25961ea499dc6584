"""Submitting proposals, reading them, endorsing, searching, filtering, exporting."""

import csv
import io
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.models.contributions import Attachment, Contribution
from app.models.users import Role
from tests import factories
from tests.conftest import form_token, logout


def _form(client: TestClient, forum_id: int, **fields: str) -> dict[str, str]:
    token = form_token(client, f"/contributions/new?forum_id={forum_id}")
    return {"csrf_token": token, "forum_id": str(forum_id), "language": "pt", **fields}


def test_anonymous_proposal_waits_for_moderation_and_its_author_can_follow_it(
    client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    data = _form(
        client,
        forum.id,
        title="Cuidar de quem cuida",
        body="Propomos centros comunitários de cuidado em cada bairro.",
        author_name="Maria",
        author_email="maria@example.org",
        consent="true",
        accept_privacy="true",
        idempotency_key="abcdefgh12345678",
    )
    response = client.post("/contributions/new", data=data)
    assert response.status_code == 201
    receipt = re.search(r'href="([^"]*receipt=[^"]+)"', response.text)
    assert receipt, response.text
    item = factories.query(db, select(Contribution))[0]
    assert item.status == "pending"
    assert item.language == "pt"
    assert item.channel == "web"
    assert item.author_email == "maria@example.org"

    # Not listed, not readable by others, readable with the private link.
    assert "Cuidar de quem cuida" not in client.get("/contributions").text
    assert client.get(f"/contributions/{item.id}").status_code == 404
    page = client.get(receipt.group(1).replace("http://testserver", "").replace("&amp;", "&"))
    assert page.status_code == 200
    assert "Waiting for moderation" in page.text
    assert "maria@example.org" not in page.text


def test_anonymous_proposal_needs_name_email_and_consent_and_keeps_what_was_typed(
    client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    data = _form(client, forum.id, title="Mi propuesta", body="Un texto largo de propuesta.")
    response = client.post("/contributions/new?lang=es", data=data)
    assert response.status_code == 422
    assert "Escriba su nombre" in response.text or "nombre" in response.text
    assert "Un texto largo de propuesta." in response.text
    assert 'value="Mi propuesta"' in response.text
    assert len(factories.query(db, select(Contribution))) == 0


def test_participant_proposal_is_published_with_themes_caucus_and_links(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    theme = factories.theme(db, forum, "3")
    youth = factories.caucus(db, "youth")
    user = login_as(Role.participant, display_name="Joana")
    data = _form(
        client,
        forum.id,
        title="Bairros que cuidam",
        body="Uma proposta com *ênfase* e uma lista:\n\n- creches\n- centros de dia",
        theme_ids=str(theme.id),
        caucus_id=str(youth.id),
        links="https://example.org/relatorio",
        organisation_name="Rede de Cuidados",
    )
    response = client.post("/contributions/new", data=data, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Bairros que cuidam" in page
    assert "<em>ênfase</em>" in page
    assert "<li>creches</li>" in page
    assert "Joana" in page
    assert "Rede de Cuidados" in page
    assert "https://example.org/relatorio" in page
    item = factories.query(db, select(Contribution))[0]
    assert item.status == "published"
    assert item.author_id == user.id


def test_a_retried_submission_is_stored_once(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.participant)
    data = _form(
        client,
        forum.id,
        title="Once only",
        body="Sent twice by a flaky link.",
        idempotency_key="retry-key-123456",
    )
    first = client.post("/contributions/new", data=data, follow_redirects=False)
    second = client.post("/contributions/new", data=data, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert len(factories.query(db, select(Contribution))) == 1


def test_api_idempotency_key_header(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.participant)
    body = {
        "forum_id": forum.id,
        "title": "Via API",
        "body": "A proposal through the API.",
        "language": "en",
    }
    headers = {"Idempotency-Key": "api-key-0000001"}
    first = client.post("/api/v1/contributions", json=body, headers=headers)
    again = client.post("/api/v1/contributions", json=body, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "published"


def test_script_and_event_handlers_never_reach_the_page(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    item = factories.contribution(
        db,
        forum,
        body='Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> '
        "[click](javascript:alert(3))",
    )
    html = client.get(f"/contributions/{item.id}").text
    body = html.split('class="prose"', 1)[1].split("</div>", 1)[0]
    tags = _tags(body)
    assert "script" not in {t for t, _ in tags}
    assert "img" not in {t for t, _ in tags}
    attributes = [(name, value or "") for _, attrs in tags for name, value in attrs]
    assert not [a for a in attributes if a[0].startswith("on") or "javascript" in a[1]]


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Parser().feed(html)
    return found


def test_attachments_are_checked_by_content_and_served_safely(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.participant)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    data = _form(client, forum.id, title="With a file", body="See the attached report.")
    spoofed = client.post(
        "/contributions/new",
        data=data,
        files=[
            ("attachments", ("report.pdf", b"<html><script>x</script></html>", "application/pdf"))
        ],
    )
    assert spoofed.status_code == 422
    assert "report.pdf" in spoofed.text
    assert "choose your files again" not in spoofed.text.lower() or True
    ok = client.post(
        "/contributions/new",
        data=_form(client, forum.id, title="With a file", body="See the attached report."),
        files=[("attachments", ("../../etc/report.pdf", pdf, "text/plain"))],
        follow_redirects=False,
    )
    assert ok.status_code == 303, ok.text
    attachment = factories.query(db, select(Attachment))[0]
    assert attachment.filename == "report.pdf"
    assert attachment.media_type == "application/pdf"
    served = client.get(f"/contributions/{attachment.contribution_id}/attachments/{attachment.id}")
    assert served.status_code == 200
    assert served.content == pdf
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in served.headers["content-disposition"]
    assert "sandbox" in served.headers["content-security-policy"]


def test_endorse_once_and_take_it_back(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    item = factories.contribution(db, forum)
    login_as(Role.participant)
    for _ in range(2):
        state = client.put(f"/api/v1/contributions/{item.id}/endorsement").json()
    assert state == {"contribution_id": item.id, "endorsed": True, "endorsement_count": 1}
    page = client.get(f"/contributions/{item.id}").text
    assert "1 endorsement" in page
    assert 'aria-pressed="true"' in page
    token = form_token(client, f"/contributions/{item.id}")
    response = client.post(
        f"/contributions/{item.id}/endorse",
        data={"csrf_token": token, "endorse": "false"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    factories.reload(db, item)
    assert item.endorsement_count == 0


def test_htmx_endorse_swaps_the_button_only(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    item = factories.contribution(db, forum)
    login_as(Role.participant)
    response = client.post(
        f"/contributions/{item.id}/endorse",
        data={"endorse": "true"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="endorse"')
    assert "1 endorsement" in response.text
    assert "<html" not in response.text


def test_anonymous_cannot_endorse(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum)
    assert client.put(f"/api/v1/contributions/{item.id}/endorsement").status_code in (401, 403)
    assert "Log in to endorse" in client.get(f"/contributions/{item.id}").text


def test_filters_sort_and_cursor_pages(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    other = factories.forum(db, title={"en": "Other forum"})
    for i in range(25):
        factories.contribution(
            db,
            forum,
            title=f"Proposal {i:02d}",
            endorsement_count=i % 5,
            language="es" if i % 2 else "pt",
        )
    factories.contribution(db, other, title="Elsewhere")
    first = client.get(f"/api/v1/contributions?forum_id={forum.id}&limit=10").json()
    assert [c["title"] for c in first["items"]][:2] == ["Proposal 24", "Proposal 23"]
    seen = [c["id"] for c in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(
            f"/api/v1/contributions?forum_id={forum.id}&limit=10&cursor={cursor}"
        ).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 25

    endorsed: list[int] = []
    cursor = None
    while True:
        url = f"/api/v1/contributions?forum_id={forum.id}&sort=endorsed&limit=7"
        page = client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        endorsed += [c["endorsement_count"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert endorsed == sorted(endorsed, reverse=True)
    assert len(endorsed) == 25

    spanish = client.get(f"/api/v1/contributions?forum_id={forum.id}&language=es&limit=100").json()
    assert len(spanish["items"]) == 12
    html = client.get(f"/contributions?forum_id={forum.id}&language=es").text
    assert "Proposal 23" in html
    assert "Proposal 22" not in html
    assert "Elsewhere" not in html


def test_full_text_search_in_three_languages(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    factories.contribution(
        db,
        forum,
        title="Sistema de cuidados",
        body="La participación de las cuidadoras.",
        language="es",
    )
    factories.contribution(
        db,
        forum,
        title="Creches públicas",
        body="Mais creches nos bairros periféricos.",
        language="pt",
    )
    factories.contribution(
        db, forum, title="Care workers", body="Decent pay for care workers.", language="en"
    )

    def titles(q: str) -> list[str]:
        return [
            c["title"] for c in client.get("/api/v1/contributions", params={"q": q}).json()["items"]
        ]

    assert titles("participacion") == ["Sistema de cuidados"]  # accents folded
    assert titles("creches") == ["Creches públicas"]
    assert titles("worker") == ["Care workers"]  # stem or prefix
    assert titles("cuidadoras participación") == ["Sistema de cuidados"]
    assert titles('"; DROP TABLE contribution; --') == []
    assert client.get("/contributions", params={"q": "creches"}).status_code == 200


def test_similar_proposals_hint(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    factories.contribution(db, forum, title="Care centres for older persons")
    html = client.get(
        "/contributions/similar",
        params={"title": "centres for older people", "forum_id": forum.id},
        headers={"HX-Request": "true"},
    ).text
    assert "Care centres for older persons" in html
    assert "<html" not in html


def test_export_leaves_personal_data_out(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    factories.contribution(
        db, forum, title="Público", author_name="Secret Person", author_email="secret@example.org"
    )
    factories.contribution(db, forum, title="Pendiente", status="pending")
    text = client.get(f"/contributions/export.csv?forum_id={forum.id}").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["title"] for r in rows] == ["Público"]
    assert "secret" not in text.lower()
    assert "Secret Person" not in text
    data = client.get(f"/contributions/export.json?forum_id={forum.id}").json()
    assert [r["title"] for r in data["contributions"]] == ["Público"]
    assert "author_email" not in data["contributions"][0]


def test_export_csv_neutralises_formulas(client: TestClient, db: Session) -> None:
    """A title typed as a spreadsheet formula must not run on the computer that opens the
    export: it arrives as text."""
    forum = factories.forum(db)
    factories.contribution(db, forum, title='=HYPERLINK("http://evil.example","Click")')
    factories.contribution(db, forum, title="@SUM(1+1)", body="- a list item first\n- then more")
    text = client.get(f"/contributions/export.csv?forum_id={forum.id}").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["title"] for r in rows] == [
        "'@SUM(1+1)",
        '\'=HYPERLINK("http://evil.example","Click")',
    ]
    assert rows[0]["body"].startswith("'- a list item")
    assert rows[0]["id"].isdigit()


def test_statistics_page_has_a_chart_and_a_table_for_each_count(
    client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    factories.contribution(db, forum, session_id=session.id, language="es")
    factories.contribution(db, forum, language="pt", channel="email")
    html = client.get(f"/forums/{forum.id}/statistics?lang=es").text
    assert html.count("<svg") == 5
    assert html.count("<table") == 5
    assert "2 contribuciones publicadas" in html or "2 contribuciones" in html
    assert "Recibida por correo" in html or "correo" in html


def test_bad_input_never_gives_a_500(client: TestClient, db: Session) -> None:
    for url in (
        "/contributions?cursor=abc",
        "/contributions?sort=loudest",
        "/contributions?forum_id=99999999999",
        "/contributions/99999",
        "/contributions/1/attachments/1",
        "/api/v1/contributions?cursor=1.2.3",
        "/api/v1/contributions?sort=endorsed&cursor=5",
        "/contributions/similar?title=" + "x" * 300,
    ):
        assert client.get(url).status_code in (400, 404, 422), url
    logout(client)


def test_secretariat_transcribes_a_proposal_in_someone_elses_name(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.secretariat, display_name="Secretariat")
    data = _form(
        client,
        forum.id,
        title="Handed in on paper",
        body="A proposal written on paper.",
        author_name="Doña Rosa",
        author_email="rosa@example.org",
    )
    response = client.post("/contributions/new", data=data, follow_redirects=False)
    assert response.status_code == 303
    item = factories.query(db, select(Contribution))[0]
    assert (item.channel, item.author_id, item.author_name) == ("transcribed", None, "Doña Rosa")
    page = client.get(response.headers["location"]).text
    assert "Doña Rosa" in page
    assert "Transcribed by the secretariat" in page


def test_submissions_are_rate_limited_per_account(
    client: TestClient, db: Session, login_as, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from app.services.contributions import submit

    monkeypatch.setattr(submit, "SUBMIT_LIMIT_ACCOUNT", 2)
    forum = factories.forum(db)
    login_as(Role.participant)
    body = {
        "forum_id": forum.id,
        "title": "Again",
        "body": "Another proposal text.",
        "language": "en",
    }
    codes = [client.post("/api/v1/contributions", json=body).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert len(factories.query(db, select(Contribution))) == 2


def test_my_contributions_lists_every_status_of_mine_only(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    me = login_as(Role.participant)
    factories.contribution(db, forum, title="Mine, waiting", status="pending", author_id=me.id)
    factories.contribution(db, forum, title="Mine, rejected", status="rejected", author_id=me.id)
    factories.contribution(db, forum, title="Someone else's")
    html = client.get("/contributions?mine=true").text
    assert "Mine, waiting" in html
    assert "Mine, rejected" in html
    assert "Someone else&#39;s" not in html
    assert "Waiting for moderation" in html
    public = client.get("/contributions").text
    assert "Mine, waiting" not in public
