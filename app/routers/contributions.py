"""Contributions: the list with filters and search, the proposal form, a contribution's page,
endorsements, reports, attachments, open-data export and statistics."""

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import Connection
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import i18n, permissions
from app.db import SessionDep
from app.deps import OptionalUser, Participant, VisibleContribution
from app.i18n import N_
from app.lib.uploads import MAX_BYTES, MAX_FILES, safe_headers
from app.models.contributions import (
    LABELS,
    REASON_LABELS,
    Channel,
    Contribution,
    ContributionCreate,
    ContributionPublic,
    ContributionReceived,
    EndorsementState,
    Kind,
    ReportCreate,
    Sort,
    Status,
)
from app.models.forums import Forum
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import (
    IdempotencyKeyHeader,
    Limit,
    Page,
    api_router,
    header_key,
    pages_router,
    replayed,
)
from app.routers.forms import (
    FormDep,
    back_to,
    form_action,
    form_id,
    form_values,
    parse_form,
    see_other,
)
from app.security import client_ip
from app.services import caremap as caremap_service
from app.services import contributions as service
from app.services import forums as forum_service
from app.services import minutes as minutes_service
from app.services import moderation as moderation_service
from app.services.contributions import listing
from app.services.errors import AlreadyDone, InvalidInput
from app.services.policy import sources as sources_service
from app.templating import flash, render
from app.web import fragments
from app.web.urls import absolute_url

pages = pages_router()
api = api_router("contributions")

ListCursor = Annotated[
    str | None,
    Query(pattern=service.CURSOR_PATTERN, description="`next_cursor` from the previous page"),
]
SearchText = Annotated[str, Query(max_length=200, description="Words to search for")]
SortParam = Annotated[str, Query(pattern="^(newest|endorsed)$")]
Lang = Annotated[str | None, Query(pattern="^(es|pt|en)$")]


async def _filters(
    forum_id: DbId | None = None,
    session_id: DbId | None = None,
    theme_id: DbId | None = None,
    caucus_id: DbId | None = None,
    language: Lang = None,
    channel: Channel | None = None,
    kind: Kind | None = None,
    status: Status | None = None,
    q: SearchText = "",
    sort: SortParam = Sort.newest,
    mine: bool = False,
) -> service.Filters:
    return service.Filters(
        forum_id=forum_id,
        session_id=session_id,
        theme_id=theme_id,
        caucus_id=caucus_id,
        language=language,
        channel=channel.value if channel else None,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        q=q.strip(),
        sort=sort,
        mine=mine,
    )


# Async: parsing query parameters needs no worker thread.
FiltersDep = Annotated[service.Filters, Depends(_filters)]


@pages.get("/contributions", response_class=HTMLResponse)
def contributions_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    filters: FiltersDep,
    cursor: ListCursor = None,
) -> HTMLResponse:
    # Logged in: the copy every reader of the same role shares, their endorsements filled in
    # (web/fragments.py); "my contributions" is each reader's own.
    return fragments.page(
        request,
        db,
        user,
        lambda reader: _contributions_page(request, db, reader, filters, cursor),
        enabled=not filters.mine,
    )


@fragments.resolver("endorsed", (True, False))
def _endorsed(conn: Connection, user: User, ids: list[Any]) -> dict[Any, bool]:
    mine = listing.endorsed_among(conn, user.id, ids)
    return {i: i in mine for i in ids}


def _contributions_page(
    request: Request, db: Session, user: Any, filters: service.Filters, cursor: str | None
) -> HTMLResponse:
    rows, next_cursor = service.list_contributions(
        db,
        filters=filters,
        viewer=user,
        limit=20,
        cursor=cursor,
        mark_endorsed=not fragments.filling(),
    )
    query = filters.query_items()
    return render(
        request,
        "contributions/list.html",
        {
            "rows": rows,
            # "My contributions": what became of each, in the text its author may read.
            "uptake": sources_service.contributions_uptake(
                db, [r.contribution.id for r in rows], viewer=user
            )
            if filters.mine
            else {},
            "filters": filters,
            "next_cursor": next_cursor,
            "query": query,
            "more_url": "/contributions?" + urlencode([*query, ("cursor", next_cursor or "")]),
            "is_more": cursor is not None,
            "nav": "contributions",
            **service.filter_options(db, filters.forum_id),
            **LABELS,
        },
        # htmx asks for the results only: after a filter change, or for the next page.
        partial="contributions/_results.html",
    )


