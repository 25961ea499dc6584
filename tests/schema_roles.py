"""What tests/test_api_schema.py needs besides schemathesis: who may call each API operation,
the OpenAPI links the app's schema does not declare, and records for path ids to point at.

The schema sent to schemathesis is the app's own /openapi.json with three additions, made in
the test and never in the app: a cookie security scheme on the operations that need an account
(so that the `ignored_auth` check replays them without the session), explicit links for the
transitions schemathesis cannot infer (after a delete, after a crowd report, after a member is
added), and nothing else.
"""

import copy
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.caremap.demo import demo_files
from app.models.caremap import (
    CrowdReportCreate,
    DatasetKind,
    DatasetMeta,
    PinCreate,
    RunCreate,
    TerritoryCreate,
)
from app.models.caucuses import CaucusCreate
from app.models.contributions import RemarkCreate
from app.models.forums import MilestoneCreate
from app.models.minutes import MinutesAction, MinutesCreate, TransitionIn
from app.models.policy import DocumentCreate, SectionCreate
from app.models.users import InvitationCreate, Role, UserRegister
from app.services import caremap, caucuses, forums, live, policy, timekeeping, users
from app.services import minutes as minutes_service
from tests import factories

PREFIX = "/api/v1"

# Who may succeed, lowest first. Anonymous readers still hold a session (for the CSRF token).
PUBLIC, ACCOUNT, STAFF, ADMIN = range(4)
RANK = {
    "anonymous": PUBLIC,
    Role.participant.value: ACCOUNT,
    Role.caucus_rep.value: ACCOUNT,
    Role.secretariat.value: STAFF,
    Role.admin.value: ADMIN,
}

