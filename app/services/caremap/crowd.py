"""Crowd-mapping: a participant reports a care facility or an unmet need; the secretariat
verifies it into a new version of the supply (facility) or demand (need) layer, its row marked
with source ``crowd``, or rejects it with a reason the participant reads.

Review is a workflow (`services/workflow.py`): pending → verified by "verify", pending → rejected
by "reject" (reason required), who may: `permissions.can_review_crowd_report`. The status changes
by compare-and-set, so of two reviewers acting at once only one wins and the other is told (409);
each review writes one `CrowdEvent`. Verifying adds the new dataset version in the same
transaction as the status change.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlmodel import Session, col

from app import permissions
from app.caremap import CareDataError, Supply
from app.caremap.build import DEMAND_CSV_COLUMNS, SUPPLY_CSV_COLUMNS, demand_rows, supply_rows
from app.caremap.geometry import assign_points, outside_all
from app.i18n import N_
from app.lib.csvout import csv_text
from app.models.caremap import (
    CROWD_ACTION_LABELS,
    STATUS_LABELS,
    CareDataset,
    CareTerritory,
    CrowdAction,
    CrowdEvent,
    CrowdKind,
    CrowdReject,
    CrowdReport,
    CrowdReportCreate,
    CrowdReportPublic,
    CrowdStatus,
    DatasetKind,
    DatasetMeta,
    DatasetOrigin,
    Sphere,
)
from app.models.types import utcnow
from app.models.users import User
from app.services.caremap.datasets import (
    latest_datasets,
    parse,
    parsed_layer,
    parsed_units,
    store_dataset,
)
from app.services.caremap.messages import data_error_messages
from app.services.caremap.territories import get_territory
from app.services.errors import InvalidInput, NotFound
from app.services.workflow import Transition, Workflow


def _reviewed(report: CrowdReport, reason: str, actor: User | None) -> dict[str, object]:
    return {"reviewed_by_id": actor.id if actor else None, "reviewed_at": utcnow()}


def _rejected(report: CrowdReport, reason: str, actor: User | None) -> dict[str, object]:
    return {**_reviewed(report, reason, actor), "reason": reason}


_PENDING = frozenset({CrowdStatus.pending.value})
REVIEW = Workflow(
    name="crowd_report",
    log_as="care_crowd_report",
    model=CrowdReport,
    event_model=CrowdEvent,
    record_key="report_id",
    transitions=[
        Transition(
            CrowdAction.verify,
            _PENDING,
            CrowdStatus.verified,
            who=permissions.can_review_crowd_report,
            values=_reviewed,
        ),
        Transition(
            CrowdAction.reject,
            _PENDING,
            CrowdStatus.rejected,
            who=permissions.can_review_crowd_report,
            reason_required=True,
            values=_rejected,
        ),
    ],
    action_labels={str(k): v for k, v in CROWD_ACTION_LABELS.items()},
    status_labels={str(k): v for k, v in STATUS_LABELS.items()},
)


def propose(
    db: Session, *, actor: User, territory: CareTerritory, data: CrowdReportCreate
) -> CrowdReport:
    """A participant's report of a facility or an unmet need, pending verification."""
    assert territory.id is not None
    latest = latest_datasets(db, territory.id)
    if DatasetKind.units in latest:
        units = parsed_units(db, latest[DatasetKind.units])
        members = assign_points(
            units.items, np.array([data.lon], dtype=np.float64), np.array([data.lat])
        )
        if outside_all(members, 1)[0]:
            raise InvalidInput({"__all__": [N_("This location is outside the territory's units.")]})
    values = data.model_dump()
    if data.kind == CrowdKind.need:
        values.update(sphere=None, capacity=None)
    else:
        values.update(persons=None)
    for key in ("name", "note"):
        values[key] = (values.get(key) or "").strip() or None
    report = CrowdReport(territory_id=territory.id, created_by_id=actor.id, **values)
    db.add(report)
    db.commit()
    return report


def get_report(db: Session, report_id: int) -> CrowdReport:
    found = db.get(CrowdReport, report_id)
    if found is None:
        raise NotFound()
    return found


def reports_of(
    db: Session,
    territory_id: int,
    *,
    viewer: User,
    status: CrowdStatus | None = None,
    limit: int = 100,
) -> Sequence[CrowdReport]:
    """Those who may see every report see every report; anyone else sees their own."""
    stmt = select(CrowdReport).where(col(CrowdReport.territory_id) == territory_id)
    if not permissions.can_see_all_crowd_reports(viewer):
        stmt = stmt.where(col(CrowdReport.created_by_id) == viewer.id)
    if status is not None:
        stmt = stmt.where(col(CrowdReport.status) == status)
    stmt = stmt.order_by(col(CrowdReport.id).desc()).limit(limit)
    return db.execute(stmt).scalars().all()


def review_actions(user: User | None, report: CrowdReport) -> list[str]:
    """What this user may do with this report now ("verify", "reject"), for the page."""
    return REVIEW.allowed(user, report)


def report_public(report: CrowdReport) -> CrowdReportPublic:
    return CrowdReportPublic.model_validate(report)


