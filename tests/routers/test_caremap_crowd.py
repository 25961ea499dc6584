"""Crowd-report review as a workflow: every state × action against outcomes written out here
(not read from the code's table), one event per change and none for a refusal, a second review
of the same report refused with 409, and the review history on the secretariat's page."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.models.caremap import (
    CareDataset,
    CrowdEvent,
    CrowdReject,
    CrowdReport,
    CrowdReportCreate,
    DatasetKind,
)
from app.models.users import Role
from app.services import caremap as service
from tests import factories
from tests.conftest import csrf_header, form_token, logout
from tests.routers.test_caremap import small_territory

NEED = {"kind": "need", "care_group": "older_persons", "lon": -56.21, "lat": -34.85, "persons": 4}

# role, the report's state, action (with or without a reason) → status, state afterwards, and
# whether a new demand version was made. Written out by hand: the expected outcomes, not the
# workflow's table read back.
OUTCOMES: list[tuple[Role | None, str, str, int, str, bool]] = [
    (Role.secretariat, "pending", "verify", 200, "verified", True),
    (Role.secretariat, "pending", "reject", 200, "rejected", False),
    (Role.secretariat, "pending", "reject without reason", 422, "pending", False),
    (Role.secretariat, "verified", "verify", 409, "verified", False),
    (Role.secretariat, "verified", "reject", 409, "verified", False),
    (Role.secretariat, "rejected", "verify", 409, "rejected", False),
    (Role.secretariat, "rejected", "reject", 409, "rejected", False),
    (Role.admin, "pending", "verify", 200, "verified", True),
    (Role.admin, "pending", "reject", 200, "rejected", False),
    (Role.participant, "pending", "verify", 403, "pending", False),
    (Role.participant, "pending", "reject", 403, "pending", False),
    (Role.caucus_rep, "pending", "verify", 403, "pending", False),
    (Role.caucus_rep, "pending", "reject", 403, "pending", False),
    (None, "pending", "verify", 401, "pending", False),
    (None, "pending", "reject", 401, "pending", False),
]


def _report_in(db: Session, state: str) -> tuple[CrowdReport, int]:
    """A report of a participant in the given state (arranged through the service), and the
    territory's id."""
    place = small_territory(db)
    staff = factories.staff(db)
    report = service.propose(
        db, actor=staff, territory=place, data=CrowdReportCreate.model_validate(NEED)
    )
    if state == "verified":
        service.verify(db, actor=staff, report=report)
    elif state == "rejected":
        service.reject(db, actor=staff, report=report, data=CrowdReject(reason="Duplicate"))
    db.commit()
    assert place.id is not None
    return report, place.id


def _count(db: Session, stmt: Any) -> int:
    value = db.execute(stmt).scalar_one()
    db.commit()  # end the read, so the app may write
    return int(value)


def _events(db: Session, report_id: int | None) -> int:
    return _count(db, select(func.count()).where(col(CrowdEvent.report_id) == report_id))


def _demand_versions(db: Session, territory_id: int) -> int:
    return _count(
        db,
        select(func.count()).where(
            col(CareDataset.territory_id) == territory_id,
            col(CareDataset.kind) == DatasetKind.demand,
        ),
    )


