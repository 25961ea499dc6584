"""Traceability: the sources of a paragraph (contributions, minutes points) with their outcomes,
where a contribution went (uptake), and the listening report.

The JSON API (`DELETE …/sources` names the source in its query string, `?target_kind=&
target_id=`: a DELETE body is something OpenAPI tools and proxies handle badly), the
paragraph's sources page with the editors' link and unlink forms (plain forms), the report page
with its charts and tables and its CSV, and the "Sources (n)" tool and the report's headline
on the document page."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlmodel import Session

from app import i18n, permissions
from app.db import SessionDep, hands_back
from app.deps import (
    CurrentUser,
    OptionalUser,
    ReadableParagraph,
    SourcingParagraph,
    VisibleContribution,
)
from app.i18n import N_, gettext
from app.lib.csvout import csv_lines
from app.lib.markup import render_markdown
from app.models.policy import PolicyDocument
from app.models.policy_sources import (
    OUTCOME_LABELS,
    ListeningReportPublic,
    Outcome,
    SourceIn,
    SourcePublic,
    SourceRef,
    UptakePublic,
)
from app.models.policy_stages import DocumentSnapshot
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_action, parse_form, see_other
from app.services import policy, targets
from app.services.errors import InvalidInput, NotFound
from app.services.policy import amendments as amendment_service
from app.services.policy import listening
from app.services.policy import snapshots as snapshot_service
from app.services.policy import sources as service
from app.services.policy.comments import get_place, live_paragraph
from app.services.policy.extensions import Panel, Tool, document_panels, paragraph_tools
from app.services.policy.listing import paragraph_start
from app.templating import render
from app.web import fragments

pages = pages_router()
api = api_router("policy")

SnapshotQ = Annotated[DbId | None, Query(description="A snapshot's number: its frozen links")]
_CHOOSE = N_("Choose the source from the list, or give its kind and number.")


# -- what the document page shows -------------------------------------------------------------


@paragraph_tools
def source_tools(
    db: Session, user: User | None, document: PolicyDocument, paragraph_ids: Sequence[int]
) -> dict[int, list[Tool]]:
    """ "Sources (n)" beside every paragraph, for those who read the working text (the page
    is theirs); editors find the link form behind it."""
    team = policy.team_ids(db, document.id or 0)
    if not permissions.can_read_document(user, document, team):
        return {}
    counts = service.source_counts(db, paragraph_ids)
    texts = amendment_service.paragraph_texts(db, paragraph_ids)
    return {
        pid: [
            Tool(
                # Named by its first words: a screen reader's list of links says which one.
                label=gettext("Sources of “%(start)s”", start=paragraph_start(texts.get(pid, ""))),
                href=f"/paragraphs/{pid}/sources",
                count=counts.get(pid, 0),
                key="sources",
            )
        ]
        for pid in paragraph_ids
    }


@document_panels
def listening_panel(db: Session, user: User | None, document: PolicyDocument) -> list[Panel]:
    if not permissions.can_read_document(user, document, policy.team_ids(db, document.id or 0)):
        return []
    counts = listening.headline(db, document=document)
    return [
        Panel(
            "policy/_listening_panel.html",
            {
                "listening_outcomes": listening.outcome_rows(counts),
                "listening_total": sum(n for _k, _l, n in listening.outcome_rows(counts)),
                "listening_taken_up": listening.taken_up(counts),
            },
        )
    ]


# -- which report a reader may see ------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    document: PolicyDocument
    snapshot: DocumentSnapshot | None  # None: the working text's links


@hands_back
def _report_scope(
    db: SessionDep, user: OptionalUser, document_id: DbId, snapshot: SnapshotQ = None
) -> Any:
    return report_scope(db, user, document_id, snapshot)


def report_scope(db: Session, user: Any, document_id: int, snapshot: int | None) -> ReportScope:
    """The working text's report for those who read it; a snapshot's for anyone who may read
    that snapshot. Without a number, anyone else gets the latest public snapshot's report, and
    a document with none does not exist for them (404)."""
    document = policy.get_document(db, document_id)
    team = policy.team_ids(db, document_id)
    working = permissions.can_read_document(user, document, team)
    if snapshot is None:
        if working:
            return ReportScope(document, None)
        latest = snapshot_service.latest_public(db, document_id)
        if latest is None or not permissions.can_read_published(user, document, True):
            raise NotFound()
        return ReportScope(document, latest)
    frozen = snapshot_service.get_snapshot(db, document_id=document_id, number=snapshot)
    if not permissions.can_read_snapshot(user, frozen, team):
        raise NotFound()
    return ReportScope(document, frozen)


ReportDep = Annotated[ReportScope, Depends(_report_scope)]


# -- API --------------------------------------------------------------------------------------


@api.post(
    "/paragraphs/{paragraph_id}/sources",
    response_model=SourcePublic,
    status_code=201,
    responses={200: {"model": SourcePublic, "description": "The link existed: updated"}},
)
def link_source(
    response: Response, db: SessionDep, user: CurrentUser, place: SourcingParagraph, data: SourceIn
) -> SourcePublic:
    """Names a contribution or a key point of the minutes as a source of the paragraph, with
    its outcome (a reason is required for `not_taken_up`). Linking it again updates the
    outcome and reason: 200."""
    linked = service.link(db, place=place, actor=user, data=data)
    if not linked.created:
        response.status_code = 200
    return _one(db, user, linked)


def _one(db: Session, user: User, linked: service.Linked) -> SourcePublic:
    row = linked.source
    shown = next(
        (
            s
            for s in service.sources_of(db, [row.paragraph_id], user)[row.paragraph_id]
            if s.target_kind == row.target_kind and s.target_id == row.target_id
        ),
        None,
    )
    if shown is None:  # unlinked by someone else between the write and this read
        raise NotFound()
    return shown


@api.delete("/paragraphs/{paragraph_id}/sources", status_code=204)
def unlink_source(
    db: SessionDep,
    user: CurrentUser,
    place: SourcingParagraph,
    ref: Annotated[SourceRef, Query()],
) -> Response:
    """Unlinks the source named by `target_kind` and `target_id` (query parameters). Unlinking
    what is not linked is no error: either way it is not a source afterwards."""
    service.unlink(db, place=place, actor=user, ref=ref)
    return Response(status_code=204)


@api.get("/paragraphs/{paragraph_id}/sources", response_model=list[SourcePublic])
def list_sources(db: SessionDep, user: OptionalUser, place: ReadableParagraph) -> Any:
    """For readers of the working text; a source gone or hidden from the reader has no title
    and no url."""
    paragraph_id = place.paragraph.id or 0
    return service.sources_of(db, [paragraph_id], user)[paragraph_id]


@api.get("/contributions/{contribution_id}/uptake", response_model=list[UptakePublic])
def contribution_uptake(
    db: SessionDep, user: OptionalUser, contribution: VisibleContribution
) -> Any:
    """The paragraphs the contribution fed, in the text this reader may read: the working
    text for its drafting team and the secretariat, else the latest public snapshot of each
    document that holds it."""
    return service.uptake(
        db, target_kind="contribution", target_id=contribution.id or 0, viewer=user
    )


@api.get("/documents/{document_id}/listening-report", response_model=ListeningReportPublic)
def listening_report(db: SessionDep, scope: ReportDep) -> Any:
    """Of the published contributions of the document's forum: how many were incorporated,
    partly, merged, not taken up, not yet considered, in total and by channel, caucus lens,
    language, organisation type and theme. `snapshot=N`: by that snapshot's frozen links."""
    return listening.report(db, document=scope.document, snapshot=scope.snapshot)


