"""Stages and snapshots: moving a document between its stages (the gate of caucus sign-off), the
stage list, frozen snapshots at citable URLs, their diffs and exports, and what the public
reads.

The stage panel on the document page (registered with the document panels when this module is
imported) lists the stages with the current one marked in words and, for the secretariat, one
form to move on or back. A refused move comes back as a page of its own (409) naming each
section and caucus still to sign off, with links, and the reason as typed.
"""

from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app import i18n, permissions
from app.db import SessionDep
from app.deps import (
    CurrentUser,
    DocumentView,
    OptionalUser,
    ReadableSnapshot,
    SteeredDocument,
    document_view,
    snapshot_view,
)
from app.i18n import N_, Message
from app.models.policy import PolicyDocument
from app.models.policy_stages import (
    REASON_MAX,
    SnapshotPublic,
    SnapshotSummary,
    StageBlockedProblem,
    StagePublic,
    StagesIn,
    TransitionIn,
    TransitionOut,
)
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_action, form_values, see_other
from app.services import forums as forum_service
from app.services.errors import Conflict, InvalidInput
from app.services.policy import snapshot_diff, snapshots
from app.services.policy import stages as service
from app.services.policy.extensions import Panel, document_panels
from app.templating import flash, render
from app.web import fragments
from app.web.validation import errors_by_field

pages = pages_router()
api = api_router("policy")

TRANSITION_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {
        "model": StageBlockedProblem,
        "description": "The document cannot leave its sign-off stage yet (`blockers` says why), "
        "or it moved meanwhile, or the move does not apply",
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/StageBlockedProblem"}
            }
        },
    }
}
LOCALES = ("es", "pt", "en")


def _moved(snapshot: Any, stages: list[Any]) -> Message:
    return Message(
        N_("The document is now in “%(stage)s”; version %(number)s of its text was frozen."),
        stage=service.name_of_key(stages, snapshot.stage),
        number=snapshot.number,
    )


# -- the stage panel and moves --------------------------------------------------------------


def _panel_context(
    db: Session, user: User | None, document: PolicyDocument, **extra: Any
) -> dict[str, Any]:
    stages = service.stages_of(db, document.id or 0)
    keys = [s.key for s in stages]
    at = keys.index(document.stage) if document.stage in keys else -1
    latest = snapshots.snapshots_of(db, document.id or 0, public_only=False)
    shown = service.stages_public(db, document)
    states = ["current" if n == at else ("done" if n < at else "todo") for n in range(len(shown))]
    return {
        "stage_rows": list(zip(shown, states, strict=True)),
        "stage_document": document,
        "allowed": service.allowed(db, user, document),
        "next_name": service.stage_name(stages[at + 1]) if 0 <= at < len(stages) - 1 else None,
        "previous_name": service.stage_name(stages[at - 1]) if at > 0 else None,
        "current_signoff": stages[at].needs_signoff if at >= 0 else False,
        "can_steer": permissions.can_steer_process(user, document),
        "locked": at == len(stages) - 1 and at >= 0,
        "latest_snapshot": latest[0] if latest else None,
        "reason_max": REASON_MAX,
        "blockers": None,
        "stage_values": {},
        "stage_errors": None,
    } | extra


def _stage_panel(db: Session, user: User | None, document: PolicyDocument) -> list[Panel]:
    return [Panel("policy/_stage_panel.html", _panel_context(db, user, document))]


document_panels(_stage_panel)


def _transition_data(form: FormData) -> TransitionIn:
    raw = {
        "action": str(form.get("action") or ""),
        "reason": str(form.get("reason") or "").strip(),
        "from_stage": str(form.get("from_stage") or "").strip() or None,
    }
    try:
        return TransitionIn.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc


