"""The moderators' queue and decisions, as pages and as API; the e-mail import."""

from collections.abc import Iterator
from typing import Any, get_args

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app import i18n
from app.db import SessionDep
from app.deps import (
    CurrentUser,
    EditableContribution,
    ModeratedContribution,
    Moderator,
    OptionalUser,
    VisibleContribution,
)
from app.i18n import N_, Message
from app.lib.mailparse import MailError, ParsedMail, parse_eml
from app.models.contributions import (
    ACTION_LABELS,
    LABELS,
    STATUS_LABELS,
    AnswerIn,
    BulkDecision,
    BulkModerationIn,
    BulkModerationOut,
    BulkRefusal,
    Contribution,
    ContributionEdit,
    ContributionPublic,
    ModerationAction,
    ModerationEventPublic,
    ModerationIn,
    Status,
)
from app.models.types import DbId
from app.routers.apiutil import Cursor, Limit, Page, api_router, pages_router
from app.routers.forms import FormDep, back_to, form_id, form_values, parse_form, see_other
from app.services import contributions as contribution_service
from app.services import forums as forum_service
from app.services import mailintake
from app.services import moderation as service
from app.services import sessions as session_service
from app.services.contributions import staff
from app.services.errors import Conflict, InvalidInput
from app.templating import flash_about, keep_form, render
from app.web.urls import absolute_url

pages = pages_router()
api = api_router("moderation")


def _item_title(contribution: Contribution) -> str:
    return contribution_service.short_title(contribution)


