"""Sessions and their agenda: the page participants read, and the secretariat's forms."""

from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app import i18n
from app.db import SessionDep
from app.deps import OptionalUser, StaffUser
from app.i18n import N_
from app.models.forums import (
    SESSION_FORMAT_LABELS,
    SESSION_TYPE_LABELS,
    SPEAKER_ROLE_LABELS,
    TIMEZONES,
    ForumSession,
    SegmentCreate,
    SegmentPublic,
    SegmentSpeakerIn,
    SessionCreate,
    SessionPublic,
)
from app.models.types import DbId, utcnow
from app.routers.apiutil import Cursor, Limit, Page, api_router, pages_router
from app.routers.forms import FormDep, form_action, parse_form, see_other
from app.services import caremap as caremap_service
from app.services import forums as forum_service
from app.services import live as live_service
from app.services import phases, speaking_balance
from app.services import sessions as service
from app.services import speakers as speaker_service
from app.services.errors import Conflict
from app.templating import flash, render
from app.web import fragments

pages = pages_router()
api = api_router("sessions")

TZ_COOKIE = "th_tz"
LANGUAGE_CHOICES = ("es", "pt", "en", "fr", "ar", "ko")
LABELS = {
    "type_labels": SESSION_TYPE_LABELS,
    "format_labels": SESSION_FORMAT_LABELS,
    "role_labels": SPEAKER_ROLE_LABELS,
}


def reader_timezone(request: Request) -> str | None:
    value = unquote(request.cookies.get(TZ_COOKIE) or "")
    return value if value in TIMEZONES else None


def _session_form_context(
    db: SessionDep, forum_id: DbId, values: dict[str, Any], errors: dict[str, list[str]] | None
) -> dict[str, Any]:
    forum = forum_service.get_forum(db, forum_id)
    themes = forum_service.themes_of(db, forum_id)
    return {
        "forum": forum,
        "themes": themes,
        "theme_options": [(t.id, f"{t.code} · {i18n.localized(t.title)[0]}") for t in themes],
        "values": values,
        "errors": errors,
        "types": i18n.label_choices(SESSION_TYPE_LABELS),
        "formats": i18n.label_choices(SESSION_FORMAT_LABELS),
        "language_choices": [(c, i18n.language_name(c)) for c in LANGUAGE_CHOICES],
        "timezones": i18n.timezone_groups(),
        "nav": "forums",
    }


def _session_values(session: ForumSession, theme_ids: list[int]) -> dict[str, Any]:
    values = session.model_dump()
    local = session.starts_at.astimezone(ZoneInfo(session.timezone))
    values["starts_at"] = local.strftime("%Y-%m-%dT%H:%M")
    values["theme_ids"] = theme_ids
    return values


@pages.get("/forums/{forum_id}/sessions/new", response_class=HTMLResponse)
def session_new(request: Request, db: SessionDep, user: StaffUser, forum_id: DbId) -> HTMLResponse:
    forum = forum_service.get_forum(db, forum_id)
    values = {"timezone": forum.timezone, "duration_minutes": 90, "languages": ["es", "pt"]}
    return render(
        request, "forums/session_form.html", _session_form_context(db, forum_id, values, None)
    )


@pages.post("/forums/{forum_id}/sessions/new", response_class=HTMLResponse)
def session_create(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, forum_id: DbId
) -> Response:
    return form_action(
        request,
        form,
        lambda: service.create_session(
            db, actor=user, data=parse_form(SessionCreate, form, forum_id=forum_id)
        ),
        done=lambda session: f"/sessions/{session.id}",
        again=lambda values, errors: render(
            request, "forums/session_form.html", _session_form_context(db, forum_id, values, errors)
        ),
    )


def _speakers_of(view: service.SessionView) -> list[tuple[Any, Any]]:
    """Everyone on the agenda once, in the order they first speak."""
    seen: dict[int | None, tuple[Any, Any]] = {}
    for item in view.segments:
        for _link, speaker, org in item.speakers:
            seen.setdefault(speaker.id, (speaker, org))
    return list(seen.values())


@pages.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(
    request: Request, db: SessionDep, user: OptionalUser, session_id: DbId
) -> HTMLResponse:
    # Logged in: the copy every reader of the same role shares (web/fragments.py).
    return fragments.page(request, db, user, lambda _reader: _session_page(request, db, session_id))


def _session_page(request: Request, db: SessionDep, session_id: int) -> HTMLResponse:
    view = service.session_view(db, session_id)
    live_open = live_service.is_open(db, session_id)
    ctx: dict[str, Any] = {
        "view": view,
        "pins": caremap_service.pins_for(db, kind="session", target_id=session_id),
        "live_open": live_open,
        "status": phases.session_status(view.session, now=utcnow(), live_open=live_open),
        "status_labels": phases.SESSION_STATUS_LABELS,
        "speakers": _speakers_of(view),
        "timekeeping": speaking_balance.report(db, view.session),
        "reader_tz": reader_timezone(request),
        "nav": "forums",
        **LABELS,
    }
    return render(request, "forums/session.html", ctx)