# The least an operation asks of its caller, as the routers declare it (CurrentUser, StaffUser,
# ModeratorUser, AdminUser); the others are in PUBLIC_OPERATIONS. A caller below it must be
# refused with 401 or 403, whatever else is wrong with the request.
REQUIRED: dict[str, int] = {
    "GET /auth/me": ACCOUNT,
    "PUT /me/password": ACCOUNT,
    "DELETE /me": ACCOUNT,
    "GET /me/export": ACCOUNT,
    "GET /users": STAFF,
    "POST /users": STAFF,
    "PUT /users/{user_id}/role": STAFF,
    "GET /invitations": STAFF,
    "POST /invitations": STAFF,
    "GET /audit": ADMIN,
    "POST /forums": STAFF,
    "PUT /forums/{forum_id}": STAFF,
    "DELETE /forums/{forum_id}": STAFF,
    "POST /forums/{forum_id}/themes": STAFF,
    "DELETE /forums/{forum_id}/themes/{theme_id}": STAFF,
    "POST /forums/{forum_id}/milestones": STAFF,
    "DELETE /forums/{forum_id}/milestones/{milestone_id}": STAFF,
    "POST /sessions": STAFF,
    "PUT /sessions/{session_id}": STAFF,
    "DELETE /sessions/{session_id}": STAFF,
    "POST /sessions/{session_id}/segments": STAFF,
    "PUT /sessions/{session_id}/segments/{segment_id}": STAFF,
    "DELETE /sessions/{session_id}/segments/{segment_id}": STAFF,
    "POST /speakers": STAFF,
    "PUT /speakers/{speaker_id}": STAFF,
    "DELETE /speakers/{speaker_id}": STAFF,
    "POST /organisations": STAFF,
    "PUT /organisations/{org_id}": STAFF,
    "DELETE /organisations/{org_id}": STAFF,
    "POST /caucuses": STAFF,
    "PUT /caucuses/{caucus_id}": STAFF,
    "DELETE /caucuses/{caucus_id}": STAFF,
    "PUT /caucuses/{caucus_id}/members": STAFF,
    "DELETE /caucuses/{caucus_id}/members/{speaker_id}": STAFF,
    "PUT /contributions/{contribution_id}/endorsement": ACCOUNT,
    "DELETE /contributions/{contribution_id}/endorsement": ACCOUNT,
    "POST /contributions/{contribution_id}/reports": ACCOUNT,
    "GET /moderation/queue": STAFF,
    "POST /contributions/{contribution_id}/moderation": STAFF,
    "POST /moderation/decisions": STAFF,
    "PATCH /contributions/{contribution_id}": STAFF,
    "PUT /contributions/{contribution_id}/answer": STAFF,
    "GET /sessions/{session_id}/for-minutes": STAFF,
    "POST /sessions/{session_id}/minutes": STAFF,
    "PUT /minutes/{minutes_id}": STAFF,
    "POST /minutes/{minutes_id}/items/{kind}": STAFF,
    "PUT /minutes/{minutes_id}/items/{kind}/{item_id}": STAFF,
    "DELETE /minutes/{minutes_id}/items/{kind}/{item_id}": STAFF,
    "POST /minutes/{minutes_id}/items/{kind}/{item_id}/move": STAFF,
    "POST /minutes/{minutes_id}/transitions": STAFF,
    "POST /minutes/{minutes_id}/corrections": ACCOUNT,
    "POST /minutes/{minutes_id}/corrections/{correction_id}/decision": STAFF,
    "PUT /sessions/{session_id}/live": STAFF,
    "POST /sessions/{session_id}/live/remarks": ACCOUNT,
    "POST /sessions/{session_id}/timekeeping/segments/{segment_id}/start": STAFF,
    "POST /sessions/{session_id}/timekeeping/segments/{segment_id}/end": STAFF,
    "POST /sessions/{session_id}/timekeeping/turns": STAFF,
    "POST /sessions/{session_id}/timekeeping/turns/{turn_id}/end": STAFF,
    "PUT /sessions/{session_id}/timekeeping/segments/{segment_id}": STAFF,
    "PUT /sessions/{session_id}/timekeeping/turns/{turn_id}": STAFF,
    "DELETE /sessions/{session_id}/timekeeping/turns/{turn_id}": STAFF,
    "POST /caremap/territories": STAFF,
    "PUT /caremap/territories/{territory_id}": STAFF,
    "POST /caremap/territories/{territory_id}/datasets": STAFF,
    "POST /caremap/territories/{territory_id}/runs": STAFF,
    "POST /caremap/pins": STAFF,
    "DELETE /caremap/pins/{pin_id}": STAFF,
    "GET /caremap/territories/{territory_id}/reports": ACCOUNT,
    "POST /caremap/territories/{territory_id}/reports": ACCOUNT,
    "POST /caremap/reports/{report_id}/verify": STAFF,
    "POST /caremap/reports/{report_id}/reject": STAFF,
    # Policy documents: a logged-in caller not on the drafting team finds no document (404).
    "POST /documents": STAFF,
    "POST /documents/{document_id}/team": ACCOUNT,
    "POST /documents/{document_id}/sections": ACCOUNT,
    "PUT /sections/{section_id}": ACCOUNT,
    "POST /sections/{section_id}/revert": ACCOUNT,
}


# The others, open to anyone (what they show may still depend on who asks).
PUBLIC_OPERATIONS = {
    "GET /auth/csrf",
    "POST /auth/login",
    "POST /auth/register",
    "POST /auth/logout",
    "GET /forums",
    "GET /forums/{forum_id}",
    "GET /forums/{forum_id}/themes",
    "GET /forums/{forum_id}/milestones",
    "GET /sessions",
    "GET /sessions/{session_id}",
    "GET /sessions/{session_id}/segments",
    "GET /sessions/{session_id}/live",
    "GET /sessions/{session_id}/live/remarks",
    "GET /sessions/{session_id}/timekeeping",
    "GET /sessions/{session_id}/timekeeping/balance",
    "GET /speakers",
    "GET /speakers/{speaker_id}",
    "GET /organisations",
    "GET /organisations/{org_id}",
    "GET /caucuses",
    "GET /caucuses/{caucus_id}",
    "GET /contributions",
    "POST /contributions",
    "GET /contributions/{contribution_id}",
    "GET /contributions/{contribution_id}/events",
    "GET /caremap/territories",
    "GET /caremap/territories/{territory_id}",
    "GET /caremap/territories/{territory_id}/datasets",
    "GET /caremap/datasets/{dataset_id}",
    "GET /caremap/territories/{territory_id}/runs",
    "GET /caremap/runs/{run_id}",
    "GET /caremap/runs/{run_id}/units",
    "GET /caremap/runs/{run_id}/points",
    "GET /caremap/territories/{territory_id}/map",
    "GET /caremap/pins",
    "GET /sessions/{session_id}/minutes",
    "GET /minutes/{minutes_id}",
    "GET /minutes/{minutes_id}/corrections",
    # Files, not under /api/v1: the minutes for whoever may read them, else 404.
    "GET /sessions/{session_id}/minutes.docx",
    "GET /sessions/{session_id}/minutes.md",
    # Until part 2 publishes documents, a reader off the drafting team gets 404.
    "GET /documents/{document_id}",
    "GET /sections/{section_id}",
    "GET /sections/{section_id}/revisions",
    "GET /sections/{section_id}/diff",
    "GET /sections/{section_id}/blame",
}


