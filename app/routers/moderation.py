"""The moderators' queue and decisions, as pages and as API."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app import i18n
from app.db import SessionDep
from app.deps import CurrentUser, OptionalUser
from app.i18n import N_, gettext
from app.lib.mailparse import MailError, ParsedMail, parse_eml
from app.models.contributions import (
    ContributionPublic,
    ModerationAction,
    ModerationEventPublic,
    ModerationIn,
    Status,
)
from app.models.types import DbId
from app.models.users import User
from app.permissions import can_moderate
from app.routers.apiutil import Cursor, Limit, Page, api_router, pages_router
from app.routers.contributions import LABELS, to_public
from app.routers.forms import FormDep, back_to, form_id, parse_form, see_other
from app.services import contributions as contribution_service
from app.services import forums as forum_service
from app.services import mailintake
from app.services import moderation as service
from app.services.errors import Conflict, InvalidInput, PermissionDenied
from app.templating import flash, render

pages = pages_router()
api = api_router("moderation")


async def moderator(user: CurrentUser) -> User:
    if not can_moderate(user):
        raise PermissionDenied()
    return user


ModeratorUser = Annotated[User, Depends(moderator)]


@pages.get("/moderation", response_class=HTMLResponse)
def queue_page(
    request: Request,
    db: SessionDep,
    user: ModeratorUser,
    status: Status | None = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    items, next_cursor = service.queue(db, status=status, cursor=cursor)
    return render(
        request,
        "contributions/moderation.html",
        {
            "items": [(item, service.allowed_actions(item.contribution)) for item in items],
            "status": status.value if status else "",
            "status_choices": i18n.label_choices(service.STATUS_LABELS),
            "next_cursor": next_cursor,
            "nav": "moderation",
            **LABELS,
        },
    )


@pages.post("/contributions/{contribution_id:int}/moderate")
def moderate_page(
    request: Request, db: SessionDep, user: ModeratorUser, form: FormDep, contribution_id: DbId
) -> Response:
    contribution = contribution_service.get_contribution(db, contribution_id)
    back = back_to(form, f"/contributions/{contribution_id}")
    try:
        data = parse_form(ModerationIn, form)
        service.moderate(
            db, actor=user, contribution=contribution, action=data.action, reason=data.reason
        )
    except (InvalidInput, Conflict) as exc:
        # The decision is not applied; say why on the page the moderator came from.
        messages = (
            [m for field in exc.errors.values() for m in field]
            if isinstance(exc, InvalidInput)
            else [exc.message]
        )
        flash(request, messages[0], **exc.params)
        return see_other(back)
    flash(request, N_("Decision recorded."))
    return see_other(back)


@api.get("/moderation/queue", response_model=Page[ContributionPublic])
def api_queue(
    db: SessionDep,
    user: ModeratorUser,
    status: Status | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Any:
    items, next_cursor = service.queue(db, status=status, limit=limit, cursor=cursor)
    return Page(
        items=[to_public(db, item.contribution, author=None) for item in items],
        next_cursor=next_cursor,
    )


@api.post("/contributions/{contribution_id}/moderation", response_model=ContributionPublic)
def api_moderate(
    db: SessionDep, user: ModeratorUser, contribution_id: DbId, data: ModerationIn
) -> Any:
    contribution = contribution_service.get_contribution(db, contribution_id)
    contribution = service.moderate(
        db, actor=user, contribution=contribution, action=data.action, reason=data.reason
    )
    return to_public(db, contribution, author=None)


@api.get("/contributions/{contribution_id}/events", response_model=list[ModerationEventPublic])
def api_events(db: SessionDep, user: OptionalUser, contribution_id: DbId) -> Any:
    """The moderation history, visible to whoever may see the contribution."""
    contribution = contribution_service.get_visible(db, contribution_id, viewer=user)
    view = contribution_service.contribution_view(db, contribution, viewer=user)
    return [
        ModerationEventPublic(
            id=event.id or 0,
            action=ModerationAction(event.action),
            from_status=event.from_status,
            to_status=event.to_status,
            reason=event.reason,
            actor=actor if can_moderate(user) else None,
            created_at=event.created_at,
        )
        for event, actor in view.events
    ]


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
    sessions, _ = forum_service.list_sessions(db, forum_id=forum_id, limit=100, cursor=None)
    return render(
        request,
        "contributions/import.html",
        {
            "forum": forum,
            "report": report,
            "errors": errors,
            "session_options": [(s.id, i18n.localized(s.title)[0]) for s in sessions],
            "max_files": MAX_EML_FILES,
            "nav": "moderation",
        },
        status_code=status_code,
    )


@pages.get("/forums/{forum_id}/import-mail", response_class=HTMLResponse)
def import_mail_page(
    request: Request, db: SessionDep, user: ModeratorUser, forum_id: DbId
) -> HTMLResponse:
    return _import_page(request, db, forum_id)


@pages.post("/forums/{forum_id}/import-mail", response_class=HTMLResponse)
def import_mail(
    request: Request, db: SessionDep, user: ModeratorUser, form: FormDep, forum_id: DbId
) -> HTMLResponse:
    forum = forum_service.get_forum(db, forum_id)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not files:
        errors = {"files": [gettext(N_("Choose one or more .eml files."))]}
        return _import_page(request, db, forum_id, errors=errors, status_code=422)
    if len(files) > MAX_EML_FILES:
        errors = {
            "files": [gettext(N_("Import at most %(count)s files at once."), count=MAX_EML_FILES)]
        }
        return _import_page(request, db, forum_id, errors=errors, status_code=422)
    session_id = form_id(form.get("session_id"))

    def messages() -> Iterator[ParsedMail | Exception]:
        for upload in files:
            data = upload.file.read(MAX_EML_BYTES + 1)
            if len(data) > MAX_EML_BYTES:
                yield MailError(
                    gettext(
                        N_("%(filename)s is too large to be an e-mail."), filename=upload.filename
                    )
                )
                continue
            try:
                yield parse_eml(data)
            except MailError as exc:
                yield MailError(f"{upload.filename}: {exc}")

    try:
        report = mailintake.import_messages(
            db, actor=user, forum=forum, session_id=session_id, messages=messages()
        )
    except InvalidInput as exc:
        return _import_page(request, db, forum_id, errors=exc.errors, status_code=422)
    return _import_page(request, db, forum_id, report=report)