@pages.get("/sessions/{session_id}/edit", response_class=HTMLResponse)
def session_edit(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId
) -> HTMLResponse:
    session = service.get_session(db, session_id)
    assert session.id is not None
    theme_ids = service.theme_ids_by_session(db, [session.id])[session.id]
    ctx = _session_form_context(db, session.forum_id, _session_values(session, theme_ids), None)
    return render(request, "forums/session_form.html", {**ctx, "session": session})


@pages.post("/sessions/{session_id}/edit", response_class=HTMLResponse)
def session_update(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, session_id: DbId
) -> Response:
    session = service.get_session(db, session_id)
    forum_id = session.forum_id
    return form_action(
        request,
        form,
        lambda: service.update_session(
            db,
            actor=user,
            session=session,
            data=parse_form(SessionCreate, form, forum_id=forum_id),
        ),
        done=f"/sessions/{session_id}",
        again=lambda values, errors: render(
            request,
            "forums/session_form.html",
            {**_session_form_context(db, forum_id, values, errors), "session": session},
        ),
    )


@pages.post("/sessions/{session_id}/delete")
def session_delete(request: Request, db: SessionDep, user: StaffUser, session_id: DbId) -> Response:
    session = service.get_session(db, session_id)
    forum_id = session.forum_id
    service.delete_session(db, actor=user, session=session)
    flash(request, N_("Deleted."))
    return see_other(f"/forums/{forum_id}")


# -- agenda -----------------------------------------------------------------------------------

SPEAKER_ROWS = 6


def _segment_speakers(form: FormData) -> list[dict[str, str]]:
    rows = []
    for i in range(SPEAKER_ROWS):
        speaker_id = str(form.get(f"speaker_id.{i}") or "").strip()
        if speaker_id:
            rows.append(
                {"speaker_id": speaker_id, "role": str(form.get(f"role.{i}") or "panelist")}
            )
    return rows


def _segment_form(
    request: Request,
    db: SessionDep,
    session: ForumSession,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
    segment_id: int | None,
) -> HTMLResponse:
    speakers = [(s.id, s.name) for s in speaker_service.all_speakers(db)]
    roles = i18n.label_choices(SPEAKER_ROLE_LABELS)
    rows = list(values.get("speakers") or [])
    rows += [{"speaker_id": "", "role": "panelist"}] * (SPEAKER_ROWS - len(rows))
    return render(
        request,
        "forums/segment_form.html",
        {
            "session": session,
            "values": values,
            "errors": errors,
            "segment_id": segment_id,
            "speakers": speakers,
            "roles": roles,
            "rows": rows[:SPEAKER_ROWS],
            "nav": "forums",
        },
    )


@pages.get("/sessions/{session_id}/segments/new", response_class=HTMLResponse)
def segment_new(request: Request, db: SessionDep, user: StaffUser, session_id: DbId) -> Response:
    session = service.get_session(db, session_id)
    return _segment_form(request, db, session, {"planned_minutes": 15}, None, None)


@pages.post("/sessions/{session_id}/segments/new", response_class=HTMLResponse)
def segment_create(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, session_id: DbId
) -> Response:
    session = service.get_session(db, session_id)
    rows = _segment_speakers(form)
    return form_action(
        request,
        form,
        lambda: service.add_segment(
            db, actor=user, session=session, data=parse_form(SegmentCreate, form, speakers=rows)
        ),
        done=f"/sessions/{session_id}#agenda",
        again=lambda values, errors: _segment_form(
            request, db, session, values | {"speakers": rows}, errors, None
        ),
    )


@pages.get("/sessions/{session_id}/segments/{segment_id}/edit", response_class=HTMLResponse)
def segment_edit(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId
) -> Response:
    session = service.get_session(db, session_id)
    segment = service.get_segment(db, session, segment_id)
    links = service.segment_speakers(db, [segment_id])[segment_id]
    values = segment.model_dump() | {
        "speakers": [{"speaker_id": link.speaker_id, "role": link.role} for link in links]
    }
    return _segment_form(request, db, session, values, None, segment_id)


@pages.post("/sessions/{session_id}/segments/{segment_id}/edit", response_class=HTMLResponse)
def segment_update(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    form: FormDep,
    session_id: DbId,
    segment_id: DbId,
) -> Response:
    session = service.get_session(db, session_id)
    segment = service.get_segment(db, session, segment_id)
    rows = _segment_speakers(form)
    return form_action(
        request,
        form,
        lambda: service.update_segment(
            db, actor=user, segment=segment, data=parse_form(SegmentCreate, form, speakers=rows)
        ),
        done=f"/sessions/{session_id}#agenda",
        again=lambda values, errors: _segment_form(
            request, db, session, values | {"speakers": rows}, errors, segment_id
        ),
    )