@pages.get("/moderation", response_class=HTMLResponse)
def queue_page(
    request: Request,
    db: SessionDep,
    user: Moderator,
    status: Status | None = None,
    forum_id: DbId | None = None,
    session_id: DbId | None = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    items, next_cursor = service.queue(
        db, status=status, forum_id=forum_id, session_id=session_id, cursor=cursor
    )
    forums = forum_service.all_forums_with_counts(db)
    sessions = (
        session_service.list_sessions(db, forum_id=forum_id, limit=100, cursor=None)[0]
        if forum_id
        else []
    )
    filters = [("status", status.value if status else ""), ("forum_id", forum_id or "")]
    filters.append(("session_id", session_id or ""))
    return render(
        request,
        "contributions/moderation.html",
        {
            "items": [(item, service.allowed_actions(user, item.contribution)) for item in items],
            "status": status.value if status else "",
            "forum_id": forum_id,
            "session_id": session_id,
            "filters": [(k, v) for k, v in filters if v],
            "status_choices": i18n.label_choices(STATUS_LABELS),
            "forum_options": [(f.id, i18n.localized(f.title)[0]) for f, _ in forums],
            "session_options": [(s.id, i18n.localized(s.title)[0]) for s in sessions],
            "bulk_actions": i18n.label_choices({a: ACTION_LABELS[a] for a in BULK_ACTIONS}),
            "reaches_sender": service.reaches_sender,
            "next_cursor": next_cursor,
            "nav": "moderation",
            **LABELS,
        },
    )


BULK_ACTIONS = [ModerationAction(a) for a in get_args(BulkDecision)]


@pages.post("/contributions/{contribution_id:int}/moderate")
def moderate_page(
    request: Request,
    db: SessionDep,
    user: Moderator,
    form: FormDep,
    contribution: ModeratedContribution,
) -> Response:
    back = back_to(form, f"/contributions/{contribution.id}")
    here = f"{back}#moderate-{contribution.id}"
    try:
        data = parse_form(ModerationIn, form)
        service.moderate(
            db,
            actor=user,
            contribution=contribution,
            action=ModerationAction(data.action),
            reason=data.reason,
            base_url=absolute_url(request, ""),
        )
    except InvalidInput as exc:
        # Not applied: the error and the typed reason go back to this item's own form.
        keep_form(request, f"moderate-{contribution.id}", form_values(form), exc.errors)
        return see_other(here)
    except Conflict as exc:
        keep_form(
            request,
            f"moderate-{contribution.id}",
            form_values(form),
            {"action": [Message(exc.message, **exc.params)]},
        )
        return see_other(here)
    flash_about(
        request,
        N_("Decision recorded (%(action)s):"),
        action=Message(ACTION_LABELS[data.action]),
        href=f"/contributions/{contribution.id}",
        title=_item_title(contribution),
    )
    return see_other(back)


@pages.post("/moderation/decisions")
def moderate_many_page(
    request: Request, db: SessionDep, user: Moderator, form: FormDep
) -> Response:
    """One decision on the items ticked in the queue (works without JavaScript: the boxes
    belong to this form through their `form` attribute)."""
    back = back_to(form, "/moderation")
    try:
        data = parse_form(BulkModerationIn, form)
        found = contribution_service.find_many(db, data.ids)
        outcome = service.moderate_many(
            db,
            actor=user,
            contributions=found,
            action=ModerationAction(data.action),
            reason=data.reason,
            base_url=absolute_url(request, ""),
        )
    except InvalidInput as exc:
        keep_form(request, "bulk", form_values(form), exc.errors)
        return see_other(f"{back}#bulk")
    lines = [
        Message(N_("Not applied to “%(title)s”: %(why)s"), title=_item_title(c), why=Message(why))
        for c, why in outcome.refused
    ]
    lines += [Message(N_("Done: “%(title)s”"), title=_item_title(c)) for c in outcome.done]
    flash_about(
        request,
        N_("%(action)s: %(done)s of %(total)s items. The queue:"),
        action=Message(ACTION_LABELS[data.action]),
        done=len(outcome.done),
        total=len(found),
        href=back,
        title=i18n.translate(N_("Moderation queue")),
        lines=lines,
    )
    return see_other(back)


@api.get("/moderation/queue", response_model=Page[ContributionPublic])
def api_queue(
    db: SessionDep,
    user: Moderator,
    status: Status | None = None,
    forum_id: DbId | None = None,
    session_id: DbId | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Any:
    items, next_cursor = service.queue(
        db, status=status, forum_id=forum_id, session_id=session_id, limit=limit, cursor=cursor
    )
    return Page(
        items=[contribution_service.to_public(db, i.contribution, author=None) for i in items],
        next_cursor=next_cursor,
    )


@api.post("/contributions/{contribution_id}/moderation", response_model=ContributionPublic)
def api_moderate(
    request: Request,
    db: SessionDep,
    user: Moderator,
    contribution: ModeratedContribution,
    data: ModerationIn,
) -> Any:
    contribution = service.moderate(
        db,
        actor=user,
        contribution=contribution,
        action=ModerationAction(data.action),
        reason=data.reason,
        base_url=absolute_url(request, ""),
    )
    return contribution_service.to_public(db, contribution, author=None)


@api.post("/moderation/decisions", response_model=BulkModerationOut)
def api_moderate_many(
    request: Request, db: SessionDep, user: Moderator, data: BulkModerationIn
) -> Any:
    """One decision on several contributions; each is decided on its own (its own event), and
    those it no longer applies to are listed with the reason."""
    outcome = service.moderate_many(
        db,
        actor=user,
        contributions=contribution_service.find_many(db, data.ids),
        action=ModerationAction(data.action),
        reason=data.reason,
        base_url=absolute_url(request, ""),
    )
    return BulkModerationOut(
        done=[c.id or 0 for c in outcome.done],
        refused=[
            BulkRefusal(id=c.id or 0, detail=i18n.translate(why)) for c, why in outcome.refused
        ],
    )


@api.get("/contributions/{contribution_id}/events", response_model=list[ModerationEventPublic])
def api_events(db: SessionDep, user: OptionalUser, contribution: VisibleContribution) -> Any:
    """The moderation history, visible to whoever may see the contribution."""
    view = contribution_service.contribution_view(db, contribution, viewer=user)
    return contribution_service.public_events(view, viewer=user)


# -- the secretariat's tools on a contribution: filing it, answering it; the minutes' items -----


def _edit_from_form(form: Any) -> ContributionEdit:
    """The filing form always sends all three fields (the themes with an empty hidden one, so
    that unticking every box clears them): an empty select means none."""
    session_id, caucus_id = form_id(form.get("session_id")), form_id(form.get("caucus_id"))
    return parse_form(
        ContributionEdit,
        form,
        session_id=session_id,
        caucus_id=caucus_id,
        clear_session=session_id is None,
        clear_caucus=caucus_id is None,
    )


def _staff_form(
    request: Request, form: Any, contribution: Contribution, key: str, action: Any
) -> Response:
    """A staff form on the contribution's page: done, the page with a notice naming it; refused,
    the page with the error on that form and what was typed."""
    here = f"/contributions/{contribution.id}"
    try:
        action()
    except InvalidInput as exc:
        keep_form(request, key, form_values(form), exc.errors)
        return see_other(f"{here}#{key}")
    flash_about(request, N_("Saved:"), href=here, title=_item_title(contribution))
    return see_other(here)


@pages.post("/contributions/{contribution_id:int}/edit")
def edit_page(
    request: Request, db: SessionDep, user: CurrentUser, form: FormDep, c: EditableContribution
) -> Response:
    return _staff_form(
        request,
        form,
        c,
        "edit",
        lambda: staff.edit(db, actor=user, contribution=c, data=_edit_from_form(form)),
    )


@pages.post("/contributions/{contribution_id:int}/answer")
def answer_page(
    request: Request, db: SessionDep, user: CurrentUser, form: FormDep, c: EditableContribution
) -> Response:
    return _staff_form(
        request,
        form,
        c,
        "answer",
        lambda: staff.answer(
            db, actor=user, contribution=c, text=parse_form(AnswerIn, form).answer
        ),
    )


@pages.get("/sessions/{session_id}/for-minutes", response_class=HTMLResponse)
def for_minutes_page(
    request: Request, db: SessionDep, user: Moderator, session_id: DbId
) -> HTMLResponse:
    session = session_service.get_session(db, session_id)
    items = service.for_minutes(db, session_id=session_id)
    names = contribution_service.user_names(db, {c.author_id for c in items if c.author_id})
    return render(
        request,
        "contributions/for_minutes.html",
        {
            "session": session,
            "forum": forum_service.get_forum(db, session.forum_id),
            "items": [
                (c, contribution_service.public_author(c, names.get(c.author_id or 0)))
                for c in items
            ],
            "nav": "moderation",
            **LABELS,
        },
    )


@api.patch("/contributions/{contribution_id}", response_model=ContributionPublic)
def api_edit(
    db: SessionDep, user: CurrentUser, contribution: EditableContribution, data: ContributionEdit
) -> Any:
    """Files a contribution: its themes, session and caucus lens (each change an event)."""
    contribution = staff.edit(db, actor=user, contribution=contribution, data=data)
    return contribution_service.to_public(db, contribution, author=None)


@api.put("/contributions/{contribution_id}/answer", response_model=ContributionPublic)
def api_answer(
    db: SessionDep, user: CurrentUser, contribution: EditableContribution, data: AnswerIn
) -> Any:
    """The official answer (Markdown), shown to everyone as sanitised HTML (`answer_html`)."""
    contribution = staff.answer(db, actor=user, contribution=contribution, text=data.answer)
    return contribution_service.to_public(db, contribution, author=None)


@api.get("/sessions/{session_id}/for-minutes", response_model=list[ContributionPublic])
def api_for_minutes(db: SessionDep, user: Moderator, session_id: DbId) -> Any:
    session_service.get_session(db, session_id)
    items = service.for_minutes(db, session_id=session_id)
    names = contribution_service.user_names(db, {c.author_id for c in items if c.author_id})
    return [
        contribution_service.to_public(
            db, c, author=contribution_service.public_author(c, names.get(c.author_id or 0))
        )
        for c in items
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
