"""Policy documents in and out: import from a DOCX or Markdown file (a preview first, nothing
stored until confirmed), export as DOCX and Markdown (files in the OpenAPI schema, like the
minutes' files, since a person follows the links and a script fetches the same addresses),
a printable page, and care-map evidence pinned beside a section by the document's editors.

Exports and the printable page answer 404 for a document the reader may not read, as its page
does. The evidence panel is registered with the document page's section panels when this
module is imported."""

from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from starlette.datastructures import UploadFile as StarletteUpload

from app import i18n
from app.db import SessionDep
from app.deps import CurrentUser, DocumentCreator, EditableSection, ExportedView
from app.i18n import N_
from app.lib.markup import render_markdown
from app.lib.uploads import MAX_BYTES, UploadRejected
from app.models.caremap import GROUP_LABELS, METRIC_LABELS, PinCreate, PinMetric
from app.models.forums import Forum
from app.models.policy import DocumentPublic, PolicyDocument, PolicySection
from app.models.types import DbId, LocaleCode
from app.models.users import User
from app.routers.apiutil import RequestSessions, api_router, pages_router
from app.routers.forms import FormDep, form_action, form_values, parse_form, see_other
from app.services import caremap
from app.services import forums as forum_service
from app.services import policy as core
from app.services.errors import InvalidInput
from app.services.policy import evidence, exporting, importing
from app.services.policy.export_docx import MEDIA_TYPE as DOCX
from app.services.policy.export_docx import export_docx, export_snapshot_docx
from app.services.policy.export_md import MEDIA_TYPE as MARKDOWN
from app.services.policy.export_md import export_md, export_snapshot_md
from app.services.policy.extensions import Panel, section_panels
from app.templating import flash, render
from app.web.urls import absolute_url

pages = pages_router()
api = api_router("policy")

# The document as files (DOCX, Markdown), in the schema like the minutes' files.
exports = APIRouter(tags=["policy"], route_class=RequestSessions)

_CHOOSE_FILE = N_("Choose a DOCX or Markdown file to import.")


# -- import ---------------------------------------------------------------------------------


def _forums(db: SessionDep) -> list[tuple[str, str]]:
    return [
        (str(f.id), i18n.localized(f.title)[0])
        for f, _n in forum_service.all_forums_with_counts(db)
    ]


def _languages() -> list[tuple[str, str]]:
    return [(code, i18n.language_name(code)) for code in i18n.LOCALES]


def _import_form(
    request: Request, db: SessionDep, values: dict[str, Any], errors: dict[str, list[str]] | None
) -> HTMLResponse:
    values = {k: v for k, v in values.items() if k not in ("file", "sealed")}
    context = {"values": values, "errors": errors, "forums": _forums(db), "languages": _languages()}
    return render(request, "policy/import.html", context, status_code=422 if errors else 200)


@pages.get("/documents/import", response_class=HTMLResponse)
def import_page(request: Request, db: SessionDep, user: DocumentCreator) -> HTMLResponse:
    return _import_form(request, db, {"language": i18n.get_locale()}, None)


def _read(upload: Any) -> tuple[str, bytes]:
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        raise InvalidInput({"file": [_CHOOSE_FILE]})
    return upload.filename, upload.file.read(MAX_BYTES + 1)


def _parse(db: SessionDep, filename: str, data: bytes, form: importing.ImportForm) -> Any:
    if db.get(Forum, form.forum_id) is None:
        raise InvalidInput({"forum_id": [N_("Choose one of the options.")]})
    try:
        parsed = importing.parse(filename, data)
    except UploadRejected as exc:
        raise importing.rejected(exc) from exc
    return parsed, importing.title_of(form, parsed)


