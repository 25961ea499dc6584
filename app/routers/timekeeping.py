"""The timekeeper's view for the secretariat during a session, and its JSON equivalents.

Every button is a plain form post that redirects back to the view; htmx, where it runs, posts
the same form and swaps the panel in place. A step already done (a double tap) answers as if it
had just been done; an illegal one (ending a segment that never started) says why, in the
reader's language, on the view itself.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app import i18n
from app.db import SessionDep
from app.deps import StaffUser
from app.i18n import N_
from app.lib import durations
from app.models.forums import ForumSession
from app.models.timekeeping import (
    SegmentTimes,
    SpeakingBalance,
    TimekeepingState,
    TurnStart,
    TurnTimes,
)
from app.models.types import DbId
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_id, form_values, parse_form, see_other
from app.services import sessions as session_service
from app.services import speakers as speaker_service
from app.services import speaking_balance as balance_service
from app.services import timekeeping as service
from app.services.errors import Conflict, InvalidInput
from app.templating import flash, is_htmx_partial, render

pages = pages_router()
api = api_router("timekeeping")

CLOCK_SECONDS = 5


def _view_url(session_id: int) -> str:
    return f"/sessions/{session_id}/timekeeper"


def _context(db: SessionDep, session: ForumSession) -> dict[str, Any]:
    assert session.id is not None
    found = service.timing(db, session)
    view = session_service.session_view(db, session.id)
    agenda = {v.segment.id: [speaker for _link, speaker, _org in v.speakers] for v in view.segments}
    running = found.running
    return {
        "session": session,
        "forum": view.forum,
        "timing": found,
        "agenda": agenda,
        "floor": agenda.get(running.id, []) if running else [],
        "everyone": [(s.id, s.name) for s in speaker_service.all_speakers(db)],
        "clock_seconds": CLOCK_SECONDS,
        "clock": durations.clock,
        "iso_duration": durations.iso_duration,
        "nav": "forums",
    }


def _page(
    request: Request,
    db: SessionDep,
    session: ForumSession,
    *,
    said: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ctx = _context(db, session) | {
        "said": said,
        "error": error,
        "fresh": is_htmx_partial(request),
    }
    if error and is_htmx_partial(request):
        status_code = 200  # htmx swaps only 2xx answers: the panel carries the error
    return render(
        request,
        "timekeeping/timekeeper.html",
        ctx,
        partial="timekeeping/_panel.html",
        status_code=status_code,
    )


def _step(
    request: Request,
    db: SessionDep,
    session: ForumSession,
    action: Callable[[], object],
    said: str,
) -> Response:
    """Runs a step; htmx gets the panel back, a plain form post a redirect to the view."""
    try:
        action()
    except (Conflict, InvalidInput) as exc:
        db.rollback()
        message = i18n.gettext(exc.message, **exc.params)
        if isinstance(exc, InvalidInput):
            message = i18n.gettext(next(iter(exc.errors.values()))[0])
        return _page(request, db, session, error=message, status_code=exc.status)
    if is_htmx_partial(request):
        return _page(request, db, session, said=i18n.gettext(said))
    flash(request, said)
    assert session.id is not None
    return see_other(_view_url(session.id))


@pages.get("/sessions/{session_id}/timekeeper", response_class=HTMLResponse)
def timekeeper(request: Request, db: SessionDep, user: StaffUser, session_id: DbId) -> Response:
    return _page(request, db, session_service.get_session(db, session_id))


@pages.get("/sessions/{session_id}/timekeeper/clock", response_class=HTMLResponse)
def timekeeper_clock(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId
) -> Response:
    """What htmx polls: the elapsed times only, so that the buttons never move under a finger."""
    session = session_service.get_session(db, session_id)
    return render(request, "timekeeping/_clock.html", _context(db, session))


def _segment_step(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    ids: tuple[int, int],
    step: Callable[..., bool],
    said: str,
) -> Response:
    session = session_service.get_session(db, ids[0])
    segment = session_service.get_segment(db, session, ids[1])
    return _step(
        request, db, session, lambda: step(db, actor=user, session=session, segment=segment), said
    )


@pages.post("/sessions/{session_id}/timekeeper/segments/{segment_id}/start")
def segment_start(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId
) -> Response:
    ids = (session_id, segment_id)
    return _segment_step(request, db, user, ids, service.start_segment, N_("Segment started."))


@pages.post("/sessions/{session_id}/timekeeper/segments/{segment_id}/end")
def segment_end(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId
) -> Response:
    ids = (session_id, segment_id)
    return _segment_step(request, db, user, ids, service.end_segment, N_("Segment ended."))


@pages.post("/sessions/{session_id}/timekeeper/turns")
def turn_start(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, session_id: DbId
) -> Response:
    session = session_service.get_session(db, session_id)
    speaker_id = form_id(form.get("speaker_id"))

    def start() -> object:
        if speaker_id is None:
            raise InvalidInput({"speaker_id": [N_("Choose a speaker.")]})
        return service.start_turn(db, actor=user, session=session, speaker_id=speaker_id)

    return _step(request, db, session, start, N_("Turn started."))


@pages.post("/sessions/{session_id}/timekeeper/turns/{turn_id}/end")
def turn_end(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId, turn_id: DbId
) -> Response:
    session = session_service.get_session(db, session_id)
    turn = service.get_turn(db, session, turn_id)
    return _step(
        request,
        db,
        session,
        lambda: service.end_turn(db, actor=user, session=session, turn=turn),
        N_("Turn ended."),
    )


# -- corrections after the fact ----------------------------------------------------------------


def _record_url(session_id: int, anchor: str = "") -> str:
    return f"/sessions/{session_id}/timekeeper/record" + (f"#{anchor}" if anchor else "")


def _local(value: datetime | None, zone: str) -> str:
    """A recorded time as a datetime-local field shows it: in the session's zone, to the second."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None).isoformat(timespec="seconds")