@pytest.mark.parametrize(
    ("role", "state", "action", "status", "after", "new_version"),
    OUTCOMES,
    ids=[f"{r.value if r else 'anonymous'}-{s}-{a}" for r, s, a, *_ in OUTCOMES],
)
def test_crowd_review_outcomes(
    client: TestClient,
    db: Session,
    login_as: Callable[..., Any],
    role: Role | None,
    state: str,
    action: str,
    status: int,
    after: str,
    new_version: bool,
) -> None:
    report, territory_id = _report_in(db, state)
    events_before = _events(db, report.id)
    versions_before = _demand_versions(db, territory_id)
    if role is not None:
        login_as(role)
    else:
        logout(client)
        client.headers.update(csrf_header(client))  # refused as anonymous, not for CSRF
    if action == "verify":
        response = client.post(f"/api/v1/caremap/reports/{report.id}/verify")
    else:
        reason = "" if action == "reject without reason" else "Already in the register"
        response = client.post(
            f"/api/v1/caremap/reports/{report.id}/reject", json={"reason": reason}
        )
    assert response.status_code == status, response.text
    stored = factories.reload(db, report)
    assert stored.status == after
    changed = status == 200
    assert _events(db, report.id) == events_before + (1 if changed else 0)
    assert _demand_versions(db, territory_id) == versions_before + (1 if new_version else 0)
    if changed:
        assert response.json()["status"] == after
        assert stored.reviewed_at is not None
        event = (
            db.execute(
                select(CrowdEvent)
                .where(col(CrowdEvent.report_id) == report.id)
                .order_by(col(CrowdEvent.id).desc())
            )
            .scalars()
            .first()
        )
        db.commit()
        assert event is not None
        assert (event.action, event.from_status, event.to_status) == (
            action.split()[0],
            "pending",
            after,
        )
        assert event.actor_id == stored.reviewed_by_id
    if new_version:
        assert stored.dataset_id is not None


def test_a_second_verify_through_the_page_is_told_it_was_reviewed(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    report, territory_id = _report_in(db, "pending")
    login_as(Role.secretariat)
    page = f"/caremap/territories/{territory_id}"
    token = form_token(client, page)
    first = client.post(
        f"/caremap/reports/{report.id}/verify", data={"csrf_token": token}, follow_redirects=False
    )
    assert first.status_code == 303
    again = client.post(
        f"/caremap/reports/{report.id}/verify", data={"csrf_token": token}, follow_redirects=False
    )
    assert again.status_code == 303  # back to the page, which says why nothing happened
    html = client.get(again.headers["location"]).text
    assert "does not apply to something that is “Verified”" in html
    assert _demand_versions(db, territory_id) == 2  # the first upload and one crowd version
    rejected = client.post(
        f"/caremap/reports/{report.id}/reject",
        data={"csrf_token": token, "reason": "Too late"},
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    assert factories.reload(db, report).status == "verified"
    assert _events(db, report.id) == 1


def test_the_secretariat_reads_the_review_history_the_participant_does_not(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = small_territory(db)
    participant = login_as(Role.participant)
    created = client.post(f"/api/v1/caremap/territories/{place.id}/reports", json=NEED).json()
    reviewer = login_as(Role.secretariat, display_name="Marta Reviewer")
    token = form_token(client, f"/caremap/territories/{place.id}?lang=es")
    client.post(
        f"/caremap/reports/{created['id']}/reject?lang=es",
        data={"csrf_token": token, "reason": "Ya está en el registro."},
    )
    html = client.get(f"/caremap/territories/{place.id}?lang=es").text
    assert reviewer.display_name in html
    assert "Historial de revisión" in html
    assert "Rechazar" in html
    logout(client)
    client.post(
        "/api/v1/auth/login",
        json={"email": participant.email, "password": "correct horse battery"},
        headers={"X-CSRF-Token": client.get("/api/v1/auth/csrf").json()["csrf_token"]},
    )
    mine = client.get(f"/caremap/territories/{place.id}").text
    assert "Ya está en el registro." in mine
    assert reviewer.display_name not in mine
    assert "Review history" not in mine


@pytest.mark.parametrize("second", ["verify", "reject"])
def test_two_reviews_sent_at_once_one_wins(
    client: TestClient, db: Session, login_as: Callable[..., Any], second: str
) -> None:
    """Two requests at the same moment (the service-level tests in tests/services hold one of
    them mid-transaction to show the compare-and-set itself): one 200, one 409, one event."""
    report, territory_id = _report_in(db, "pending")
    login_as(Role.secretariat)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(action: str) -> None:
        body = {"reason": "Not in this territory"} if action == "reject" else None
        barrier.wait()
        response = client.post(f"/api/v1/caremap/reports/{report.id}/{action}", json=body)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(a,)) for a in ("verify", second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 409]
    assert _events(db, report.id) == 1
    stored = factories.reload(db, report)
    assert stored.status in ("verified", "rejected")
    assert _demand_versions(db, territory_id) == (2 if stored.status == "verified" else 1)
