"""Evidence-pin pages: pin a stored run's panel beside a registered target, or unpin it."""

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app import i18n
from app.db import SessionDep
from app.deps import OptionalUser, Pinner, RemovablePin
from app.i18n import N_
from app.models.caremap import GROUP_LABELS, METRIC_LABELS, EvidencePin, PinCreate, PinMetric
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import pages_router
from app.routers.caremap.views import ctx, translated
from app.routers.forms import FormDep, back_to, form_action, form_values, parse_form, see_other
from app.security import safe_next
from app.services import caremap as service
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
            groups=i18n.label_choices(GROUP_LABELS),
            metrics=i18n.label_choices(METRIC_LABELS),
            target_groups=service.target_groups(db, viewer=user),
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
        "target": service.target_value(target_kind, target_id) if target_id else "",
        "run_id": run_id,
        "metric": PinMetric.gap.value,
        "next": safe_next(next) if next else "",
    }
    return _pin_form(request, db, user, values, None)


def _after(db: SessionDep, user: User, form: FormData, pin: EvidencePin) -> str:
    return back_to(form, service.after_pin_url(db, pin, viewer=user))


def _on_target(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The form has one choice for what to pin to: the kind's and the number's errors are its."""
    out = {k: v for k, v in errors.items() if k not in ("target_kind", "target_id")}
    if "target_kind" in errors or "target_id" in errors:
        out["target"] = [CHOOSE_TARGET]
    return out


CHOOSE_TARGET = N_("Choose a session or a contribution from the list.")


@pages.post("/caremap/pins", response_class=HTMLResponse)
def pin_create(request: Request, db: SessionDep, user: Pinner, form: FormDep) -> Response:
    def again(values: dict[str, Any], errors: dict[str, list[str]]) -> HTMLResponse:
        return _pin_form(request, db, user, values, _on_target(errors))

    # The pin form sends one "kind:id" choice; the run page's short form sends both fields.
    chosen = service.split_target(str(form.get("target") or ""))

    try:
        return form_action(
            request,
            form,
            lambda: service.create_pin(db, actor=user, data=parse_form(PinCreate, form, **chosen)),
            done=lambda pin: _after(db, user, form, pin),
            again=again,
            saved=N_("Pinned."),
            conflicts=True,
        )
    except NotFound:
        # Gone meanwhile, or not for this person to see: the form again, saying so on the field.
        gone = {"target": [N_("This is no longer there to pin to; choose another.")]}
        response = again(form_values(form), gone)
        response.status_code = 422
        return response


@pages.get("/caremap/pins", response_class=HTMLResponse)
def pins_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Every pin: which panel sits beside what (the list the API gives, for people)."""
    items, next_cursor = service.pinned_everywhere(db, viewer=user, cursor=cursor)
    return render(request, "caremap/pins.html", ctx(items=items, next_cursor=next_cursor))


@pages.post("/caremap/pins/{pin_id}/delete")
def pin_delete(
    request: Request, db: SessionDep, user: Pinner, pin: RemovablePin, form: FormDep
) -> Response:
    target = _after(db, user, form, pin)
    service.delete_pin(db, actor=user, pin=pin)
    flash(request, N_("Unpinned."))
    return see_other(target)
