"""Care-map pages: territories and their datasets, stored runs and their downloads, evidence
panels, and the map page recomputed on demand."""

import json
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app import i18n
from app.db import SessionDep
from app.deps import OptionalUser, StaffUser
from app.i18n import N_, Message
from app.models.caremap import (
    DECAY_LABELS,
    GROUP_LABELS,
    LAYER_LABELS,
    LAYER_NAMES,
    MAX_FILE_BYTES,
    METHOD_LABELS,
    METRIC_LABELS,
    SPHERE_LABELS,
    CareDataset,
    CareGroup,
    CareRun,
    DatasetKind,
    DatasetMeta,
    PinMetric,
    RunCreate,
    TerritoryCreate,
)
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import pages_router
from app.routers.caremap import views
from app.routers.caremap.views import ctx, file_response
from app.routers.forms import FormDep, form_action, parse_form
from app.security import client_ip
from app.services import caremap as service
from app.services.errors import InvalidInput
from app.templating import is_htmx_partial, render
from app.web import fragments

pages = pages_router()


# -- territories ------------------------------------------------------------------------------


def _territories(
    request: Request, db: SessionDep, values: dict[str, Any], errors: dict[str, list[str]] | None
) -> HTMLResponse:
    territories = service.all_territories(db)
    return render(
        request,
        "caremap/list.html",
        ctx(territories=territories, values=values, errors=errors),
    )


@pages.get("/caremap", response_class=HTMLResponse)
def territories_page(request: Request, db: SessionDep, user: OptionalUser) -> HTMLResponse:
    return _territories(request, db, {}, None)


