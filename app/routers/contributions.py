"""Contributions: the list with filters and search, the proposal form, a contribution's page,
endorsements, reports, attachments, open-data export and statistics."""

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.datastructures import FormData, UploadFile

from app import i18n
from app.db import SessionDep
from app.deps import CurrentUser, OptionalUser
from app.i18n import N_
from app.lib.charts import bar_chart
from app.lib.markup import render_markdown
from app.lib.uploads import (
    MAX_BYTES,
    MAX_FILES,
    CheckedUpload,
    UploadRejected,
    inspect_upload,
    safe_headers,
)
from app.models.contributions import (
    Attachment,
    AttachmentPublic,
    Channel,
    Contribution,
    ContributionCreate,
    ContributionPublic,
    EndorsementState,
    Kind,
    ReportCreate,
    ReportReason,
    Status,
)
from app.models.forums import Forum
from app.models.types import DbId
from app.routers.apiutil import Limit, Page, api_router, pages_router
from app.routers.forms import FormDep, back_to, form_id, form_values, parse_form, see_other
from app.security import client_ip
from app.services import caremap as caremap_service
from app.services import caucuses as caucus_service
from app.services import contributions as service
from app.services import forums as forum_service
from app.services import moderation as moderation_service
from app.services.errors import InvalidInput, NotFound
from app.templating import flash, render

pages = pages_router()
api = api_router("contributions")

KIND_LABELS = {
    Kind.proposal: N_("Proposal"),
    Kind.remark: N_("Live remark"),
    Kind.question: N_("Question"),
}
CHANNEL_LABELS = {
    Channel.web: N_("Submitted online"),
    Channel.live: N_("Posted during the session"),
    Channel.email: N_("Received by e-mail"),
    Channel.transcribed: N_("Transcribed by the secretariat"),
}
REASON_LABELS = {
    ReportReason.spam: N_("Spam or advertising"),
    ReportReason.offensive: N_("Offensive or abusive"),
    ReportReason.off_topic: N_("Off topic"),
    ReportReason.personal_data: N_("Reveals someone's personal data"),
}
SORT_LABELS = {service.Sort.newest: N_("Newest first"), service.Sort.endorsed: N_("Most endorsed")}
LABELS = {
    "kind_labels": KIND_LABELS,
    "channel_labels": CHANNEL_LABELS,
    "status_labels": moderation_service.STATUS_LABELS,
    "reason_labels": REASON_LABELS,
    "action_labels": moderation_service.ACTION_LABELS,
}

ListCursor = Annotated[
    str | None,
    Query(pattern=service.CURSOR_PATTERN, description="`next_cursor` from the previous page"),
]
SearchText = Annotated[str, Query(max_length=200, description="Words to search for")]
Sort = Annotated[str, Query(pattern="^(newest|endorsed)$")]
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
    sort: Sort = service.Sort.newest,
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


def _reference_options(
    db: SessionDep, forum_id: int | None, forums: list[tuple[Forum, int]]
) -> dict[str, Any]:
    """The forums, and a forum's sessions and themes, caucuses and languages, as select options:
    the filters of the list and the fields of the proposal form offer the same ones."""
    sessions = (
        forum_service.list_sessions(db, forum_id=forum_id, limit=100, cursor=None)[0]
        if forum_id
        else []
    )
    themes = forum_service.themes_of(db, forum_id) if forum_id else []
    return {
        "forum_options": [(f.id, i18n.localized(f.title)[0]) for f, _ in forums],
        "session_options": [(s.id, i18n.localized(s.title)[0]) for s in sessions],
        "theme_options": [(t.id, f"{t.code} — {i18n.localized(t.title)[0]}") for t in themes],
        "caucus_options": [
            (c.id, i18n.localized(c.name)[0]) for c in caucus_service.list_caucuses(db)
        ],
        "language_options": [(code, i18n.language_name(code)) for code in i18n.LOCALES],
    }


def _filter_choices(db: SessionDep, forum_id: int | None) -> dict[str, Any]:
    return {
        **_reference_options(db, forum_id, forum_service.all_forums_with_counts(db)),
        "channel_options": i18n.label_choices(CHANNEL_LABELS),
        "kind_options": i18n.label_choices(KIND_LABELS),
        "status_options": i18n.label_choices(moderation_service.STATUS_LABELS),
        "sort_options": i18n.label_choices(SORT_LABELS),
    }


