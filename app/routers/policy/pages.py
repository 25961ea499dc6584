"""Policy documents' pages: the list, a new document, the document page (numbered sections,
their paragraphs with the tools other parts add, the drafting team) and the section editor.

The editor is a plain form: a save names the version it was based on, and the core merges it
with what others saved since. When it cannot, the editor comes back with 409, the typed text
untouched in the textarea, each clashing paragraph shown as it was, as they saved it and as
typed, and the base version moved to the current one, so that the next save resolves it.
While it is open, htmx asks every ten seconds who else has the section open and whether a
newer revision was saved; without JavaScript the same notice comes with the next save.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app import i18n, permissions
from app.db import SessionDep, open_session
from app.deps import (
    CurrentUser,
    DocumentCreator,
    EditableDocument,
    EditableSection,
    OptionalUser,
    TeamDocument,
    document_view,
)
from app.i18n import N_, Message
from app.models.policy import (
    MAX_DEPTH,
    TEAM_ROLE_LABELS,
    DocumentCreate,
    PolicyDocument,
    PolicySection,
    SectionCreate,
    SectionSave,
)
from app.models.types import MAX_ID, DbId
from app.models.users import User
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_action, form_id, form_values, parse_form, see_other
from app.services import caucuses as caucus_service
from app.services import forums as forum_service
from app.services import policy as service
from app.services.errors import InvalidInput
from app.services.policy import extensions, listing, lock, presence, snapshots, stages
from app.templating import render
from app.web import fragments
from app.web.validation import errors_by_field

pages = pages_router()
api = api_router("policy")

SeenQ = Annotated[int, Query(ge=0, le=MAX_ID)]
ShownQ = Annotated[str | None, Query(max_length=40, pattern="^[0-9a-f]*$")]


@pass_context
def _render_panel(ctx: Context, panel: extensions.Panel) -> Markup:
    """A panel's template with the page's context and its own (what `include` cannot add)."""
    template = ctx.environment.get_template(panel.template)
    return Markup(template.render({**ctx.get_all(), **panel.context}))  # noqa: S704 - autoescaped


def _document_url(document_id: int, section_id: int | None = None) -> str:
    return f"/documents/{document_id}" + (f"#s-{section_id}" if section_id else "")


def _writer(request: Request, db: Session) -> Callable[[], AbstractContextManager[Session]]:
    """Where a presence check-in writes: a GET's session only reads, so a session of its own,
    opened once the read one has handed its connection back (a request never holds two
    pooled connections at once); a form post's session writes already (on SQLite a second
    writer would wait for it)."""
    if request.method in ("GET", "HEAD"):

        def separate() -> AbstractContextManager[Session]:
            db.rollback()  # only reads so far: ends them and returns the connection
            return open_session(request.app.state.engine, write=True)

        return separate
    return lambda: nullcontext(db)


# -- the list and a new document ------------------------------------------------------------


@pages.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, db: SessionDep, user: OptionalUser) -> HTMLResponse:
    """The documents this reader may open: their drafting team's and, for anyone, those with
    a public snapshot (shown as that snapshot)."""
    rows = listing.visible_documents(db, user=user)
    context = {
        "rows": rows,
        "stage_names": stages.stage_names(db, [r.document for r in rows if r.snapshot is None]),
        "can_create": permissions.can_create_document(user),
        "signed_in": user is not None,
        "nav": "documents",
    }
    return render(request, "policy/list.html", context)


def _new_page(
    request: Request,
    db: SessionDep,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    forums, _cursor = forum_service.list_forums(db, limit=100)
    context = {
        "forums": [(f.id, i18n.localized(f.title)[0]) for f in forums],
        "languages": [(code, i18n.language_name(code)) for code in i18n.LOCALES],
        "values": values or {},
        "errors": errors,
        "nav": "documents",
    }
    return render(request, "policy/new.html", context)


@pages.get("/documents/new", response_class=HTMLResponse)
def new_document_page(request: Request, db: SessionDep, user: DocumentCreator) -> HTMLResponse:
    return _new_page(request, db)


@pages.post("/documents")
def create_document(
    request: Request, db: SessionDep, user: DocumentCreator, form: FormDep
) -> Response:
    return form_action(
        request,
        form,
        lambda: service.create_document(db, actor=user, data=parse_form(DocumentCreate, form)),
        done=lambda made: _document_url(made.id or 0),
        again=lambda values, errors: _new_page(request, db, values, errors),
        saved=N_("The document is ready. Add its sections and its drafting team."),
    )


# -- the document page ----------------------------------------------------------------------


def _document_page(
    request: Request,
    db: SessionDep,
    user: User | None,
    document: PolicyDocument,
    focus: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    shown = listing.document_sections(db, document.id or 0)
    locked = lock.is_locked(db, document)
    paragraph_ids = [p.id or 0 for s in shown for p in s.paragraphs]
    team = service.document_public(db, document).team
    team_ids = {m.user_id for m in team}
    caucuses = caucus_service.list_caucuses(db)
    context = {
        "document": document,
        "forum": forum_service.get_forum(db, document.forum_id),
        "sections": shown,
        "html": listing.paragraph_html,
        "tools": extensions.tools_for(db, user, document, paragraph_ids),
        "render_panel": _render_panel,
        "panels": {s.section.id: extensions.panels_for(db, user, s.section) for s in shown},
        "document_panels": extensions.document_panels_for(db, user, document),
        "team": team,
        "role_labels": TEAM_ROLE_LABELS,
        "caucus_names": {c.id: i18n.localized(c.name)[0] for c in caucuses},
        "section_choices": [
            (s.section.id, f"{s.numbered.number} {s.section.title}")
            for s in shown
            if s.numbered.depth < MAX_DEPTH
        ],
        "role_choices": [(k, i18n.gettext(v)) for k, v in TEAM_ROLE_LABELS.items()],
        "can_edit": permissions.can_edit_document(user, document, team_ids) and not locked,
        "locked": locked,
        "stage_name": stages.stage_names(db, [document]).get(document.id or 0, document.stage),
        "can_manage": permissions.can_manage_drafting_team(user, document),
        "focus": focus or {},
        "nav": "documents",
    }
    return render(request, "policy/document.html", context, status_code=status_code)


@pages.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request, db: SessionDep, user: OptionalUser, document_id: DbId
) -> HTMLResponse:
    """The working text for the drafting team and the secretariat; for anyone else the
    latest public snapshot, at this address too. Logged in: the copy every reader of the same
    role shares (web/fragments.py); a team member's is their own, as their membership decides
    what they read."""

    def build(reader: Any) -> HTMLResponse:
        view = document_view(db, reader, document_id)
        if view.working:
            return _document_page(request, db, reader, view.document)
        context = snapshots.reading(db, view) | {"nav": "documents"}
        return render(request, "policy/snapshot.html", context)

    return fragments.page(request, db, user, build)


def _again(
    request: Request, db: SessionDep, user: User, document: PolicyDocument, key: str
) -> Callable[[dict[str, Any], dict[str, list[str]]], HTMLResponse]:
    return lambda values, errors: _document_page(
        request, db, user, document, {"key": key, "values": values, "errors": errors}
    )


@pages.post("/documents/{document_id}/sections")
def add_section(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    document: EditableDocument,
    form: FormDep,
) -> Response:
    return form_action(
        request,
        form,
        lambda: service.create_section(
            db, actor=user, document=document, data=parse_form(SectionCreate, form)
        ),
        done=lambda made: _document_url(document.id or 0, made.id),
        again=_again(request, db, user, document, "section"),
        saved=N_("Section added."),
    )


@pages.post("/documents/{document_id}/team")
def add_team_member(
    request: Request, db: SessionDep, user: CurrentUser, document: TeamDocument, form: FormDep
) -> Response:
    return form_action(
        request,
        form,
        lambda: listing.add_member_by_email(
            db,
            actor=user,
            document=document,
            email=str(form.get("email") or ""),
            role=str(form.get("role") or ""),
            caucus_id=form_id(form.get("caucus_id")),
        ),
        done=_document_url(document.id or 0) + "#team",
        again=_again(request, db, user, document, "team"),
        saved=N_("The drafting team is updated."),
    )


# -- the section editor ---------------------------------------------------------------------


def _editor(
    request: Request,
    db: SessionDep,
    user: User,
    section: PolicySection,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    clashes: list[service.Clash] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    db.refresh(section)
    shown = service.section_public(db, section)
    base = int(values["base_version"]) if values and "base_version" in values else section.version
    here = presence.check_in(db, section=section, user=user, seen=base, writer=_writer(request, db))
    context = {
        "document": service.get_document(db, section.document_id),
        "section": section,
        "shown": shown,
        "values": values or {},
        "base_version": base,
        "errors": errors,
        "clashes": clashes or [],
        "presence": here,
        "seen": base,
        "nav": "documents",
    }
    return render(request, "policy/edit.html", context, status_code=status_code)


@pages.get("/sections/{section_id}/edit", response_class=HTMLResponse)
def editor_page(
    request: Request, db: SessionDep, user: CurrentUser, section: EditableSection
) -> HTMLResponse:
    return _editor(request, db, user, section)


def _save_data(form: FormData) -> SectionSave:
    # The body as typed, not stripped: Markdown's leading spaces mean something.
    raw_base = str(form.get("base_version") or "")
    data: dict[str, Any] = {
        "body": str(form.get("body") or ""),
        "title": str(form.get("title") or "").strip(),
        "note": str(form.get("note") or "").strip(),
        "base_version": raw_base if raw_base.strip() else None,
    }
    try:
        parsed = SectionSave.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc
    if parsed.base_version is None:
        raise InvalidInput({"base_version": [N_("Reload the page and try again.")]})
    return parsed


def _merged_notice(request: Request, others: int) -> None:
    text = i18n.translations(i18n.get_locale()).ngettext(
        "Saved; merged with %(num)d other change.",
        "Saved; merged with %(num)d other changes.",
        others,
    )
    request.session["flash"] = text % {"num": others}


@pages.post("/sections/{section_id}/edit")
def save_section(
    request: Request, db: SessionDep, user: CurrentUser, section: EditableSection, form: FormDep
) -> Response:
    typed = form_values(form)
    try:
        data = _save_data(form)
        done = service.save_section(
            db,
            actor=user,
            section=section,
            base_version=data.base_version or 0,
            body=data.body,
            title=data.title,
            note=data.note,
        )
    except InvalidInput as exc:
        db.rollback()
        typed.pop("base_version", None)
        return _editor(request, db, user, section, values=typed, errors=exc.errors, status_code=422)
    except service.SectionConflict as exc:
        db.rollback()
        section = service.get_section(db, section.id or 0)
        db.refresh(section)
        typed["base_version"] = section.version
        return _editor(
            request,
            db,
            user,
            section,
            values=typed,
            errors={"__all__": [Message(exc.message)]},
            clashes=exc.clashes,
            status_code=409,
        )
    if done.merged:
        _merged_notice(request, max(1, done.section.version - 1 - (data.base_version or 0)))
    else:
        request.session["flash"] = i18n.gettext(
            N_("Saved.") if done.changed else N_("Nothing to save: the text is as it was.")
        )
    return see_other(_document_url(section.document_id, section.id))


@pages.get("/sections/{section_id}/presence", response_class=HTMLResponse)
def presence_fragment(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    section: EditableSection,
    seen: SeenQ = 0,
    shown: ShownQ = None,
) -> Response:
    """The editor's polled notice: who else has the section open, what was saved since;
    204 (htmx leaves the page as it is) when that is what the page already shows."""
    here = presence.check_in(db, section=section, user=user, seen=seen, writer=_writer(request, db))
    if shown and shown == here.key:
        return Response(status_code=204)
    context = {"section": section, "presence": here, "seen": seen}
    return render(request, "policy/_presence.html", context)
