"""Paragraph sources: linking and unlinking contributions and minutes points with an outcome,
the reason a "not taken up" needs, relinking in place, twenty identical posts at once, who may
link, and traceability both ways — a paragraph's sources, and where a contribution went (the
working text for the drafting team, public snapshots only for everyone else)."""

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.models.policy import PolicyParagraph
from app.models.policy_sources import ParagraphSource
from app.models.types import utcnow
from app.models.users import Role, User
from tests.conftest import form_token, logout
from tests.policy.helpers import add_to_team
from tests.policy.sources_world import World, freeze, published_point
from tests.policy.sources_world import world as world_of

Login = Callable[..., Any]
API = "/api/v1/paragraphs/{}/sources"


def _editor(db: Session, world: World, login_as: Login, role: Role = Role.participant) -> User:
    user = login_as(role, display_name="Elena Editor")
    add_to_team(db, world.paper, user, "editor")
    return user


def _link(client: TestClient, pid: int, target_id: int, **extra: Any) -> Any:
    body = {"target_kind": "contribution", "target_id": target_id, "outcome": "incorporated"}
    return client.post(API.format(pid), json=body | extra)


def _count(db: Session) -> int:
    db.commit()
    n = db.execute(select(func.count()).select_from(ParagraphSource)).scalar_one()
    db.commit()
    return int(n)


def test_link_relink_and_unlink_over_the_api(
    client: TestClient, db: Session, login_as: Login
) -> None:
    world = world_of(db)
    _editor(db, world, login_as)
    pid, cid = world.paragraphs[0], world.contribution.id or 0

    made = _link(client, pid, cid, outcome="partly_incorporated")
    assert made.status_code == 201, made.text
    assert made.json()["title"] == "Care centres in every neighbourhood"
    assert made.json()["url"] == f"/contributions/{cid}"
    assert made.json()["outcome"] == "partly_incorporated"

    again = _link(client, pid, cid, outcome="merged", reason="Folded into one sentence.")
    assert again.status_code == 200, again.text
    assert (again.json()["outcome"], again.json()["reason"]) == (
        "merged",
        "Folded into one sentence.",
    )
    same = _link(client, pid, cid, outcome="merged", reason="Folded into one sentence.")
    assert same.status_code == 200
    assert _count(db) == 1

    listed = client.get(API.format(pid)).json()
    assert [(s["target_id"], s["outcome"]) for s in listed] == [(cid, "merged")]

    gone = client.delete(API.format(pid), params={"target_kind": "contribution", "target_id": cid})
    assert gone.status_code == 204
    assert client.get(API.format(pid)).json() == []
    # Unlinking what is not linked: nothing to do, no error.
    assert (
        client.delete(
            API.format(pid), params={"target_kind": "contribution", "target_id": cid}
        ).status_code
        == 204
    )


def test_not_taken_up_needs_a_reason_and_other_refusals(
    client: TestClient, db: Session, login_as: Login
) -> None:
    world = world_of(db)
    _editor(db, world, login_as)
    pid, cid = world.paragraphs[0], world.contribution.id or 0

    refused = _link(client, pid, cid, outcome="not_taken_up", reason="   ")
    assert refused.status_code == 422
    assert "reason" in str(refused.json())
    es = client.post(
        API.format(pid),
        json={"target_kind": "contribution", "target_id": cid, "outcome": "not_taken_up"},
        headers={"Accept-Language": "es"},
    )
    assert es.status_code == 422
    assert "Diga por qué" in es.text
    assert _count(db) == 0

    taken = _link(client, pid, cid, outcome="not_taken_up", reason="Outside the paper's scope.")
    assert taken.status_code == 201
    # A session is not a source; an unknown record is a field error, not a 404 of the page.
    assert _link(client, pid, 1, target_kind="session").status_code == 422
    missing = _link(client, pid, 999_999)
    assert missing.status_code == 422
    assert "target_id" in missing.text
    assert _link(client, pid, cid, outcome="adopted").status_code == 422


def test_twenty_identical_posts_at_once_leave_one_row(
    client: TestClient, db: Session, login_as: Login
) -> None:
    world = world_of(db)
    _editor(db, world, login_as)
    pid, cid = world.paragraphs[1], world.contribution.id or 0

    def post(_: int) -> int:
        return _link(client, pid, cid).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(post, range(20)))
    assert codes.count(201) == 1, codes
    assert codes.count(200) == 19, codes
    assert _count(db) == 1


# Who may link a source, by how they stand to the document: the status each one gets.
WHO = [
    ("editor on the drafting team", "editor", Role.participant, 201),
    ("caucus representative on the team", "caucus_rep", Role.caucus_rep, 403),
    ("participant off the team", None, Role.participant, 404),
    ("secretariat", None, Role.secretariat, 201),
    ("anonymous", None, None, 401),
]


