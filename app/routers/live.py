"""A session's live feed: remarks and questions appear for every reader without reloading
(htmx polls for what is newer; without JavaScript, a link reloads the page)."""

import uuid
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from app import i18n
from app.db import SessionDep
from app.deps import OptionalUser, Participant, StaffUser
from app.i18n import N_
from app.models.contributions import (
    LABELS,
    REMARK_KIND_LABELS,
    ContributionPublic,
    Kind,
    LiveState,
    LiveSwitch,
    RemarkCreate,
)
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import (
    IdempotencyKeyHeader,
    api_router,
    header_key,
    pages_router,
    replayed,
)
from app.routers.forms import FormDep, form_action, parse_form, see_other
from app.security import client_ip
from app.services import contributions as contribution_service
from app.services import forums as forum_service
from app.services import live as service
from app.services import sessions as session_service
from app.templating import flash, render
from app.web.urls import absolute_url

pages = pages_router()
api = api_router("live")

After = Annotated[int, Query(ge=0, le=2**31 - 1, description="Only remarks with a larger id")]
POLL_SECONDS = 3


def _page(
    request: Request,
    db: SessionDep,
    user: User | None,
    session_id: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    session = session_service.get_session(db, session_id)
    forum = forum_service.get_forum(db, session.forum_id)
    feed = service.feed(db, session_id=session_id, viewer=user)
    values = values or {}
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    values.setdefault("kind", Kind.remark.value)
    return render(
        request,
        "contributions/live.html",
        {
            "session": session,
            "forum": forum,
            "zone": session.timezone,  # remarks' times in the session's zone
            "feed": feed,
            "live": service.window(db, session_id),
            "values": values,
            "errors": errors,
            "poll_seconds": POLL_SECONDS,
            "share_url": absolute_url(request, f"/sessions/{session_id}/live"),
            "kind_options": i18n.label_choices(REMARK_KIND_LABELS),
            "nav": "forums",
            **LABELS,
        },
    )


@pages.get("/sessions/{session_id}/live", response_class=HTMLResponse)
def live_page(request: Request, db: SessionDep, user: OptionalUser, session_id: DbId) -> Response:
    return _page(request, db, user, session_id)


@pages.get("/sessions/{session_id}/live/feed", response_class=HTMLResponse)
def live_feed(
    request: Request, db: SessionDep, user: OptionalUser, session_id: DbId, after: After = 0
) -> HTMLResponse:
    """What htmx polls: the new items (appended out of band) and the poller itself, carrying
    the new `after`. Anonymous readers get it from the page cache until something changes."""
    session = session_service.get_session(db, session_id)
    feed = service.feed(db, session_id=session_id, after=after, viewer=user)
    return render(
        request,
        "contributions/_live_poll.html",
        {
            "session_id": session_id,
            "zone": session.timezone,  # remarks' times in the session's zone
            "feed": feed,
            "is_open": service.is_open(db, session_id),
            "poll_seconds": POLL_SECONDS,
            "oob": True,
            **LABELS,
        },
    )


@pages.post("/sessions/{session_id}/live/remarks", response_class=HTMLResponse)
def live_post(
    request: Request, db: SessionDep, user: Participant, form: FormDep, session_id: DbId
) -> Response:
    session = session_service.get_session(db, session_id)
    return form_action(
        request,
        form,
        lambda: service.post_remark(
            db,
            actor=user,
            session=session,
            data=parse_form(RemarkCreate, form),
            ip=client_ip(request),
            locale=i18n.get_locale(),
        ),
        done=f"/sessions/{session_id}/live#live-form",
        again=lambda values, errors: _page(request, db, user, session_id, values, errors),
        saved=N_("Your remark is posted."),
    )


@pages.post("/sessions/{session_id}/live/open")
def live_open(request: Request, db: SessionDep, user: StaffUser, session_id: DbId) -> Response:
    service.set_open(
        db, actor=user, session=session_service.get_session(db, session_id), open_=True
    )
    flash(request, N_("The live window is open: participants can post remarks."))
    return see_other(f"/sessions/{session_id}/live")


@pages.post("/sessions/{session_id}/live/close")
def live_close(request: Request, db: SessionDep, user: StaffUser, session_id: DbId) -> Response:
    service.set_open(
        db, actor=user, session=session_service.get_session(db, session_id), open_=False
    )
    flash(request, N_("The live window is closed."))
    return see_other(f"/sessions/{session_id}/live")


# -- JSON API ----------------------------------------------------------------------------------


def _state(db: SessionDep, session_id: int) -> LiveState:
    live = service.window(db, session_id)
    return LiveState(
        session_id=session_id,
        is_open=bool(live and live.is_open),
        opened_at=live.opened_at if live else None,
        closed_at=live.closed_at if live else None,
    )


@api.get("/sessions/{session_id}/live", response_model=LiveState)
def api_live(db: SessionDep, session_id: DbId) -> Any:
    session_service.get_session(db, session_id)
    return _state(db, session_id)


@api.put("/sessions/{session_id}/live", response_model=LiveState)
def api_live_set(db: SessionDep, user: StaffUser, session_id: DbId, data: LiveSwitch) -> Any:
    service.set_open(
        db, actor=user, session=session_service.get_session(db, session_id), open_=data.is_open
    )
    return _state(db, session_id)


@api.get("/sessions/{session_id}/live/remarks", response_model=list[ContributionPublic])
def api_remarks(db: SessionDep, user: OptionalUser, session_id: DbId, after: After = 0) -> Any:
    session_service.get_session(db, session_id)
    feed = service.feed(db, session_id=session_id, after=after, viewer=user)
    return contribution_service.public_list(db, feed.rows)


@api.post(
    "/sessions/{session_id}/live/remarks",
    response_model=ContributionPublic,
    status_code=201,
    responses=replayed(ContributionPublic),
)
def api_remark_post(
    request: Request,
    response: Response,
    db: SessionDep,
    user: Participant,
    session_id: DbId,
    data: RemarkCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    """A remark or question; a retry with the same idempotency key (the `Idempotency-Key`
    header, or `idempotency_key` in the body as the live form sends it) returns the first
    result (200) instead of posting it twice."""
    key = header_key(idempotency_key)
    if key and not data.idempotency_key:
        data = data.model_copy(update={"idempotency_key": key})
    submitted = service.post_remark(
        db,
        actor=user,
        session=session_service.get_session(db, session_id),
        data=data,
        ip=client_ip(request),
        locale=i18n.get_locale(),
    )
    if submitted.replayed:
        response.status_code = 200
    contribution = submitted.contribution
    return contribution_service.to_public(db, contribution, author=user.display_name)