@pages.post("/sessions/{session_id}/segments/{segment_id}/move")
def segment_move(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    session_id: DbId,
    segment_id: DbId,
    step: int = Query(ge=-1, le=1),
) -> Response:
    session = service.get_session(db, session_id)
    segment = service.get_segment(db, session, segment_id)
    try:
        service.move_segment(db, actor=user, segment=segment, step=step)
    except Conflict as exc:
        flash(request, exc.message, **exc.params)
    return see_other(f"/sessions/{session_id}#segment-{segment_id}")


@pages.post("/sessions/{session_id}/segments/{segment_id}/delete")
def segment_delete(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId
) -> Response:
    session = service.get_session(db, session_id)
    service.delete_segment(db, actor=user, segment=service.get_segment(db, session, segment_id))
    flash(request, N_("Deleted."))
    return see_other(f"/sessions/{session_id}#agenda")


# -- JSON ------------------------------------------------------------------------------------


def _public(db: SessionDep, session: ForumSession) -> SessionPublic:
    assert session.id is not None
    return service.session_public(
        session, service.theme_ids_by_session(db, [session.id])[session.id]
    )


@api.get("/sessions", response_model=Page[SessionPublic])
def api_sessions(
    db: SessionDep, forum_id: DbId | None = None, limit: Limit = 20, cursor: Cursor = None
) -> Any:
    items, next_cursor = service.list_sessions(db, forum_id=forum_id, limit=limit, cursor=cursor)
    themes = service.theme_ids_by_session(db, [s.id for s in items if s.id is not None])
    return Page(
        items=[service.session_public(s, themes[s.id]) for s in items if s.id],
        next_cursor=next_cursor,
    )


@api.post("/sessions", response_model=SessionPublic, status_code=201)
def api_session_create(db: SessionDep, user: StaffUser, data: SessionCreate) -> Any:
    return _public(db, service.create_session(db, actor=user, data=data))


@api.get("/sessions/{session_id}", response_model=SessionPublic)
def api_session(db: SessionDep, session_id: DbId) -> Any:
    return _public(db, service.get_session(db, session_id))


@api.put("/sessions/{session_id}", response_model=SessionPublic)
def api_session_update(
    db: SessionDep, user: StaffUser, session_id: DbId, data: SessionCreate
) -> Any:
    session = service.get_session(db, session_id)
    return _public(db, service.update_session(db, actor=user, session=session, data=data))


@api.delete("/sessions/{session_id}", status_code=204)
def api_session_delete(db: SessionDep, user: StaffUser, session_id: DbId) -> Response:
    service.delete_session(db, actor=user, session=service.get_session(db, session_id))
    return Response(status_code=204)


def _segment_public(db: SessionDep, segment_id: DbId) -> list[SegmentSpeakerIn]:
    return [
        SegmentSpeakerIn(speaker_id=link.speaker_id, role=link.role)
        for link in service.segment_speakers(db, [segment_id])[segment_id]
    ]


@api.get("/sessions/{session_id}/segments", response_model=list[SegmentPublic])
def api_segments(db: SessionDep, session_id: DbId) -> Any:
    view = service.session_view(db, session_id)
    return [
        SegmentPublic.model_validate(
            v.segment,
            update={
                "speakers": [
                    SegmentSpeakerIn(speaker_id=link.speaker_id, role=link.role)
                    for link, _s, _o in v.speakers
                ]
            },
        )
        for v in view.segments
    ]


@api.post("/sessions/{session_id}/segments", response_model=SegmentPublic, status_code=201)
def api_segment_add(db: SessionDep, user: StaffUser, session_id: DbId, data: SegmentCreate) -> Any:
    session = service.get_session(db, session_id)
    segment = service.add_segment(db, actor=user, session=session, data=data)
    assert segment.id is not None
    return SegmentPublic.model_validate(
        segment, update={"speakers": _segment_public(db, segment.id)}
    )


@api.put("/sessions/{session_id}/segments/{segment_id}", response_model=SegmentPublic)
def api_segment_update(
    db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId, data: SegmentCreate
) -> Any:
    session = service.get_session(db, session_id)
    segment = service.get_segment(db, session, segment_id)
    service.update_segment(db, actor=user, segment=segment, data=data)
    return SegmentPublic.model_validate(
        segment, update={"speakers": _segment_public(db, segment_id)}
    )


@api.delete("/sessions/{session_id}/segments/{segment_id}", status_code=204)
def api_segment_delete(
    db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId
) -> Response:
    session = service.get_session(db, session_id)
    service.delete_segment(db, actor=user, segment=service.get_segment(db, session, segment_id))
    return Response(status_code=204)