# -- submitting --------------------------------------------------------------------------------


def _form_context(
    db: SessionDep,
    request: Request,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    forum_id = form_id(values.get("forum_id"))
    forums = forum_service.all_forums_with_counts(db)
    if forum_id is None and len(forums) == 1:
        forum_id = forums[0][0].id
    forum = db.get(Forum, forum_id) if forum_id else None
    values.setdefault("language", i18n.get_locale())
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    return {
        "values": values,
        "errors": errors,
        "forum": forum,
        **service.reference_options(db, forum.id if forum else None, forums),
        "max_files": MAX_FILES,
        "max_megabytes": MAX_BYTES // (1024 * 1024),
        "nav": "contributions",
    }


@pages.get("/contributions/new", response_class=HTMLResponse)
def proposal_new(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    forum_id: DbId | None = None,
    session_id: DbId | None = None,
) -> HTMLResponse:
    values: dict[str, Any] = {"forum_id": forum_id, "session_id": session_id}
    return render(request, "contributions/form.html", _form_context(db, request, values))


def _chosen_files(form: FormData) -> list[UploadFile]:
    return [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]


def _files(form: FormData) -> list[tuple[str, bytes]]:
    """The chosen files' names and bytes (a byte past the limit tells an oversize file); the
    service checks them once the submission has counted against its rate limit."""
    files = _chosen_files(form)
    if len(files) > MAX_FILES:  # not read at all
        return [(f.filename or "", b"") for f in files]
    return [(f.filename or "", f.file.read(MAX_BYTES + 1)) for f in files]


def _ticked(form: FormData, name: str) -> bool:
    return str(form.get(name) or "") in ("true", "on", "1")


def _proposal(form: FormData, user: User | None) -> ContributionCreate:
    try:
        return parse_form(ContributionCreate, form)
    except InvalidInput as exc:
        # Report everything at once, the questions for people without an account included.
        raise InvalidInput(
            exc.errors
            | service.author_errors(
                user,
                name=str(form.get("author_name") or ""),
                email=str(form.get("author_email") or ""),
                consent=_ticked(form, "consent"),
                accept_privacy=_ticked(form, "accept_privacy"),
            )
        ) from None


@pages.post("/contributions/new", response_class=HTMLResponse)
def proposal_create(
    request: Request, db: SessionDep, user: OptionalUser, form: FormDep
) -> Response:
    try:
        data = _proposal(form, user)
        submitted = service.submit_proposal(
            db,
            actor=user,
            data=data,
            ip=client_ip(request),
            files=_files(form),
            scope=service.submitter_scope(user, request.session),
        )
    except InvalidInput as exc:
        errors = dict(exc.errors)
        if _chosen_files(form) and "attachments" not in errors:
            # Browsers cannot put files back into a form; say so rather than lose them quietly.
            errors["attachments"] = [N_("Please choose your files again.")]
        values = form_values(form)
        values.pop("attachments", None)
        ctx = _form_context(db, request, values, errors)
        return render(request, "contributions/form.html", ctx, status_code=422)
    contribution = submitted.contribution
    if submitted.receipt:
        return render(
            request,
            "contributions/received.html",
            {
                "contribution": contribution,
                "receipt_url": _receipt_url(request, contribution, submitted.receipt),
                "nav": "contributions",
            },
            status_code=201,
        )
    flash(request, N_("Thank you: your proposal is published."))
    return see_other(f"/contributions/{contribution.id}")


def _receipt_url(request: Request, contribution: Contribution, receipt: str) -> str:
    return absolute_url(request, f"/contributions/{contribution.id}?receipt={receipt}")


@pages.get("/contributions/similar", response_class=HTMLResponse)
def similar_proposals(
    request: Request,
    db: SessionDep,
    title: Annotated[str, Query(max_length=200)] = "",
    forum_id: DbId | None = None,
) -> HTMLResponse:
    rows = service.similar(db, text=title, forum_id=forum_id) if len(title.strip()) >= 3 else []
    return render(
        request,
        "contributions/similar.html",
        {"similar": rows, "title": title, "nav": "contributions"},
        partial="contributions/_similar.html",
    )


# -- a contribution ----------------------------------------------------------------------------

Receipt = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def _detail(
    request: Request,
    db: SessionDep,
    user: User | None,
    contribution: Contribution,
    receipt: str | None,
    errors: dict[str, list[str]] | None = None,
    report: dict[str, Any] | None = None,
) -> HTMLResponse:
    shared = fragments.filling()  # the reader's own marks are slots (web/fragments.py)
    view = service.contribution_view(db, contribution, viewer=None if shared else user)
    assert contribution.id is not None
    return render(
        request,
        "contributions/detail.html",
        {
            "view": view,
            "c": contribution,
            "receipt": receipt,
            "report_state": None if shared else _report_state(user, contribution, view),
            "actions": moderation_service.allowed_actions(user, contribution),
            "reaches_sender": moderation_service.reaches_sender,
            # The secretariat's filing form offers the forum's sessions and themes, and caucuses.
            "filing": service.reference_options(db, contribution.forum_id, [])
            if permissions.can_edit_contribution(user, contribution)
            else None,
            "reasons": i18n.label_choices(REASON_LABELS),
            "report": report or {},  # what the reader typed in the report form, sent back
            "pins": caremap_service.pins_for(db, kind="contribution", target_id=contribution.id),
            "citations": minutes_service.citations(
                db, kind="contribution", target_id=contribution.id
            ),
            # The paragraphs it fed, in the text this reader may read.
            "uptake": sources_service.uptake(
                db, target_kind="contribution", target_id=contribution.id, viewer=user
            ),
            "errors": errors,
            "nav": "contributions",
            **LABELS,
        },
    )


@pages.get("/contributions/{contribution_id:int}", response_class=HTMLResponse)
def contribution_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    contribution_id: DbId,
    receipt: Receipt = None,
) -> HTMLResponse:
    # A person without an account follows their proposal with the link's receipt. Logged in:
    # the copy every reader of the same role shares, their endorsement and report filled in.
    def build(reader: Any) -> HTMLResponse:
        contribution = service.get_visible(db, contribution_id, viewer=reader, receipt=receipt)
        return _detail(request, db, reader, contribution, receipt)

    return fragments.page(request, db, user, build)


