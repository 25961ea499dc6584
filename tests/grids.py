"""The permission grid runner: role × (state of the object) × action → the status a person gets.

A `Case` is one action on one route, taken by every role in turn on a fresh database holding one
of each kind of record (`build_world`, built once and put back for each case by
tests/world_snapshot.py). The roles in `who` succeed with `ok`; a logged-in role outside it gets
`refused` (403, or 404 where the object's existence must not leak); anonymous visitors get
`anonymous` (401 for the API and for form posts, 303 to the login page for pages).
Expected statuses are written in the cases themselves, never derived from the code's rules.

`covered()` lists the (method, route path) pairs of every case, so a test can fail on a
state-changing route that no grid covers.
"""

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.caremap import CrowdReportCreate, DatasetKind, DatasetMeta, RunCreate
from app.models.caremap import TerritoryCreate as CareTerritoryCreate
from app.models.forums import Milestone
from app.models.types import utcnow
from app.models.users import AccountToken, Invitation, Role, TokenPurpose
from app.security import token_digest
from app.services import caremap, live, timekeeping
from tests import action_log, factories, world_snapshot
from tests.conftest import csrf_header, form_token, make_user
from tests.minutes.grid_world import minutes_world
from tests.policy.grid_world import policy_world

ANYONE: frozenset[Role | None] = frozenset({None, *Role})
LOGGED_IN: frozenset[Role | None] = frozenset(Role)
STAFF: frozenset[Role | None] = frozenset({Role.secretariat, Role.admin})
ADMIN: frozenset[Role | None] = frozenset({Role.admin})
ROLES: list[Role | None] = [None, *Role]

INVITATION_TOKEN = "grid-invitation-token-0123456789"
CONFIRM_TOKEN = "grid-confirm-token-0123456789"
RESET_TOKEN = "grid-reset-token-0123456789"
GRID_USER_EMAIL = "grid-user@example.org"


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the route's path as FastAPI declares it; {name} filled from the world
    who: frozenset[Role | None]
    ok: int
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None  # an HTML form post; the CSRF field is added
    files: dict[str, tuple[str, bytes, str]] | None = None
    params: dict[str, Any] | None = None
    content: bytes | None = None  # a raw request body (file uploads to the API)
    state: str = ""  # what the object is in, for the test id (e.g. "pending")
    refused: int = 403
    anonymous: int | None = None  # default: 401, or 303 to the login page for a page GET
    path: str | None = None  # the URL when it differs from the route (e.g. /x/{id:int})
    check: Callable[[Any], None] | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" + (f" [{self.state}]" if self.state else "")

    @property
    def is_api(self) -> bool:
        return self.route.startswith("/api/")


_ALL: list[Case] = []


def grid(cases: Iterable[Case]) -> list[Case]:
    """Registers the cases (for the coverage test) and returns them for parametrize."""
    found = list(cases)
    _ALL.extend(found)
    return found