# -- pages: a paragraph's sources -------------------------------------------------------------


def _source_in(form: Any) -> SourceIn:
    """The form's choice ("kind:id" from the list, else the kind and number typed) as the
    API's shape, every problem at once."""
    chosen = str(form.get("target") or "").strip()
    kind, _, number = chosen.partition(":")
    extra: dict[str, Any] = {}
    if chosen:
        extra = {"target_kind": kind, "target_id": number}
    try:
        return parse_form(SourceIn, form, **extra)
    except InvalidInput as exc:
        errors = dict(exc.errors)
        if not chosen and not str(form.get("target_id") or "").strip():
            # Nothing chosen and no number typed: one message, on the list.
            errors.pop("target_kind", None)
            errors.pop("target_id", None)
            errors = {"target": [_CHOOSE], **errors}
        raise InvalidInput(errors) from None


def _link_from_form(db: Session, place: Any, user: User, form: Any) -> service.Linked:
    data = _source_in(form)
    moved: dict[str, list[str]] = {}
    try:
        return service.link(db, place=place, actor=user, data=data)
    except InvalidInput as exc:
        errors = dict(exc.errors)
        if str(form.get("target") or "").strip() and "target_id" in errors:
            moved["target"] = errors.pop("target_id")
        raise InvalidInput(moved | errors) from None


