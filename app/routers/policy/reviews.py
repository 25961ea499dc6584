"""Caucus sign-off: reviews of sections by caucus representatives, the section × caucus matrix
on the document's dashboard, and the caucuses a document requires.

The review form is a plain form: a radio group (endorse, endorse with concerns, object), a
note, and the section version the reviewer read, so that a verdict is never recorded for text
they did not see (a save in between answers 409 with the page again, the changes since shown
and what was typed kept). The matrix is a table with row and column headers, each cell's
state in words with an icon beside it, never colour alone."""

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection
from sqlmodel import Session

from app import i18n, permissions
from app.db import SessionDep, hands_back
from app.deps import (
    CurrentUser,
    OptionalUser,
    ReadableDocument,
    ReadableSection,
    ReviewableSection,
    SteeredDocument,
)
from app.i18n import N_
from app.lib.markup import render_markdown
from app.models.policy import PolicyDocument
from app.models.policy_reviews import (
    NO_REVIEW,
    VERDICT_ACTION_LABELS,
    VERDICT_LABELS,
    RequiredCaucusesIn,
    ReviewCell,
    ReviewDetail,
    ReviewEventPublic,
    ReviewIn,
    ReviewMatrix,
    SectionReview,
    Verdict,
)
from app.models.types import MAX_ID, DbId
from app.models.users import User
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_action, form_id, parse_form
from app.services import caucuses as caucus_service
from app.services import policy
from app.services.policy import extensions
from app.services.policy import review_reading as reading
from app.services.policy import reviews as service
from app.templating import flash, render
from app.web import fragments

pages = pages_router()
api = api_router("policy")

# A caucus's workspace lists the documents whose sections wait for its review.
caucus_service.on_reviews(reading.waiting_for_caucus)

_ETAG = re.compile(r'^\s*(?:W/)?"v(\d{1,10})"\s*$')
# The order the counts are told in, and their words (msgids with the number).
COUNTS = (
    ("endorse", N_("Endorsed: %(num)s")),
    ("concerns", N_("Endorsed with concerns: %(num)s")),
    ("object", N_("Objections: %(num)s")),
    ("stale", N_("Given on an earlier revision: %(num)s")),
    ("none", N_("No review yet: %(num)s")),
)


@hands_back
def _readable_review(
    db: SessionDep, user: OptionalUser, section: ReadableSection, caucus_id: DbId
) -> Any:
    """A section the reader may read, with a caucus its document requires (else 404)."""
    return service.review_place(
        db, section_id=section.id or 0, caucus_id=caucus_id, user_id=user.id if user else None
    )


ReadableReview = Annotated[service.Place, Depends(_readable_review)]


# -- the matrix panel on the document page -----------------------------------------------------


@dataclass(frozen=True)
class Row:
    section_id: int
    number: str
    title: str
    cells: list[ReviewCell]


@dataclass(frozen=True)
class MatrixView:
    document: PolicyDocument
    matrix: ReviewMatrix
    caucuses: list[tuple[int, str]]
    rows: list[Row]
    represented: frozenset[int]
    can_steer: bool
    blocking: int  # cells that keep the document in a sign-off stage


def matrix_view(db: Session, user: User | None, document: PolicyDocument) -> MatrixView:
    numbered = policy.tree(db, document.id or 0)
    matrix = service.matrix(db, document, user, numbered=numbered)
    names = service.caucus_names(db, matrix.caucus_ids)
    by_place = {(c.section_id, c.caucus_id): c for c in matrix.cells}
    rows = [
        Row(
            section_id=n.section.id or 0,
            number=n.number,
            title=n.section.title,
            cells=[by_place[(n.section.id or 0, c)] for c in matrix.caucus_ids],
        )
        for n in numbered
    ]
    counts = matrix.counts
    return MatrixView(
        document=document,
        matrix=matrix,
        caucuses=[(c, names.get(c, "")) for c in matrix.caucus_ids],
        rows=rows,
        # In a shared copy (web/fragments.py), a slot per cell says it for each reader.
        represented=service.represented(
            db,
            document_id=document.id or 0,
            user_id=None if user is None or fragments.filling() else user.id,
        ),
        can_steer=permissions.can_steer_process(user, document),
        blocking=counts["object"] + counts["stale"] + counts["none"],
    )


