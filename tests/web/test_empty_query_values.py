"""An empty query value means "no filter" (issue 10, defect 1).

A filter form sends every field, the unused ones empty (`?q=&forum_id=&caucus_id=…`): the lists
answered 400 because optional numbers and choices refused "". The forms here are read from the
pages and submitted exactly as a browser would (lxml's `form_values`, every field present), in
Portuguese; and every GET route's query parameters are sent empty, one walk over the app.
"""

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import lxml.html
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from app.web.errors import all_routes
from app.web.validation import drop_empty_query_values
from tests import factories
from tests.conftest import form_token
from tests.grids import build_world, fill

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _filter_form(html: str, action: str) -> Any:
    page = lxml.html.fromstring(html)
    forms = [f for f in page.forms if f.get("method") == "get" and f.get("action") == action]
    assert forms, f"no GET form to {action}"
    return forms[0]


def _submit(client: TestClient, page_url: str, action: str, **typed: str) -> Any:
    """Fills in `typed` (the other fields keep what the page shows) and submits the form the way
    a browser does: every field, the empty ones included."""
    form = _filter_form(client.get(page_url).text, action)
    for name, value in typed.items():
        form.fields[name] = value
    values = form.form_values()
    names = {name for name, _ in values}
    assert names >= {*typed}, names
    return client.get(f"{action}?{urlencode(values)}")


def test_empty_values_are_dropped_and_the_others_kept_as_sent() -> None:
    raw = b"q=&forum_id=&caucus_id=%20&sort=newest&q2=caf%C3%A9+com+leite&flag&mine=true&x=+"
    assert drop_empty_query_values(raw) == b"sort=newest&q2=caf%C3%A9+com+leite&mine=true"
    assert drop_empty_query_values(b"") == b""


