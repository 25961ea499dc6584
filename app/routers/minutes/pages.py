"""Minutes pages: the reading page (printable; unpublished minutes for staff and, while
circulated, attendees), the staff editor (plain forms, reorder by buttons, no JavaScript
needed; a stale save shows both texts to choose or combine) and the attendees' corrections."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import col
from starlette.datastructures import FormData

from app import i18n, permissions
from app.db import SessionDep
from app.deps import (
    CorrectableMinutes,
    EditableMinutes,
    MinutesEditor,
    OptionalUser,
    ReadableMinutes,
)
from app.i18n import N_
from app.models import minutes as labels
from app.models.minutes import (
    CorrectionCreate,
    CorrectionDecision,
    HeaderUpdate,
    ItemCreate,
    ItemKind,
    ItemUpdate,
    Minutes,
    MinutesCreate,
    TransitionIn,
)
from app.models.speakers import Organisation, Speaker
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import pages_router
from app.routers.forms import FormDep, form_action, form_values, parse_form, see_other
from app.services import forums as forum_service
from app.services import minutes as service
from app.services import sessions as session_service
from app.services.contributions import user_names
from app.services.errors import AlreadyDone, InvalidInput, NotFound
from app.services.minutes.edit import get_item, text_of
from app.services.minutes.flow import pending_corrections
from app.services.minutes.reading import source_link
from app.templating import flash, is_htmx_partial, render
from app.web import fragments
from app.web.urls import absolute_url
from app.web.validation import errors_by_field

pages = pages_router()
CorrectableKindQ = Annotated[str, Query(pattern="^(turn|excerpt|decision|action|point)$")]
_IDS = ("speaker_id", "organisation_id", "before_turn_id")
_LISTS = ("turn_ids", "excerpt_ids")


def _validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc


def item_data(kind: str, form: FormData) -> dict[str, Any]:
    """What an item's form sends: only the fields it shows, an emptied one as empty (so that
    clearing a quote clears it), the points one per line."""
    data: dict[str, Any] = {
        "base_version": form.get("base_version"),
        "correction_note": str(form.get("correction_note") or ""),
    }
    if form.get("parent_id"):
        data["parent_id"] = form.get("parent_id")
    if form.get("idempotency_key"):
        data["idempotency_key"] = form.get("idempotency_key")
    names = (*service.SPECS[kind].fields, "account_email")
    for name in names:
        if name not in form:
            continue
        raw = str(form.get(name) or "")
        if name == "points":
            data[name] = [line for line in raw.splitlines() if line.strip()]
        elif name in (*_IDS, "due_on"):
            data[name] = raw or None
        else:
            data[name] = raw
    if "sources" in form:
        for name in _LISTS:
            data[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
    return data


def _names(db: SessionDep, data: service.Contents) -> dict[str, dict[int, Any]]:
    speaker_ids = {t.speaker_id for b in data.blocks for t in b.turns if t.speaker_id}
    speaker_ids |= {a.speaker_id for a in data.attendees if a.speaker_id}
    org_ids = {a.organisation_id for a in data.attendees if a.organisation_id}
    speakers = (
        {
            s.id: s
            for s in db.execute(select(Speaker).where(col(Speaker.id).in_(speaker_ids))).scalars()
        }
        if speaker_ids
        else {}
    )
    org_ids |= {s.organisation_id for s in speakers.values() if s.organisation_id}
    orgs = (
        {
            o.id: o
            for o in db.execute(
                select(Organisation).where(col(Organisation.id).in_(org_ids))
            ).scalars()
        }
        if org_ids
        else {}
    )
    return {"speakers": speakers, "orgs": orgs}


def _context(db: SessionDep, user: User | None, minutes: Minutes) -> dict[str, Any]:
    session = session_service.get_session(db, minutes.session_id)
    data = service.contents(db, minutes)
    credits = service.credits(db, minutes)
    proposer_names = user_names(db, {i for ids in credits.values() for i in ids})
    links = {e.id: source_link(db, e, user) for b in data.blocks for e in b.excerpts}
    return {
        "m": minutes,
        "session": session,
        "forum": forum_service.get_forum(db, session.forum_id),
        "data": data,
        "links": links,
        "credits": {k: [proposer_names.get(i, "") for i in v] for k, v in credits.items()},
        "status_labels": labels.STATUS_LABELS,
        "action_labels": labels.ACTION_LABELS,
        "action_status_labels": labels.ACTION_STATUS_LABELS,
        "correction_labels": labels.CORRECTION_STATUS_LABELS,
        "attendees": service.attendee_accounts(db, minutes.id or 0),
        "zone": i18n.zone_label(session.timezone, session.starts_at),
        "nav": "forums",
        **_names(db, data),
    }


def _languages(first: list[str]) -> list[tuple[str, str]]:
    """The interface languages, the session's own first."""
    codes = [c for c in first if c in i18n.LOCALES] + [c for c in i18n.LOCALES if c not in first]
    return [(code, i18n.language_name(code)) for code in codes]