@pages.get("/contributions", response_class=HTMLResponse)
def contributions_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    filters: FiltersDep,
    cursor: ListCursor = None,
) -> HTMLResponse:
    rows, next_cursor = service.list_contributions(
        db, filters=filters, viewer=user, limit=20, cursor=cursor
    )
    query = filters.query_items()
    return render(
        request,
        "contributions/list.html",
        {
            "rows": rows,
            "filters": filters,
            "next_cursor": next_cursor,
            "query": query,
            "more_url": "/contributions?" + urlencode([*query, ("cursor", next_cursor or "")]),
            "is_more": cursor is not None,
            "nav": "contributions",
            **_filter_choices(db, filters.forum_id),
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
        **_reference_options(db, forum.id if forum else None, forums),
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


def _uploads(form: FormData) -> tuple[list[CheckedUpload], list[str]]:
    """Checks every attached file by its content; the problems, one line per file."""
    files = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    problems: list[str] = []
    if len(files) > MAX_FILES:
        return [], [i18n.gettext(N_("Attach at most %(count)s files."), count=MAX_FILES)]
    checked = []
    for upload in files:
        data = upload.file.read(MAX_BYTES + 1)
        try:
            checked.append(inspect_upload(upload.filename or "", data))
        except UploadRejected as exc:
            problems.append(f"{upload.filename}: {i18n.gettext(exc.message, **exc.params)}")
    return checked, problems


@pages.post("/contributions/new", response_class=HTMLResponse)
def proposal_create(
    request: Request, db: SessionDep, user: OptionalUser, form: FormDep
) -> Response:
    values = form_values(form)
    values.pop("attachments", None)
    try:
        try:
            data = parse_form(ContributionCreate, form)
        except InvalidInput as exc:
            # Report everything at once, the questions for people without an account included.
            raise InvalidInput(
                exc.errors
                | service.author_errors(
                    user,
                    name=str(form.get("author_name") or ""),
                    email=str(form.get("author_email") or ""),
                    consent=str(form.get("consent") or "") in ("true", "on", "1"),
                )
            ) from None
        uploads, problems = _uploads(form)
        if problems:
            raise InvalidInput({"attachments": problems})
        submitted = service.submit_proposal(
            db, actor=user, data=data, ip=client_ip(request), uploads=uploads
        )
    except InvalidInput as exc:
        errors = dict(exc.errors)
        chosen = [
            f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename
        ]
        if chosen and "attachments" not in errors:
            # Browsers cannot put files back into a form; say so rather than lose them quietly.
            errors["attachments"] = [N_("Please choose your files again.")]
        ctx = _form_context(db, request, values, errors)
        return render(request, "contributions/form.html", ctx, status_code=422)
    contribution = submitted.contribution
    if submitted.receipt:
        return render(
            request,
            "contributions/received.html",
            {
                "contribution": contribution,
                "receipt_url": f"{_base(request)}/contributions/{contribution.id}"
                f"?receipt={submitted.receipt}",
                "nav": "contributions",
            },
            status_code=201,
        )
    flash(request, N_("Thank you: your proposal is published."))
    return see_other(f"/contributions/{contribution.id}")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


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
    user: OptionalUser,
    contribution: Contribution,
    receipt: str | None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = service.contribution_view(db, contribution, viewer=user)
    assert contribution.id is not None
    return render(
        request,
        "contributions/detail.html",
        {
            "view": view,
            "c": contribution,
            "receipt": receipt,
            "is_author": user is not None and user.id == contribution.author_id,
            "actions": moderation_service.allowed_actions(contribution),
            "reasons": i18n.label_choices(REASON_LABELS),
            "pins": caremap_service.pins_for(db, kind="contribution", target_id=contribution.id),
            "errors": errors,
            "nav": "contributions",
            **LABELS,
        },
        status_code=status_code,
    )


@pages.get("/contributions/{contribution_id:int}", response_class=HTMLResponse)
def contribution_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    contribution_id: DbId,
    receipt: Receipt = None,
) -> HTMLResponse:
    contribution = service.get_visible(db, contribution_id, viewer=user, receipt=receipt)
    return _detail(request, db, user, contribution, receipt)


@pages.post("/contributions/{contribution_id:int}/endorse", response_class=HTMLResponse)
def endorse_page(
    request: Request, db: SessionDep, user: CurrentUser, form: FormDep, contribution_id: DbId
) -> Response:
    contribution = service.get_visible(db, contribution_id, viewer=user)
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
    return see_other(back_to(form, f"/contributions/{contribution_id}"))


@pages.post("/contributions/{contribution_id:int}/report", response_class=HTMLResponse)
def report_page(
    request: Request, db: SessionDep, user: CurrentUser, form: FormDep, contribution_id: DbId
) -> Response:
    contribution = service.get_visible(db, contribution_id, viewer=user)
    try:
        moderation_service.report(
            db,
            actor=user,
            contribution=contribution,
            data=parse_form(ReportCreate, form),
            ip=client_ip(request),
        )
    except InvalidInput as exc:
        return _detail(request, db, user, contribution, None, exc.errors, status_code=422)
    flash(request, N_("Thank you. The moderators will review your report."))
    return see_other(f"/contributions/{contribution_id}")


@pages.get("/contributions/{contribution_id:int}/attachments/{attachment_id:int}")
def attachment_file(
    db: SessionDep,
    user: OptionalUser,
    contribution_id: DbId,
    attachment_id: DbId,
    receipt: Receipt = None,
) -> Response:
    attachment, data = service.get_attachment(db, attachment_id, viewer=user, receipt=receipt)
    if attachment.contribution_id != contribution_id:
        raise NotFound()
    return Response(data, headers=safe_headers(attachment.media_type, attachment.filename))


# -- export and statistics ---------------------------------------------------------------------


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=service.EXPORT_FIELDS)
    # A byte-order mark, so spreadsheet programs read accents (é, ç, ã) correctly.
    buffer.write("\ufeff")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "themes": " ".join(row["themes"]), "links": " ".join(row["links"])})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@pages.get("/contributions/export.csv")