def test_the_contributions_filters_work_in_portuguese_with_and_without_a_search(
    client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    factories.contribution(db, forum, title="Creches comunitárias")
    factories.contribution(db, forum, title="Transporte noturno")
    client.cookies.set("lang", "pt")
    everything = _submit(client, "/contributions?lang=pt", "/contributions")
    assert everything.status_code == 200, everything.text
    assert "Creches comunitárias" in everything.text
    assert "Transporte noturno" in everything.text
    assert 'lang="pt"' in everything.text
    searched = _submit(client, "/contributions?lang=pt", "/contributions", q="creches")
    assert searched.status_code == 200, searched.text
    assert "Creches comunitárias" in searched.text
    assert "Transporte noturno" not in searched.text
    by_forum = _submit(client, "/contributions?lang=pt", "/contributions", forum_id=str(forum.id))
    assert by_forum.status_code == 200, by_forum.text
    assert "Transporte noturno" in by_forum.text


def test_my_contributions_with_any_status(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    me = login_as(Role.participant)
    factories.contribution(db, forum, title="Minha pendente", status="pending", author_id=me.id)
    response = _submit(client, "/contributions?mine=true&lang=pt", "/contributions")
    assert response.status_code == 200, response.text
    assert "Minha pendente" in response.text


def test_the_moderation_queue_shows_everything_that_needs_a_decision(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    factories.contribution(db, forum, title="Aguardando decisão", status="pending")
    login_as(Role.secretariat)
    response = _submit(client, "/moderation?lang=pt", "/moderation")
    assert response.status_code == 200, response.text
    assert "Aguardando decisão" in response.text


def test_the_speaker_search_with_nothing_typed(client: TestClient, db: Session) -> None:
    factories.speaker(db, name="Rosa Pavanelli")
    response = _submit(client, "/speakers?lang=pt", "/speakers")
    assert response.status_code == 200, response.text
    assert "Rosa Pavanelli" in response.text


def test_api_lists_read_empty_values_as_no_filter(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    factories.contribution(db, forum, title="Publicada")
    factories.contribution(db, forum, title="Pendente", status="pending")
    names = ["q", "forum_id", "session_id", "theme_id", "caucus_id", "language", "channel"]
    empty = dict.fromkeys([*names, "kind", "status", "sort", "mine", "cursor", "limit"], "")
    listed = client.get("/api/v1/contributions", params=empty | {"lang": "pt"})
    assert listed.status_code == 200, listed.text
    assert [c["title"] for c in listed.json()["items"]] == ["Publicada"]
    login_as(Role.secretariat)
    queue = client.get("/api/v1/moderation/queue", params={"status": "", "cursor": ""})
    assert queue.status_code == 200, queue.text
    assert [i["title"] for i in queue.json()["items"]] == ["Pendente"]


# -- every GET route -----------------------------------------------------------------------------


def _query_names(dependant: Any) -> Iterator[str]:
    for param in dependant.query_params:
        model = param.field_info.annotation
        if isinstance(model, type) and hasattr(model, "model_fields"):  # Annotated[Model, Query()]
            yield from (f.alias or name for name, f in model.model_fields.items())
        else:
            yield param.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def _get_routes_with_query(app: Any) -> list[tuple[str, list[str]]]:
    found = []
    for route in all_routes(app.routes):
        if isinstance(route, APIRoute) and "GET" in route.methods:
            names = sorted(set(_query_names(route.dependant)))
            if names:
                found.append((route.path, names))
    return found


def _attachment(client: TestClient, forum_id: int) -> dict[str, int]:
    token = form_token(client, f"/contributions/new?forum_id={forum_id}")
    fields = {"title": "With a file", "body": "See the attached report.", "language": "pt"}
    posted = client.post(
        "/contributions/new",
        data={"csrf_token": token, "forum_id": str(forum_id), **fields},
        files=[("attachments", ("report.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    page = client.get(posted.headers["location"]).text
    link = lxml.html.fromstring(page).xpath("//a[contains(@href, '/attachments/')]/@href")[0]
    contribution_id, attachment_id = (int(part) for part in link.split("/")[2::2])
    return {"contribution_id": contribution_id, "attachment_id": attachment_id}


def test_every_get_route_reads_empty_query_values_as_not_given(
    app: Any, client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    """Empty strings in every query parameter of every GET route, as staff (who can see every
    page): never 400, 422 or 500. A route whose path names a record the world lacks fails here,
    so that a new route is walked too."""
    world = build_world(db)
    login_as(Role.admin)
    world |= _attachment(client, world["forum_id"])
    routes = _get_routes_with_query(app)
    assert len(routes) > 20
    failures = []
    for path, names in routes:
        url = fill(path.replace(":int}", "}"), world)
        assert "{" not in url, f"{path}: add the record it names to the walk's world"
        response = client.get(url, params=dict.fromkeys(names, ""))
        if response.status_code >= 400:
            failures.append((path, response.status_code, response.text[:300]))
    assert not failures, failures


@pytest.mark.parametrize("lang", ["pt", "es", "en"])
def test_an_empty_search_in_each_language(client: TestClient, db: Session, lang: str) -> None:
    forum = factories.forum(db)
    factories.contribution(db, forum, title="Cuidados")
    response = client.get(f"/contributions?q=&forum_id=&caucus_id=&status=&lang={lang}")
    assert response.status_code == 200
    assert "Cuidados" in response.text


def test_the_api_schema_says_an_empty_query_value_is_not_given(client: TestClient) -> None:
    """The schema is the API's promise: since `?cursor=` is the first page (not a 422), every
    optional query parameter documents the empty value beside its own type."""
    schema = client.get("/openapi.json").json()
    parameters = schema["paths"]["/api/v1/contributions"]["get"]["parameters"]
    cursor = next(p for p in parameters if p["name"] == "cursor")
    assert {"type": "string", "pattern": r"^\s*$"} in cursor["schema"]["anyOf"]
    assert cursor["schema"]["title"] == "Cursor"
    limit = next(p for p in parameters if p["name"] == "limit")
    assert limit["schema"]["default"] == 20
    assert client.get("/api/v1/contributions?cursor=&limit=").status_code == 200
