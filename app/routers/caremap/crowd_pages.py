"""Crowd-mapping pages: a participant reports a care facility or an unmet need; the secretariat
verifies or rejects it from the territory's page."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app import i18n
from app.db import SessionDep
from app.deps import CrowdReviewer, CurrentUser, Participant, ReviewableCrowdReport
from app.i18n import N_, Message
from app.models.caremap import (
    CROWD_KIND_LABELS,
    GROUP_LABELS,
    LAYER_NAMES,
    SPHERE_LABELS,
    CareGroup,
    CrowdKind,
    CrowdReject,
    CrowdReportCreate,
)
from app.models.types import DbId
from app.routers.apiutil import pages_router
from app.routers.caremap import views
from app.routers.caremap.territory_pages import territory_detail
from app.routers.caremap.views import ctx
from app.routers.forms import FormDep, form_action, parse_form, see_other
from app.services import caremap as service
from app.services.errors import Conflict, InvalidInput
from app.templating import flash, render

pages = pages_router()


def _report_form(
    request: Request,
    db: SessionDep,
    territory_id: int,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
) -> HTMLResponse:
    territory = service.get_territory(db, territory_id)
    units = service.territory_units(db, territory_id)
    picker = views.picker_svg(units, svg_id="report-map") if units is not None else None
    return render(
        request,
        "caremap/report_form.html",
        ctx(
            territory=territory,
            picker=picker,
            values=values,
            errors=errors,
            kinds=i18n.label_choices(CROWD_KIND_LABELS),
            groups=i18n.label_choices(GROUP_LABELS),
            spheres=i18n.label_choices(SPHERE_LABELS),
        ),
    )


@pages.get("/caremap/territories/{territory_id}/reports/new", response_class=HTMLResponse)
def report_new(
    request: Request, db: SessionDep, user: Participant, territory_id: DbId
) -> HTMLResponse:
    # A need is what most people have to report (a missing crèche), and needs no sphere: the
    # form as it first comes can be sent once a point is chosen.
    defaults = {"kind": CrowdKind.need.value, "care_group": CareGroup.children_0_5.value}
    return _report_form(request, db, territory_id, defaults, None)


@pages.get("/caremap/territories/{territory_id}/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, db: SessionDep, user: CurrentUser, territory_id: DbId
) -> HTMLResponse:
    """The territory's crowd reports with their state: every report for the secretariat, else
    the reader's own."""
    territory = service.get_territory(db, territory_id)
    reports = service.reports_of(db, territory_id, viewer=user)
    return render(
        request,
        "caremap/reports.html",
        ctx(
            territory=territory,
            reports=reports,
            review_actions={r.id: service.review_actions(user, r) for r in reports},
            history=service.events_of(db, [r.id for r in reports if r.id is not None]),
            values={},
            errors=None,
            open_form=None,
        ),
    )


@pages.post("/caremap/territories/{territory_id}/reports", response_class=HTMLResponse)
def report_create(
    request: Request, db: SessionDep, user: Participant, form: FormDep, territory_id: DbId
) -> Response:
    territory = service.get_territory(db, territory_id)
    return form_action(
        request,
        form,
        lambda: service.propose(
            db, actor=user, territory=territory, data=parse_form(CrowdReportCreate, form)
        ),
        done=f"/caremap/territories/{territory_id}#reports",
        again=lambda values, errors: _report_form(request, db, territory_id, values, errors),
        saved=N_("Thank you. The secretariat will verify your report."),
    )


@pages.post("/caremap/reports/{report_id}/verify")
def report_verify(
    request: Request, db: SessionDep, user: CrowdReviewer, report: ReviewableCrowdReport
) -> Response:
    back = f"/caremap/territories/{report.territory_id}#reports"
    try:
        dataset = service.verify(db, actor=user, report=report)
    except (Conflict, InvalidInput) as exc:
        flash(request, exc.message, **exc.params)
    else:
        flash(
            request,
            N_("Verified: version %(version)s of the %(layer)s layer includes it."),
            version=dataset.version,
            layer=Message(LAYER_NAMES[dataset.kind]),
        )
    return see_other(back)


@pages.post("/caremap/reports/{report_id}/reject", response_class=HTMLResponse)
def report_reject(
    request: Request,
    db: SessionDep,
    user: CrowdReviewer,
    report: ReviewableCrowdReport,
    form: FormDep,
) -> Response:
    back = f"/caremap/territories/{report.territory_id}#reports"
    try:
        return form_action(
            request,
            form,
            lambda: service.reject(
                db, actor=user, report=report, data=parse_form(CrowdReject, form)
            ),
            done=back,
            again=lambda values, errors: territory_detail(
                request,
                db,
                user,
                report.territory_id,
                values=values,
                errors=errors,
                form=f"reject-{report.id}",
            ),
            saved=N_("Rejected. The reason is shown to the person who reported it."),
        )
    except Conflict as exc:  # reviewed meanwhile: say so on the territory's page
        flash(request, exc.message, **exc.params)
        return see_other(back)