def label(method: str, path: str) -> str:
    return f"{method.upper()} {path.removeprefix(PREFIX)}"


def required(method: str, path: str) -> int:
    return REQUIRED.get(label(method, path), PUBLIC)


# -- the schema as schemathesis gets it --------------------------------------------------------

SESSION_SCHEME = "session"
SESSION_COOKIE = "th_session"


def _ref(path: str, method: str) -> str:
    pointer = (PREFIX + path).replace("~", "~0").replace("/", "~1")
    return f"#/paths/{pointer}/{method}"


def _same(*names: str) -> dict[str, str]:
    return {f"path.{name}": f"$request.path.{name}" for name in names}


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: after `source` answers `status`, `target` may follow with `parameters`
    (and `body` merged into the generated request body) taken from that exchange."""

    source: str
    status: str
    name: str
    target: str
    parameters: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] | None = None


def _from_list(source: str, *targets: str, name: str, pointer: str = "items/0/id") -> list[Link]:
    return [
        Link(source, "200", f"{name}{i}", target, {f"path.{name}": f"$response.body#/{pointer}"})
        for i, target in enumerate(targets)
    ]


def _after_delete(source: str, *targets: str, names: tuple[str, ...]) -> list[Link]:
    return [
        Link(source, "204", f"AfterDelete{i}", target, _same(*names))
        for i, target in enumerate(targets)
    ]


# What schemathesis does not infer from the schema. Deletes lead back to what they deleted, and
# to what hung below it, so that the `use_after_free` check sees each 404. A new or listed forum
# leads to sessions and contributions in it, a new organisation to speakers in it (these
# creates are no starting point of their own: their bodies name a record). The speaker list,
# whose items have one of two shapes, leads to its speakers. A crowd report leads to its
# verification or rejection; a member added to a caucus, to its removal; an endorsement, to
# taking it back; an account, to its role; new care data, to a run on it; a new policy
# document to its sections, a new section to saving it on its version and to its history.
LINKS: list[Link] = [
    *_after_delete(
        "DELETE /forums/{forum_id}",
        "GET /forums/{forum_id}",
        "PUT /forums/{forum_id}",
        "GET /forums/{forum_id}/themes",
        "GET /forums/{forum_id}/milestones",
        names=("forum_id",),
    ),
    *_after_delete(
        "DELETE /sessions/{session_id}",
        "GET /sessions/{session_id}",
        "PUT /sessions/{session_id}",
        "GET /sessions/{session_id}/segments",
        "GET /sessions/{session_id}/live",
        "GET /sessions/{session_id}/live/remarks",
        "GET /sessions/{session_id}/timekeeping",
        names=("session_id",),
    ),
    *_after_delete(
        "DELETE /speakers/{speaker_id}",
        "GET /speakers/{speaker_id}",
        "PUT /speakers/{speaker_id}",
        names=("speaker_id",),
    ),
    *_after_delete(
        "DELETE /organisations/{org_id}",
        "GET /organisations/{org_id}",
        "PUT /organisations/{org_id}",
        names=("org_id",),
    ),
    *_after_delete(
        "DELETE /caucuses/{caucus_id}",
        "GET /caucuses/{caucus_id}",
        "PUT /caucuses/{caucus_id}",
        names=("caucus_id",),
    ),
    *(
        Link(source, status, f"New{i}", target, body={"forum_id": f"$response.body#/{pointer}"})
        for source, status, pointer in (
            ("POST /forums", "201", "id"),
            ("GET /forums", "200", "items/0/id"),
        )
        for i, target in enumerate(["POST /sessions", "POST /contributions"])
    ),
    Link(
        "POST /sessions",
        "201",
        "NewContribution",
        "POST /contributions",
        body={"forum_id": "$response.body#/forum_id", "session_id": "$response.body#/id"},
    ),
    *(
        Link(source, status, "NewSpeaker", "POST /speakers", body={"organisation_id": pointer})
        for source, status, pointer in (
            ("POST /organisations", "201", "$response.body#/id"),
            ("GET /organisations", "200", "$response.body#/items/0/id"),
        )
    ),
    *_from_list(
        "GET /speakers",
        "GET /speakers/{speaker_id}",
        "PUT /speakers/{speaker_id}",
        "DELETE /speakers/{speaker_id}",
        name="speaker_id",
    ),
    Link(
        "PUT /caucuses/{caucus_id}/members",
        "200",
        "RemoveMember",
        "DELETE /caucuses/{caucus_id}/members/{speaker_id}",
        {"path.caucus_id": "$response.body#/id", "path.speaker_id": "$request.body#/speaker_id"},
    ),
    Link(
        "POST /sessions/{session_id}/timekeeping/turns",
        "201",
        "EndTurn",
        "POST /sessions/{session_id}/timekeeping/turns/{turn_id}/end",
        {
            "path.session_id": "$request.path.session_id",
            "path.turn_id": "$response.body#/current_turn/id",
        },
    ),
    Link(
        "PUT /contributions/{contribution_id}/endorsement",
        "200",
        "Unendorse",
        "DELETE /contributions/{contribution_id}/endorsement",
        _same("contribution_id"),
    ),
    *(
        Link(
            source,
            status,
            name,
            f"POST /caremap/reports/{{report_id}}/{name.lower()}",
            {"path.report_id": f"$response.body#/{pointer}"},
        )
        for source, status, pointer in (
            ("POST /caremap/territories/{territory_id}/reports", "201", "id"),
            ("GET /caremap/territories/{territory_id}/reports", "200", "0/id"),
        )
        for name in ("Verify", "Reject")
    ),
    Link(
        "POST /users",
        "201",
        "SetRole",
        "PUT /users/{user_id}/role",
        {"path.user_id": "$response.body#/id"},
    ),
    *_from_list("GET /users", "PUT /users/{user_id}/role", name="user_id"),
    *(
        Link(
            "POST /documents",
            "201",
            f"Document{i}",
            target,
            {"path.document_id": "$response.body#/id"},
        )
        for i, target in enumerate(
            ["GET /documents/{document_id}", "POST /documents/{document_id}/sections"]
        )
    ),
    *(
        Link(
            "POST /documents/{document_id}/sections",
            "201",
            f"Section{i}",
            target,
            {"path.section_id": "$response.body#/id"},
            body=body,
        )
        for i, (target, body) in enumerate(
            [
                ("PUT /sections/{section_id}", {"base_version": "$response.body#/version"}),
                ("GET /sections/{section_id}/revisions", None),
                ("GET /sections/{section_id}/blame", None),
            ]
        )
    ),
    Link(
        "POST /caremap/territories/{territory_id}/datasets",
        "201",
        "Run",
        "POST /caremap/territories/{territory_id}/runs",
        {"path.territory_id": "$response.body#/territory_id"},
    ),
]


def prepare(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy of the app's schema with the session scheme and the links above."""
    schema = copy.deepcopy(raw)
    schema.setdefault("components", {}).setdefault("securitySchemes", {})[SESSION_SCHEME] = {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
    }
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if required(method, path) > PUBLIC:
                operation["security"] = [{SESSION_SCHEME: []}]
    for link in LINKS:
        method, path = link.source.split(" ", 1)
        response = schema["paths"][PREFIX + path][method.lower()]["responses"][link.status]
        target_method, target_path = link.target.split(" ", 1)
        assert target_method.lower() in schema["paths"][PREFIX + target_path], link.target
        definition: dict[str, Any] = {"operationRef": _ref(target_path, target_method.lower())}
        if link.parameters:
            definition["parameters"] = link.parameters
        if link.body:
            definition["requestBody"] = link.body
        links = response.setdefault("links", {})
        assert link.name not in links, f"{link.source}: {link.name} twice"
        links[link.name] = definition
    return schema


