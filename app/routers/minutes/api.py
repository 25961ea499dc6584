"""The minutes' JSON API: the pre-filled draft, versioned edits (a stale save of the same item
gets 409 with both texts and the current state), transitions and corrections."""

from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from app.db import SessionDep
from app.deps import (
    CorrectableMinutes,
    EditableMinutes,
    MinutesEditor,
    OptionalUser,
    ReadableMinutes,
)
from app.i18n import gettext
from app.models.minutes import (
    CorrectionCreate,
    CorrectionDecision,
    CorrectionPublic,
    EditConflictProblem,
    HeaderUpdate,
    ItemCreate,
    ItemKind,
    ItemMove,
    ItemUpdate,
    Minutes,
    MinutesCreate,
    MinutesPublic,
    TransitionIn,
)
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import IdempotencyKeyHeader, api_router, header_key, replayed
from app.services import minutes as service
from app.services import sessions as session_service
from app.services.contributions import user_names
from app.services.errors import NotFound
from app.web.urls import absolute_url

api = api_router("minutes")
STALE: dict[int | str, dict[str, Any]] = {
    409: {
        "model": EditConflictProblem,
        "description": "Someone changed this item meanwhile (with both versions), or the base "
        "version given does not exist",
        "content": {
            "application/problem+json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/EditConflictProblem"},
                        {"$ref": "#/components/schemas/Problem"},
                    ]
                }
            }
        },
    }
}
BaseVersion = Annotated[int, Query(ge=1, le=2**31 - 1, description="The version you edited")]
Note = Annotated[str, Query(max_length=1000, description="Once published: what was corrected")]


def public(db: SessionDep, minutes: Minutes, viewer: User | None) -> MinutesPublic:
    allowed = service.MINUTES.allowed(viewer, minutes)
    return service.to_public(db, service.contents(db, minutes), viewer, allowed)


def _stale(db: SessionDep, exc: service.EditConflict, minutes: Minutes, user: User) -> JSONResponse:
    db.rollback()
    current = service.get_minutes(db, minutes.id or 0)
    body = EditConflictProblem(
        title=gettext("Conflict"),
        status=409,
        detail=gettext(exc.message),
        kind=exc.kind,
        item_id=exc.item_id,
        version=exc.version,
        current=jsonable_encoder(exc.current),
        yours=jsonable_encoder(exc.yours),
        minutes=public(db, current, user),
    )
    return JSONResponse(
        jsonable_encoder(body), status_code=409, media_type="application/problem+json"
    )


def _session_minutes(db: SessionDep, user: User | None, session_id: int) -> Minutes:
    session_service.get_session(db, session_id)
    found = service.of_session(db, session_id)
    if found is None or not service.can_view(db, user, found):
        raise NotFound()
    return found


@api.post("/sessions/{session_id}/minutes", response_model=MinutesPublic, status_code=201)
def create_minutes(
    db: SessionDep, user: MinutesEditor, session_id: DbId, data: MinutesCreate | None = None
) -> MinutesPublic:
    """The pre-filled draft (409 if the session has minutes already)."""
    session = session_service.get_session(db, session_id)
    made = service.create_draft(db, actor=user, session=session, data=data or MinutesCreate())
    return public(db, made, user)


@api.get("/sessions/{session_id}/minutes", response_model=MinutesPublic)
def read_minutes(db: SessionDep, user: OptionalUser, session_id: DbId) -> MinutesPublic:
    return public(db, _session_minutes(db, user, session_id), user)


@api.get("/minutes/{minutes_id}", response_model=MinutesPublic)
def read_minutes_by_id(
    db: SessionDep, user: OptionalUser, minutes: ReadableMinutes
) -> MinutesPublic:
    return public(db, minutes, user)


@api.put("/minutes/{minutes_id}", response_model=MinutesPublic, responses=STALE)
def update_header(
    db: SessionDep, user: MinutesEditor, minutes: EditableMinutes, data: HeaderUpdate
) -> Any:
    try:
        done = service.update_header(db, actor=user, minutes=minutes, data=data)
    except service.EditConflict as exc:
        return _stale(db, exc, minutes, user)
    return public(db, done, user)