@fragments.resolver("represents", (True, False))
def _represents(conn: Connection, user: User, keys: list[Any]) -> dict[Any, bool]:
    mine = {
        document_id: service.represented(conn, document_id=document_id, user_id=user.id)
        for document_id in {d for d, _c in keys}
    }
    return {(d, c): c in mine[d] for d, c in keys}


@extensions.document_panels
def review_panel(
    db: Session, user: User | None, document: PolicyDocument
) -> list[extensions.Panel]:
    # Whoever renders the panels, the matrix is working material: for the document's readers.
    if not permissions.can_read_document(user, document, policy.team_ids(db, document.id or 0)):
        return []
    context = {
        "rv": matrix_view(db, user, document),
        "rv_labels": VERDICT_LABELS,
        "rv_counts": COUNTS,
    }
    return [extensions.Panel("policy/_review_matrix.html", context)]


# -- API --------------------------------------------------------------------------------------


def _seen(if_match: str | None) -> int | None:
    found = _ETAG.match(if_match or "")
    if found is None:
        return None
    number = int(found.group(1))
    return number if 1 <= number <= MAX_ID else None


@api.put("/sections/{section_id}/reviews/{caucus_id}", response_model=ReviewCell)
def give_review(
    db: SessionDep,
    user: CurrentUser,
    place: ReviewableSection,
    data: ReviewIn,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> ReviewCell:
    """The caucus's verdict on the section's current version, by a representative of that
    caucus on the drafting team: `endorse`, `concerns` or `object` (a note is required for
    the last two). With `If-Match: "vN"` (the section's ETag) it is refused (409) if the
    section is no longer at version N. The same verdict and note again change nothing; on a
    newer version they confirm the review. 409 once the document is in its last stage."""
    service.give_review(db, place=place, actor=user, data=data, seen=_seen(if_match))
    return service.cell(db, place)


@api.get("/sections/{section_id}/reviews/{caucus_id}", response_model=ReviewDetail)
def read_review(db: SessionDep, place: ReadableReview) -> ReviewDetail:
    """One cell of the matrix and every verdict given in it, newest first (for the drafting
    team and the secretariat; a caucus the document does not require has no review: 404)."""
    return ReviewDetail(
        cell=service.cell(db, place),
        events=[
            ReviewEventPublic(
                actor=e.actor,
                action=e.action,  # type: ignore[arg-type]
                from_state=e.from_status,  # type: ignore[arg-type]
                to_state=e.to_status,  # type: ignore[arg-type]
                revision=e.revision,
                note=e.note,
                created_at=e.created_at,
            )
            for e in reading.history(db, place)
        ],
    )


@api.get("/documents/{document_id}/reviews", response_model=ReviewMatrix)
def read_matrix(db: SessionDep, user: OptionalUser, document: ReadableDocument) -> ReviewMatrix:
    """Every section (in reading order) × every caucus the document requires: each cell's
    verdict, whether it was given on an earlier revision (`stale`), and the counts (each
    cell once: objections, then stale reviews, then current verdicts, then none)."""
    return service.matrix(db, document, user)


@api.put("/documents/{document_id}/caucuses", response_model=ReviewMatrix)
def set_required_caucuses(
    db: SessionDep, user: CurrentUser, document: SteeredDocument, data: RequiredCaucusesIn
) -> ReviewMatrix:
    """The secretariat chooses the caucuses whose sign-off the document requires (the whole
    list); a caucus taken off keeps its reviews but no longer blocks a stage."""
    service.set_required_caucuses(db, document=document, actor=user, caucus_ids=data.caucus_ids)
    return service.matrix(db, document, user)


# -- the review page ----------------------------------------------------------------------------


def _number(db: Session, place: service.Place) -> str:
    return next(
        (
            n.number
            for n in policy.tree(db, place.document.id or 0)
            if n.section.id == place.section.id
        ),
        "",
    )


def _review_page(
    request: Request,
    db: Session,
    user: User | None,
    place: service.Place,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[Any]] | None = None,
    read_from: int | None = None,
) -> HTMLResponse:
    """`read_from`: the version the reviewer had open, when a form comes back; if the section
    moved on since, the page shows what changed from it."""
    section = place.section
    db.refresh(section)
    cell = service.cell(db, place)
    since = None
    if read_from is not None and read_from < section.version:
        since = read_from
    elif cell.stale and cell.revision:
        since = cell.revision
    changes = (
        policy.diff(db, section, from_version=since, to_version=section.version)
        if since is not None
        else None
    )
    typed = values if values is not None else {}
    if values is None and cell.state != NO_REVIEW:
        # An objection's note is not carried into the form: a representative who now endorses
        # would otherwise send the objection's words with it (the note stays quoted above).
        note = "" if cell.state == Verdict.object else cell.note
        typed = {"verdict": cell.state, "note": note}
    context = {
        "document": place.document,
        "section": section,
        "number": _number(db, place),
        "shown": policy.section_public(db, section),
        "md": render_markdown,
        "caucus_id": place.caucus.id,
        "caucus_name": i18n.localized(place.caucus.name)[0],
        "cell": cell,
        "since": since,
        "moved": read_from is not None and read_from < section.version,
        "changes": changes,
        "title_changed": changes is not None and any(r.op != "equal" for r in changes.title),
        "history": reading.history(db, place),
        "can_review": permissions.can_review_section(user, place.caucus.id or 0, place.represented),
        "last_stage": service.in_last_stage(db, place.document),
        "stage_name": service.stage_name(db, place.document, place.document.stage),
        "labels": VERDICT_LABELS,
        "verdicts": [(str(v), VERDICT_ACTION_LABELS[v]) for v in Verdict],
        "values": typed,
        "errors": errors,
        "nav": "documents",
    }
    return render(request, "policy/review.html", context)