def _report_state(
    user: User | None, contribution: Contribution, view: service.ContributionView
) -> str:
    """What the report section offers this reader: nothing to their own contribution, a note
    once they have reported it, otherwise the form."""
    if user is not None and user.id == contribution.author_id:
        return "author"
    return "reported" if view.reported_by_me else "open"


@fragments.resolver("report_state", ("author", "reported", "open"))
def _report_states(conn: Connection, user: User, ids: list[Any]) -> dict[Any, str]:
    assert user.id is not None
    return service.report_states(conn, user.id, ids)


@pages.post("/contributions/{contribution_id:int}/endorse", response_class=HTMLResponse)
def endorse_page(
    request: Request,
    db: SessionDep,
    user: Participant,
    form: FormDep,
    contribution: VisibleContribution,
) -> Response:
    endorse = str(form.get("endorse", "true")).lower() in ("true", "1", "on")
    service.set_endorsement(
        db, actor=user, contribution=contribution, endorse=endorse, ip=client_ip(request)
    )
    if request.headers.get("hx-request") == "true":
        return render(
            request,
            "contributions/_endorse.html",
            {"c": contribution, "endorsed": endorse, "announce": True},
        )
    flash(request, N_("Your endorsement is recorded.") if endorse else N_("Endorsement withdrawn."))
    return see_other(back_to(form, f"/contributions/{contribution.id}"))


@pages.post("/contributions/{contribution_id:int}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    db: SessionDep,
    user: Participant,
    form: FormDep,
    contribution: VisibleContribution,
) -> Response:
    done = f"/contributions/{contribution.id}"
    try:
        return form_action(
            request,
            form,
            lambda: moderation_service.report(
                db,
                actor=user,
                contribution=contribution,
                data=parse_form(ReportCreate, form),
                ip=client_ip(request),
            ),
            done=done,
            again=lambda values, errors: _detail(
                request, db, user, contribution, None, errors, report=values
            ),
            saved=N_("Thank you. The moderators will review your report."),
        )
    except AlreadyDone as exc:
        # A double click: the first report stands, and the person is told so, not shown an
        # error page.
        flash(request, exc.message, **exc.params)
        return see_other(done)


@pages.get("/contributions/{contribution_id:int}/attachments/{attachment_id:int}")
def attachment_file(
    db: SessionDep,
    user: OptionalUser,
    contribution_id: DbId,
    attachment_id: DbId,
    receipt: Receipt = None,
) -> Response:
    attachment, data = service.get_attachment(
        db, attachment_id, contribution_id=contribution_id, viewer=user, receipt=receipt
    )
    return Response(data, headers=safe_headers(attachment.media_type, attachment.filename))


