"""Policy documents' history pages: a section's revisions (and a document's, across its
sections), the word-level diff between two revisions, blame, and restoring a revision.

Restoring is two steps without JavaScript: the history links to a page that shows what the
section would become (the diff from now to that revision) with a note field, and its form
posts the revert, which is itself a new revision.
"""

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from app import i18n
from app.db import SessionDep
from app.deps import CurrentUser, EditableSection, ReadableDocument, ReadableSection
from app.i18n import N_
from app.models.policy import DiffPublic, PolicyDocument, PolicySection, RevertIn
from app.models.types import MAX_ID
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_action, parse_form
from app.services import forums as forum_service
from app.services import policy as service
from app.services.errors import NotFound
from app.services.policy import timeline
from app.services.policy.documents import number_of
from app.services.policy.saving import NO_REVISION, Saved
from app.templating import flash, render

pages = pages_router()
api = api_router("policy")

Before = Annotated[int | None, Query(ge=1, le=MAX_ID)]
# Read as text, so that a mistyped number gets a message about revisions, not a bare 400.
RevisionQ = Annotated[str | None, Query(max_length=40)]
# A select of every revision is a burden past this many; the form asks for numbers instead.
SELECT_MAX = 300

NOT_A_NUMBER = N_("Give the revisions to compare by their numbers, for example 3 and 5.")
FROM_AFTER_TO = N_(
    "The first revision must be older than the second: choose a lower number in “From”."
)
NO_SUCH_REVISION = N_("This section has no revision %(number)s: it has revisions 1 to %(last)s.")


def _number(raw: str | None) -> int | None:
    """A revision number from the query, None when not given; ValueError when not a number."""
    if raw is None:
        return None
    value = int(raw.strip())
    if not 1 <= value <= MAX_ID:
        raise ValueError(raw)
    return value


def _frame(db: SessionDep, section: PolicySection) -> dict[str, Any]:
    """What every page about a section shows around it: its document, number and zone."""
    document = service.get_document(db, section.document_id)
    return _document_frame(db, document) | {
        "section": section,
        "section_number": number_of(db, section),
    }


def _document_frame(db: SessionDep, document: PolicyDocument) -> dict[str, Any]:
    forum = forum_service.get_forum(db, document.forum_id)
    return {
        "document": document,
        "team": service.team_ids(db, document.id or 0),
        "zone": forum.timezone,
        "nav": "forums",
    }


@pages.get("/sections/{section_id}/history", response_class=HTMLResponse)
def section_history(
    request: Request, db: SessionDep, section: ReadableSection, before: Before = None
) -> HTMLResponse:
    page = timeline.section_history(db, section, before=before)
    numbers = timeline.revision_numbers(db, section)
    return render(
        request,
        "policy/history.html",
        _frame(db, section)
        | {
            "entries": page.entries,
            "older": page.older,
            "paged": before is not None,
            "numbers": numbers,
            "as_select": len(numbers) <= SELECT_MAX,
        },
    )


@pages.get("/documents/{document_id}/history", response_class=HTMLResponse)
def document_history(
    request: Request, db: SessionDep, document: ReadableDocument, before: Before = None
) -> HTMLResponse:
    page = timeline.document_history(db, document, before=before)
    return render(
        request,
        "policy/history_document.html",
        _document_frame(db, document)
        | {"entries": page.entries, "older": page.older, "paged": before is not None},
    )


def _diff_context(
    db: SessionDep, section: PolicySection, from_raw: str | None, to_raw: str | None
) -> tuple[dict[str, Any], int]:
    """The diff page's context and status: 200 with the diff, or a 4xx saying what is wrong
    with the numbers asked for, the compare form still there to choose again."""
    context: dict[str, Any] = {
        "diff": None,
        "problem": None,
        "values": {"from": from_raw or "", "to": to_raw or ""},
    }
    numbers = timeline.revision_numbers(db, section)
    context |= {"numbers": numbers, "as_select": len(numbers) <= SELECT_MAX}
    try:
        to = _number(to_raw) or section.version
        start = _number(from_raw) or max(1, to - 1)
    except ValueError:
        return context | {"problem": i18n.Message(NOT_A_NUMBER)}, 400
    context["values"] = {"from": start, "to": to}
    if start > to:
        return context | {"problem": i18n.Message(FROM_AFTER_TO)}, 400
    known = set(numbers)
    for number in (start, to):
        if number not in known:
            last = numbers[-1] if numbers else 0
            return context | {
                "problem": i18n.Message(NO_SUCH_REVISION, number=number, last=last)
            }, 404
    diff = service.diff(db, section, from_version=start, to_version=to)
    earlier = timeline.previous_number(db, section, start)
    later = timeline.next_number(db, section, to)
    return context | {
        "diff": diff,
        "title_changed": _changed(diff),
        "revisions": {e.number: e for e in _two(db, section, start, to)},
        "previous_pair": (earlier, start) if earlier is not None else None,
        "next_pair": (to, later) if later is not None else None,
    }, 200


