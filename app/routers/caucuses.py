"""Caucuses: cross-cutting groups with members and representatives."""

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app import permissions
from app.db import SessionDep
from app.deps import CurrentUser, OptionalUser, StaffUser, WorkspaceCaucus
from app.i18n import N_
from app.models.caucuses import Caucus, CaucusCreate, CaucusMemberIn, CaucusPublic
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_action, parse_form, see_other
from app.services import caucuses as service
from app.services import contributions, users
from app.templating import flash, render

pages = pages_router()
api = api_router("caucuses")


@pages.get("/caucuses", response_class=HTMLResponse)
def caucuses_page(request: Request, db: SessionDep, user: OptionalUser) -> HTMLResponse:
    return render(
        request,
        "caucuses/list.html",
        {
            "caucuses": service.list_caucuses(db),
            "counts": service.member_counts(db),
            "nav": "caucuses",
        },
    )


def _form(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
    caucus: Caucus | None = None,
) -> HTMLResponse:
    return render(
        request,
        "caucuses/form.html",
        {"values": values, "errors": errors, "caucus": caucus, "nav": "caucuses"},
    )


@pages.get("/caucuses/new", response_class=HTMLResponse)
def caucus_new(request: Request, user: StaffUser) -> HTMLResponse:
    return _form(request, {}, None)