# -- export and statistics ---------------------------------------------------------------------


@pages.get("/contributions/export.csv")
def export_csv(request: Request, db: SessionDep, filters: FiltersDep) -> StreamingResponse:
    return StreamingResponse(
        service.export_csv(db, filters=filters, base_url=absolute_url(request, "")),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="contributions.csv"'},
    )


@pages.get("/contributions/export.json")
def export_json(request: Request, db: SessionDep, filters: FiltersDep) -> Response:
    return Response(
        service.export_json(db, filters=filters, base_url=absolute_url(request, "")),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="contributions.json"'},
    )


@pages.get("/forums/{forum_id}/statistics", response_class=HTMLResponse)
def statistics_page(request: Request, db: SessionDep, forum_id: DbId) -> HTMLResponse:
    forum = forum_service.get_forum(db, forum_id)
    stats = service.statistics(db, forum_id=forum_id)
    return render(
        request,
        "contributions/statistics.html",
        {"forum": forum, "stats": stats, "charts": service.charts(stats), "nav": "contributions"},
    )


# -- JSON API ----------------------------------------------------------------------------------


@api.get("/contributions", response_model=Page[ContributionPublic])
def api_contributions(
    db: SessionDep,
    user: OptionalUser,
    filters: FiltersDep,
    limit: Limit = 20,
    cursor: ListCursor = None,
) -> Any:
    rows, next_cursor = service.list_contributions(
        db, filters=filters, viewer=user, limit=limit, cursor=cursor
    )
    return Page(items=service.public_list(db, rows), next_cursor=next_cursor)


@api.post(
    "/contributions",
    response_model=ContributionReceived,
    status_code=201,
    responses=replayed(ContributionReceived),
)
def api_contribution_create(
    request: Request,
    response: Response,
    db: SessionDep,
    user: OptionalUser,
    data: ContributionCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    key = header_key(idempotency_key)
    if key and not data.idempotency_key:
        data = data.model_copy(update={"idempotency_key": key})
    submitted = service.submit_proposal(
        db,
        actor=user,
        data=data,
        ip=client_ip(request),
        scope=service.submitter_scope(user, request.session),
    )
    if submitted.replayed:
        response.status_code = 200
    contribution = submitted.contribution
    author = service.author_of(db, contribution)
    public = service.to_public(db, contribution, author=author)
    receipt = submitted.receipt
    link = _receipt_url(request, contribution, receipt) if receipt else None
    return ContributionReceived(**public.model_dump(), receipt_url=link)


@api.get("/contributions/{contribution_id}", response_model=ContributionPublic)
def api_contribution(db: SessionDep, user: OptionalUser, contribution: VisibleContribution) -> Any:
    view = service.contribution_view(db, contribution, viewer=user)
    return service.to_public(db, contribution, author=view.author, endorsed=view.endorsed_by_me)


def _endorsement(
    request: Request, db: SessionDep, user: User, contribution: Contribution, endorse: bool
) -> EndorsementState:
    contribution = service.set_endorsement(
        db, actor=user, contribution=contribution, endorse=endorse, ip=client_ip(request)
    )
    assert contribution.id is not None
    return EndorsementState(
        contribution_id=contribution.id,
        endorsed=endorse,
        endorsement_count=contribution.endorsement_count,
    )


@api.put("/contributions/{contribution_id}/endorsement", response_model=EndorsementState)
def api_endorse(
    request: Request, db: SessionDep, user: Participant, contribution: VisibleContribution
) -> Any:
    return _endorsement(request, db, user, contribution, True)


@api.delete("/contributions/{contribution_id}/endorsement", response_model=EndorsementState)
def api_unendorse(
    request: Request, db: SessionDep, user: Participant, contribution: VisibleContribution
) -> Any:
    return _endorsement(request, db, user, contribution, False)


@api.post("/contributions/{contribution_id}/reports", status_code=204)
def api_report(
    request: Request,
    db: SessionDep,
    user: Participant,
    contribution: VisibleContribution,
    data: ReportCreate,
) -> Response:
    moderation_service.report(
        db, actor=user, contribution=contribution, data=data, ip=client_ip(request)
    )
    return Response(status_code=204)
