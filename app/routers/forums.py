"""Forums: list, page, create/edit, their themes and timeline."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app import i18n
from app.db import SessionDep
from app.deps import OptionalUser, StaffUser
from app.i18n import N_
from app.models.forums import (
    FORUM_KIND_LABELS,
    THEME_KIND_LABELS,
    ForumCreate,
    ForumPublic,
    MilestoneCreate,
    MilestonePublic,
    ThemeCreate,
    ThemePublic,
)
from app.models.types import DbId, utcnow
from app.routers.apiutil import Cursor, Limit, Page, api_router, pages_router
from app.routers.forms import FormDep, form_action, parse_form, see_other
from app.services import caucuses as caucus_service
from app.services import forums as service
from app.services import phases
from app.templating import flash, render
from app.web import fragments

pages = pages_router()
api = api_router("forums")


def _form_context(
    values: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "kinds": i18n.label_choices(FORUM_KIND_LABELS),
        "countries": i18n.country_choices(),
        "timezones": i18n.timezone_groups(),
        "nav": "forums",
    }


@pages.get("/forums", response_class=HTMLResponse)
def forums_page(request: Request, db: SessionDep, user: OptionalUser) -> HTMLResponse:
    # Logged in: the copy every reader of the same role shares (web/fragments.py).
    return fragments.page(
        request,
        db,
        user,
        lambda _reader: render(
            request,
            "forums/list.html",
            {
                "forums": service.all_forums_with_counts(db),
                "kind_labels": FORUM_KIND_LABELS,
                "nav": "forums",
            },
        ),
    )


@pages.get("/forums/new", response_class=HTMLResponse)
def forum_new(request: Request, user: StaffUser) -> HTMLResponse:
    return render(request, "forums/form.html", _form_context({"timezone": "UTC"}))


@pages.post("/forums/new", response_class=HTMLResponse)
def forum_create(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    return form_action(
        request,
        form,
        lambda: service.create_forum(db, actor=user, data=parse_form(ForumCreate, form)),
        done=lambda forum: f"/forums/{forum.id}",
        again=lambda values, errors: render(
            request, "forums/form.html", _form_context(values, errors)
        ),
    )


@pages.get("/forums/{forum_id}", response_class=HTMLResponse)
def forum_page(
    request: Request, db: SessionDep, user: OptionalUser, forum_id: DbId
) -> HTMLResponse:
    return _forum_detail(request, db, forum_id, {}, None)


@pages.get("/forums/{forum_id}/edit", response_class=HTMLResponse)
def forum_edit(request: Request, db: SessionDep, user: StaffUser, forum_id: DbId) -> HTMLResponse:
    forum = service.get_forum(db, forum_id)
    ctx = _form_context(forum.model_dump())
    return render(request, "forums/form.html", {**ctx, "forum": forum})


@pages.post("/forums/{forum_id}/edit", response_class=HTMLResponse)
def forum_update(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, forum_id: DbId
) -> Response:
    forum = service.get_forum(db, forum_id)
    return form_action(
        request,
        form,
        lambda: service.update_forum(
            db, actor=user, forum=forum, data=parse_form(ForumCreate, form)
        ),
        done=f"/forums/{forum_id}",
        again=lambda values, errors: render(
            request, "forums/form.html", {**_form_context(values, errors), "forum": forum}
        ),
    )


@pages.post("/forums/{forum_id}/delete")
def forum_delete(request: Request, db: SessionDep, user: StaffUser, forum_id: DbId) -> Response:
    service.delete_forum(db, actor=user, forum=service.get_forum(db, forum_id))
    flash(request, N_("Deleted."))
    return see_other("/forums")


@dataclass(frozen=True)
class DoNow:
    """One thing a reader can do in the process right now: a msgid, a link, and its weight."""

    label: str
    url: str
    primary: bool = False
    detail: dict[str, str] | None = None  # a localized title shown after the label


def _do_now(forum_id: int, live_sessions: list[Any], live_windows: set[int]) -> list[DoNow]:
    """What the forum page offers now. Later domains (minutes to read, a draft to comment on)
    add their items here when they exist for this forum; nothing is listed that cannot be done."""
    items = [
        DoNow(N_("Join the live session"), f"/sessions/{s.id}/live", True, s.title)
        for s in live_sessions
        if s.id in live_windows
    ]
    items.append(
        DoNow(N_("Submit a proposal"), f"/contributions/new?forum_id={forum_id}", not items)
    )
    items.append(DoNow(N_("Read and endorse proposals"), f"/contributions?forum_id={forum_id}"))
    items.append(DoNow(N_("See the statistics"), f"/forums/{forum_id}/statistics"))
    return items


def _forum_detail(
    request: Request,
    db: SessionDep,
    forum_id: DbId,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
) -> HTMLResponse:
    """The forum page; with `errors`, its add-theme or add-step form shown again."""
    view = service.forum_view(db, forum_id)
    now = utcnow()
    live = phases.open_live_windows(db, [s.id for s in view.sessions if s.id is not None])
    groups = phases.grouped_sessions(view.sessions, now=now, live=live)
    today = datetime.now(ZoneInfo(view.forum.timezone)).date()
    return render(
        request,
        "forums/detail.html",
        {
            "view": view,
            "steps": phases.steps(view.milestones, today=today),
            "step_labels": phases.STEP_STATE_LABELS,
            "session_groups": groups,
            "status_labels": phases.SESSION_STATUS_LABELS,
            "do_now": _do_now(forum_id, groups[phases.SessionStatus.live], live),
            "caucuses": caucus_service.list_caucuses(db),
            "kind_labels": FORUM_KIND_LABELS,
            "theme_kind_labels": THEME_KIND_LABELS,
            "theme_kinds": i18n.label_choices(THEME_KIND_LABELS),
            "nav": "forums",
            "values": values,
            "errors": errors,
        },
    )


@pages.post("/forums/{forum_id}/themes", response_class=HTMLResponse)
def theme_add(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, forum_id: DbId
) -> Response:
    forum = service.get_forum(db, forum_id)
    return form_action(
        request,
        form,
        lambda: service.add_theme(db, actor=user, forum=forum, data=parse_form(ThemeCreate, form)),
        done=f"/forums/{forum_id}#themes",
        again=lambda values, errors: _forum_detail(request, db, forum_id, values, errors),
    )


@pages.post("/forums/{forum_id}/themes/{theme_id}/delete")
def theme_delete(
    request: Request, db: SessionDep, user: StaffUser, forum_id: DbId, theme_id: DbId
) -> Response:
    service.delete_theme(db, actor=user, forum=service.get_forum(db, forum_id), theme_id=theme_id)
    flash(request, N_("Deleted."))
    return see_other(f"/forums/{forum_id}#themes")


@pages.post("/forums/{forum_id}/milestones", response_class=HTMLResponse)
def milestone_add(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, forum_id: DbId
) -> Response:
    forum = service.get_forum(db, forum_id)
    return form_action(
        request,
        form,
        lambda: service.add_milestone(
            db, actor=user, forum=forum, data=parse_form(MilestoneCreate, form)
        ),
        done=f"/forums/{forum_id}#timeline",
        again=lambda values, errors: _forum_detail(request, db, forum_id, values, errors),
    )


@pages.post("/forums/{forum_id}/milestones/{milestone_id}/delete")
def milestone_delete(
    request: Request, db: SessionDep, user: StaffUser, forum_id: DbId, milestone_id: DbId
) -> Response:
    forum = service.get_forum(db, forum_id)
    service.delete_milestone(db, actor=user, forum=forum, milestone_id=milestone_id)
    flash(request, N_("Deleted."))
    return see_other(f"/forums/{forum_id}#timeline")


# -- JSON ------------------------------------------------------------------------------------


@api.get("/forums", response_model=Page[ForumPublic])
def api_forums(db: SessionDep, limit: Limit = 20, cursor: Cursor = None) -> Any:
    items, next_cursor = service.list_forums(db, limit=limit, cursor=cursor)
    return Page(items=list(items), next_cursor=next_cursor)


@api.post("/forums", response_model=ForumPublic, status_code=201)
def api_forum_create(db: SessionDep, user: StaffUser, data: ForumCreate) -> Any:
    return service.create_forum(db, actor=user, data=data)


@api.get("/forums/{forum_id}", response_model=ForumPublic)
def api_forum(db: SessionDep, forum_id: DbId) -> Any:
    return service.get_forum(db, forum_id)


@api.put("/forums/{forum_id}", response_model=ForumPublic)
def api_forum_update(db: SessionDep, user: StaffUser, forum_id: DbId, data: ForumCreate) -> Any:
    return service.update_forum(db, actor=user, forum=service.get_forum(db, forum_id), data=data)


@api.delete("/forums/{forum_id}", status_code=204)
def api_forum_delete(db: SessionDep, user: StaffUser, forum_id: DbId) -> Response:
    service.delete_forum(db, actor=user, forum=service.get_forum(db, forum_id))
    return Response(status_code=204)


@api.get("/forums/{forum_id}/themes", response_model=list[ThemePublic])
def api_themes(db: SessionDep, forum_id: DbId) -> Any:
    service.get_forum(db, forum_id)
    return service.themes_of(db, forum_id)


@api.post("/forums/{forum_id}/themes", response_model=ThemePublic, status_code=201)
def api_theme_add(db: SessionDep, user: StaffUser, forum_id: DbId, data: ThemeCreate) -> Any:
    return service.add_theme(db, actor=user, forum=service.get_forum(db, forum_id), data=data)


@api.delete("/forums/{forum_id}/themes/{theme_id}", status_code=204)
def api_theme_delete(db: SessionDep, user: StaffUser, forum_id: DbId, theme_id: DbId) -> Response:
    service.delete_theme(db, actor=user, forum=service.get_forum(db, forum_id), theme_id=theme_id)
    return Response(status_code=204)


@api.get("/forums/{forum_id}/milestones", response_model=list[MilestonePublic])
def api_milestones(db: SessionDep, forum_id: DbId) -> Any:
    service.get_forum(db, forum_id)
    return service.milestones_of(db, forum_id)


@api.post("/forums/{forum_id}/milestones", response_model=MilestonePublic, status_code=201)
def api_milestone_add(
    db: SessionDep, user: StaffUser, forum_id: DbId, data: MilestoneCreate
) -> Any:
    forum = service.get_forum(db, forum_id)
    return service.add_milestone(db, actor=user, forum=forum, data=data)


@api.delete("/forums/{forum_id}/milestones/{milestone_id}", status_code=204)
def api_milestone_delete(
    db: SessionDep, user: StaffUser, forum_id: DbId, milestone_id: DbId
) -> Response:
    forum = service.get_forum(db, forum_id)
    service.delete_milestone(db, actor=user, forum=forum, milestone_id=milestone_id)
    return Response(status_code=204)