@pages.post("/caucuses/new", response_class=HTMLResponse)
def caucus_create(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    return form_action(
        request,
        form,
        lambda: service.create_caucus(db, actor=user, data=parse_form(CaucusCreate, form)),
        done=lambda caucus: f"/caucuses/{caucus.id}",
        again=lambda values, errors: _form(request, values, errors),
    )


def _detail(
    request: Request,
    db: SessionDep,
    viewer: User | None,
    caucus_id: DbId,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    caucus = service.get_caucus(db, caucus_id)
    return render(
        request,
        "caucuses/detail.html",
        {
            "caucus": caucus,
            "members": service.members(db, caucus_id),
            "representatives": service.representatives(db, caucus_id),
            "workspace_open": permissions.can_open_caucus_workspace(
                viewer, caucus_id, users.represented_caucuses(db, viewer)
            ),
            "sessions": service.sessions_where_spoke(db, caucus_id),
            "speakers": service.speaker_choices(db, viewer=viewer),
            "errors": errors,
            "nav": "caucuses",
        },
    )


@pages.get("/caucuses/{caucus_id}", response_class=HTMLResponse)
def caucus_page(
    request: Request, db: SessionDep, user: OptionalUser, caucus_id: DbId
) -> HTMLResponse:
    return _detail(request, db, user, caucus_id)


@pages.get("/caucuses/{caucus_id}/workspace", response_class=HTMLResponse)
def caucus_workspace(
    request: Request, db: SessionDep, user: CurrentUser, caucus: WorkspaceCaucus
) -> HTMLResponse:
    """A representative's desk: the contributions seen through the caucus's lens, the sessions
    where it spoke, and what waits for its review."""
    assert caucus.id is not None
    rows, more = contributions.list_contributions(
        db, filters=contributions.Filters(caucus_id=caucus.id), viewer=user, limit=50
    )
    return render(
        request,
        "caucuses/workspace.html",
        {
            "caucus": caucus,
            "rows": rows,
            "more": more is not None,
            "sessions": service.sessions_where_spoke(db, caucus.id),
            "reviews": service.reviews_waiting(db, caucus.id, viewer=user),
            "representatives": service.representatives(db, caucus.id),
            "nav": "caucuses",
        },
    )


@pages.get("/me/caucus", response_class=HTMLResponse)
def my_caucus(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    """Where a representative's workspace is: straight to it when they speak for one caucus."""
    mine = service.represented_by(db, user)
    if len(mine) == 1:
        return see_other(f"/caucuses/{mine[0].id}/workspace")
    return render(request, "caucuses/mine.html", {"caucuses": mine, "nav": "caucuses"})


@pages.get("/caucuses/{caucus_id}/edit", response_class=HTMLResponse)
def caucus_edit(request: Request, db: SessionDep, user: StaffUser, caucus_id: DbId) -> Response:
    caucus = service.get_caucus(db, caucus_id)
    return _form(request, caucus.model_dump(), None, caucus)


@pages.post("/caucuses/{caucus_id}/edit", response_class=HTMLResponse)
def caucus_update(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, caucus_id: DbId
) -> Response:
    caucus = service.get_caucus(db, caucus_id)
    return form_action(
        request,
        form,
        lambda: service.update_caucus(
            db, actor=user, caucus=caucus, data=parse_form(CaucusCreate, form)
        ),
        done=f"/caucuses/{caucus_id}",
        again=lambda values, errors: _form(request, values, errors, caucus),
    )


@pages.post("/caucuses/{caucus_id}/delete")
def caucus_delete(request: Request, db: SessionDep, user: StaffUser, caucus_id: DbId) -> Response:
    service.delete_caucus(db, actor=user, caucus=service.get_caucus(db, caucus_id))
    flash(request, N_("Deleted."))
    return see_other("/caucuses")


@pages.post("/caucuses/{caucus_id}/members", response_class=HTMLResponse)
def member_set(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, caucus_id: DbId
) -> Response:
    caucus = service.get_caucus(db, caucus_id)

    def add() -> None:
        data = parse_form(CaucusMemberIn, form)
        service.set_member(
            db,
            actor=user,
            caucus=caucus,
            speaker_id=data.speaker_id,
            is_representative=data.is_representative,
        )

    return form_action(
        request,
        form,
        add,
        done=f"/caucuses/{caucus_id}#members",
        again=lambda values, errors: _detail(request, db, user, caucus_id, errors),
    )


@pages.post("/caucuses/{caucus_id}/members/{speaker_id}/delete")
def member_remove(
    request: Request, db: SessionDep, user: StaffUser, caucus_id: DbId, speaker_id: DbId
) -> Response:
    caucus = service.get_caucus(db, caucus_id)
    service.remove_member(db, actor=user, caucus=caucus, speaker_id=speaker_id)
    flash(request, N_("Removed."))
    return see_other(f"/caucuses/{caucus_id}#members")


# -- JSON ------------------------------------------------------------------------------------


def _public_many(db: SessionDep, caucuses: Sequence[Caucus]) -> list[CaucusPublic]:
    links = service.member_links(db, [c.id for c in caucuses if c.id is not None])
    return [
        CaucusPublic.model_validate(c, update={"members": links.get(c.id or 0, [])})
        for c in caucuses
    ]


def _public(db: SessionDep, caucus: Caucus) -> CaucusPublic:
    return _public_many(db, [caucus])[0]


@api.get("/caucuses", response_model=list[CaucusPublic])
def api_caucuses(db: SessionDep) -> Any:
    return _public_many(db, service.list_caucuses(db))


@api.post("/caucuses", response_model=CaucusPublic, status_code=201)
def api_caucus_create(db: SessionDep, user: StaffUser, data: CaucusCreate) -> Any:
    return _public(db, service.create_caucus(db, actor=user, data=data))


@api.get("/caucuses/{caucus_id}", response_model=CaucusPublic)
def api_caucus(db: SessionDep, caucus_id: DbId) -> Any:
    return _public(db, service.get_caucus(db, caucus_id))


@api.put("/caucuses/{caucus_id}", response_model=CaucusPublic)
def api_caucus_update(db: SessionDep, user: StaffUser, caucus_id: DbId, data: CaucusCreate) -> Any:
    caucus = service.get_caucus(db, caucus_id)
    return _public(db, service.update_caucus(db, actor=user, caucus=caucus, data=data))


@api.delete("/caucuses/{caucus_id}", status_code=204)
def api_caucus_delete(db: SessionDep, user: StaffUser, caucus_id: DbId) -> Response:
    service.delete_caucus(db, actor=user, caucus=service.get_caucus(db, caucus_id))
    return Response(status_code=204)


@api.put("/caucuses/{caucus_id}/members", response_model=CaucusPublic)
def api_member_set(db: SessionDep, user: StaffUser, caucus_id: DbId, data: CaucusMemberIn) -> Any:
    caucus = service.get_caucus(db, caucus_id)
    service.set_member(
        db,
        actor=user,
        caucus=caucus,
        speaker_id=data.speaker_id,
        is_representative=data.is_representative,
    )
    return _public(db, caucus)


@api.delete("/caucuses/{caucus_id}/members/{speaker_id}", status_code=204)
def api_member_remove(
    db: SessionDep, user: StaffUser, caucus_id: DbId, speaker_id: DbId
) -> Response:
    caucus = service.get_caucus(db, caucus_id)
    service.remove_member(db, actor=user, caucus=caucus, speaker_id=speaker_id)
    return Response(status_code=204)
