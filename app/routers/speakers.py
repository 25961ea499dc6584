"""Speakers and organisations. Contact details are shown to the secretariat only."""

from typing import Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from app import i18n
from app.db import SessionDep
from app.deps import OptionalUser, StaffUser
from app.i18n import N_
from app.models.speakers import (
    ORG_TYPE_LABELS,
    OrganisationCreate,
    OrganisationPublic,
    Speaker,
    SpeakerCreate,
    SpeakerPublic,
    SpeakerStaffView,
)
from app.models.types import DbId
from app.routers.apiutil import Cursor, Limit, Page, api_router, pages_router
from app.routers.forms import FormDep, form_action, parse_form, see_other
from app.services import speakers as service
from app.templating import flash, render

pages = pages_router()
api = api_router("speakers")

Search = Query(default=None, max_length=100, pattern=r"^[^\x00]*$")


# -- speakers (HTML) --------------------------------------------------------------------------


@pages.get("/speakers", response_class=HTMLResponse)
def speakers_page(
    request: Request, db: SessionDep, user: OptionalUser, q: str | None = Search
) -> HTMLResponse:
    # Without JavaScript the search form reloads the page; with htmx it asks for the results
    # list only and swaps it in as the person types.
    return render(
        request,
        "speakers/list.html",
        {"rows": service.speakers_with_orgs(db, q=q), "q": q or "", "nav": "speakers"},
        partial="speakers/_results.html",
    )


def _speaker_form(
    request: Request,
    db: SessionDep,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
    speaker: Speaker | None = None,
) -> HTMLResponse:
    orgs = [(o.id, o.name) for o in service.all_organisations(db)]
    return render(
        request,
        "speakers/form.html",
        {
            "values": values,
            "errors": errors,
            "speaker": speaker,
            "organisations": orgs,
            "countries": i18n.country_choices(),
            "nav": "speakers",
        },
    )


@pages.get("/speakers/new", response_class=HTMLResponse)
def speaker_new(request: Request, db: SessionDep, user: StaffUser) -> HTMLResponse:
    return _speaker_form(request, db, {}, None)


