"""Care maps: territories and their datasets, stored runs, evidence panels and pins, the map page
recomputed on demand, and crowd-mapping. Pages and JSON call the same service functions."""

import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import FormData, UploadFile

from app import i18n
from app.caremap import render_svg
from app.db import SessionDep
from app.deps import CurrentUser, OptionalUser, StaffUser
from app.i18n import N_
from app.models.caremap import (
    CROWD_KIND_LABELS,
    DECAY_LABELS,
    GROUP_LABELS,
    LAYER_LABELS,
    MAX_CATCHMENT_M,
    MAX_FILE_BYTES,
    METHOD_LABELS,
    METRIC_LABELS,
    ORIGIN_LABELS,
    SPHERE_LABELS,
    STATUS_LABELS,
    TARGET_LABELS,
    CareDataset,
    CareGroup,
    CareRun,
    CareRunUnit,
    CrowdKind,
    CrowdReject,
    CrowdReport,
    CrowdReportCreate,
    CrowdReportPublic,
    CrowdStatus,
    DatasetKind,
    DatasetMeta,
    DatasetPublic,
    Decay,
    EvidencePin,
    MapResultPublic,
    Method,
    PinCreate,
    PinMetric,
    PinPublic,
    PinTargetKind,
    PointResultPublic,
    RunCreate,
    RunParams,
    RunPublic,
    Sphere,
    TerritoryCreate,
    TerritoryPublic,
    UnitResultPublic,
)
from app.models.types import DbId
from app.models.users import User
from app.permissions import can_manage_content
from app.routers.apiutil import Cursor, Limit, Page, api_router, pages_router
from app.routers.forms import FormDep, form_values, parse_form, see_other
from app.security import safe_next
from app.services import caremap as service
from app.services.errors import Conflict, InvalidInput
from app.templating import flash, is_htmx_partial, render
from app.web.validation import errors_by_field

pages = pages_router()
api = api_router("caremap")

LABELS = {
    "group_labels": GROUP_LABELS,
    "sphere_labels": SPHERE_LABELS,
    "method_labels": METHOD_LABELS,
    "decay_labels": DECAY_LABELS,
    "metric_labels": METRIC_LABELS,
    "layer_labels": LAYER_LABELS,
    "origin_labels": ORIGIN_LABELS,
    "crowd_kind_labels": CROWD_KIND_LABELS,
    "status_labels": STATUS_LABELS,
    "target_labels": TARGET_LABELS,
}


# -- number formats (Babel, the reader's locale) -----------------------------------------------


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return str(format_decimal(round(float(value), digits), locale=i18n.get_locale()))


def _pct(value: float | None) -> str:
    if value is None:
        return "—"
    return str(format_percent(float(value), locale=i18n.get_locale()))


def _dist(metres: float | None) -> str:
    if metres is None:
        return i18n.gettext(N_("no facility"))
    return i18n.gettext(N_("%(km)s km"), km=_num(metres / 1000.0, 1))


FORMATS: dict[str, Callable[..., str]] = {"num": _num, "pct": _pct, "dist": _dist}


def _metric_value(row: CareRunUnit, metric: PinMetric) -> float | None:
    return row.access_per_1000 if metric == PinMetric.coverage else row.gap_places


def map_svg(
    units: Any, rows: list[CareRunUnit], *, metric: PinMetric, group: CareGroup, svg_id: str
) -> Markup:
    """The choropleth, every text translated; dark always means worse (low coverage, big gap)."""
    values = {r.unit_id: _metric_value(r, metric) for r in rows}
    group_label = i18n.gettext(GROUP_LABELS[group])
    if metric == PinMetric.coverage:
        title = i18n.gettext(N_("Coverage for %(group)s by unit"), group=group_label)
        legend = i18n.gettext(N_("Accessible places per 1,000 persons"))
        desc = i18n.gettext(
            N_(
                "Darker units have fewer accessible places per 1,000 persons. The table below "
                "gives the same figures."
            )
        )
    else:
        title = i18n.gettext(N_("Care gap for %(group)s by unit"), group=group_label)
        legend = i18n.gettext(N_("Places missing to reach the target"))
        desc = i18n.gettext(
            N_(
                "Darker units lack more places to reach the target. The table below gives the "
                "same figures."
            )
        )
    svg = render_svg(
        units,
        values,
        labels={
            "title": title,
            "desc": desc,
            "legend_title": legend,
            "no_data": i18n.gettext(N_("No persons of this group")),
        },
        fmt=lambda v: _num(v),
        reverse=metric == PinMetric.gap,
        svg_id=svg_id,
    )
    return Markup(svg)  # noqa: S704 — render_svg escapes every piece of text it writes