def export_csv(
    request: Request,
    db: SessionDep,
    filters: FiltersDep,
) -> StreamingResponse:
    rows = list(service.export_rows(db, filters=filters, base_url=_base(request)))
    return StreamingResponse(
        _csv_lines(iter(rows)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="contributions.csv"'},
    )


@pages.get("/contributions/export.json")
def export_json(
    request: Request,
    db: SessionDep,
    filters: FiltersDep,
) -> Response:
    rows = list(service.export_rows(db, filters=filters, base_url=_base(request)))
    return Response(
        json.dumps({"contributions": rows}, ensure_ascii=False, default=str),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="contributions.json"'},
    )


@pages.get("/forums/{forum_id}/statistics", response_class=HTMLResponse)
def statistics_page(
    request: Request, db: SessionDep, user: OptionalUser, forum_id: DbId
) -> HTMLResponse:
    forum = forum_service.get_forum(db, forum_id)
    stats = service.statistics(db, forum_id=forum_id)
    none = i18n.gettext(N_("None given"))
    tables = [
        (
            N_("By session"),
            [(i18n.localized(s.title)[0] if s else none, n) for s, n in stats.by_session],
        ),
        (
            N_("By theme or axis"),
            [(f"{t.code} — {i18n.localized(t.title)[0]}", n) for t, n in stats.by_theme],
        ),
        (
            N_("By caucus lens"),
            [(i18n.localized(c.name)[0] if c else none, n) for c, n in stats.by_caucus],
        ),
        (N_("By language"), [(i18n.language_name(code), n) for code, n in stats.by_language]),
        (
            N_("By channel"),
            [(i18n.gettext(CHANNEL_LABELS[Channel(k)]), n) for k, n in stats.by_channel],
        ),
    ]
    charts = [
        {
            "title": i18n.gettext(title),
            "rows": rows,
            "svg": bar_chart(
                rows,
                title=i18n.gettext(title),
                description=i18n.gettext(
                    N_("Number of published contributions, %(title)s"),
                    title=i18n.gettext(title).lower(),
                ),
                number_format=i18n.format_number,
                empty_message=i18n.gettext(N_("No contributions yet.")),
            ),
        }
        for title, rows in tables
    ]
    return render(
        request,
        "contributions/statistics.html",
        {"forum": forum, "stats": stats, "charts": charts, "nav": "contributions"},
    )


# -- JSON API ----------------------------------------------------------------------------------


_PUBLIC_FIELDS = (
    "id",
    "forum_id",
    "session_id",
    "kind",
    "channel",
    "status",
    "title",
    "body",
    "language",
    "organisation_name",
    "caucus_id",
    "links",
    "endorsement_count",
    "pinned",
    "for_minutes",
    "created_at",
)


T = TypeVar("T")


def released(db: SessionDep, result: T) -> T:
    """Hands the database connection back before FastAPI validates the result, which for a sync
    endpoint waits for a worker thread: a burst of writes would otherwise hold every pooled
    connection while waiting for threads, and every thread wait for a connection."""
    db.close()
    return result


def to_public(
    db: SessionDep,
    contribution: Contribution,
    *,
    author: str | None,
    endorsed: bool = False,
    themes: list[int] | None = None,
    attachments: list[Attachment] | None = None,
) -> ContributionPublic:
    """The public shape; lists pass the themes and attachments they fetched for the whole page."""
    assert contribution.id is not None
    if themes is None:
        themes = service.theme_ids_of(db, [contribution.id])[contribution.id]
    if attachments is None:
        attachments = service.attachments_of(db, contribution.id)
    return ContributionPublic(
        **{name: getattr(contribution, name) for name in _PUBLIC_FIELDS},
        body_html=str(render_markdown(contribution.body)),
        author=author,
        theme_ids=themes,
        endorsed_by_me=endorsed,
        moderation_note=contribution.moderation_note,
        attachments=[
            AttachmentPublic(
                id=a.id or 0,
                filename=a.filename,
                media_type=a.media_type,
                size=a.size,
                url=f"/contributions/{contribution.id}/attachments/{a.id}",
            )
            for a in attachments
        ],
        url=f"/contributions/{contribution.id}",
    )


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
    return Page(items=public_list(db, rows), next_cursor=next_cursor)


def public_list(db: SessionDep, rows: list[service.ListRow]) -> list[ContributionPublic]:
    """A page of contributions in three queries, whatever its length."""
    ids = [r.contribution.id for r in rows if r.contribution.id is not None]
    themes = service.theme_ids_of(db, ids)
    attachments = service.attachments_by_contribution(db, ids)
    return [
        to_public(
            db,
            r.contribution,
            author=r.author,
            endorsed=r.endorsed_by_me,
            themes=themes[r.contribution.id or 0],
            attachments=attachments[r.contribution.id or 0],
        )
        for r in rows
    ]


@api.post("/contributions", response_model=ContributionPublic, status_code=201)
def api_contribution_create(
    request: Request,
    response: Response,
    db: SessionDep,
    user: OptionalUser,
    data: ContributionCreate,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Retrying with the same key returns the first result instead of a copy",
        ),
    ] = None,
) -> Any:
    if idempotency_key and idempotency_key.strip() and not data.idempotency_key:
        # Any opaque string a client chooses; stored as its hash so it fits the column.
        key = hashlib.sha256(idempotency_key.strip().encode()).hexdigest()
        data = data.model_copy(update={"idempotency_key": key})
    submitted = service.submit_proposal(db, actor=user, data=data, ip=client_ip(request))
    if submitted.replayed:
        response.status_code = 200
    view = service.contribution_view(db, submitted.contribution, viewer=user)
    return released(db, to_public(db, submitted.contribution, author=view.author))