# -- reading -----------------------------------------------------------------------------------


@pages.get("/sessions/{session_id}/minutes", response_class=HTMLResponse)
def minutes_page(
    request: Request, db: SessionDep, user: OptionalUser, session_id: DbId
) -> Response:
    # Logged in: the copy every reader of the same role shares (web/fragments.py).
    return fragments.page(
        request, db, user, lambda reader: _minutes_page(request, db, reader, session_id)
    )


def _minutes_page(request: Request, db: SessionDep, user: Any, session_id: int) -> HTMLResponse:
    session = session_service.get_session(db, session_id)
    found = service.of_session(db, session_id)
    if found is None:
        if not permissions.can_edit_minutes(user):
            raise NotFound()
        return render(
            request,
            "minutes/start.html",
            {
                "session": session,
                "forum": forum_service.get_forum(db, session.forum_id),
                "languages": _languages(session.languages),
                "nav": "forums",
            },
        )
    if not service.can_view(db, user, found):
        raise NotFound()
    return render(request, "minutes/read.html", _context(db, user, found))


@pages.post("/sessions/{session_id}/minutes")
def start_minutes(
    request: Request, db: SessionDep, user: MinutesEditor, form: FormDep, session_id: DbId
) -> Response:
    session = session_service.get_session(db, session_id)
    data = parse_form(MinutesCreate, form)
    try:
        made = service.create_draft(db, actor=user, session=session, data=data)
    except AlreadyDone as exc:
        # A double click (or a colleague a moment before): the draft there is the one to open.
        found = service.of_session(db, session_id)
        if found is None:  # deleted again meanwhile: nothing to open, say what happened
            raise
        flash(request, exc.message, **exc.params)
        return see_other(f"/minutes/{found.id}/edit")
    flash(request, N_("The draft is ready: it holds what the platform knows about the session."))
    return see_other(f"/minutes/{made.id}/edit")


# -- the editor --------------------------------------------------------------------------------


