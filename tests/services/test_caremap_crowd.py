"""Two reviewers at once on one crowd report: the status changes by compare-and-set, so exactly
one wins and the other is refused with 409, whatever the database. Each reviewer has a session
(a connection) of their own, as two requests would."""

import threading
import time

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from app.db import open_session
from app.models.caremap import (
    CareDataset,
    CrowdEvent,
    CrowdReject,
    CrowdReport,
    CrowdReportCreate,
    DatasetKind,
)
from app.services import caremap as service
from app.services.errors import Conflict
from tests import factories
from tests.routers.test_caremap import small_territory

NEED = {"kind": "need", "care_group": "older_persons", "lon": -56.21, "lat": -34.85}


def _pending(db: Session) -> tuple[int, int]:
    place = small_territory(db)
    report = service.propose(
        db,
        actor=factories.staff(db),
        territory=place,
        data=CrowdReportCreate.model_validate(NEED),
    )
    assert report.id is not None
    assert place.id is not None
    return report.id, place.id


def _load(engine: Engine, report_id: int) -> tuple[Session, CrowdReport]:
    """A reviewer's own session with the report as they read it (their page), the read ended."""
    db = open_session(engine, write=True)
    report = db.get(CrowdReport, report_id)
    assert report is not None
    db.commit()
    return db, report


def _outcome(engine: Engine, report_id: int, territory_id: int) -> tuple[str, int, int]:
    with open_session(engine, write=False) as db:
        report = db.get(CrowdReport, report_id)
        assert report is not None
        events = db.execute(
            select(func.count()).where(col(CrowdEvent.report_id) == report_id)
        ).scalar_one()
        versions = db.execute(
            select(func.count()).where(
                col(CareDataset.territory_id) == territory_id,
                col(CareDataset.kind) == DatasetKind.demand,
            )
        ).scalar_one()
        return str(report.status), int(events), int(versions)


def test_a_review_from_a_stale_page_is_refused(db: Session, engine: Engine) -> None:
    """Both reviewers read the report while it was pending; the second to act is refused by
    the compare-and-set itself (the report in their hands still says pending)."""
    report_id, territory_id = _pending(db)
    staff_a, staff_b = factories.staff(db), factories.staff(db)
    db_a, report_a = _load(engine, report_id)
    db_b, report_b = _load(engine, report_id)
    try:
        service.verify(db_a, actor=staff_a, report=report_a)
        assert report_b.status == "pending"
        with pytest.raises(Conflict) as refused:
            service.reject(db_b, actor=staff_b, report=report_b, data=CrowdReject(reason="No"))
        assert refused.value.status == 409
        assert "Someone else changed this meanwhile" in refused.value.message
    finally:
        db_a.close()
        db_b.close()
    assert _outcome(engine, report_id, territory_id) == ("verified", 1, 2)


@pytest.mark.parametrize("second", ["verify", "reject"])
def test_two_reviews_at_the_same_moment_one_wins(db: Session, engine: Engine, second: str) -> None:
    """Reviewer A has changed the status and not yet committed (building the new version);
    reviewer B acts meanwhile and waits for A's row lock (PostgreSQL) or write lock (SQLite),
    then finds the status no longer pending: 409, and no second version, no second event."""
    report_id, territory_id = _pending(db)
    staff_a, staff_b = factories.staff(db), factories.staff(db)
    db_a, report_a = _load(engine, report_id)
    db_b, report_b = _load(engine, report_id)
    outcome: dict[str, BaseException | str] = {}

    def reviewer_b() -> None:
        try:
            if second == "verify":
                service.verify(db_b, actor=staff_b, report=report_b)
            else:
                service.reject(db_b, actor=staff_b, report=report_b, data=CrowdReject(reason="No"))
            outcome["b"] = "won"
        except BaseException as exc:  # reported below, in the test's thread
            outcome["b"] = exc

    try:
        # A's verify, stopped just before its commit: the status is changed in its transaction.
        service.REVIEW.apply(db_a, record=report_a, action="verify", actor=staff_a)
        thread = threading.Thread(target=reviewer_b)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), f"B did not wait for A: {outcome}"
        db_a.commit()
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        db_a.close()
        db_b.close()
    assert isinstance(outcome["b"], Conflict), outcome
    assert outcome["b"].status == 409
    status, events, versions = _outcome(engine, report_id, territory_id)
    assert (status, events) == ("verified", 1)
    assert versions == 1  # A's version was not built in this test, and B built none