def _move_page(
    request: Request,
    db: Session,
    user: User,
    document: PolicyDocument,
    values: dict[str, Any],
    errors: dict[str, list[Any]] | None,
    blockers: list[Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    db.rollback()  # the refused move's transaction is over; read the document as it stands
    db.refresh(document)
    context = {
        "document": document,
        "errors": errors,
        **_panel_context(
            db, user, document, blockers=blockers, stage_values=values, stage_errors=errors
        ),
    }
    return render(request, "policy/stage_move.html", context, status_code=status_code)


@pages.post("/documents/{document_id}/transitions")
def move_page(
    request: Request, db: SessionDep, user: CurrentUser, document: SteeredDocument, form: FormDep
) -> Response:
    typed = form_values(form)
    try:
        data = _transition_data(form)
        snapshot = service.transition(
            db,
            document=document,
            actor=user,
            action=data.action,
            reason=data.reason,
            from_stage=data.from_stage,
        )
    except service.StageBlocked as exc:
        errors = {"__all__": [Message(exc.message, **exc.params)]}
        return _move_page(request, db, user, document, typed, errors, exc.blockers, 409)
    except InvalidInput as exc:
        return _move_page(request, db, user, document, typed, exc.errors, status_code=422)
    except Conflict as exc:
        errors = {"__all__": [Message(exc.message, **exc.params)]}
        return _move_page(request, db, user, document, typed, errors, status_code=409)
    flash(request, _moved(snapshot, service.stages_of(db, document.id or 0)))
    return see_other(f"/documents/{document.id}#stage")


# -- configuring the stages -----------------------------------------------------------------


def _stage_rows(db: Session, document: PolicyDocument) -> list[dict[str, Any]]:
    stages = service.stages_of(db, document.id or 0)
    keys = [s.key for s in stages]
    at = keys.index(document.stage) if document.stage in keys else len(keys) - 1
    return [
        {
            "key": s.key,
            "names": {code: service.stage_name(s, code) for code in LOCALES},
            "order": n,
            "public": s.public,
            "needs_signoff": s.needs_signoff,
            "fixed": n - 1 <= at,
            "current": s.key == document.stage,
        }
        for n, s in enumerate(stages, start=1)
    ]


def _typed_rows(form: FormData) -> list[dict[str, Any]]:
    """The rows as typed, to show the form again."""
    rows = []
    for i in range(_count(form)):
        key = str(form.get(f"s{i}.key") or "")
        rows.append(
            {
                "key": key,
                "names": {c: str(form.get(f"s{i}.name.{c}") or "") for c in LOCALES},
                "order": str(form.get(f"s{i}.order") or ""),
                "public": bool(form.get(f"s{i}.public")),
                "needs_signoff": bool(form.get(f"s{i}.needs_signoff")),
                "remove": bool(form.get(f"s{i}.remove")),
                "fixed": str(form.get(f"s{i}.fixed") or "") == "1",
                "current": False,
                "new": not key,
            }
        )
    return rows


def _count(form: FormData) -> int:
    raw = str(form.get("count") or "")
    return min(int(raw), 30) if raw.isdigit() else 0


def _order(raw: str, default: int) -> int:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 4 else default


def _parse_stages(form: FormData) -> StagesIn:
    """The form's rows as the API's list: a row marked for removal goes, the empty row for a
    new stage is ignored, and the rest are ordered by their "order" field (ties keep the
    page's order). Field errors name the row's fields."""
    picked: list[tuple[int, int, int, dict[str, Any]]] = []
    for i in range(_count(form)):
        key = str(form.get(f"s{i}.key") or "").strip() or None
        names = {c: str(form.get(f"s{i}.name.{c}") or "").strip() for c in LOCALES}
        if form.get(f"s{i}.remove"):
            continue
        if key is None and not any(names.values()):
            continue  # the blank row for a new stage, left blank
        item = {
            "key": key,
            "name": {c: v for c, v in names.items() if v},
            "public": bool(form.get(f"s{i}.public")),
            "needs_signoff": bool(form.get(f"s{i}.needs_signoff")),
        }
        picked.append((_order(str(form.get(f"s{i}.order") or ""), i + 1), i, i, item))
    picked.sort(key=lambda row: (row[0], row[1]))
    try:
        return StagesIn.model_validate({"stages": [row[3] for row in picked]})
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for name, messages in errors_by_field(exc.errors()).items():
            parts = name.split(".")
            if len(parts) >= 3 and parts[0] == "stages" and parts[1].isdigit():
                row = picked[int(parts[1])][2] if int(parts[1]) < len(picked) else 0
                name = f"s{row}-{parts[2]}"
            errors.setdefault(name if name != "stages" else "__all__", []).extend(messages)
        raise InvalidInput(errors) from exc


def _stages_form(
    request: Request,
    db: Session,
    document: PolicyDocument,
    rows: list[dict[str, Any]] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    if errors is not None:
        db.rollback()
        db.refresh(document)
    context = {
        "document": document,
        "rows": rows if rows is not None else _stage_rows(db, document),
        "locales": LOCALES,
        "errors": errors,
        "nav": "documents",
    }
    return render(request, "policy/stages.html", context, status_code=422 if errors else 200)


@pages.get("/documents/{document_id}/stages", response_class=HTMLResponse)
def stages_page(
    request: Request, db: SessionDep, user: CurrentUser, document: SteeredDocument
) -> HTMLResponse:
    return _stages_form(request, db, document)


@pages.post("/documents/{document_id}/stages")
def stages_save(
    request: Request, db: SessionDep, user: CurrentUser, document: SteeredDocument, form: FormDep
) -> Response:
    def save() -> Any:
        return service.configure_stages(db, document=document, actor=user, data=_parse_stages(form))

    return form_action(
        request,
        form,
        save,
        done=f"/documents/{document.id}/stages",
        again=lambda values, errors: _stages_form(request, db, document, _typed_rows(form), errors),
        saved=N_("The stages are saved."),
        conflicts=True,
    )


# -- snapshots ------------------------------------------------------------------------------


@pages.get("/documents/{document_id}/v", response_class=HTMLResponse)
def snapshot_list(
    request: Request, db: SessionDep, user: OptionalUser, document_id: DbId
) -> HTMLResponse:
    # Logged in: the copy every reader of the same role shares (web/fragments.py).
    def build(reader: Any) -> HTMLResponse:
        view = document_view(db, reader, document_id)
        document = view.document
        rows = snapshots.snapshots_of(db, document.id or 0, public_only=not view.working)
        context = {
            "document": document,
            "forum": forum_service.get_forum(db, document.forum_id),
            "rows": [snapshots.summary(r) for r in rows],
            "working": view.working,
            "nav": "documents",
        }
        return render(request, "policy/snapshot_list.html", context)

    return fragments.page(request, db, user, build)


@pages.get("/documents/{document_id}/v/{number}", response_class=HTMLResponse)
def snapshot_page(
    request: Request, db: SessionDep, user: OptionalUser, document_id: DbId, number: DbId
) -> HTMLResponse:
    def build(reader: Any) -> HTMLResponse:
        view = snapshot_view(db, reader, document_id, number)
        context = snapshots.reading(db, view) | {"nav": "documents"}
        return render(request, "policy/snapshot.html", context)

    return fragments.page(request, db, user, build)


@pages.get("/documents/{document_id}/v/{number}/diff", response_class=HTMLResponse)
def snapshot_diff_page(
    request: Request, db: SessionDep, user: OptionalUser, document_id: DbId, number: DbId
) -> HTMLResponse:
    return fragments.page(
        request, db, user, lambda reader: _diff_page(request, db, reader, document_id, number)
    )


def _diff_page(
    request: Request, db: SessionDep, user: Any, document_id: int, number: int
) -> HTMLResponse:
    view = snapshot_view(db, user, document_id, number)
    assert view.snapshot is not None
    before = snapshots.previous(db, view.snapshot, public_only=not view.working)
    context = {
        "document": view.document,
        "snapshot": view.snapshot,
        "stage_name": snapshots.stage_name_of(view.snapshot),
        "before": before,
        "before_name": snapshots.stage_name_of(before) if before else "",
        "sections": snapshot_diff.diff(before, view.snapshot) if before else [],
        "nav": "documents",
    }
    return render(request, "policy/snapshot_diff.html", context)


# -- the API --------------------------------------------------------------------------------


@api.post(
    "/documents/{document_id}/transitions",
    response_model=TransitionOut,
    responses=TRANSITION_RESPONSES,
)
def api_transition(
    db: SessionDep, user: CurrentUser, document: SteeredDocument, data: TransitionIn
) -> Any:
    """Moves the document to the next stage (`advance`) or back one (`return`, with a
    reason), freezing a snapshot of its text. Leaving a stage that needs caucus sign-off is
    refused (409) while any section has an objection or lacks a current review from a
    required caucus; `blockers` names each."""
    try:
        snapshot = service.transition(
            db,
            document=document,
            actor=user,
            action=data.action,
            reason=data.reason,
            from_stage=data.from_stage,
        )
    except service.StageBlocked as exc:
        body = StageBlockedProblem(
            title=i18n.gettext("Conflict"),
            status=409,
            detail=i18n.gettext(exc.message, **exc.params),
            blockers=exc.blockers,
        )
        return JSONResponse(
            jsonable_encoder(body), status_code=409, media_type="application/problem+json"
        )
    stages = service.stages_of(db, document.id or 0)
    return TransitionOut(
        document_id=document.id or 0,
        stage=snapshot.stage,
        stage_name=service.name_of_key(stages, snapshot.stage),
        snapshot=snapshot.number,
    )


@api.get("/documents/{document_id}/snapshots", response_model=list[SnapshotSummary])
def api_snapshots(db: SessionDep, view: DocumentView) -> list[SnapshotSummary]:
    """Newest first: the public ones for the public, all of them for the drafting team and
    the secretariat."""
    rows = snapshots.snapshots_of(db, view.document.id or 0, public_only=not view.working)
    return [snapshots.summary(r) for r in rows]


@api.get("/documents/{document_id}/snapshots/{number}", response_model=SnapshotPublic)
def api_snapshot(view: ReadableSnapshot) -> SnapshotPublic:
    """The frozen text: numbered sections, paragraphs with their ids, text, HTML and sources."""
    assert view.snapshot is not None
    return snapshots.public_shape(view.snapshot)


@api.get("/documents/{document_id}/stages", response_model=list[StagePublic])
def api_stages(db: SessionDep, view: DocumentView) -> list[StagePublic]:
    return service.stages_public(db, view.document)


@api.put("/documents/{document_id}/stages", response_model=list[StagePublic])
def api_configure(
    db: SessionDep, user: CurrentUser, document: SteeredDocument, data: StagesIn
) -> list[StagePublic]:
    """The whole list in order. Stages after the current one may be added (without a key,
    one is made from the name), moved and removed; the current stage and the ones before it
    keep their place (422)."""
    service.configure_stages(db, document=document, actor=user, data=data)
    db.refresh(document)
    return service.stages_public(db, document)