def _editor(
    request: Request,
    db: SessionDep,
    user: User,
    minutes: Minutes,
    focus: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    minutes = service.get_minutes(db, minutes.id or 0)
    context = _context(db, user, minutes) | {
        "focus": focus or {},
        # Each add form's idempotency key is this plus the form's name: a second tap, or the
        # browser resending after a lost answer, adds the item once; a form shown again after
        # an error keeps the key it was sent with.
        "form_key": uuid.uuid4().hex,
        "allowed": service.MINUTES.allowed(user, minutes),
        "kinds": service.KINDS,
        "speaker_choices": [
            (s.id, s.name)
            for s in db.execute(select(Speaker).order_by(col(Speaker.name))).scalars()
        ],
        "org_choices": [
            (o.id, o.name)
            for o in db.execute(select(Organisation).order_by(col(Organisation.name))).scalars()
        ],
        "languages": _languages([minutes.language]),
        "pending": pending_corrections(db, minutes.id or 0),
        "action_status_choices": i18n.label_choices(labels.ACTION_STATUS_LABELS),
        "account_emails": dict(
            db.execute(
                select(col(User.id), col(User.email)).where(
                    col(User.id).in_(service.attendee_accounts(db, minutes.id or 0))
                )
            ).all()
        ),
    }
    return render(request, "minutes/edit.html", context, status_code=status_code)


@pages.get("/minutes/{minutes_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, db: SessionDep, user: MinutesEditor, minutes: EditableMinutes
) -> HTMLResponse:
    return _editor(request, db, user, minutes)


def _edit_url(minutes: Minutes, anchor: str = "") -> str:
    return f"/minutes/{minutes.id}/edit" + (f"#{anchor}" if anchor else "")


def _run_edit(
    request: Request,
    db: SessionDep,
    user: User,
    minutes: Minutes,
    form: FormData,
    key: str,
    action: Any,
    anchor: str,
) -> Response:
    """A form post in the editor: on bad input the editor again with what was typed at the
    form's place; on a stale save both texts there, the typed one kept in the field. An autosave
    (htmx, while typing) gets only a status line for its form."""
    autosave = form.get("autosave") == "1" and is_htmx_partial(request)
    try:
        action()
    except InvalidInput as exc:
        db.rollback()
        if autosave:
            return _autosaved(request, db, minutes, key, "invalid", errors=exc.errors)
        invalid = {"key": key, "values": form_values(form), "errors": exc.errors}
        return _editor(request, db, user, minutes, invalid, status_code=422)
    except service.EditConflict as exc:
        db.rollback()
        if autosave:
            return _autosaved(request, db, minutes, key, "conflict")
        current = service.get_minutes(db, minutes.id or 0)
        focus: dict[str, Any] = {
            "key": key,
            "values": form_values(form) | {"base_version": current.version},
            "errors": {"__all__": [exc.message]},
            "conflict": exc,
        }
        return _editor(request, db, user, current, focus, status_code=409)
    if autosave:
        return _autosaved(request, db, minutes, key, "saved")
    flash(request, N_("Saved."))
    return see_other(_edit_url(minutes, anchor))


def _autosaved(
    request: Request,
    db: SessionDep,
    minutes: Minutes,
    key: str,
    outcome: str,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    # 200 even when refused: the answer is a status line that htmx must show (it swaps no 4xx
    # by default), and the form, with what was typed, is left as it is.
    current = service.get_minutes(db, minutes.id or 0)
    context = {
        "key": key,
        "outcome": outcome,
        "errors": errors or {},
        "version": current.version,
        "saved_at": datetime.now(UTC),
        "session": session_service.get_session(db, current.session_id),
    }
    return render(request, "minutes/_autosave.html", context)


@pages.post("/minutes/{minutes_id}/header")
def save_header(
    request: Request, db: SessionDep, user: MinutesEditor, minutes: EditableMinutes, form: FormDep
) -> Response:
    def act() -> Any:
        data = _validate(HeaderUpdate, {k: form.get(k) for k in form if k != "csrf_token"})
        return service.update_header(db, actor=user, minutes=minutes, data=data)

    return _run_edit(request, db, user, minutes, form, "header", act, "header")


@pages.post("/minutes/{minutes_id}/items/{kind}")
def add_item(
    request: Request,
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    form: FormDep,
    kind: ItemKind,
) -> Response:
    parent = str(form.get("parent_id") or "")

    def act() -> Any:
        data = _validate(ItemCreate, item_data(kind, form))
        return service.add_item(db, actor=user, minutes=minutes, kind=kind, data=data)

    key = f"new-{kind}-{parent}"
    return _run_edit(request, db, user, minutes, form, key, act, key)


@pages.post("/minutes/{minutes_id}/items/{kind}/{item_id}")
def save_item(
    request: Request,
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    form: FormDep,
    kind: ItemKind,
    item_id: DbId,
) -> Response:
    def act() -> Any:
        data = _validate(ItemUpdate, item_data(kind, form))
        return service.update_item(
            db, actor=user, minutes=minutes, kind=kind, item_id=item_id, data=data
        )

    key = f"{kind}-{item_id}"
    return _run_edit(request, db, user, minutes, form, key, act, key)


@pages.post("/minutes/{minutes_id}/items/{kind}/{item_id}/delete")
def delete_item(
    request: Request,
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    form: FormDep,
    kind: ItemKind,
    item_id: DbId,
) -> Response:
    def act() -> Any:
        version = str(form.get("base_version") or "")
        if not version.isdigit():
            raise InvalidInput({"base_version": [N_("Reload the page and try again.")]})
        return service.delete_item(
            db,
            actor=user,
            minutes=minutes,
            kind=kind,
            item_id=item_id,
            base_version=int(version),
            correction_note=str(form.get("correction_note") or ""),
        )

    return _run_edit(request, db, user, minutes, form, f"{kind}-{item_id}", act, "")


@pages.post("/minutes/{minutes_id}/items/{kind}/{item_id}/move")
def move_item(
    request: Request,
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    form: FormDep,
    kind: ItemKind,
    item_id: DbId,
) -> Response:
    step = -1 if form.get("direction") == "up" else 1
    service.move_item(db, actor=user, minutes=minutes, kind=kind, item_id=item_id, step=step)
    flash(request, N_("Moved."))
    return see_other(_edit_url(minutes, f"{kind}-{item_id}"))


@pages.post("/minutes/{minutes_id}/transitions")
def take_transition(
    request: Request, db: SessionDep, user: MinutesEditor, minutes: EditableMinutes, form: FormDep
) -> Response:
    link = absolute_url(request, f"/sessions/{minutes.session_id}/minutes")

    def act() -> Any:
        data = parse_form(TransitionIn, form)
        return service.transition(db, actor=user, minutes=minutes, data=data, link=link)

    return form_action(
        request,
        form,
        act,
        done=_edit_url(minutes, "workflow"),
        again=lambda values, errors: _editor(
            request, db, user, minutes, {"key": "workflow", "values": values, "errors": errors}
        ),
        conflicts=True,
    )


# -- corrections -------------------------------------------------------------------------------


def _corrections_page(
    request: Request,
    db: SessionDep,
    user: User,
    minutes: Minutes,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    values = values or {}
    item = None
    kind = str(values.get("item_kind") or "")
    if kind in service.SPECS and str(values.get("item_id") or "").isdigit():
        try:
            item = get_item(db, minutes, kind, int(values["item_id"]))
        except NotFound:
            item = None
    rows = service.list_corrections(db, minutes=minutes, viewer=user)
    names = user_names(db, {c.proposer_id for c in rows if c.proposer_id})
    context = _context(db, user, minutes) | {
        "values": values,
        "errors": errors,
        "item": item,
        "item_text": text_of(kind, item) if item is not None else "",
        "corrections": rows,
        "proposers": names,
        "can_propose": permissions.can_propose_minutes_correction(
            user, minutes, service.attendee_accounts(db, minutes.id or 0)
        ),
    }
    return render(request, "minutes/corrections.html", context)


@pages.get("/minutes/{minutes_id}/corrections", response_class=HTMLResponse)
def corrections_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    minutes: ReadableMinutes,
    kind: CorrectableKindQ | None = None,
    item: DbId | None = None,
) -> HTMLResponse:
    if user is None:
        raise NotFound()
    values = {"item_kind": kind or "", "item_id": item or ""}
    return _corrections_page(request, db, user, minutes, values)


@pages.post("/minutes/{minutes_id}/corrections")
def propose(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    minutes: CorrectableMinutes,
    form: FormDep,
) -> Response:
    assert user is not None
    return form_action(
        request,
        form,
        lambda: service.propose(
            db, actor=user, minutes=minutes, data=parse_form(CorrectionCreate, form)
        ),
        done=f"/minutes/{minutes.id}/corrections#yours",
        again=lambda values, errors: _corrections_page(request, db, user, minutes, values, errors),
        saved=N_("Your correction is sent to the secretariat."),
        conflicts=True,
    )


@pages.post("/minutes/{minutes_id}/corrections/{correction_id}/decision")
def decide(
    request: Request,
    db: SessionDep,
    user: MinutesEditor,
    minutes: EditableMinutes,
    form: FormDep,
    correction_id: DbId,
) -> Response:
    correction = service.get_correction(db, minutes, correction_id)
    return form_action(
        request,
        form,
        lambda: service.decide(
            db,
            actor=user,
            minutes=minutes,
            correction=correction,
            data=parse_form(CorrectionDecision, form),
        ),
        done=f"/minutes/{minutes.id}/corrections#correction-{correction_id}",
        again=lambda values, errors: _corrections_page(
            request, db, user, minutes, values | {"decision_for": correction_id}, errors
        ),
        saved=N_("Decision recorded."),
        conflicts=True,
    )
