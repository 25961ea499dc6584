"""Who sees what: nothing of a document's working text reaches anyone but its drafting team and
the secretariat. A unique marker is written into the working text after a public snapshot was
frozen (a section's text, a new section's title and text, an amendment, a comment); then, as
an anonymous visitor and as a participant, every GET route of the app whose path parameters
the fixture can fill is requested (pages, /api/v1, exports, search, feeds), and the marker
appears in none of the answers, while the secretariat finds it on the document's pages."""

import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from app.services import policy
from app.web.errors import all_routes
from tests import factories
from tests.conftest import logout
from tests.policy.helpers import paper
from tests.policy.test_stages import move, sign_off

Login = Callable[..., Any]
MARKER = "zqxmarker7731"
# A search page says what was searched for: its echo of another word of the same length is
# the baseline, and the marker may appear there no more often than that word does.
ECHO = "qqqnothing00"


@dataclass
class World:
    ids: dict[str, list[Any]]


@pytest.fixture
def world(client: TestClient, db: Session, login_as: Login) -> World:
    made = paper(db)
    sign_off(db, made)
    forum = made.document.forum_id
    parent = factories.reload(db, db.get(type(factories.forum(db)), forum))
    contribution = factories.contribution(db, parent)
    session = factories.session(db, parent)
    login_as(Role.secretariat)
    doc = made.document.id or 0
    assert move(client, doc).status_code == 200  # 1: caucus review, not public
    assert move(client, doc).status_code == 200  # 2: the Policy Council, public
    # Now the working text moves on, with the marker.
    section = client.get(f"/api/v1/sections/{made.section.id}").json()
    saved = client.put(
        f"/api/v1/sections/{made.section.id}",
        json={
            "body": f"Draft {MARKER} words.\n\n" + section["body"],
            "base_version": section["version"],
        },
    )
    assert saved.status_code == 200, saved.text
    marked = saved.json()["paragraphs"][0]["id"]
    added = client.post(
        f"/api/v1/documents/{doc}/sections",
        json={"title": f"New {MARKER}", "body": f"Body {MARKER}."},
    )
    assert added.status_code == 201, added.text
    amendment = client.post(
        f"/api/v1/paragraphs/{marked}/amendments",
        json={"replacement": f"Amended {MARKER}.", "rationale": f"Because {MARKER}."},
    )
    assert amendment.status_code == 201, amendment.text
    comment = client.post(
        f"/api/v1/paragraphs/{marked}/comments", json={"body": f"Comment {MARKER}"}
    )
    assert comment.status_code == 201, comment.text
    paragraphs = [p.id for p in policy.current_paragraphs(db, made.section.id or 0)]
    return World(
        {
            "document_id": [doc],
            "section_id": [made.section.id, added.json()["id"]],
            "paragraph_id": [marked, *paragraphs[1:2]],
            "number": [1, 2, 3],
            "amendment_id": [amendment.json()["id"]],
            "comment_id": [comment.json()["id"]],
            "forum_id": [forum],
            "contribution_id": [contribution.id],
            "session_id": [session.id],
        }
    )


def _query_names(dependant: Any) -> Iterator[str]:
    """Every query parameter of a route, those of its dependencies and query models too."""
    for param in dependant.query_params:
        model = param.field_info.annotation
        if isinstance(model, type) and hasattr(model, "model_fields"):
            yield from (f.alias or name for name, f in model.model_fields.items())
        else:
            yield param.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def _query(route: Any) -> dict[str, list[str]]:
    """Query values that could pull the text in: a search for the marker, each snapshot, a
    diff of the working revisions."""
    dependant = getattr(route, "dependant", None)
    names = set(_query_names(dependant)) if dependant is not None else set()
    out: dict[str, list[str]] = {"": [""]}
    if "q" in names:
        out["q"] = [MARKER]
    if "snapshot" in names:
        out["snapshot"] = ["1", "2", "3"]
    if "from" in names and "to" in names:
        out["from"] = ["1"]
    return out


def _urls(app: Any, ids: dict[str, list[Any]]) -> list[str]:
    urls: list[str] = []
    for route in all_routes(app.routes):
        if "GET" not in getattr(route, "methods", set()):
            continue
        names = re.findall(r"\{([^}:]+)(?::[^}]+)?\}", route.path)
        if any(n not in ids for n in names):
            continue
        for values in itertools.product(*(ids[n] for n in names)):
            path = route.path
            for name, value in zip(names, values, strict=True):
                path = re.sub(r"\{" + name + r"(?::[^}]+)?\}", str(value), path)
            for key, options in _query(route).items():
                for option in options:
                    extra = f"?{key}={option}" + ("&to=2" if key == "from" else "") if key else ""
                    urls.append(path + extra)
    return sorted(set(urls))


def _text(response: Any) -> str:
    """What the answer says, a DOCX unzipped."""
    if response.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return response.content.decode("utf-8", "replace")


def _crawl(client: TestClient, urls: list[str]) -> tuple[list[str], list[str], int]:
    leaks, errors, read = [], [], 0
    for url in urls:
        response = client.get(url, follow_redirects=False)
        if response.status_code >= 500:
            errors.append(f"{response.status_code} {url}")
        if response.status_code == 200:
            read += 1
        said = _text(response).count(MARKER)
        if said and MARKER in url:
            echo = client.get(url.replace(MARKER, ECHO), follow_redirects=False)
            said -= _text(echo).count(ECHO)
        if said > 0:
            leaks.append(url)
    return leaks, errors, read


@pytest.mark.parametrize("role", [None, Role.participant], ids=["anonymous", "participant"])
def test_the_working_text_reaches_nobody_else(
    client: TestClient, app: Any, world: World, login_as: Login, role: Role | None
) -> None:
    urls = _urls(app, world.ids)
    assert len(urls) > 60  # the crawl reaches the app, not a handful of pages
    for wanted in (
        f"/documents/{world.ids['document_id'][0]}",
        "/documents",
        "/contributions?q=" + MARKER,
        f"/documents/{world.ids['document_id'][0]}/export.docx?snapshot=2",
        f"/api/v1/documents/{world.ids['document_id'][0]}/snapshots/2",
    ):
        assert wanted in urls, wanted
    logout(client)
    if role is not None:
        login_as(role)
    leaks, errors, read = _crawl(client, urls)
    assert leaks == []
    assert errors == []
    assert read > 30
    # What they do read is the public snapshot.
    doc = world.ids["document_id"][0]
    page = client.get(f"/documents/{doc}")
    assert page.status_code == 200
    assert "Version 2" in page.text
    assert "Care is a right of every person" in page.text
    listed = client.get("/documents").text
    assert f'href="/documents/{doc}/v/2"' in listed


def test_the_drafting_team_reads_the_marker(client: TestClient, app: Any, world: World) -> None:
    doc = world.ids["document_id"][0]
    urls = _urls(app, world.ids)
    leaks, errors, _read = _crawl(client, urls)  # still the secretariat
    assert errors == []
    for seen in (
        f"/documents/{doc}",
        f"/documents/{doc}/export.md",
        f"/documents/{doc}/export.docx",
        f"/documents/{doc}/print",
        f"/api/v1/sections/{world.ids['section_id'][0]}",
        f"/amendments/{world.ids['amendment_id'][0]}",
    ):
        assert seen in leaks, seen
    # The frozen versions never hold it, even for the team.
    assert not [u for u in leaks if "/v/" in u or "snapshot=" in u or "/snapshots/" in u]