@pages.get("/sections/{section_id}/reviews/{caucus_id}", response_class=HTMLResponse)
def review_page(
    request: Request, db: SessionDep, user: OptionalUser, place: ReadableReview
) -> HTMLResponse:
    return _review_page(request, db, user, place)


def _recorded(request: Request, db: Session, place: service.Place, review: SectionReview) -> str:
    flash(
        request,
        N_("Your caucus's review of section %(number)s is recorded: %(verdict)s."),
        number=_number(db, place),
        verdict=i18n.gettext(VERDICT_LABELS[review.status]),
    )
    return f"/documents/{place.document.id}#reviews"


@pages.post("/sections/{section_id}/reviews/{caucus_id}")
def give_review_page(
    request: Request, db: SessionDep, user: CurrentUser, place: ReviewableSection, form: FormDep
) -> Response:
    seen = form_id(form.get("seen"))
    return form_action(
        request,
        form,
        lambda: service.give_review(
            db, place=place, actor=user, data=parse_form(ReviewIn, form), seen=seen
        ),
        done=lambda review: _recorded(request, db, place, review),
        again=lambda values, errors: _review_page(
            request, db, user, place, values, errors, read_from=seen
        ),
        saved=None,
        conflicts=True,
    )


# -- the caucuses a document requires -----------------------------------------------------------


def _caucuses_page(
    request: Request,
    db: Session,
    document: PolicyDocument,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[Any]] | None = None,
) -> HTMLResponse:
    required = service.required_caucus_ids(db, document.id or 0)
    context = {
        "document": document,
        "options": [(c.id, i18n.localized(c.name)[0]) for c in caucus_service.list_caucuses(db)],
        "checked": values.get("caucus_ids", ()) if values is not None else required,
        "errors": errors,
        "nav": "documents",
    }
    return render(request, "policy/review_caucuses.html", context)


@pages.get("/documents/{document_id}/caucuses", response_class=HTMLResponse)
def caucuses_page(request: Request, db: SessionDep, document: SteeredDocument) -> HTMLResponse:
    return _caucuses_page(request, db, document)


@pages.post("/documents/{document_id}/caucuses")
def set_caucuses_page(
    request: Request, db: SessionDep, user: CurrentUser, document: SteeredDocument, form: FormDep
) -> Response:
    return form_action(
        request,
        form,
        lambda: service.set_required_caucuses(
            db,
            document=document,
            actor=user,
            caucus_ids=parse_form(RequiredCaucusesIn, form).caucus_ids,
        ),
        done=f"/documents/{document.id}#reviews",
        again=lambda values, errors: _caucuses_page(request, db, document, values, errors),
        saved=N_("The caucuses whose sign-off this document requires are saved."),
    )