@pages.post("/documents/import", response_class=HTMLResponse)
def import_preview(
    request: Request, db: SessionDep, user: DocumentCreator, form: FormDep
) -> HTMLResponse:
    """The preview: what would be created and what was dropped; nothing is stored."""
    try:
        fields = parse_form(importing.ImportForm, form)
        parsed, title = _parse(db, *_read(form.get("file")), fields)
    except InvalidInput as exc:
        return _import_form(request, db, form_values(form), exc.errors)
    shown = importing.preview(
        parsed, forum_id=fields.forum_id, title=title, language=fields.language
    )
    context = {
        "preview": shown,
        "sealed": importing.sealed(parsed),
        "forum": db.get(Forum, fields.forum_id),
    }
    return render(request, "policy/import_preview.html", context)


@pages.post("/documents/import/create", response_class=HTMLResponse)
def import_create(
    request: Request, db: SessionDep, user: DocumentCreator, form: FormDep
) -> Response:
    def create() -> PolicyDocument:
        fields = parse_form(importing.ImportForm, form)
        if not fields.title.strip():
            raise InvalidInput({"title": [N_("Give the document a title: the file has none.")]})
        parsed = importing.unseal(str(form.get("sealed") or ""))
        return importing.create_from(
            db,
            actor=user,
            parsed=parsed,
            forum_id=fields.forum_id,
            title=fields.title.strip(),
            language=fields.language,
        )

    return form_action(
        request,
        form,
        create,
        done=lambda document: f"/documents/{document.id}",
        again=lambda values, errors: _import_form(request, db, values, errors),
        saved=N_("The document was created from the file."),
    )


_IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": importing.ImportPreview,
        "description": "With ?preview=true: what would be created",
    }
}


@api.post(
    "/documents/import",
    response_model=DocumentPublic,
    status_code=201,
    responses=_IMPORT_RESPONSES,
)
def api_import(
    db: SessionDep,
    user: DocumentCreator,
    file: Annotated[UploadFile, File(description="A DOCX or Markdown (.md) file")],
    forum_id: Annotated[DbId, Form()],
    language: Annotated[LocaleCode, Form()],
    title: Annotated[str, Form(max_length=300, description="Else the file's own title")] = "",
    preview: Annotated[bool, Query(description="Only show what would be created")] = False,
) -> Any:
    """A document from a file: headings of levels 1-3 become sections, the rest their
    paragraphs (lists and emphasis as Markdown); a bad file is refused whole (422)."""
    fields = importing.ImportForm(forum_id=forum_id, language=language, title=title)
    parsed, chosen = _parse(db, file.filename or "", file.file.read(MAX_BYTES + 1), fields)
    if preview:
        shown = importing.preview(parsed, forum_id=forum_id, title=chosen, language=language)
        return JSONResponse(jsonable_encoder(shown), status_code=200)
    document = importing.create_from(
        db, actor=user, parsed=parsed, forum_id=forum_id, title=chosen, language=language
    )
    return core.document_public(db, document)


# -- export ---------------------------------------------------------------------------------