def _record_page(
    request: Request,
    db: SessionDep,
    session: ForumSession,
    focus: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = _context(db, session) | {
        "focus": focus or {},
        "local": _local,
        "zone": i18n.zone_label(session.timezone, session.starts_at),
    }
    return render(request, "timekeeping/record.html", context, status_code=status_code)


@pages.get("/sessions/{session_id}/timekeeper/record", response_class=HTMLResponse)
def timing_record(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId
) -> HTMLResponse:
    return _record_page(request, db, session_service.get_session(db, session_id))


def _correct(
    request: Request,
    db: SessionDep,
    session: ForumSession,
    form: FormData,
    key: str,
    action: Callable[[], object],
) -> Response:
    """A correction form: on bad input the page again with what was typed, at its form."""
    try:
        action()
    except (Conflict, InvalidInput) as exc:
        db.rollback()
        errors = exc.errors if isinstance(exc, InvalidInput) else {"__all__": [exc.message]}
        focus = {"key": key, "values": form_values(form), "errors": errors}
        return _record_page(request, db, session, focus, status_code=exc.status)
    flash(request, N_("Timing corrected."))
    assert session.id is not None
    return see_other(_record_url(session.id, key))


@pages.post("/sessions/{session_id}/timekeeper/segments/{segment_id}/times")
def segment_times(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    form: FormDep,
    session_id: DbId,
    segment_id: DbId,
) -> Response:
    session = session_service.get_session(db, session_id)
    segment = session_service.get_segment(db, session, segment_id)

    def act() -> None:
        data = parse_form(SegmentTimes, form)
        return service.correct_segment(db, actor=user, session=session, segment=segment, data=data)

    return _correct(request, db, session, form, f"segment-{segment_id}", act)


@pages.post("/sessions/{session_id}/timekeeper/turns/{turn_id}/times")
def turn_times(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    form: FormDep,
    session_id: DbId,
    turn_id: DbId,
) -> Response:
    session = session_service.get_session(db, session_id)
    turn = service.get_turn(db, session, turn_id)

    def act() -> None:
        data = parse_form(TurnTimes, form)
        service.correct_turn(db, actor=user, session=session, turn=turn, data=data)

    return _correct(request, db, session, form, f"turn-{turn_id}", act)


@pages.post("/sessions/{session_id}/timekeeper/turns/{turn_id}/delete")
def turn_remove(
    request: Request, db: SessionDep, user: StaffUser, session_id: DbId, turn_id: DbId
) -> Response:
    session = session_service.get_session(db, session_id)
    turn = service.get_turn(db, session, turn_id)
    service.remove_turn(db, actor=user, session=session, turn=turn)
    flash(request, N_("Turn removed."))
    return see_other(_record_url(session_id))


# -- JSON API -----------------------------------------------------------------------------------


def _state(db: SessionDep, session: ForumSession) -> TimekeepingState:
    return service.public_state(service.timing(db, session))


@api.get("/sessions/{session_id}/timekeeping", response_model=TimekeepingState)
def api_state(db: SessionDep, session_id: DbId) -> Any:
    return _state(db, session_service.get_session(db, session_id))


@api.get("/sessions/{session_id}/timekeeping/balance", response_model=SpeakingBalance)
def api_balance(db: SessionDep, session_id: DbId) -> Any:
    found = service.timing(db, session_service.get_session(db, session_id))
    return balance_service.speaking_balance(db, found)


@api.post(
    "/sessions/{session_id}/timekeeping/segments/{segment_id}/start",
    response_model=TimekeepingState,
)
def api_segment_start(db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId) -> Any:
    session = session_service.get_session(db, session_id)
    segment = session_service.get_segment(db, session, segment_id)
    service.start_segment(db, actor=user, session=session, segment=segment)
    return _state(db, session)


@api.post(
    "/sessions/{session_id}/timekeeping/segments/{segment_id}/end",
    response_model=TimekeepingState,
)
def api_segment_end(db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId) -> Any:
    session = session_service.get_session(db, session_id)
    segment = session_service.get_segment(db, session, segment_id)
    service.end_segment(db, actor=user, session=session, segment=segment)
    return _state(db, session)


@api.post(
    "/sessions/{session_id}/timekeeping/turns",
    response_model=TimekeepingState,
    status_code=201,
    responses={200: {"model": TimekeepingState, "description": "That speaker had the floor"}},
)
def api_turn_start(
    response: Response, db: SessionDep, user: StaffUser, session_id: DbId, data: TurnStart
) -> Any:
    session = session_service.get_session(db, session_id)
    _turn, new = service.start_turn(db, actor=user, session=session, speaker_id=data.speaker_id)
    if not new:
        response.status_code = 200
    return _state(db, session)


@api.post("/sessions/{session_id}/timekeeping/turns/{turn_id}/end", response_model=TimekeepingState)
def api_turn_end(db: SessionDep, user: StaffUser, session_id: DbId, turn_id: DbId) -> Any:
    session = session_service.get_session(db, session_id)
    turn = service.get_turn(db, session, turn_id)
    service.end_turn(db, actor=user, session=session, turn=turn)
    return _state(db, session)


@api.put(
    "/sessions/{session_id}/timekeeping/segments/{segment_id}",
    response_model=TimekeepingState,
)
def api_segment_times(
    db: SessionDep, user: StaffUser, session_id: DbId, segment_id: DbId, data: SegmentTimes
) -> Any:
    """Corrects a segment's recorded times; a time without a zone is the session's."""
    session = session_service.get_session(db, session_id)
    segment = session_service.get_segment(db, session, segment_id)
    service.correct_segment(db, actor=user, session=session, segment=segment, data=data)
    return _state(db, session)


@api.put("/sessions/{session_id}/timekeeping/turns/{turn_id}", response_model=TimekeepingState)
def api_turn_times(
    db: SessionDep, user: StaffUser, session_id: DbId, turn_id: DbId, data: TurnTimes
) -> Any:
    session = session_service.get_session(db, session_id)
    turn = service.get_turn(db, session, turn_id)
    service.correct_turn(db, actor=user, session=session, turn=turn, data=data)
    return _state(db, session)


@api.delete("/sessions/{session_id}/timekeeping/turns/{turn_id}", response_model=TimekeepingState)
def api_turn_remove(db: SessionDep, user: StaffUser, session_id: DbId, turn_id: DbId) -> Any:
    """Removes a turn tapped by mistake."""
    session = session_service.get_session(db, session_id)
    turn = service.get_turn(db, session, turn_id)
    service.remove_turn(db, actor=user, session=session, turn=turn)
    return _state(db, session)