# A need may be a household: published (in the downloadable demand file and all that reads it)
# only on a grid of 10^-3 degrees, about 100 m.
NEED_GRID_DECIMALS = 3
_NUMERIC = ("lon", "lat", "capacity", "persons")


def _coarse(row: dict[str, object]) -> dict[str, object]:
    """A crowd need's row with its place on the public grid."""
    out = dict(row)
    for key in ("lon", "lat"):
        out[key] = round(float(str(row[key])), NEED_GRID_DECIMALS)
    return out


def _numbers(row: dict[str, object]) -> dict[str, object]:
    """Numeric cells as numbers (the layers' rows carry them as text), so that the CSV writer
    writes them as they are (a negative coordinate is not a formula)."""
    out = dict(row)
    for key in _NUMERIC:
        value = out.get(key)
        if isinstance(value, str) and value != "":
            out[key] = float(value)
    return out


def _unique_id(existing: set[str], wanted: str) -> str:
    candidate, n = wanted, 1
    while candidate in existing:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def _add_to_layer(db: Session, *, actor: User, report: CrowdReport) -> CareDataset:
    """The previous version of the report's layer plus the report's row, as the next version."""
    territory = get_territory(db, report.territory_id)
    assert territory.id is not None
    assert report.id is not None
    latest = latest_datasets(db, territory.id)
    kind = DatasetKind.supply if report.kind == CrowdKind.facility else DatasetKind.demand
    previous = latest.get(kind)
    rows: list[dict[str, object]] = []
    if previous is not None:
        layer = parsed_layer(
            db, previous, latest.get(DatasetKind.units) if kind == DatasetKind.demand else None
        )
        rows = supply_rows(layer) if isinstance(layer, Supply) else demand_rows(layer)
    new_id = _unique_id({str(r["id"]) for r in rows}, f"crowd-{report.id}")
    if kind == DatasetKind.supply:
        rows.append(
            {
                "id": new_id,
                "lon": report.lon,
                "lat": report.lat,
                "care_group": str(report.care_group),
                "sphere": str(report.sphere or Sphere.community),
                "capacity": report.capacity,
                "name": report.name or "",
                "services": "",
                "opening_hours": "",
                "source": "crowd",
            }
        )
        columns: Sequence[str] = SUPPLY_CSV_COLUMNS
    else:
        rows.append(
            {
                "id": new_id,
                "lon": report.lon,
                "lat": report.lat,
                "care_group": str(report.care_group),
                "persons": report.persons or 1.0,
            }
        )
        rows = [_coarse(r) if str(r["id"]).startswith("crowd-") else r for r in rows]
        columns = DEMAND_CSV_COLUMNS
    # One CSV writer for every file the platform writes: formulas neutralised, numbers as numbers.
    text = csv_text(columns, [_numbers(r) for r in rows], bom=False)
    meta = DatasetMeta(
        kind=kind,
        source=previous.source if previous else "crowd",
        year=previous.year if previous else None,
        licence=previous.licence if previous else "crowd",
        note=None,
    )
    content = text.encode("utf-8")
    name = f"{kind.value}-crowd-{report.id}.csv"
    try:
        parsed = parse(kind, content, name, None)
    except CareDataError as exc:  # pragma: no cover - rows come from a loaded layer
        raise InvalidInput({"__all__": data_error_messages(exc)}) from None
    return store_dataset(
        db,
        actor=actor,
        territory=territory,
        meta=meta,
        filename=name,
        content=content,
        rows=len(parsed),
        origin=DatasetOrigin.crowd,
        logged=False,  # the verification's own row in the action log says it
    )


def verify(db: Session, *, actor: User, report: CrowdReport) -> CareDataset:
    """Adds the report to a new version of the supply (facility) or demand (need) layer."""
    # The status first: the compare-and-set holds the report's row until the commit, so a second
    # reviewer waits here and is then told it changed, before building a version of their own.
    REVIEW.apply(db, record=report, action=CrowdAction.verify, actor=actor)
    dataset = _add_to_layer(db, actor=actor, report=report)
    report.dataset_id = dataset.id
    db.commit()
    return dataset


def reject(db: Session, *, actor: User, report: CrowdReport, data: CrowdReject) -> CrowdReport:
    REVIEW.apply(db, record=report, action=CrowdAction.reject, actor=actor, reason=data.reason)
    db.commit()
    return report


@dataclass
class ReviewEvent:
    action: str
    from_status: str
    to_status: str
    reason: str
    actor: str | None  # the reviewer's display name; None once their account is gone
    created_at: datetime


def events_of(db: Session, report_ids: Sequence[int]) -> dict[int, list[ReviewEvent]]:
    """The review history of these reports, oldest first (for the secretariat's page)."""
    out: dict[int, list[ReviewEvent]] = {i: [] for i in report_ids}
    if not report_ids:
        return out
    rows = db.execute(
        select(CrowdEvent, col(User.display_name))
        .outerjoin(User, col(User.id) == col(CrowdEvent.actor_id))
        .where(col(CrowdEvent.report_id).in_(report_ids))
        .order_by(col(CrowdEvent.id))
    ).all()
    for event, name in rows:
        out[event.report_id].append(
            ReviewEvent(
                event.action,
                event.from_status,
                event.to_status,
                event.reason,
                name,
                event.created_at,
            )
        )
    return out