# -- records for path ids to point at -----------------------------------------------------------


@dataclass
class Seed:
    """Ids of real records, by path parameter name, in three pools: `kept` for everything but
    deletes; `spare` for deletes of what hangs below a record (a theme, a segment, a member),
    under parents that nothing deletes; `lone` for deletes of a record itself, with nothing
    below it that another operation would need. So an early DELETE does not leave the later
    operations with nothing to read."""

    kept: dict[str, list[int]] = field(default_factory=dict)
    spare: dict[str, list[int]] = field(default_factory=dict)
    lone: dict[str, list[int]] = field(default_factory=dict)

    def ids(self, method: str, path: str, name: str) -> list[int]:
        if method.upper() != "DELETE":
            return self.kept.get(name, [])
        if path.count("{") == 1:
            return self.lone.get(name) or self.spare.get(name, [])
        return self.spare.get(name, [])


FILES = {
    DatasetKind.units: "units.geojson",
    DatasetKind.demand: "demand.csv",
    DatasetKind.supply: "supply.csv",
}


def _world(db: Session, n: int, *, with_caremap: bool) -> dict[str, list[int]]:
    """A forum with a theme, a milestone, a live session with a segment and a remark, a
    speaker in a caucus, an organisation, published and pending contributions; and optionally a
    care territory with its files, a run, a pin and a pending crowd report. Named after `n`
    only, so that every test starts from the same records, whatever ran before it."""
    staff = factories.staff(db)
    forum = factories.forum(db, title={"en": f"Seed forum {n}"})
    theme = factories.theme(db, forum, code=f"s{n}")
    milestone = forums.add_milestone(
        db,
        actor=staff,
        forum=forum,
        data=MilestoneCreate.model_validate(
            {"title": {"en": "Retreat"}, "starts_on": "2025-05-02"}
        ),
    )
    session = factories.session(db, forum)
    organisation = factories.organisation(db, name=f"Seed organisation {n}")
    speaker = factories.speaker(db, name=f"Seed speaker {n}", email=f"seed{n}@example.org")
    segment = factories.segment(db, session, speaker_ids=[speaker.id])
    caucus = caucuses.create_caucus(
        db,
        actor=staff,
        data=CaucusCreate.model_validate({"code": f"seed{n}", "name": {"en": f"Seed caucus {n}"}}),
    )
    caucuses.set_member(
        db, actor=staff, caucus=caucus, speaker_id=speaker.id, is_representative=True
    )
    live.set_open(db, actor=staff, session=session, open_=True)
    timekeeping.start_segment(db, actor=staff, session=session, segment=segment)
    turn, _new = timekeeping.start_turn(db, actor=staff, session=session, speaker_id=speaker.id)
    published = factories.contribution(db, forum, session_id=session.id)
    pending = factories.contribution(
        db, forum, status="pending", title="Waiting for moderation", author_email="a@example.org"
    )
    remark = live.post_remark(
        db,
        actor=staff,
        session=session,
        data=RemarkCreate.model_validate({"body": "A question from the floor"}),
        ip="127.0.0.1",
        locale="en",
    ).contribution
    document = policy.create_document(
        db,
        actor=staff,
        data=DocumentCreate.model_validate(
            {"forum_id": forum.id, "title": {"en": f"Seed paper {n}"}, "language": "en"}
        ),
    )
    section = policy.create_section(
        db,
        actor=staff,
        document=document,
        data=SectionCreate(title="Care", body="Care is a right.\n\nCare is work."),
    )
    # Minutes: a draft in the kept world (the secretariat's edits find their items), published
    # in the spare one (what everyone may read, and the corrections' rules after publishing).
    minutes = minutes_service.create_draft(
        db, actor=staff, session=session, data=MinutesCreate(requires_circulation=False)
    )
    if n:
        minutes = minutes_service.transition(
            db, actor=staff, minutes=minutes, data=TransitionIn(action=MinutesAction.publish)
        )
    items = minutes_service.contents(db, minutes)
    ids: dict[str, list[int]] = {
        "minutes_id": [minutes.id or 0],
        "item_id": [t.id or 0 for b in items.blocks for t in b.turns]
        + [h.heading.id or 0 for h in items.headings],
        "document_id": [document.id],
        "section_id": [section.id],
        "forum_id": [forum.id],
        "theme_id": [theme.id],
        "milestone_id": [milestone.id],
        "session_id": [session.id],
        "segment_id": [segment.id],
        "turn_id": [turn.id],
        "speaker_id": [speaker.id],
        "org_id": [organisation.id],
        "caucus_id": [caucus.id],
        "contribution_id": [published.id, pending.id, remark.id],
    }
    if with_caremap:
        territory = caremap.create_territory(
            db, actor=staff, data=TerritoryCreate.model_validate({"name": {"en": f"Seed {n}"}})
        )
        files = demo_files()
        datasets = caremap.import_files(
            db,
            actor=staff,
            territory=territory,
            files=[
                caremap.IncomingFile(
                    DatasetMeta(kind=kind, source="Synthetic", licence="CC0-1.0", year=2025),
                    name,
                    files[name],
                )
                for kind, name in FILES.items()
            ],
        )
        run = caremap.create_run(
            db, actor=staff, territory=territory, data=RunCreate.model_validate({})
        )
        pin = caremap.create_pin(
            db,
            actor=staff,
            data=PinCreate.model_validate(
                {
                    "run_id": run.id,
                    "care_group": "children_0_5",
                    "target_kind": "session",
                    "target_id": session.id,
                }
            ),
        )
        report = caremap.propose(
            db,
            actor=staff,
            territory=territory,
            data=CrowdReportCreate.model_validate(
                {"kind": "need", "care_group": "older_persons", "lon": -56.18, "lat": -34.88}
            ),
        )
        ids |= {
            "territory_id": [territory.id],
            "dataset_id": [d.id for d in datasets],
            "run_id": [run.id],
            "pin_id": [pin.id],
            "report_id": [report.id],
        }
    for part in POLICY_PARTS:
        ids |= part.seed(db, staff, ids)
    db.commit()
    return ids