def _changed(diff: DiffPublic) -> bool:
    return any(run.op != "equal" for run in diff.title)


def _two(db: SessionDep, section: PolicySection, start: int, to: int) -> list[timeline.Entry]:
    """Who made the two revisions compared, and when."""
    found = []
    for number in {start, to}:
        page = timeline.section_history(db, section, before=number + 1, limit=1)
        found.extend(page.entries)
    return found


@pages.get("/sections/{section_id}/diff", response_class=HTMLResponse)
def section_diff(
    request: Request,
    db: SessionDep,
    section: ReadableSection,
    from_version: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to_version: Annotated[str | None, Query(alias="to", max_length=40)] = None,
) -> HTMLResponse:
    context, status = _diff_context(db, section, from_version, to_version)
    if context["problem"] is not None:
        context["problem"] = i18n.translate(context["problem"])
    return render(request, "policy/diff.html", _frame(db, section) | context, status_code=status)


@pages.get("/sections/{section_id}/blame", response_class=HTMLResponse)
def section_blame(request: Request, db: SessionDep, section: ReadableSection) -> HTMLResponse:
    return render(
        request,
        "policy/blame.html",
        _frame(db, section) | {"lines": service.blame(db, section)},
    )


def _restore_page(
    request: Request,
    db: SessionDep,
    section: PolicySection,
    revision: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    entries = timeline.section_history(db, section, before=revision + 1, limit=1).entries
    if not entries or entries[0].number != revision:
        raise NotFound(NO_REVISION)
    diff = service.diff(db, section, from_version=section.version, to_version=revision)
    return render(
        request,
        "policy/history_restore.html",
        _frame(db, section)
        | {
            "revision": entries[0],
            "diff": diff,
            "title_changed": _changed(diff),
            "unchanged": not _changed(diff) and all(p.change == "same" for p in diff.paragraphs),
            "values": values or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@pages.get("/sections/{section_id}/revert", response_class=HTMLResponse)
def restore_page(
    request: Request,
    db: SessionDep,
    section: EditableSection,
    revision: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """Without a revision named, the one before the current (undoing the latest change)."""
    return _restore_page(request, db, section, revision or max(1, section.version - 1))


def _restored(request: Request, section: PolicySection, revision: int, done: Saved) -> str:
    if done.changed:
        flash(
            request,
            N_("Revision %(number)s restored: the section is now at revision %(new)s."),
            number=revision,
            new=done.section.version,
        )
    else:
        flash(
            request,
            N_("The section already reads as revision %(number)s: nothing was saved."),
            number=revision,
        )
    return f"/sections/{section.id}/history"


@pages.post("/sections/{section_id}/revert")
def restore(
    request: Request, db: SessionDep, user: CurrentUser, section: EditableSection, form: FormDep
) -> Response:
    data: dict[str, RevertIn] = {}

    def act() -> Saved:
        data["in"] = parse_form(RevertIn, form)
        return service.revert(
            db, actor=user, section=section, revision=data["in"].revision, note=data["in"].note
        )

    def again(values: dict[str, Any], errors: dict[str, list[str]]) -> HTMLResponse:
        wanted = data["in"].revision if "in" in data else _form_revision(values)
        if wanted is None:
            raise NotFound(NO_REVISION)
        return _restore_page(request, db, section, wanted, values=values, errors=errors)

    return form_action(
        request,
        form,
        act,
        done=lambda done: _restored(request, section, data["in"].revision, done),
        again=again,
        saved=None,
    )


def _form_revision(values: dict[str, Any]) -> int | None:
    try:
        number = int(str(values.get("revision", "")).strip())
    except ValueError:
        return None
    return number if 1 <= number <= MAX_ID else None