@pytest.mark.parametrize(("who", "team_role", "role", "status"), WHO, ids=[w[0] for w in WHO])
def test_who_may_link_and_unlink(
    client: TestClient,
    db: Session,
    login_as: Login,
    who: str,
    team_role: str | None,
    role: Role | None,
    status: int,
) -> None:
    world = world_of(db)
    pid, cid = world.paragraphs[0], world.contribution.id or 0
    if role is None:
        logout(client)
        client.headers.update(
            {"X-CSRF-Token": client.get("/api/v1/auth/csrf").json()["csrf_token"]}
        )
    else:
        user = login_as(role)
        if team_role:
            add_to_team(db, world.paper, user, team_role)
    assert _link(client, pid, cid).status_code == status
    unlink = client.delete(
        API.format(pid), params={"target_kind": "contribution", "target_id": cid}
    )
    assert unlink.status_code == (204 if status == 201 else status)


def test_minutes_points_are_sources_when_the_reader_may_see_them(
    client: TestClient, db: Session, login_as: Login
) -> None:
    world = world_of(db)
    point = published_point(db, world, "Care workers asked for training paid by the state.")
    draft = published_point(db, world, "A point still in draft.", publish=False)
    _editor(db, world, login_as)
    pid = world.paragraphs[1]

    made = _link(client, pid, point, target_kind="minutes_point")
    assert made.status_code == 201, made.text
    assert made.json()["title"] == "Care workers asked for training paid by the state."
    assert re.fullmatch(r"/sessions/\d+/minutes#point-\d+", made.json()["url"])
    # Draft minutes are the secretariat's: to an editor the point does not exist.
    assert _link(client, pid, draft, target_kind="minutes_point").status_code == 422

    page = client.get(f"/paragraphs/{pid}/sources")
    assert page.status_code == 200
    options = re.findall(r'<option value="(minutes_point:\d+)"', page.text)
    assert options == [f"minutes_point:{point}"]
    assert f'<option value="contribution:{world.contribution.id}"' in page.text
    assert 'value="session:' not in page.text


def test_traceability_both_ways(client: TestClient, db: Session, login_as: Login) -> None:
    world = world_of(db)
    doc = world.paper.document.id
    pid, cid = world.paragraphs[0], world.contribution.id or 0
    _editor(db, world, login_as)
    assert _link(client, pid, cid, outcome="incorporated").status_code == 201
    assert (
        _link(client, world.paragraphs[2], cid, outcome="not_taken_up", reason="Later.").status_code
        == 201
    )

    # Paragraph → sources: the page lists the contribution with its outcome.
    page = client.get(f"/paragraphs/{pid}/sources")
    assert "Care centres in every neighbourhood" in page.text
    assert "Incorporated" in page.text
    document_page = client.get(f"/documents/{doc}")
    assert f'href="/paragraphs/{pid}/sources"' in document_page.text
    assert re.search(r'data-tool="sources">[^<]*<span class="count">\(1\)', document_page.text)

    # Contribution → uptake, for the drafting team: the working text.
    team_view = client.get(f"/api/v1/contributions/{cid}/uptake").json()
    assert {(u["url"], u["outcome"], u["snapshot"]) for u in team_view} == {
        (f"/documents/{doc}#p-{pid}", "incorporated", None),
        (f"/documents/{doc}#p-{world.paragraphs[2]}", "not_taken_up", None),
    }
    assert {u["section_number"] for u in team_view} == {"1"}

    # Anyone else: nothing of the working text, nor of a snapshot that is not public.
    freeze(db, world, number=1, public=False, pid=pid, outcome="incorporated")
    for role in (None, Role.participant):
        if role is None:
            logout(client)
        else:
            login_as(role)
        assert client.get(f"/api/v1/contributions/{cid}/uptake").json() == []
        assert "Fed into" not in client.get(f"/contributions/{cid}").text

    # Once a public snapshot holds it: that snapshot's paragraph, its frozen outcome and stage.
    freeze(db, world, number=2, public=True, pid=pid, outcome="partly_incorporated")
    logout(client)
    public_view = client.get(f"/api/v1/contributions/{cid}/uptake").json()
    assert [(u["url"], u["outcome"], u["stage_name"], u["snapshot"]) for u in public_view] == [
        (f"/documents/{doc}/v/2#p-{pid}", "partly_incorporated", "Policy Council", 2)
    ]
    page = client.get(f"/contributions/{cid}").text
    assert "Fed into §1 of “Caring Systems” (stage: Policy Council)" in page
    assert f'href="/documents/{doc}/v/2#p-{pid}"' in page
    # And on to what became of every contribution, in that same public version.
    assert f'href="/documents/{doc}/listening-report?snapshot=2"' in page
    assert "Partly incorporated" in page