def _ctx(**values: Any) -> dict[str, Any]:
    return {**LABELS, **FORMATS, "nav": "caremap", **values}


# -- territories ------------------------------------------------------------------------------


@pages.get("/caremap", response_class=HTMLResponse)
def territories_page(request: Request, db: SessionDep, user: OptionalUser) -> HTMLResponse:
    return _territories(request, db, {}, None)


def _territories(
    request: Request,
    db: SessionDep,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
    status_code: int = 200,
) -> HTMLResponse:
    territories = service.all_territories(db)
    return render(
        request,
        "caremap/list.html",
        _ctx(territories=territories, values=values, errors=errors),
        status_code=status_code,
    )


@pages.post("/caremap/territories", response_class=HTMLResponse)
def territory_create(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    try:
        data = parse_form(TerritoryCreate, form)
        territory = service.create_territory(db, actor=user, data=data)
    except InvalidInput as exc:
        return _territories(request, db, form_values(form), exc.errors, 422)
    flash(request, N_("Saved."))
    return see_other(f"/caremap/territories/{territory.id}")


def _dataset_choices(datasets: list[CareDataset]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {k.value: [] for k in DatasetKind}
    for ds in datasets:
        label = i18n.gettext(
            N_("Version %(version)s — %(file)s"), version=ds.version, file=ds.filename
        )
        out[str(ds.kind)].append((str(ds.id), label))
    return out


RUN_DEFAULTS: dict[str, Any] = {
    "method": Method.e2sfca.value,
    "decay": Decay.gaussian.value,
    "catchment_m": RunParams().catchment_m.model_dump(),
    "targets_per_1000": RunParams().targets_per_1000.model_dump(),
    "spheres": [s.value for s in Sphere],
}


def _territory_detail(
    request: Request,
    db: SessionDep,
    user: User | None,
    territory_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    form: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    territory = service.get_territory(db, territory_id)
    datasets = list(service.datasets_of(db, territory_id))
    staff = can_manage_content(user)
    reports = (
        service.reports_of(db, territory_id, viewer=user, staff=staff) if user is not None else []
    )
    latest = service.latest_datasets(db, territory_id)
    return render(
        request,
        "caremap/territory.html",
        _ctx(
            territory=territory,
            datasets=datasets,
            latest=latest,
            ready=len(latest) == len(DatasetKind),
            runs=service.runs_of(db, territory_id),
            reports=reports,
            staff=staff,
            values=values or {},
            run_values=(values if form == "run" else None) or RUN_DEFAULTS,
            errors=errors,
            open_form=form,
            kinds=i18n.label_choices(LAYER_LABELS),
            methods=i18n.label_choices(METHOD_LABELS),
            decays=i18n.label_choices(DECAY_LABELS),
            groups=list(CareGroup),
            spheres=i18n.label_choices(SPHERE_LABELS),
            dataset_choices=_dataset_choices(datasets),
            max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
        ),
        status_code=status_code,
    )


@pages.get("/caremap/territories/{territory_id}", response_class=HTMLResponse)
def territory_page(
    request: Request, db: SessionDep, user: OptionalUser, territory_id: DbId
) -> HTMLResponse:
    return _territory_detail(request, db, user, territory_id)


@pages.get("/caremap/territories/{territory_id}/edit", response_class=HTMLResponse)
def territory_edit(
    request: Request, db: SessionDep, user: StaffUser, territory_id: DbId
) -> HTMLResponse:
    territory = service.get_territory(db, territory_id)
    return render(
        request,
        "caremap/territory_form.html",
        _ctx(territory=territory, values=territory.model_dump(), errors=None),
    )


@pages.post("/caremap/territories/{territory_id}/edit", response_class=HTMLResponse)
def territory_update(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, territory_id: DbId
) -> Response:
    territory = service.get_territory(db, territory_id)
    try:
        data = parse_form(TerritoryCreate, form)
        service.update_territory(db, actor=user, territory=territory, data=data)
    except InvalidInput as exc:
        return render(
            request,
            "caremap/territory_form.html",
            _ctx(territory=territory, values=form_values(form), errors=exc.errors),
            status_code=422,
        )
    flash(request, N_("Saved."))
    return see_other(f"/caremap/territories/{territory_id}")


# -- datasets ---------------------------------------------------------------------------------


@pages.post("/caremap/territories/{territory_id}/datasets", response_class=HTMLResponse)
def dataset_upload(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, territory_id: DbId
) -> Response:
    territory = service.get_territory(db, territory_id)
    upload = form.get("file")
    values = {k: v for k, v in form_values(form).items() if k != "file"}
    try:
        meta = parse_form(DatasetMeta, form)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput({"file": [i18n.gettext(N_("Choose a file to upload."))]})
        content = upload.file.read(MAX_FILE_BYTES + 1)
        dataset = service.add_dataset(
            db,
            actor=user,
            territory=territory,
            meta=meta,
            filename=upload.filename,
            content=content,
        )
    except InvalidInput as exc:
        return _territory_detail(
            request,
            db,
            user,
            territory_id,
            values=values,
            errors=exc.errors,
            form="upload",
            status_code=422,
        )
    flash(
        request,
        N_("Saved as version %(version)s of the %(layer)s layer."),
        version=dataset.version,
        layer=i18n.gettext(service.LAYER_NAMES[dataset.kind]),
    )
    return see_other(f"/caremap/territories/{territory_id}#datasets")


def _file_response(content: bytes | str, filename: str, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _media_type(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith((".geojson", ".json")):
        return "application/geo+json"
    return "text/csv; charset=utf-8"


@pages.get("/caremap/datasets/{dataset_id}/file")
def dataset_download(db: SessionDep, dataset_id: DbId) -> Response:
    dataset = service.get_dataset(db, dataset_id)
    content = service.dataset_content(db, dataset)
    safe = "".join(ch for ch in dataset.filename if ch.isalnum() or ch in "._-") or "data"
    name = f"v{dataset.version}-{safe}"
    return _file_response(content, name, _media_type(dataset.filename))


# -- runs -------------------------------------------------------------------------------------


def _steps(text: str) -> list[dict[str, str]]:
    steps: list[dict[str, str]] = []
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        threshold, sep, weight = item.partition(":")
        if not sep:
            raise InvalidInput(
                {
                    "steps": [
                        i18n.gettext(
                            N_("Write step zones as distance:weight pairs, e.g. 300:1, 600:0.68.")
                        )
                    ]
                }
            )
        steps.append({"threshold_m": threshold.strip(), "weight": weight.strip()})
    return steps


def _run_form_data(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ("method", "decay", "sigma_m"):
        value = str(form.get(name) or "").strip()
        if value:
            data[name] = value
    for name in ("catchment_m", "targets_per_1000"):
        per_group = {}
        for group in CareGroup:
            value = str(form.get(f"{name}.{group.value}") or "").strip()
            if value:
                per_group[group.value] = value
        data[name] = per_group
    data["spheres"] = [v for v in form.getlist("spheres") if isinstance(v, str) and v]
    data["steps"] = _steps(str(form.get("steps") or ""))
    for kind in DatasetKind:
        value = str(form.get(f"{kind.value}_dataset_id") or "").strip()
        if value:
            data[f"{kind.value}_dataset_id"] = value
    return data


def _validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc


@pages.post("/caremap/territories/{territory_id}/runs", response_class=HTMLResponse)
def run_create(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, territory_id: DbId
) -> Response:
    territory = service.get_territory(db, territory_id)
    try:
        data = _validate(RunCreate, _run_form_data(form))
        run = service.create_run(db, actor=user, territory=territory, data=data)
    except InvalidInput as exc:
        values = form_values(form)
        values["spheres"] = form.getlist("spheres")
        return _territory_detail(
            request,
            db,
            user,
            territory_id,
            values=values,
            errors=exc.errors,
            form="run",
            status_code=422,
        )
    flash(request, N_("The engine ran in %(ms)s ms; its result is stored."), ms=run.compute_ms)
    return see_other(f"/caremap/runs/{run.id}")


def _run_context(db: SessionDep, run: CareRun) -> dict[str, Any]:
    territory = service.get_territory(db, run.territory_id)
    datasets = [
        service.get_dataset(db, i)
        for i in (run.units_dataset_id, run.demand_dataset_id, run.supply_dataset_id)
    ]
    return {"run": run, "territory": territory, "datasets": datasets}


@pages.get("/caremap/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, db: SessionDep, user: OptionalUser, run_id: DbId) -> HTMLResponse:
    run = service.get_run(db, run_id)
    pins = service.pins_of_run(db, run_id)
    sessions = service.session_choices(db) if (pins or can_manage_content(user)) else []
    return render(
        request,
        "caremap/run.html",
        _ctx(
            **_run_context(db, run),
            pins=pins,
            session_titles={s.id: s for s in sessions},
            sessions=_session_options(sessions) if can_manage_content(user) else [],
            group_options=i18n.label_choices(GROUP_LABELS),
            metric_options=i18n.label_choices(METRIC_LABELS),
            groups=list(CareGroup),
            metrics=list(PinMetric),
        ),
    )


def _session_options(sessions: Any) -> list[tuple[str, str]]:
    return [
        (str(s.id), f"{i18n.localized(s.title)[0]} — {i18n.format_date(s.starts_at, 'medium')}")
        for s in sessions
    ]


def _panel_context(
    db: SessionDep, run_id: int, care_group: CareGroup, metric: PinMetric, level: str | None
) -> dict[str, Any]:
    data = service.panel_data(db, run_id, care_group=care_group, metric=metric, level=level)
    pid = f"panel-{run_id}-{care_group.value}-{metric.value}"
    query = {"care_group": care_group.value}
    return _ctx(
        panel=data,
        pid=pid,
        svg=map_svg(data.units, data.rows, metric=metric, group=care_group, svg_id=f"{pid}-map"),
        panel_url=service.panel_url(run_id, care_group.value, metric.value),
        units_csv_url=f"/caremap/runs/{run_id}/units.csv?{urlencode(query)}",
        geojson_url=f"/caremap/runs/{run_id}/map.geojson?{urlencode(query)}",
        points_csv_url=f"/caremap/runs/{run_id}/points.csv",
    )


@pages.get("/caremap/runs/{run_id}/panel", response_class=HTMLResponse)
def panel_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    run_id: DbId,
    care_group: CareGroup = CareGroup.children_0_5,
    metric: PinMetric = PinMetric.gap,
    level: Annotated[str | None, Query(max_length=100)] = None,
    hl: Annotated[int, Query(ge=1, le=4)] = 3,
) -> HTMLResponse:
    """The evidence panel: a fragment for htmx (headings from level `hl`), else a full page."""
    ctx = _panel_context(db, run_id, care_group, metric, level)
    partial = is_htmx_partial(request)
    return render(
        request,
        "caremap/panel.html",
        {**ctx, "hl": hl if partial else 1},
        partial="caremap/_panel.html",
    )


def _group_param(care_group: CareGroup | None) -> str:
    return f"-{care_group.value}" if care_group else ""


@pages.get("/caremap/runs/{run_id}/units.csv")
def run_units_csv(db: SessionDep, run_id: DbId, care_group: CareGroup | None = None) -> Response:
    run = service.get_run(db, run_id)
    text = service.run_units_csv(db, run, care_group=care_group)
    return _file_response(
        text, f"run-{run_id}{_group_param(care_group)}-units.csv", "text/csv; charset=utf-8"
    )


@pages.get("/caremap/runs/{run_id}/points.csv")
def run_points_csv(db: SessionDep, run_id: DbId) -> Response:
    run = service.get_run(db, run_id)
    return _file_response(
        service.run_points_csv(db, run), f"run-{run_id}-points.csv", "text/csv; charset=utf-8"
    )


@pages.get("/caremap/runs/{run_id}/facilities.csv")
def run_facilities_csv(db: SessionDep, run_id: DbId) -> Response:
    run = service.get_run(db, run_id)
    return _file_response(
        service.run_facilities_csv(db, run),
        f"run-{run_id}-facilities.csv",
        "text/csv; charset=utf-8",
    )


@pages.get("/caremap/runs/{run_id}/map.geojson")
def run_geojson(db: SessionDep, run_id: DbId, care_group: CareGroup | None = None) -> Response:
    run = service.get_run(db, run_id)
    doc = service.run_geojson(db, run, care_group=care_group)
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    return _file_response(
        text, f"run-{run_id}{_group_param(care_group)}.geojson", "application/geo+json"
    )


# -- the map page (recomputed on demand) ------------------------------------------------------


class MapFilters(BaseModel):
    care_group: CareGroup = CareGroup.children_0_5
    sphere: Sphere | None = None
    method: Method = Method.e2sfca
    catchment_m: float = Field(default=1000.0, gt=0, le=MAX_CATCHMENT_M)
    metric: PinMetric = PinMetric.gap
    level: str | None = Field(default=None, max_length=100)

    def run_params(self) -> RunParams:
        catchment = dict.fromkeys((g.value for g in CareGroup), self.catchment_m)
        return RunParams.model_validate(
            {
                "method": self.method,
                "catchment_m": catchment,
                "spheres": [self.sphere] if self.sphere else list(Sphere),
            }
        )


def _map_filters(request: Request) -> tuple[MapFilters, dict[str, list[str]] | None]:
    raw = {
        k: v for k, v in request.query_params.items() if v.strip() and k in MapFilters.model_fields
    }
    try:
        return MapFilters.model_validate(raw), None
    except ValidationError as exc:
        return MapFilters(), errors_by_field(exc.errors())


@pages.get("/caremap/territories/{territory_id}/map", response_class=HTMLResponse)
def map_page(
    request: Request, db: SessionDep, user: OptionalUser, territory_id: DbId
) -> HTMLResponse:
    territory = service.get_territory(db, territory_id)
    filters, errors = _map_filters(request)
    ctx: dict[str, Any] = _ctx(
        territory=territory,
        filters=filters,
        errors=errors,
        methods=i18n.label_choices(METHOD_LABELS),
        groups=i18n.label_choices(GROUP_LABELS),
        spheres=i18n.label_choices(SPHERE_LABELS),
        metrics=i18n.label_choices(METRIC_LABELS),
        data=None,
        missing=None,
    )
    try:
        data = service.map_data(
            db,
            territory,
            care_group=filters.care_group,
            params=filters.run_params(),
            level=filters.level,
        )
    except InvalidInput as exc:
        ctx["missing"] = [m for messages in exc.errors.values() for m in messages]
    else:
        pid = f"map-{territory_id}"
        ctx.update(
            data=data,
            pid=pid,
            level_options=[(level, level) for level in data.levels],
            svg=map_svg(
                data.units,
                data.rows,
                metric=filters.metric,
                group=filters.care_group,
                svg_id=f"{pid}-svg",
            ),
        )
    return render(
        request,
        "caremap/map.html",
        ctx,
        # htmx swaps only successful answers: the fragment with its error summary is a 200.
        status_code=422 if errors and not is_htmx_partial(request) else 200,
        partial="caremap/_map_result.html",
    )


# -- crowd-mapping ----------------------------------------------------------------------------


def _report_form(
    request: Request,
    db: SessionDep,
    territory_id: int,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
    status_code: int = 200,
) -> HTMLResponse:
    territory = service.get_territory(db, territory_id)
    return render(
        request,
        "caremap/report_form.html",
        _ctx(
            territory=territory,
            values=values,
            errors=errors,
            kinds=i18n.label_choices(CROWD_KIND_LABELS),
            groups=i18n.label_choices(GROUP_LABELS),
            spheres=i18n.label_choices(SPHERE_LABELS),
        ),
        status_code=status_code,
    )


@pages.get("/caremap/territories/{territory_id}/reports/new", response_class=HTMLResponse)
def report_new(
    request: Request, db: SessionDep, user: CurrentUser, territory_id: DbId
) -> HTMLResponse:
    return _report_form(request, db, territory_id, {"kind": CrowdKind.facility.value}, None)


@pages.post("/caremap/territories/{territory_id}/reports", response_class=HTMLResponse)
def report_create(
    request: Request, db: SessionDep, user: CurrentUser, form: FormDep, territory_id: DbId
) -> Response:
    territory = service.get_territory(db, territory_id)
    try:
        data = parse_form(CrowdReportCreate, form)
        service.propose(db, actor=user, territory=territory, data=data)
    except InvalidInput as exc:
        return _report_form(request, db, territory_id, form_values(form), exc.errors, 422)
    flash(request, N_("Thank you. The secretariat will verify your report."))
    return see_other(f"/caremap/territories/{territory_id}#reports")


@pages.post("/caremap/reports/{report_id}/verify")
def report_verify(request: Request, db: SessionDep, user: StaffUser, report_id: DbId) -> Response:
    report = service.get_report(db, report_id)
    try:
        dataset = service.verify(db, actor=user, report=report)
    except (Conflict, InvalidInput) as exc:
        flash(request, exc.message, **exc.params)
    else:
        flash(
            request,
            N_("Verified: version %(version)s of the %(layer)s layer includes it."),
            version=dataset.version,
            layer=i18n.gettext(service.LAYER_NAMES[dataset.kind]),
        )
    return see_other(f"/caremap/territories/{report.territory_id}#reports")


@pages.post("/caremap/reports/{report_id}/reject", response_class=HTMLResponse)
def report_reject(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, report_id: DbId
) -> Response:
    report = service.get_report(db, report_id)
    try:
        data = parse_form(CrowdReject, form)
        service.reject(db, actor=user, report=report, data=data)
    except InvalidInput as exc:
        return _territory_detail(
            request,
            db,
            user,
            report.territory_id,
            values=form_values(form),
            errors=exc.errors,
            form=f"reject-{report_id}",
            status_code=422,
        )
    except Conflict as exc:
        flash(request, exc.message, **exc.params)
    else:
        flash(request, N_("Rejected. The reason is shown to the person who reported it."))
    return see_other(f"/caremap/territories/{report.territory_id}#reports")


# -- evidence pins ----------------------------------------------------------------------------


def _pin_form(
    request: Request,
    db: SessionDep,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
    status_code: int = 200,
) -> HTMLResponse:
    runs = [
        (
            str(run.id),
            i18n.gettext(
                N_("Run %(id)s — %(territory)s — %(date)s"),
                id=run.id,
                territory=i18n.localized(territory.name)[0],
                date=i18n.format_date(run.created_at, "medium"),
            ),
        )
        for run, territory in service.pin_choices(db)
    ]
    sessions = _session_options(service.session_choices(db))
    return render(
        request,
        "caremap/pin_form.html",
        _ctx(
            values=values,
            errors=errors,
            runs=runs,
            sessions=sessions,
            groups=i18n.label_choices(GROUP_LABELS),
            metrics=i18n.label_choices(METRIC_LABELS),
            targets=i18n.label_choices(TARGET_LABELS),
        ),
        status_code=status_code,
    )


@pages.get("/caremap/pins/new", response_class=HTMLResponse)
def pin_new(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    target_kind: PinTargetKind = PinTargetKind.session,
    target_id: DbId | None = None,
    run_id: DbId | None = None,
    next: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    values = {
        "target_kind": target_kind.value,
        "target_id": target_id,
        "run_id": run_id,
        "metric": PinMetric.gap.value,
        "next": safe_next(next) if next else "",
    }
    return _pin_form(request, db, values, None)


def _after_pin(form: FormData, data: PinCreate | EvidencePin) -> str:
    asked = str(form.get("next") or "")
    if asked:
        return safe_next(asked)
    if data.target_kind == PinTargetKind.session:
        return f"/sessions/{data.target_id}#evidence"
    return f"/caremap/runs/{data.run_id}#pins"


@pages.post("/caremap/pins", response_class=HTMLResponse)
def pin_create(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    try:
        data = parse_form(PinCreate, form)
        service.create_pin(db, actor=user, data=data)
    except InvalidInput as exc:
        return _pin_form(request, db, form_values(form), exc.errors, 422)
    except Conflict as exc:
        errors = {"__all__": [i18n.gettext(exc.message, **exc.params)]}
        return _pin_form(request, db, form_values(form), errors, 409)
    flash(request, N_("Pinned."))
    return see_other(_after_pin(form, data))


@pages.post("/caremap/pins/{pin_id}/delete")
def pin_delete(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, pin_id: DbId
) -> Response:
    pin = service.get_pin(db, pin_id)
    target = _after_pin(form, pin)
    service.delete_pin(db, actor=user, pin=pin)
    flash(request, N_("Unpinned."))
    return see_other(target)


# -- JSON ------------------------------------------------------------------------------------


def _dataset_public(ds: CareDataset) -> DatasetPublic:
    return DatasetPublic.model_validate(
        ds, update={"download_url": f"/caremap/datasets/{ds.id}/file"}
    )


def _pin_public(pin: EvidencePin) -> PinPublic:
    return PinPublic.model_validate(
        pin,
        update={"panel_url": service.panel_url(pin.run_id, pin.care_group, pin.metric)},
    )


def _report_public(report: CrowdReport) -> CrowdReportPublic:
    return CrowdReportPublic.model_validate(report)


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
    return [_dataset_public(ds) for ds in service.datasets_of(db, territory_id, kind)]


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
    meta = _validate(
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
    return _dataset_public(dataset)


@api.get("/caremap/datasets/{dataset_id}", response_model=DatasetPublic)
def api_dataset(db: SessionDep, dataset_id: DbId) -> Any:
    return _dataset_public(service.get_dataset(db, dataset_id))


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


@api.get("/caremap/territories/{territory_id}/map", response_model=MapResultPublic)
def api_map(
    db: SessionDep,
    territory_id: DbId,
    filters: Annotated[MapFilters, Query()],
) -> Any:
    """The map recomputed on demand with these filters (nothing is stored)."""
    territory = service.get_territory(db, territory_id)
    params = filters.run_params()
    data = service.map_data(
        db, territory, care_group=filters.care_group, params=params, level=filters.level
    )
    return MapResultPublic(
        territory_id=territory_id,
        care_group=filters.care_group,
        params=params.stored(),
        params_hash=data.result.params_hash,
        compute_ms=data.compute_ms,
        units=[UnitResultPublic.model_validate(r) for r in data.rows],
    )


@api.get("/caremap/pins", response_model=Page[PinPublic])
def api_pins(
    db: SessionDep,
    target_kind: PinTargetKind | None = None,
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
    return Page(items=[_pin_public(p) for p in items], next_cursor=next_cursor)


@api.post("/caremap/pins", response_model=PinPublic, status_code=201)
def api_pin_create(db: SessionDep, user: StaffUser, data: PinCreate) -> Any:
    return _pin_public(service.create_pin(db, actor=user, data=data))


@api.delete("/caremap/pins/{pin_id}", status_code=204)
def api_pin_delete(db: SessionDep, user: StaffUser, pin_id: DbId) -> Response:
    service.delete_pin(db, actor=user, pin=service.get_pin(db, pin_id))
    return Response(status_code=204)


@api.get("/caremap/territories/{territory_id}/reports", response_model=list[CrowdReportPublic])
def api_reports(
    db: SessionDep, user: CurrentUser, territory_id: DbId, status: CrowdStatus | None = None
) -> Any:
    """Staff see every report; a participant sees their own."""
    service.get_territory(db, territory_id)
    reports = service.reports_of(
        db, territory_id, viewer=user, staff=can_manage_content(user), status=status
    )
    return [_report_public(r) for r in reports]


@api.post(
    "/caremap/territories/{territory_id}/reports",
    response_model=CrowdReportPublic,
    status_code=201,
)
def api_report_create(
    db: SessionDep, user: CurrentUser, territory_id: DbId, data: CrowdReportCreate
) -> Any:
    territory = service.get_territory(db, territory_id)
    return _report_public(service.propose(db, actor=user, territory=territory, data=data))


@api.post("/caremap/reports/{report_id}/verify", response_model=CrowdReportPublic)
def api_report_verify(db: SessionDep, user: StaffUser, report_id: DbId) -> Any:
    report = service.get_report(db, report_id)
    service.verify(db, actor=user, report=report)
    return _report_public(report)


@api.post("/caremap/reports/{report_id}/reject", response_model=CrowdReportPublic)
def api_report_reject(db: SessionDep, user: StaffUser, report_id: DbId, data: CrowdReject) -> Any:
    report = service.get_report(db, report_id)
    return _report_public(service.reject(db, actor=user, report=report, data=data))