@pages.post("/caremap/territories", response_class=HTMLResponse)
def territory_create(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    return form_action(
        request,
        form,
        lambda: service.create_territory(db, actor=user, data=parse_form(TerritoryCreate, form)),
        done=lambda territory: f"/caremap/territories/{territory.id}",
        again=lambda values, errors: _territories(request, db, values, errors),
    )


def territory_detail(
    request: Request,
    db: SessionDep,
    user: User | None,
    territory_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    form: str | None = None,
) -> HTMLResponse:
    """The territory's page; a form that failed is shown open, with what was typed."""
    territory = service.get_territory(db, territory_id)
    datasets = list(service.datasets_of(db, territory_id))
    reports = service.reports_of(db, territory_id, viewer=user) if user is not None else []
    report_ids = [r.id for r in reports if r.id is not None]
    latest = service.latest_datasets(db, territory_id)
    return render(
        request,
        "caremap/territory.html",
        ctx(
            territory=territory,
            datasets=datasets,
            latest=latest,
            ready=len(latest) == len(DatasetKind),
            runs=service.runs_of(db, territory_id),
            reports=reports,
            review_actions={r.id: service.review_actions(user, r) for r in reports},
            history=service.events_of(db, report_ids),
            values=values or {},
            run_values=(values if form == "run" else None) or views.RUN_DEFAULTS,
            errors=errors,
            open_form=form,
            kinds=i18n.label_choices(LAYER_LABELS),
            methods=i18n.label_choices(METHOD_LABELS),
            decays=i18n.label_choices(DECAY_LABELS),
            groups=list(CareGroup),
            spheres=i18n.label_choices(SPHERE_LABELS),
            dataset_choices={
                kind: views.translated(options)
                for kind, options in service.dataset_choices(datasets).items()
            },
            max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
        ),
    )


@pages.get("/caremap/territories/{territory_id}", response_class=HTMLResponse)
def territory_page(
    request: Request, db: SessionDep, user: OptionalUser, territory_id: DbId
) -> HTMLResponse:
    return territory_detail(request, db, user, territory_id)


def _territory_form(
    request: Request, territory: Any, values: dict[str, Any], errors: dict[str, list[str]] | None
) -> HTMLResponse:
    return render(
        request,
        "caremap/territory_form.html",
        ctx(territory=territory, values=values, errors=errors),
    )


@pages.get("/caremap/territories/{territory_id}/edit", response_class=HTMLResponse)
def territory_edit(
    request: Request, db: SessionDep, user: StaffUser, territory_id: DbId
) -> HTMLResponse:
    territory = service.get_territory(db, territory_id)
    return _territory_form(request, territory, territory.model_dump(), None)


@pages.post("/caremap/territories/{territory_id}/edit", response_class=HTMLResponse)
def territory_update(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, territory_id: DbId
) -> Response:
    territory = service.get_territory(db, territory_id)
    return form_action(
        request,
        form,
        lambda: service.update_territory(
            db, actor=user, territory=territory, data=parse_form(TerritoryCreate, form)
        ),
        done=f"/caremap/territories/{territory_id}",
        again=lambda values, errors: _territory_form(request, territory, values, errors),
    )


# -- datasets ---------------------------------------------------------------------------------


@pages.post("/caremap/territories/{territory_id}/datasets", response_class=HTMLResponse)
def dataset_upload(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, territory_id: DbId
) -> Response:
    territory = service.get_territory(db, territory_id)

    def upload() -> CareDataset:
        meta = parse_form(DatasetMeta, form)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput({"file": [N_("Choose a file to upload.")]})
        return service.add_dataset(
            db,
            actor=user,
            territory=territory,
            meta=meta,
            filename=upload.filename,
            content=upload.file.read(MAX_FILE_BYTES + 1),
        )

    return form_action(
        request,
        form,
        upload,
        done=lambda dataset: views.flashed(
            request,
            f"/caremap/territories/{territory_id}#datasets",
            N_("Saved as version %(version)s of the %(layer)s layer."),
            version=dataset.version,
            layer=Message(LAYER_NAMES[dataset.kind]),
        ),
        again=lambda values, errors: territory_detail(
            request,
            db,
            user,
            territory_id,
            values={k: v for k, v in values.items() if k != "file"},
            errors=errors,
            form="upload",
        ),
        saved=None,
    )


@pages.get("/caremap/datasets/{dataset_id}/file")
def dataset_download(db: SessionDep, dataset_id: DbId) -> Response:
    dataset = service.get_dataset(db, dataset_id)
    return file_response(
        service.dataset_content(db, dataset),
        service.download_name(dataset),
        service.media_type(dataset.filename),
    )


# -- runs -------------------------------------------------------------------------------------


@pages.post("/caremap/territories/{territory_id}/runs", response_class=HTMLResponse)
def run_create(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, territory_id: DbId
) -> Response:
    territory = service.get_territory(db, territory_id)

    def run() -> CareRun:
        data = views.validate(RunCreate, views.run_form_data(form))
        return service.create_run(db, actor=user, territory=territory, data=data)

    return form_action(
        request,
        form,
        run,
        done=lambda stored: views.flashed(
            request,
            f"/caremap/runs/{stored.id}",
            N_("The engine ran in %(ms)s ms; its result is stored."),
            ms=stored.compute_ms,
        ),
        again=lambda values, errors: territory_detail(
            request,
            db,
            user,
            territory_id,
            values={**values, "spheres": form.getlist("spheres")},
            errors=errors,
            form="run",
        ),
        saved=None,
    )


@pages.get("/caremap/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, db: SessionDep, user: OptionalUser, run_id: DbId) -> HTMLResponse:
    run = service.get_run(db, run_id)
    return render(
        request,
        "caremap/run.html",
        ctx(
            run=run,
            territory=service.get_territory(db, run.territory_id),
            datasets=service.run_datasets(db, run),
            pins=service.pins_of_run(db, run_id, viewer=user),
            sessions=service.session_options(db, viewer=user),
            group_options=i18n.label_choices(GROUP_LABELS),
            metric_options=i18n.label_choices(METRIC_LABELS),
            groups=list(CareGroup),
            metrics=list(PinMetric),
        ),
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
    """The evidence panel: a fragment for htmx (headings from level `hl`), else a full page.
    Logged in: the copy every reader of the same role shares (web/fragments.py)."""

    def build(_reader: Any) -> HTMLResponse:
        data = service.panel_data(db, run_id, care_group=care_group, metric=metric, level=level)
        figure = views.map_figure(
            data.units, data.rows, metric=metric, group=care_group, pid=data.pid
        )
        partial = is_htmx_partial(request)
        return render(
            request,
            "caremap/panel.html",
            ctx(panel=data, pid=data.pid, figure=figure, hl=hl if partial else 1, **data.links),
            partial="caremap/_panel.html",
        )

    return fragments.page(request, db, user, build)


def _group_param(care_group: CareGroup | None) -> str:
    return f"-{care_group.value}" if care_group else ""


CSV = "text/csv; charset=utf-8"


@pages.get("/caremap/runs/{run_id}/units.csv")
def run_units_csv(db: SessionDep, run_id: DbId, care_group: CareGroup | None = None) -> Response:
    run = service.get_run(db, run_id)
    text = service.run_units_csv(db, run, care_group=care_group)
    return file_response(text, f"run-{run_id}{_group_param(care_group)}-units.csv", CSV)


@pages.get("/caremap/runs/{run_id}/points.csv")
def run_points_csv(db: SessionDep, run_id: DbId) -> Response:
    run = service.get_run(db, run_id)
    return file_response(service.run_points_csv(db, run), f"run-{run_id}-points.csv", CSV)


@pages.get("/caremap/runs/{run_id}/facilities.csv")
def run_facilities_csv(db: SessionDep, run_id: DbId) -> Response:
    run = service.get_run(db, run_id)
    return file_response(service.run_facilities_csv(db, run), f"run-{run_id}-facilities.csv", CSV)


@pages.get("/caremap/runs/{run_id}/map.geojson")
def run_geojson(db: SessionDep, run_id: DbId, care_group: CareGroup | None = None) -> Response:
    run = service.get_run(db, run_id)
    doc = service.run_geojson(db, run, care_group=care_group)
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    name = f"run-{run_id}{_group_param(care_group)}.geojson"
    return file_response(text, name, "application/geo+json")


# -- the map page (recomputed on demand) ------------------------------------------------------


@pages.get("/caremap/territories/{territory_id}/map", response_class=HTMLResponse)
def map_page(
    request: Request, db: SessionDep, user: OptionalUser, territory_id: DbId
) -> HTMLResponse:
    territory = service.get_territory(db, territory_id)
    filters, errors = views.map_filters(request)
    values: dict[str, Any] = ctx(
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
            viewer=user,
            ip=client_ip(request),
        )
    except InvalidInput as exc:
        values["missing"] = [i18n.translate(m) for ms in exc.errors.values() for m in ms]
    else:
        pid = f"map-{territory_id}"
        figure = views.map_figure(
            data.units, data.rows, metric=filters.metric, group=filters.care_group, pid=pid
        )
        values.update(
            data=data,
            pid=pid,
            level_options=[(lvl, views.level_name(lvl)) for lvl in data.levels],
            figure=figure,
        )
    return render(
        request,
        "caremap/map.html",
        values,
        # htmx swaps only successful answers: the fragment with its error summary is a 200.
        status_code=422 if errors and not is_htmx_partial(request) else 200,
        partial="caremap/_map_result.html",
    )