def seed(db: Session) -> Seed:
    kept = _world(db, 0, with_caremap=True)
    spare = _world(db, 1, with_caremap=False)
    staff = factories.staff(db)
    n = 2
    lone_forum = factories.forum(db, title={"en": f"Lone forum {n}"})
    lone: dict[str, list[int]] = {
        "forum_id": [lone_forum.id],
        "session_id": [factories.session(db, forums.get_forum(db, spare["forum_id"][0])).id],
        "speaker_id": [factories.speaker(db, name=f"Lone speaker {n}").id],
        "org_id": [factories.organisation(db, name=f"Lone organisation {n}").id],
        "caucus_id": [
            caucuses.create_caucus(
                db,
                actor=staff,
                data=CaucusCreate.model_validate({"code": f"lone{n}", "name": {"en": "Lone"}}),
            ).id
        ],
        # Pins have nothing below them: the spare one is the kept run's second pin.
        "pin_id": [
            caremap.create_pin(
                db,
                actor=staff,
                data=PinCreate.model_validate(
                    {
                        "run_id": kept["run_id"][0],
                        "care_group": "older_persons",
                        "target_kind": "session",
                        "target_id": spare["session_id"][0],
                    }
                ),
            ).id
        ],
    }

    def _seed_url(path: str) -> str:
        return f"http://testserver{path}"

    users.invite(
        db,
        actor=staff,
        data=InvitationCreate.model_validate({"email": "invited@example.org"}),
        url=_seed_url,
    )
    member = users.register(
        db,
        ip="192.0.2.1",
        data=UserRegister.model_validate(
            {
                "email": "member@example.org",
                "display_name": "Member",
                "password": "seeded account passphrase",
                "accept_privacy": True,
            }
        ),
        url=_seed_url,
    )
    assert member is not None
    kept["user_id"] = [member.id]
    kept["minutes_id"] = kept["minutes_id"] + spare["minutes_id"]
    db.commit()
    return Seed(kept=kept, spare=spare, lone=lone)


# Policy documents' later parts classify their operations and seed their records beside their
# tests; imported last, as they take the ranks above.
from tests.policy import (  # noqa: E402
    schema_amendments,
    schema_comments,
    schema_io,
    schema_pages,
    schema_reviews,
    schema_sources,
    schema_stages,
)

POLICY_PARTS = (
    schema_pages,
    schema_amendments,
    schema_comments,
    schema_io,
    schema_reviews,
    schema_stages,
    schema_sources,
)
for _part in POLICY_PARTS:
    REQUIRED.update(_part.REQUIRED)
    PUBLIC_OPERATIONS |= _part.PUBLIC