def _file_responses(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": what,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        },
        # A file route answers bad query values as pages do: a 400 page that says what is wrong.
        400: {
            "description": "A snapshot number that is not a whole number from 1",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        404: {
            "description": "No such document or snapshot, or one you may not read",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    }


def _file(body: bytes | str, media_type: str, export: exporting.Export, extension: str) -> Response:
    fallback, full = exporting.file_names(export, extension)
    headers = {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''"
        + quote(full, safe=""),
        "Content-Language": export.language,
        # A draft must not outlive the reader's access in some cache.
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type=media_type, headers=headers)


@exports.get(
    "/documents/{document_id}/export.docx",
    response_class=Response,
    responses=_file_responses(DOCX, "The document as a Word file"),
    summary="Policy document as DOCX",
)
def document_docx(request: Request, db: SessionDep, view: ExportedView) -> Response:
    """`?snapshot=N` exports that snapshot, with its sources as endnotes; without it, the
    working text for the drafting team, the latest public snapshot for anyone else."""
    if view.snapshot is not None:
        export, body = export_snapshot_docx(view.snapshot, url=partial(absolute_url, request))
    else:
        export, body = export_docx(db, document=view.document)
    return _file(body, DOCX, export, "docx")


@exports.get(
    "/documents/{document_id}/export.md",
    response_class=Response,
    responses=_file_responses(MARKDOWN, "The document as Markdown (CommonMark)"),
    summary="Policy document as Markdown",
)
def document_markdown(request: Request, db: SessionDep, view: ExportedView) -> Response:
    """As the DOCX: `?snapshot=N`, else what this reader reads."""
    if view.snapshot is not None:
        export, body = export_snapshot_md(view.snapshot, url=partial(absolute_url, request))
    else:
        export, body = export_md(db, document=view.document)
    return _file(body, MARKDOWN, export, "md")


@pages.get("/documents/{document_id}/print", response_class=HTMLResponse)
def document_print(request: Request, db: SessionDep, view: ExportedView) -> HTMLResponse:
    if view.snapshot is not None:
        export = exporting.build_snapshot(view.snapshot, url=partial(absolute_url, request))
        # The frozen HTML: a snapshot is never rendered again.
        sections = [
            (s, [(Markup(html), notes) for html, notes in zip(s.html, s.notes, strict=True)])  # noqa: S704 - sanitised when frozen
            for s in export.sections
        ]
    else:
        export = exporting.build(db, document=view.document)
        sections = [(s, [(render_markdown(t), []) for t in s.paragraphs]) for s in export.sections]
    context = {
        "document": view.document,
        "export": export,
        "sections": sections,
        "snapshot": view.snapshot,
    }
    return render(
        request, "policy/print.html", context, headers={"Cache-Control": "private, no-store"}
    )


# -- evidence beside a section ------------------------------------------------------------


def _evidence_panel(db: Any, user: User | None, section: PolicySection) -> list[Panel]:
    target = evidence.load(db, section.id or 0)
    if target is None:
        return []
    pins = evidence.pins_for(db, section)
    can_pin = evidence.may_pin(user, target)
    if not pins and not can_pin:
        return []
    return [Panel("policy/_evidence.html", {"pins": pins, "section": section, "can_pin": can_pin})]


section_panels(_evidence_panel)


def _pin_form(
    request: Request,
    db: SessionDep,
    section: PolicySection,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None,
) -> HTMLResponse:
    target = evidence.load(db, section.id or 0)
    context = {
        "section": section,
        "target": target,
        "values": values,
        "errors": errors,
        "runs": [(v, i18n.translate(label)) for v, label in caremap.run_choices(db)],
        "groups": i18n.label_choices(GROUP_LABELS),
        "metrics": i18n.label_choices(METRIC_LABELS),
    }
    return render(request, "policy/evidence_form.html", context, status_code=422 if errors else 200)


@pages.get("/sections/{section_id}/evidence/new", response_class=HTMLResponse)
def evidence_new(
    request: Request, db: SessionDep, user: CurrentUser, section: EditableSection
) -> HTMLResponse:
    return _pin_form(request, db, section, {"metric": PinMetric.gap.value}, None)


@pages.post("/sections/{section_id}/evidence", response_class=HTMLResponse)
def evidence_create(
    request: Request, db: SessionDep, user: CurrentUser, section: EditableSection, form: FormDep
) -> Response:
    def create() -> Any:
        data = parse_form(PinCreate, form, target_kind=evidence.KIND, target_id=section.id)
        return evidence.pin(db, actor=user, section=section, data=data)

    return form_action(
        request,
        form,
        create,
        done=f"/documents/{section.document_id}#s-{section.id}",
        again=lambda values, errors: _pin_form(request, db, section, values, errors),
        saved=N_("Pinned."),
        conflicts=True,
    )


@pages.post("/sections/{section_id}/evidence/{pin_id}/delete")
def evidence_delete(
    request: Request, db: SessionDep, user: CurrentUser, section: EditableSection, pin_id: DbId
) -> Response:
    pin = evidence.pin_of(db, section=section, pin_id=pin_id)
    evidence.unpin(db, actor=user, pin=pin)
    flash(request, N_("Unpinned."))
    return see_other(f"/documents/{section.document_id}#s-{section.id}")