def test_a_merged_paragraph_keeps_its_sources_under_the_one_it_went_into(
    client: TestClient, db: Session, login_as: Login
) -> None:
    world = world_of(db)
    first, second = world.paragraphs[0], world.paragraphs[1]
    _editor(db, world, login_as)
    assert _link(client, second, world.contribution.id or 0).status_code == 201
    merged = db.get(PolicyParagraph, second)
    assert merged is not None
    merged.merged_into_id, merged.removed_at = first, utcnow()
    db.commit()

    assert [s["target_id"] for s in client.get(API.format(first)).json()] == [world.contribution.id]
    assert client.get(f"/paragraphs/{second}/sources").url.path == f"/paragraphs/{first}/sources"
    fed = client.get(f"/api/v1/contributions/{world.contribution.id}/uptake").json()
    assert [u["paragraph_id"] for u in fed] == [first]


def _form(client: TestClient, pid: int, **fields: str) -> Any:
    # As a browser sends it: every field, the empty ones empty.
    data = {"target": "", "target_kind": "contribution", "target_id": "", "reason": ""} | fields
    data["csrf_token"] = form_token(client, f"/paragraphs/{pid}/sources")
    return client.post(f"/paragraphs/{pid}/sources", data=data, follow_redirects=False)


def test_the_pages_without_javascript(client: TestClient, db: Session, login_as: Login) -> None:
    world = world_of(db)
    _editor(db, world, login_as)
    pid, cid = world.paragraphs[0], world.contribution.id or 0

    nothing = _form(client, pid)
    assert nothing.status_code == 422
    assert "Choose the source from the list, or give its kind and number." in nothing.text
    assert 'href="#f-outcome"' in nothing.text  # the summary names the missing outcome too

    typed = "We will come back to it in the financing chapter."
    no_reason = _form(client, pid, target=f"contribution:{cid}", outcome="not_taken_up")
    assert no_reason.status_code == 422
    assert "Say why it was not taken up" in no_reason.text
    assert f'<option value="contribution:{cid}" selected>' in no_reason.text
    assert 'value="not_taken_up" checked' in no_reason.text
    es = client.post(
        f"/paragraphs/{pid}/sources",
        data={
            "target": f"contribution:{cid}",
            "target_kind": "contribution",
            "target_id": "",
            "outcome": "not_taken_up",
            "reason": "",
            "csrf_token": form_token(client, f"/paragraphs/{pid}/sources"),
        },
        headers={"Accept-Language": "es"},
    )
    assert es.status_code == 422
    assert "Diga por qué" in es.text

    done = _form(client, pid, target=f"contribution:{cid}", outcome="not_taken_up", reason=typed)
    assert done.status_code == 303
    assert done.headers["location"] == f"/paragraphs/{pid}/sources"
    listed = client.get(f"/paragraphs/{pid}/sources").text
    assert typed in listed
    assert "Not taken up" in listed
    assert "Unlink “Care centres in every neighbourhood”" in listed

    # By number, when the list does not hold it.
    by_number = _form(client, pid, target_id=str(world.other.id), outcome="merged")
    assert by_number.status_code == 303
    wrong = _form(client, pid, target_id="424242", outcome="merged")
    assert wrong.status_code == 422
    assert 'value="424242"' in wrong.text
    assert "There is no such record" in wrong.text

    unlink = client.post(
        f"/paragraphs/{pid}/sources/delete",
        data={
            "target_kind": "contribution",
            "target_id": str(cid),
            "csrf_token": form_token(client, f"/paragraphs/{pid}/sources"),
        },
        follow_redirects=False,
    )
    assert unlink.status_code == 303
    after = client.get(f"/paragraphs/{pid}/sources").text
    assert "Unlink “Care centres in every neighbourhood”" not in after
    assert "Unlink “Paid leave for carers”" in after


def test_a_caucus_rep_reads_the_sources_but_gets_no_form(
    client: TestClient, db: Session, login_as: Login
) -> None:
    world = world_of(db)
    rep = login_as(Role.caucus_rep)
    add_to_team(db, world.paper, rep, "caucus_rep")
    page = client.get(f"/paragraphs/{world.paragraphs[0]}/sources")
    assert page.status_code == 200
    assert "Link a source" not in page.text
    login_as(Role.participant)
    assert client.get(f"/paragraphs/{world.paragraphs[0]}/sources").status_code == 404