@pages.post("/speakers/new", response_class=HTMLResponse)
def speaker_create(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    return form_action(
        request,
        form,
        lambda: service.create_speaker(db, actor=user, data=parse_form(SpeakerCreate, form)),
        done=lambda speaker: f"/speakers/{speaker.id}",
        again=lambda values, errors: _speaker_form(request, db, values, errors),
    )


@pages.get("/speakers/{speaker_id}", response_class=HTMLResponse)
def speaker_page(
    request: Request, db: SessionDep, user: OptionalUser, speaker_id: DbId
) -> HTMLResponse:
    speaker = service.get_speaker(db, speaker_id)
    org = service.get_organisation(db, speaker.organisation_id) if speaker.organisation_id else None
    return render(
        request,
        "speakers/detail.html",
        {
            "speaker": speaker,
            "organisation": org,
            "sessions": service.sessions_of_speaker(db, speaker_id),
            "caucuses": service.caucuses_of_speaker(db, speaker_id),
            "org_type_labels": ORG_TYPE_LABELS,
            "nav": "speakers",
        },
    )


@pages.get("/speakers/{speaker_id}/edit", response_class=HTMLResponse)
def speaker_edit(request: Request, db: SessionDep, user: StaffUser, speaker_id: DbId) -> Response:
    speaker = service.get_speaker(db, speaker_id)
    return _speaker_form(request, db, speaker.model_dump(), None, speaker)


@pages.post("/speakers/{speaker_id}/edit", response_class=HTMLResponse)
def speaker_update(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, speaker_id: DbId
) -> Response:
    speaker = service.get_speaker(db, speaker_id)
    return form_action(
        request,
        form,
        lambda: service.update_speaker(
            db, actor=user, speaker=speaker, data=parse_form(SpeakerCreate, form)
        ),
        done=f"/speakers/{speaker_id}",
        again=lambda values, errors: _speaker_form(request, db, values, errors, speaker),
    )


@pages.post("/speakers/{speaker_id}/delete")
def speaker_delete(request: Request, db: SessionDep, user: StaffUser, speaker_id: DbId) -> Response:
    service.delete_speaker(db, actor=user, speaker=service.get_speaker(db, speaker_id))
    flash(request, N_("Deleted."))
    return see_other("/speakers")


# -- organisations (HTML) ---------------------------------------------------------------------


@pages.get("/organisations", response_class=HTMLResponse)
def organisations_page(request: Request, db: SessionDep, user: OptionalUser) -> HTMLResponse:
    return render(
        request,
        "speakers/organisations.html",
        {
            "organisations": service.all_organisations(db),
            "org_type_labels": ORG_TYPE_LABELS,
            "nav": "organisations",
        },
    )


def _org_form(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
    org_id: int | None = None,
) -> HTMLResponse:
    return render(
        request,
        "speakers/organisation_form.html",
        {
            "values": values,
            "errors": errors,
            "org_id": org_id,
            "types": i18n.label_choices(ORG_TYPE_LABELS),
            "countries": i18n.country_choices(),
            "nav": "organisations",
        },
    )


@pages.get("/organisations/new", response_class=HTMLResponse)
def organisation_new(request: Request, user: StaffUser) -> HTMLResponse:
    return _org_form(request, {}, None)


@pages.post("/organisations/new", response_class=HTMLResponse)
def organisation_create(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep
) -> Response:
    return form_action(
        request,
        form,
        lambda: service.create_organisation(
            db, actor=user, data=parse_form(OrganisationCreate, form)
        ),
        done=lambda org: f"/organisations/{org.id}",
        again=lambda values, errors: _org_form(request, values, errors),
    )


@pages.get("/organisations/{org_id}", response_class=HTMLResponse)
def organisation_page(
    request: Request, db: SessionDep, user: OptionalUser, org_id: DbId
) -> HTMLResponse:
    org = service.get_organisation(db, org_id)
    return render(
        request,
        "speakers/organisation.html",
        {
            "organisation": org,
            "speakers": service.speakers_of_organisation(db, org_id),
            "org_type_labels": ORG_TYPE_LABELS,
            "nav": "organisations",
        },
    )


@pages.get("/organisations/{org_id}/edit", response_class=HTMLResponse)
def organisation_edit(
    request: Request, db: SessionDep, user: StaffUser, org_id: DbId
) -> HTMLResponse:
    return _org_form(request, service.get_organisation(db, org_id).model_dump(), None, org_id)


@pages.post("/organisations/{org_id}/edit", response_class=HTMLResponse)
def organisation_update(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, org_id: DbId
) -> Response:
    org = service.get_organisation(db, org_id)
    return form_action(
        request,
        form,
        lambda: service.update_organisation(
            db, actor=user, org=org, data=parse_form(OrganisationCreate, form)
        ),
        done=f"/organisations/{org_id}",
        again=lambda values, errors: _org_form(request, values, errors, org_id),
    )


@pages.post("/organisations/{org_id}/delete")
def organisation_delete(
    request: Request, db: SessionDep, user: StaffUser, org_id: DbId
) -> Response:
    service.delete_organisation(db, actor=user, org=service.get_organisation(db, org_id))
    flash(request, N_("Deleted."))
    return see_other("/organisations")


# -- JSON ------------------------------------------------------------------------------------


@api.get("/speakers", response_model=Page[SpeakerStaffView | SpeakerPublic])
def api_speakers(
    db: SessionDep,
    user: OptionalUser,
    q: str | None = Search,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Any:
    items, next_cursor = service.list_speakers(db, q=q, limit=limit, cursor=cursor)
    return Page(
        items=[service.speaker_public(s, viewer=user) for s in items], next_cursor=next_cursor
    )


@api.post("/speakers", response_model=SpeakerStaffView, status_code=201)
def api_speaker_create(db: SessionDep, user: StaffUser, data: SpeakerCreate) -> Any:
    return service.create_speaker(db, actor=user, data=data)


@api.get("/speakers/{speaker_id}", response_model=SpeakerStaffView | SpeakerPublic)
def api_speaker(db: SessionDep, user: OptionalUser, speaker_id: DbId) -> Any:
    return service.speaker_public(service.get_speaker(db, speaker_id), viewer=user)


@api.put("/speakers/{speaker_id}", response_model=SpeakerStaffView)
def api_speaker_update(
    db: SessionDep, user: StaffUser, speaker_id: DbId, data: SpeakerCreate
) -> Any:
    speaker = service.get_speaker(db, speaker_id)
    return service.update_speaker(db, actor=user, speaker=speaker, data=data)


@api.delete("/speakers/{speaker_id}", status_code=204)
def api_speaker_delete(db: SessionDep, user: StaffUser, speaker_id: DbId) -> Response:
    service.delete_speaker(db, actor=user, speaker=service.get_speaker(db, speaker_id))
    return Response(status_code=204)


@api.get("/organisations", response_model=Page[OrganisationPublic], tags=["organisations"])
def api_organisations(
    db: SessionDep, q: str | None = Search, limit: Limit = 20, cursor: Cursor = None
) -> Any:
    items, next_cursor = service.list_organisations(db, q=q, limit=limit, cursor=cursor)
    return Page(items=list(items), next_cursor=next_cursor)


@api.post(
    "/organisations", response_model=OrganisationPublic, status_code=201, tags=["organisations"]
)
def api_organisation_create(db: SessionDep, user: StaffUser, data: OrganisationCreate) -> Any:
    return service.create_organisation(db, actor=user, data=data)


@api.get("/organisations/{org_id}", response_model=OrganisationPublic, tags=["organisations"])
def api_organisation(db: SessionDep, org_id: DbId) -> Any:
    return service.get_organisation(db, org_id)


@api.put("/organisations/{org_id}", response_model=OrganisationPublic, tags=["organisations"])
def api_organisation_update(
    db: SessionDep, user: StaffUser, org_id: DbId, data: OrganisationCreate
) -> Any:
    org = service.get_organisation(db, org_id)
    return service.update_organisation(db, actor=user, org=org, data=data)


@api.delete("/organisations/{org_id}", status_code=204, tags=["organisations"])
def api_organisation_delete(db: SessionDep, user: StaffUser, org_id: DbId) -> Response:
    service.delete_organisation(db, actor=user, org=service.get_organisation(db, org_id))
    return Response(status_code=204)