@api.get("/contributions/{contribution_id}", response_model=ContributionPublic)
def api_contribution(db: SessionDep, user: OptionalUser, contribution_id: DbId) -> Any:
    contribution = service.get_visible(db, contribution_id, viewer=user)
    view = service.contribution_view(db, contribution, viewer=user)
    return to_public(db, contribution, author=view.author, endorsed=view.endorsed_by_me)


def _endorsement(
    request: Request, db: SessionDep, user: CurrentUser, contribution_id: int, endorse: bool
) -> EndorsementState:
    contribution = service.get_visible(db, contribution_id, viewer=user)
    contribution = service.set_endorsement(
        db, actor=user, contribution=contribution, endorse=endorse, ip=client_ip(request)
    )
    return released(
        db,
        EndorsementState(
            contribution_id=contribution_id,
            endorsed=endorse,
            endorsement_count=contribution.endorsement_count,
        ),
    )


@api.put("/contributions/{contribution_id}/endorsement", response_model=EndorsementState)
def api_endorse(request: Request, db: SessionDep, user: CurrentUser, contribution_id: DbId) -> Any:
    return _endorsement(request, db, user, contribution_id, True)


@api.delete("/contributions/{contribution_id}/endorsement", response_model=EndorsementState)
def api_unendorse(
    request: Request, db: SessionDep, user: CurrentUser, contribution_id: DbId
) -> Any:
    return _endorsement(request, db, user, contribution_id, False)


@api.post("/contributions/{contribution_id}/reports", status_code=204)
def api_report(
    request: Request, db: SessionDep, user: CurrentUser, contribution_id: DbId, data: ReportCreate
) -> Response:
    contribution = service.get_visible(db, contribution_id, viewer=user)
    moderation_service.report(
        db, actor=user, contribution=contribution, data=data, ip=client_ip(request)
    )
    return Response(status_code=204)