def _sources_page(
    request: Request,
    db: Session,
    user: User | None,
    place: Any,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    document = place.document
    paragraph = place.paragraph
    numbers = {n.section.id: n.number for n in policy.tree(db, document.id or 0)}
    editors = amendment_service.editor_ids(db, document.id or 0)
    may_link = (
        user is not None
        and permissions.can_link_sources(user, document, editors)
        and paragraph.removed_at is None
    )
    section_number = numbers.get(place.section.id, "")
    return render(
        request,
        "policy/sources.html",
        {
            "document": document,
            "section": place.section,
            "section_number": section_number,
            "paragraph": paragraph,
            "paragraph_html": render_markdown(paragraph.text),
            "heading": gettext(
                "Sources of paragraph %(paragraph)s of section %(section)s",
                paragraph=i18n.format_number(paragraph.position),
                section=section_number,
            ),
            "sources": service.sources_of(db, [paragraph.id or 0], user)[paragraph.id or 0],
            "kind_labels": {k: targets.kind_of(k).label for k in service.SOURCE_KINDS},
            "kind_options": [(k, gettext(targets.kind_of(k).label)) for k in service.SOURCE_KINDS],
            "outcome_labels": OUTCOME_LABELS,
            "outcomes": [(o.value, OUTCOME_LABELS[o]) for o in Outcome],
            "may_link": may_link,
            "choices": service.source_choices(db, viewer=user, forum_id=document.forum_id)
            if may_link and user is not None
            else [],
            "values": values or {},
            "errors": errors,
        },
    )


@pages.get("/paragraphs/{paragraph_id}/sources", response_class=HTMLResponse)
def sources_page(
    request: Request, db: SessionDep, user: OptionalUser, place: ReadableParagraph
) -> Response:
    live = live_paragraph(db, place.paragraph)
    if live.id != place.paragraph.id:
        # Merged away: its sources are read under the paragraph it went into.
        return see_other(f"/paragraphs/{live.id}/sources")
    return _sources_page(request, db, user, place)


@pages.post("/paragraphs/{paragraph_id}/sources")
def link_page(
    request: Request, db: SessionDep, user: CurrentUser, place: SourcingParagraph, form: FormDep
) -> Response:
    assert place.paragraph is not None
    shown = get_place(db, place.paragraph.id or 0)
    return form_action(
        request,
        form,
        lambda: _link_from_form(db, place, user, form),
        done=lambda linked: f"/paragraphs/{linked.source.paragraph_id}/sources",
        again=lambda values, errors: _sources_page(request, db, user, shown, values, errors),
        saved=N_("The source is linked."),
        conflicts=True,
    )


@pages.post("/paragraphs/{paragraph_id}/sources/delete")
def unlink_page(
    request: Request, db: SessionDep, user: CurrentUser, place: SourcingParagraph, form: FormDep
) -> Response:
    assert place.paragraph is not None
    paragraph_id = place.paragraph.id
    shown = get_place(db, paragraph_id or 0)
    return form_action(
        request,
        form,
        lambda: service.unlink(db, place=place, actor=user, ref=parse_form(SourceRef, form)),
        done=f"/paragraphs/{paragraph_id}/sources",
        again=lambda values, errors: _sources_page(request, db, user, shown, None, errors),
        saved=N_("The source is unlinked."),
    )


# -- pages: the listening report --------------------------------------------------------------


def _csv_name(scope: ReportScope) -> str:
    suffix = f"-v{scope.snapshot.number}" if scope.snapshot else ""
    return f"listening-report-{scope.document.id}{suffix}.csv"


@pages.get("/documents/{document_id}/listening-report", response_class=HTMLResponse)
def listening_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    document_id: DbId,
    snapshot: SnapshotQ = None,
) -> HTMLResponse:
    # Logged in: the copy every reader of the same role shares (web/fragments.py).
    return fragments.page(
        request,
        db,
        user,
        lambda reader: _listening_page(
            request, db, reader, report_scope(db, reader, document_id, snapshot)
        ),
    )


def _listening_page(
    request: Request, db: SessionDep, user: Any, scope: ReportScope
) -> HTMLResponse:
    data = listening.report(db, document=scope.document, snapshot=scope.snapshot)
    overall, charts = listening.charts(data)
    query = f"?snapshot={scope.snapshot.number}" if scope.snapshot else ""
    return render(
        request,
        "policy/listening.html",
        {
            "document": scope.document,
            "snapshot": scope.snapshot,
            "stage_name": service.stage_name(scope.snapshot.stage_name, scope.snapshot.stage)
            if scope.snapshot
            else "",
            "report": data,
            "overall": overall,
            "outcome_rows": listening.outcome_rows(data.outcomes),
            "taken_up": listening.taken_up(data.outcomes),
            "charts": charts,
            "outcome_keys": listening.OUTCOMES,
            "outcome_labels": OUTCOME_LABELS,
            "csv_url": f"/documents/{scope.document.id}/listening-report.csv{query}",
            "working": permissions.can_read_document(
                user, scope.document, policy.team_ids(db, scope.document.id or 0)
            ),
        },
    )


@pages.get("/documents/{document_id}/listening-report.csv")
def listening_csv(db: SessionDep, scope: ReportDep) -> StreamingResponse:
    data = listening.report(db, document=scope.document, snapshot=scope.snapshot)
    return StreamingResponse(
        csv_lines(listening.CSV_FIELDS, list(listening.csv_rows(data))),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_csv_name(scope)}"'},
    )


__all__ = ["api", "pages"]