@api.post(
    "/minutes/{minutes_id}/items/{kind}",
    response_model=MinutesPublic,
    status_code=201,
    responses=replayed(MinutesPublic),
)
def add_item(
    response: Response,
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    kind: ItemKind,
    data: ItemCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MinutesPublic:
    """Adds an item of this kind. A retry with the same idempotency key (the `Idempotency-Key`
    header or `idempotency_key`) adds nothing and answers 200 with the minutes as they are."""
    key = header_key(idempotency_key)
    if key and not data.idempotency_key:
        data = data.model_copy(update={"idempotency_key": key})
    if service.added_before(db, actor=user, minutes=minutes, key=data.idempotency_key) is not False:
        response.status_code = 200
    done, _ = service.add_item(db, actor=user, minutes=minutes, kind=kind, data=data)
    return public(db, done, user)


@api.put(
    "/minutes/{minutes_id}/items/{kind}/{item_id}", response_model=MinutesPublic, responses=STALE
)
def update_item(
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    kind: ItemKind,
    item_id: DbId,
    data: ItemUpdate,
) -> Any:
    try:
        done = service.update_item(
            db, actor=user, minutes=minutes, kind=kind, item_id=item_id, data=data
        )
    except service.EditConflict as exc:
        return _stale(db, exc, minutes, user)
    return public(db, done, user)


@api.delete(
    "/minutes/{minutes_id}/items/{kind}/{item_id}", response_model=MinutesPublic, responses=STALE
)
def delete_item(
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    kind: ItemKind,
    item_id: DbId,
    base_version: BaseVersion,
    correction_note: Note = "",
) -> Any:
    try:
        done = service.delete_item(
            db,
            actor=user,
            minutes=minutes,
            kind=kind,
            item_id=item_id,
            base_version=base_version,
            correction_note=correction_note,
        )
    except service.EditConflict as exc:
        return _stale(db, exc, minutes, user)
    return public(db, done, user)


@api.post("/minutes/{minutes_id}/items/{kind}/{item_id}/move", response_model=MinutesPublic)
def move_item(
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    kind: ItemKind,
    item_id: DbId,
    data: ItemMove,
) -> MinutesPublic:
    step = -1 if data.direction == "up" else 1
    done = service.move_item(db, actor=user, minutes=minutes, kind=kind, item_id=item_id, step=step)
    return public(db, done, user)


@api.post("/minutes/{minutes_id}/transitions", response_model=MinutesPublic)
def take_transition(
    request: Request,
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    data: TransitionIn,
) -> MinutesPublic:
    link = absolute_url(request, f"/sessions/{minutes.session_id}/minutes")
    done = service.transition(db, actor=user, minutes=minutes, data=data, link=link)
    return public(db, done, user)


def _corrections_out(db: SessionDep, rows: Any) -> list[CorrectionPublic]:
    names = user_names(db, {c.proposer_id for c in rows if c.proposer_id})
    return [service.correction_public(c, names) for c in rows]


@api.get("/minutes/{minutes_id}/corrections", response_model=list[CorrectionPublic])
def list_corrections(
    db: SessionDep, user: OptionalUser, minutes: ReadableMinutes
) -> list[CorrectionPublic]:
    """Staff see every proposal; an attendee their own; anyone else none."""
    if user is None:
        return []
    return _corrections_out(db, service.list_corrections(db, minutes=minutes, viewer=user))


@api.post("/minutes/{minutes_id}/corrections", response_model=CorrectionPublic, status_code=201)
def propose_correction(
    db: SessionDep, user: OptionalUser, minutes: CorrectableMinutes, data: CorrectionCreate
) -> CorrectionPublic:
    assert user is not None
    made = service.propose(db, actor=user, minutes=minutes, data=data)
    return _corrections_out(db, [made])[0]


@api.post(
    "/minutes/{minutes_id}/corrections/{correction_id}/decision", response_model=CorrectionPublic
)
def decide_correction(
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    correction_id: DbId,
    data: CorrectionDecision,
) -> CorrectionPublic:
    correction = service.get_correction(db, minutes, correction_id)
    done = service.decide(db, actor=user, minutes=minutes, correction=correction, data=data)
    return _corrections_out(db, [done])[0]
