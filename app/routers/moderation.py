"""The moderators' queue and decisions, as pages and as API; the e-mail import."""

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app import i18n
from app.db import SessionDep
from app.deps import ModeratedContribution, Moderator, OptionalUser, VisibleContribution
from app.i18n import N_, Message
from app.lib.mailparse import MailError, ParsedMail, parse_eml
from app.models.contributions import (
    LABELS,
    STATUS_LABELS,
    ContributionPublic,
    ModerationAction,
    ModerationEventPublic,
    ModerationIn,
    Status,
)
from app.models.types import DbId
from app.routers.apiutil import Cursor, Limit, Page, api_router, pages_router
from app.routers.forms import FormDep, back_to, form_id, parse_form, see_other
from app.services import contributions as contribution_service
from app.services import forums as forum_service
from app.services import mailintake
from app.services import moderation as service
from app.services import sessions as session_service
from app.services.errors import Conflict, InvalidInput
from app.templating import flash, render

pages = pages_router()
api = api_router("moderation")


@pages.get("/moderation", response_class=HTMLResponse)
def queue_page(
    request: Request,
    db: SessionDep,
    user: Moderator,
    status: Status | None = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    items, next_cursor = service.queue(db, status=status, cursor=cursor)
    return render(
        request,
        "contributions/moderation.html",
        {
            "items": [(item, service.allowed_actions(user, item.contribution)) for item in items],
            "status": status.value if status else "",
            "status_choices": i18n.label_choices(STATUS_LABELS),
            "next_cursor": next_cursor,
            "nav": "moderation",
            **LABELS,
        },
    )


@pages.post("/contributions/{contribution_id:int}/moderate")
def moderate_page(
    request: Request,
    db: SessionDep,
    user: Moderator,
    form: FormDep,
    contribution: ModeratedContribution,
) -> Response:
    back = back_to(form, f"/contributions/{contribution.id}")
    try:
        data = parse_form(ModerationIn, form)
        service.moderate(
            db,
            actor=user,
            contribution=contribution,
            action=ModerationAction(data.action),
            reason=data.reason,
        )
    except InvalidInput as exc:
        # The decision is not applied; say why on the page the moderator came from.
        flash(request, next(m for messages in exc.errors.values() for m in messages))
        return see_other(back)
    except Conflict as exc:
        flash(request, exc.message, **exc.params)
        return see_other(back)
    flash(request, N_("Decision recorded."))
    return see_other(back)


@api.get("/moderation/queue", response_model=Page[ContributionPublic])
def api_queue(
    db: SessionDep,
    user: Moderator,
    status: Status | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Any:
    items, next_cursor = service.queue(db, status=status, limit=limit, cursor=cursor)
    return Page(
        items=[contribution_service.to_public(db, i.contribution, author=None) for i in items],
        next_cursor=next_cursor,
    )


@api.post("/contributions/{contribution_id}/moderation", response_model=ContributionPublic)
def api_moderate(
    db: SessionDep, user: Moderator, contribution: ModeratedContribution, data: ModerationIn
) -> Any:
    contribution = service.moderate(
        db,
        actor=user,
        contribution=contribution,
        action=ModerationAction(data.action),
        reason=data.reason,
    )
    return contribution_service.to_public(db, contribution, author=None)


@api.get("/contributions/{contribution_id}/events", response_model=list[ModerationEventPublic])
def api_events(db: SessionDep, user: OptionalUser, contribution: VisibleContribution) -> Any:
    """The moderation history, visible to whoever may see the contribution."""
    view = contribution_service.contribution_view(db, contribution, viewer=user)
    return contribution_service.public_events(view, viewer=user)


# -- e-mail intake -----------------------------------------------------------------------------

MAX_EML_FILES = 200
MAX_EML_BYTES = 25 * 1024 * 1024


def _import_page(
    request: Request,
    db: SessionDep,
    forum_id: int,
    report: mailintake.ImportReport | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    forum = forum_service.get_forum(db, forum_id)
    sessions, _ = session_service.list_sessions(db, forum_id=forum_id, limit=100, cursor=None)
    return render(
        request,
        "contributions/import.html",
        {
            "forum": forum,
            "report": report,
            "problems": [i18n.translate(p) for p in report.problems] if report else [],
            "errors": errors,
            "session_options": [(s.id, i18n.localized(s.title)[0]) for s in sessions],
            "max_files": MAX_EML_FILES,
            "nav": "moderation",
        },
        status_code=status_code,
    )


@pages.get("/forums/{forum_id}/import-mail", response_class=HTMLResponse)
def import_mail_page(
    request: Request, db: SessionDep, user: Moderator, forum_id: DbId
) -> HTMLResponse:
    return _import_page(request, db, forum_id)


def _messages(files: list[UploadFile]) -> Iterator[ParsedMail | Exception]:
    for upload in files:
        data = upload.file.read(MAX_EML_BYTES + 1)
        if len(data) > MAX_EML_BYTES:
            yield MailError(
                Message(N_("%(filename)s is too large to be an e-mail."), filename=upload.filename)
            )
            continue
        try:
            yield parse_eml(data)
        except MailError as exc:
            yield mailintake.problem(upload.filename or "", exc)


@pages.post("/forums/{forum_id}/import-mail", response_class=HTMLResponse)
def import_mail(
    request: Request, db: SessionDep, user: Moderator, form: FormDep, forum_id: DbId
) -> HTMLResponse:
    forum = forum_service.get_forum(db, forum_id)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    try:
        if not files:
            raise InvalidInput({"files": [N_("Choose one or more .eml files.")]})
        if len(files) > MAX_EML_FILES:
            too_many = Message(N_("Import at most %(count)s files at once."), count=MAX_EML_FILES)
            raise InvalidInput({"files": [too_many]})
        report = mailintake.import_messages(
            db,
            actor=user,
            forum=forum,
            session_id=form_id(form.get("session_id")),
            messages=_messages(files),
        )
    except InvalidInput as exc:
        return _import_page(request, db, forum_id, errors=exc.errors, status_code=422)
    return _import_page(request, db, forum_id, report=report)
