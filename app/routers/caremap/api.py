"""The care-map JSON API under /api/v1: territories, dataset versions (a file as the body),
stored runs and their results, the map recomputed on demand, evidence pins and crowd reports.
It calls the same services as the pages."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.deps import (
    CrowdReviewer,
    CurrentUser,
    OptionalUser,
    Participant,
    Pinner,
    RemovablePin,
    ReviewableCrowdReport,
    StaffUser,
)
from app.models.caremap import (
    MAX_FILE_BYTES,
    CareGroup,
    CrowdReject,
    CrowdReportCreate,
    CrowdReportPublic,
    CrowdStatus,
    DatasetKind,
    DatasetMeta,
    DatasetPublic,
    MapFilters,
    MapResultPublic,
    PinCreate,
    PinPublic,
    PointResultPublic,
    RunCreate,
    RunPublic,
    TargetKindName,
    TerritoryCreate,
    TerritoryPublic,
    UnitResultPublic,
)
from app.models.types import DbId
from app.routers.apiutil import Cursor, Limit, Page, api_router
from app.routers.caremap.views import validate
from app.security import client_ip
from app.services import caremap as service
from app.web.errors import Problem

api = api_router("caremap")


@api.get("/caremap/territories", response_model=Page[TerritoryPublic])
def api_territories(db: SessionDep, limit: Limit = 20, cursor: Cursor = None) -> Any:
    items, next_cursor = service.list_territories(db, limit=limit, cursor=cursor)
    return Page(items=list(items), next_cursor=next_cursor)


@api.post("/caremap/territories", response_model=TerritoryPublic, status_code=201)
def api_territory_create(db: SessionDep, user: StaffUser, data: TerritoryCreate) -> Any:
    return service.create_territory(db, actor=user, data=data)


@api.get("/caremap/territories/{territory_id}", response_model=TerritoryPublic)
def api_territory(db: SessionDep, territory_id: DbId) -> Any:
    return service.get_territory(db, territory_id)


@api.put("/caremap/territories/{territory_id}", response_model=TerritoryPublic)
def api_territory_update(
    db: SessionDep, user: StaffUser, territory_id: DbId, data: TerritoryCreate
) -> Any:
    territory = service.get_territory(db, territory_id)
    return service.update_territory(db, actor=user, territory=territory, data=data)


@api.get("/caremap/territories/{territory_id}/datasets", response_model=list[DatasetPublic])
def api_datasets(db: SessionDep, territory_id: DbId, kind: DatasetKind | None = None) -> Any:
    service.get_territory(db, territory_id)
    return [service.dataset_public(ds) for ds in service.datasets_of(db, territory_id, kind)]


async def _raw_body(request: Request) -> bytes:
    """The request body, read up to one byte past the size limit."""
    chunks: list[bytes] = []
    size = 0
    stream: AsyncIterator[bytes] = request.stream()
    async for chunk in stream:
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            break
    return b"".join(chunks)


RawBody = Annotated[bytes, Depends(_raw_body)]
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file itself: CSV (demand, supply) or GeoJSON (any layer), UTF-8.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/geo+json": {"schema": {"type": "object"}},
        },
    }
}


@api.post(
    "/caremap/territories/{territory_id}/datasets",
    response_model=DatasetPublic,
    status_code=201,
    openapi_extra=UPLOAD_BODY,
)
def api_dataset_upload(
    db: SessionDep,
    user: StaffUser,
    body: RawBody,
    territory_id: DbId,
    kind: DatasetKind,
    source: Annotated[str, Query(min_length=1, max_length=300, pattern=r"\S")],
    licence: Annotated[str, Query(min_length=1, max_length=200, pattern=r"\S")],
    year: Annotated[int | None, Query(ge=1800, le=2100)] = None,
    note: Annotated[str | None, Query(max_length=1000)] = None,
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    """Uploads one file as the next version of a layer. A file with any bad value is refused
    whole (422), every problem named by file, row and field under `errors.body`."""
    territory = service.get_territory(db, territory_id)
    meta = validate(
        DatasetMeta,
        {"kind": kind, "source": source, "licence": licence, "year": year, "note": note},
    )
    dataset = service.add_dataset(
        db,
        actor=user,
        territory=territory,
        meta=meta,
        filename=filename,
        content=body,
        error_field="body",
    )
    return service.dataset_public(dataset)


@api.get("/caremap/datasets/{dataset_id}", response_model=DatasetPublic)
def api_dataset(db: SessionDep, dataset_id: DbId) -> Any:
    return service.dataset_public(service.get_dataset(db, dataset_id))


@api.get("/caremap/territories/{territory_id}/runs", response_model=Page[RunPublic])
def api_runs(db: SessionDep, territory_id: DbId, limit: Limit = 20, cursor: Cursor = None) -> Any:
    service.get_territory(db, territory_id)
    items, next_cursor = service.list_runs(
        db, territory_id=territory_id, limit=limit, cursor=cursor
    )
    return Page(items=list(items), next_cursor=next_cursor)


@api.post("/caremap/territories/{territory_id}/runs", response_model=RunPublic, status_code=201)
def api_run_create(db: SessionDep, user: StaffUser, territory_id: DbId, data: RunCreate) -> Any:
    territory = service.get_territory(db, territory_id)
    return service.create_run(db, actor=user, territory=territory, data=data)


@api.get("/caremap/runs/{run_id}", response_model=RunPublic)
def api_run(db: SessionDep, run_id: DbId) -> Any:
    return service.get_run(db, run_id)


@api.get("/caremap/runs/{run_id}/units", response_model=list[UnitResultPublic])
def api_run_units(
    db: SessionDep,
    run_id: DbId,
    care_group: CareGroup | None = None,
    level: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    run = service.get_run(db, run_id)
    return service.run_units(db, run, care_group=care_group, level=level)


@api.get("/caremap/runs/{run_id}/points", response_model=Page[PointResultPublic])
def api_run_points(db: SessionDep, run_id: DbId, limit: Limit = 100, cursor: Cursor = None) -> Any:
    run = service.get_run(db, run_id)
    items, next_cursor = service.run_points(db, run, limit=limit, cursor=cursor)
    return Page(items=[PointResultPublic.model_validate(i) for i in items], next_cursor=next_cursor)


@api.get(
    "/caremap/territories/{territory_id}/map",
    response_model=MapResultPublic,
    responses={503: {"model": Problem, "description": "Every map computation slot is busy"}},
)
def api_map(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    territory_id: DbId,
    filters: Annotated[MapFilters, Query()],
) -> Any:
    """The map with these filters: computed once per set of parameters and dataset versions,
    then served from the cache; a new computation is bounded (pairs, rate, slots)."""
    territory = service.get_territory(db, territory_id)
    params = filters.run_params()
    data = service.map_data(
        db,
        territory,
        care_group=filters.care_group,
        params=params,
        level=filters.level,
        viewer=user,
        ip=client_ip(request),
    )
    return service.map_public(data)


@api.get("/caremap/pins", response_model=Page[PinPublic])
def api_pins(
    db: SessionDep,
    target_kind: TargetKindName | None = None,
    target_id: DbId | None = None,
    run_id: DbId | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Any:
    items, next_cursor = service.list_pins(
        db,
        target_kind=target_kind,
        target_id=target_id,
        run_id=run_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[service.pin_public(p) for p in items], next_cursor=next_cursor)


@api.post("/caremap/pins", response_model=PinPublic, status_code=201)
def api_pin_create(db: SessionDep, user: Pinner, data: PinCreate) -> Any:
    return service.pin_public(service.create_pin(db, actor=user, data=data))


@api.delete("/caremap/pins/{pin_id}", status_code=204)
def api_pin_delete(db: SessionDep, user: Pinner, pin: RemovablePin) -> Response:
    service.delete_pin(db, actor=user, pin=pin)
    return Response(status_code=204)


@api.get("/caremap/territories/{territory_id}/reports", response_model=list[CrowdReportPublic])
def api_reports(
    db: SessionDep, user: CurrentUser, territory_id: DbId, status: CrowdStatus | None = None
) -> Any:
    """The secretariat sees every report; a participant sees their own."""
    service.get_territory(db, territory_id)
    reports = service.reports_of(db, territory_id, viewer=user, status=status)
    return [service.report_public(r) for r in reports]


@api.post(
    "/caremap/territories/{territory_id}/reports",
    response_model=CrowdReportPublic,
    status_code=201,
)
def api_report_create(
    db: SessionDep, user: Participant, territory_id: DbId, data: CrowdReportCreate
) -> Any:
    territory = service.get_territory(db, territory_id)
    return service.report_public(service.propose(db, actor=user, territory=territory, data=data))


@api.post("/caremap/reports/{report_id}/verify", response_model=CrowdReportPublic)
def api_report_verify(db: SessionDep, user: CrowdReviewer, report: ReviewableCrowdReport) -> Any:
    service.verify(db, actor=user, report=report)
    return service.report_public(report)


@api.post("/caremap/reports/{report_id}/reject", response_model=CrowdReportPublic)
def api_report_reject(
    db: SessionDep, user: CrowdReviewer, report: ReviewableCrowdReport, data: CrowdReject
) -> Any:
    return service.report_public(service.reject(db, actor=user, report=report, data=data))
