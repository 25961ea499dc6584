"""Evidence-pin pages: pin a stored run's panel beside a registered target, or unpin it."""

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app import i18n
from app.db import SessionDep
from app.deps import Pinner, RemovablePin
from app.i18n import N_
from app.models.caremap import GROUP_LABELS, METRIC_LABELS, EvidencePin, PinCreate, PinMetric
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import pages_router
from app.routers.caremap.views import ctx, translated
from app.routers.forms import FormDep, back_to, form_action, form_values, parse_form, see_other
from app.security import safe_next
from app.services import caremap as service
from app.services import targets
from app.services.errors import NotFound
from app.templating import flash, render

pages = pages_router()


def _pin_form(
    request: Request,
    db: SessionDep,
    user: User,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
) -> HTMLResponse:
    return render(
        request,
        "caremap/pin_form.html",
        ctx(
            values=values,
            errors=errors,
            runs=translated(service.run_choices(db)),
            sessions=service.session_options(db, viewer=user),
            groups=i18n.label_choices(GROUP_LABELS),
            metrics=i18n.label_choices(METRIC_LABELS),
            targets=translated(service.target_choices()),
        ),
    )


@pages.get("/caremap/pins/new", response_class=HTMLResponse)
def pin_new(
    request: Request,
    db: SessionDep,
    user: Pinner,
    target_kind: Annotated[str, Query(max_length=20)] = "session",
    target_id: DbId | None = None,
    run_id: DbId | None = None,
    next: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    values = {
        "target_kind": targets.kind_of(target_kind).kind,
        "target_id": target_id,
        "run_id": run_id,
        "metric": PinMetric.gap.value,
        "next": safe_next(next) if next else "",
    }
    return _pin_form(request, db, user, values, None)


def _after(db: SessionDep, user: User, form: FormData, pin: EvidencePin) -> str:
    return back_to(form, service.after_pin_url(db, pin, viewer=user))


@pages.post("/caremap/pins", response_class=HTMLResponse)
def pin_create(request: Request, db: SessionDep, user: Pinner, form: FormDep) -> Response:
    def again(values: dict[str, Any], errors: dict[str, list[str]]) -> HTMLResponse:
        return _pin_form(request, db, user, values, errors)

    try:
        return form_action(
            request,
            form,
            lambda: service.create_pin(db, actor=user, data=parse_form(PinCreate, form)),
            done=lambda pin: _after(db, user, form, pin),
            again=again,
            saved=N_("Pinned."),
            conflicts=True,
        )
    except NotFound:
        # No such record to pin to, or not one this person may see: the form again, saying so.
        nothing = {"target_id": [N_("There is nothing with this number to pin to.")]}
        response = again(form_values(form), nothing)
        response.status_code = 404
        return response


@pages.post("/caremap/pins/{pin_id}/delete")
def pin_delete(
    request: Request, db: SessionDep, user: Pinner, pin: RemovablePin, form: FormDep
) -> Response:
    target = _after(db, user, form, pin)
    service.delete_pin(db, actor=user, pin=pin)
    flash(request, N_("Unpinned."))
    return see_other(target)