def route_shape(path: str) -> str:
    """A route with its placeholders unnamed: a case may name its placeholder after the record
    it fills it with (`{reset_token}` for `/reset-password/{token}`)."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def covered() -> set[tuple[str, str]]:
    return {(c.method, route_shape(c.route)) for c in _ALL}


def parametrize(cases: list[Case]) -> Any:
    return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])


roles = pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")


# -- the world: one of each record, in the state a case names ----------------------------------

UNITS = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"unit_id": "z1", "name": "Zone 1", "level": "zone"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[-56.22, -34.9], [-56.18, -34.9], [-56.18, -34.8], [-56.22, -34.8]]
                    ],
                },
            }
        ],
    }
).encode()
DEMAND = b"id,lon,lat,care_group,persons\nd1,-56.21,-34.85,children_0_5,10\n"
SUPPLY = b"id,lon,lat,care_group,sphere,capacity\ns1,-56.2,-34.86,children_0_5,public,5\n"


def build_world(db: Session) -> dict[str, Any]:
    staff = factories.staff(db)
    forum = factories.forum(db)
    theme = factories.theme(db, forum)
    session = factories.session(db, forum)
    speaker = factories.speaker(db)
    organisation = factories.organisation(db)
    segment = factories.segment(db, session)
    # A second segment under way, with the speaker's turn open (the timekeeper's records).
    timed = factories.segment(db, session, "Timed", speaker_ids=[speaker.id])
    timekeeping.start_segment(db, actor=staff, session=session, segment=timed)
    turn, _new = timekeeping.start_turn(db, actor=staff, session=session, speaker_id=speaker.id)
    caucus = factories.caucus(db, "youth")
    published = factories.contribution(db, forum)
    pending = factories.contribution(db, forum, status="pending")
    hidden = factories.contribution(db, forum, status="hidden")
    person = make_user(db.get_bind(), Role.participant, email=GRID_USER_EMAIL)  # type: ignore[arg-type]
    db.add(
        Invitation(
            email="invited@example.org",
            role=Role.participant,
            token_hash=token_digest(INVITATION_TOKEN),
            expires_at=utcnow() + timedelta(days=7),
        )
    )
    for purpose, token in (
        (TokenPurpose.confirm_email, CONFIRM_TOKEN),
        (TokenPurpose.reset_password, RESET_TOKEN),
    ):
        assert person.id is not None
        db.add(
            AccountToken(
                user_id=person.id,
                purpose=purpose,
                token_hash=token_digest(token),
                email=person.email,
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
    place = caremap.create_territory(
        db, actor=staff, data=CareTerritoryCreate.model_validate({"name": {"en": "Grid"}})
    )
    caremap.import_files(
        db,
        actor=staff,
        territory=place,
        files=[
            caremap.IncomingFile(DatasetMeta(kind=kind, source="Test", licence="CC0"), name, data)
            for kind, name, data in (
                (DatasetKind.units, "units.geojson", UNITS),
                (DatasetKind.demand, "demand.csv", DEMAND),
                (DatasetKind.supply, "supply.csv", SUPPLY),
            )
        ],
    )
    run = caremap.create_run(db, actor=staff, territory=place, data=RunCreate())
    report = caremap.propose(
        db,
        actor=person,
        territory=place,
        data=CrowdReportCreate.model_validate(
            {"kind": "need", "care_group": "older_persons", "lon": -56.2, "lat": -34.85}
        ),
    )
    pin = caremap.create_pin(
        db,
        actor=staff,
        data=caremap.PinCreate.model_validate(
            {
                "run_id": run.id,
                "care_group": "children_0_5",
                "target_kind": "session",
                "target_id": session.id,
            }
        ),
    )
    live.set_open(db, actor=staff, session=session, open_=True)
    milestone = Milestone(forum_id=forum.id, title={"en": "Retreat"}, starts_on=date(2025, 5, 3))
    db.add(milestone)
    db.commit()
    return minutes_world(db, staff, forum, session) | {
        **policy_world(db, staff, forum),
        "forum_id": forum.id,
        "theme_id": theme.id,
        "milestone_id": milestone.id,
        "session_id": session.id,
        "segment_id": segment.id,
        "timed_segment_id": timed.id,
        "turn_id": turn.id,
        "speaker_id": speaker.id,
        "org_id": organisation.id,
        "caucus_id": caucus.id,
        "contribution_id": published.id,
        "pending_id": pending.id,
        "hidden_id": hidden.id,
        "user_id": person.id,
        "token": INVITATION_TOKEN,
        "confirm_token": CONFIRM_TOKEN,
        "reset_token": RESET_TOKEN,
        "territory_id": place.id,
        "run_id": run.id,
        "report_id": report.id,
        "pin_id": pin.id,
    }


def fill(value: Any, world: dict[str, Any]) -> Any:
    """`"{name}"` alone becomes the world's value (an int stays an int); in longer strings it is
    formatted in."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in world:
            return world[value[1:-1]]
        return value.format(**world) if "{" in value else value
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


def _url(case: Case, world: dict[str, Any]) -> str:
    path = case.path or case.route
    return fill(path.replace(":int}", "}"), world)


def _said(response: Any) -> str:
    """What the page or problem says, for a failure message (the page's main part)."""
    text = response.text
    start = text.find("<main")
    return text[start : start + 1500] if start >= 0 else text[:1500]


def run(
    client: TestClient,
    db: Session,
    login_as: Callable[..., Any],
    role: Role | None,
    case: Case,
) -> Any:
    world = world_snapshot.world(db, build_world)
    actor = None
    if role is not None:
        actor = login_as(role)
    elif case.is_api:
        client.headers.update(csrf_header(client))  # refused as anonymous, not for CSRF
    url = _url(case, world)
    kwargs: dict[str, Any] = {"follow_redirects": False, "params": fill(case.params, world)}
    if case.form is not None or (not case.is_api and case.method == "POST"):
        data = fill(case.form or {}, world)
        data["csrf_token"] = form_token(client)
        kwargs["data"] = data
        if case.files:
            kwargs["files"] = case.files
    elif case.json is not None:
        kwargs["json"] = fill(case.json, world)
    elif case.content is not None:
        kwargs["content"] = case.content
    watched = role in case.who and action_log.privileged(case)
    before = action_log.count(db) if watched else 0
    response = client.request(case.method, url, **kwargs)
    if role in case.who:
        assert response.status_code == case.ok, (role, response.status_code, _said(response))
        if watched:
            action_log.check(db, case, actor.id if actor else None, before)
        if case.check is not None:
            case.check(response)
    elif role is None:
        expected = case.anonymous
        if expected is None:
            expected = 303 if (not case.is_api and case.method == "GET") else 401
        assert response.status_code == expected, (response.status_code, _said(response))
        if expected == 303:
            assert response.headers["location"].startswith("/login?next=")
    else:
        assert response.status_code == case.refused, (
            role,
            response.status_code,
            _said(response),
        )
    return response
