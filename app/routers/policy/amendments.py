"""Policy documents: amendments to paragraphs. The JSON API and the pages (plain forms: the
amendment form, one amendment with its tracked changes and decision or update forms, a
document's amendments with filters), and the paragraph tools the document page shows."""

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import permissions
from app.db import SessionDep
from app.deps import (
    AmendableParagraph,
    CurrentUser,
    MergeParagraph,
    OptionalUser,
    ReadableAmendment,
    ReadableDocument,
)
from app.i18n import N_, gettext
from app.lib.markup import render_markdown
from app.models.policy import PolicyDocument
from app.models.policy_amendments import (
    STATUS_LABELS,
    Amendment,
    AmendmentCreate,
    AmendmentDecision,
    AmendmentMerge,
    AmendmentPublic,
    AmendmentRebase,
    AmendmentStatus,
)
from app.models.types import DbId
from app.models.users import User
from app.routers.apiutil import (
    IdempotencyKeyHeader,
    api_router,
    header_key,
    pages_router,
    replayed,
)
from app.routers.forms import FormDep, form_action, form_id, parse_form
from app.services import policy
from app.services.errors import NotFound
from app.services.policy import amendments as service
from app.services.policy.extensions import Tool, paragraph_tools
from app.services.policy.listing import paragraph_start
from app.templating import render

pages = pages_router()
api = api_router("policy")

StatusQ = Annotated[AmendmentStatus | None, Query()]
SectionQ = Annotated[DbId | None, Query()]


# -- the paragraph tools on the document page ---------------------------------------------------


@paragraph_tools
def amendment_tools(
    db: Session, user: User | None, document: PolicyDocument, paragraph_ids: Sequence[int]
) -> dict[int, list[Tool]]:
    team = policy.team_ids(db, document.id or 0)
    if not permissions.can_propose_amendment(user, document, team):
        return {}
    counts = service.pending_counts(db, paragraph_ids)
    texts = service.paragraph_texts(db, paragraph_ids)
    out: dict[int, list[Tool]] = {}
    for pid in paragraph_ids:
        # Named by its first words: a screen reader's list of links says which paragraph.
        start = paragraph_start(texts.get(pid, ""))
        tools = [
            Tool(
                label=gettext("Propose an amendment to “%(start)s”", start=start),
                href=f"/paragraphs/{pid}/amendments/new",
                key="amend",
            )
        ]
        if counts.get(pid):
            tools.append(
                Tool(
                    label=gettext("Amendments to “%(start)s”", start=start),
                    href=f"/documents/{document.id}/amendments?paragraph={pid}",
                    count=counts[pid],
                    key="amendments",
                )
            )
        out[pid] = tools
    return out


# -- API --------------------------------------------------------------------------------------


@api.post(
    "/paragraphs/{paragraph_id}/amendments",
    response_model=AmendmentPublic,
    status_code=201,
    responses=replayed(AmendmentPublic),
)
def propose(
    response: Response,
    db: SessionDep,
    user: CurrentUser,
    place: AmendableParagraph,
    data: AmendmentCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AmendmentPublic:
    """A replacement for the paragraph's text (Markdown, one paragraph or several) and why. A
    retry with the same idempotency key (the `Idempotency-Key` header or `idempotency_key`)
    returns the first amendment (200)."""
    assert place.paragraph is not None
    key = header_key(idempotency_key)
    if key and not data.idempotency_key:
        data = data.model_copy(update={"idempotency_key": key})
    if service.replay(db, actor=user, key=data.idempotency_key) is not None:
        response.status_code = 200
    made = service.propose(db, actor=user, paragraph=place.paragraph, data=data)
    return service.amendment_public(db, made)


@api.get("/amendments/{amendment_id}", response_model=AmendmentPublic)
def read_amendment(db: SessionDep, place: ReadableAmendment) -> AmendmentPublic:
    """With its tracked changes against the paragraph's current text, and its events."""
    assert place.amendment is not None
    return service.amendment_public(db, place.amendment)


@api.get("/documents/{document_id}/amendments", response_model=list[AmendmentPublic])
def list_amendments(
    db: SessionDep,
    user: OptionalUser,
    document: ReadableDocument,
    status: StatusQ = None,
    section_id: SectionQ = None,
) -> list[AmendmentPublic]:
    """The drafting team sees every amendment; anyone else their own."""
    rows = service.list_amendments(
        db,
        document=document,
        viewer=user,
        team=policy.team_ids(db, document.id or 0),
        status=status,
        section_id=section_id,
    )
    return [service.amendment_public(db, a) for a in rows]


@api.post("/amendments/{amendment_id}/decision", response_model=AmendmentPublic)
def decide(
    db: SessionDep, user: CurrentUser, place: ReadableAmendment, data: AmendmentDecision
) -> AmendmentPublic:
    """accept, reject (with a reason the amender sees) — editors; withdraw — its author."""
    assert place.amendment is not None
    done = service.decide(
        db,
        actor=user,
        document=place.document,
        amendment=place.amendment,
        data=data,
        editors=place.editors,
    )
    return service.amendment_public(db, done)


@api.post("/amendments/{amendment_id}/rebase", response_model=AmendmentPublic)
def rebase(
    db: SessionDep, user: CurrentUser, place: ReadableAmendment, data: AmendmentRebase
) -> AmendmentPublic:
    """A new replacement against the paragraph's current text: the amendment's base moves."""
    assert place.amendment is not None
    done = service.rebase(
        db, actor=user, amendment=place.amendment, data=data, editors=place.editors
    )
    return service.amendment_public(db, done)


@api.post(
    "/paragraphs/{paragraph_id}/amendments/merge",
    response_model=AmendmentPublic,
    status_code=201,
)
def merge(
    db: SessionDep, user: CurrentUser, place: MergeParagraph, data: AmendmentMerge
) -> AmendmentPublic:
    """Editors fold pending amendments of the paragraph into one text they write: accepted at
    once, crediting every amender; the folded ones are `merged`."""
    assert place.paragraph is not None
    made = service.merge(
        db,
        actor=user,
        document=place.document,
        paragraph=place.paragraph,
        data=data,
        editors=place.editors,
    )
    return service.amendment_public(db, made)


# -- pages ------------------------------------------------------------------------------------


def _form_page(
    request: Request,
    db: Session,
    place: service.Place,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    assert place.paragraph is not None
    return render(
        request,
        "policy/amend_new.html",
        {
            "document": place.document,
            "section": place.section,
            "paragraph": place.paragraph,
            # A second tap, or the browser resending after a lost answer, sends the amendment
            # once; a form shown again after an error keeps the key it was sent with.
            "values": {"idempotency_key": uuid.uuid4().hex} | (values or {}),
            "errors": errors,
            "md": render_markdown,
        },
    )


@pages.get("/paragraphs/{paragraph_id}/amendments/new", response_class=HTMLResponse)
def new_page(request: Request, db: SessionDep, place: AmendableParagraph) -> HTMLResponse:
    assert place.paragraph is not None
    if place.paragraph.removed_at is not None:
        raise NotFound()
    return _form_page(request, db, place)


@pages.post("/paragraphs/{paragraph_id}/amendments")
def propose_page(
    request: Request, db: SessionDep, user: CurrentUser, place: AmendableParagraph, form: FormDep
) -> Response:
    assert place.paragraph is not None
    paragraph = place.paragraph
    return form_action(
        request,
        form,
        lambda: service.propose(
            db, actor=user, paragraph=paragraph, data=parse_form(AmendmentCreate, form)
        ),
        done=lambda made: f"/amendments/{made.id}",
        again=lambda values, errors: _form_page(request, db, place, values, errors),
        saved=N_("Your amendment is sent to the drafting team."),
        conflicts=True,
    )


def _amendment_page(
    request: Request,
    db: Session,
    user: User | None,
    place: service.Place,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    form: str = "",
) -> HTMLResponse:
    amendment = place.amendment
    assert amendment is not None
    shown = service.amendment_public(db, amendment)
    flow = service.workflow(place.editors)
    others: list[Amendment] = []
    if permissions.can_decide_amendment(user, place.document, place.editors):
        others = [
            a
            for a in service.list_amendments(
                db,
                document=place.document,
                viewer=user,
                team=place.team,
                status=AmendmentStatus.pending,
                paragraph_id=amendment.paragraph_id,
            )
            if a.id != amendment.id
        ]
    return render(
        request,
        "policy/amend_show.html",
        {
            "document": place.document,
            "section": place.section,
            "a": shown,
            "allowed": flow.allowed(user, amendment),
            "status_labels": STATUS_LABELS,
            "action_labels": flow.action_labels,
            "others": others,
            "others_options": [
                (o.id, gettext("Amendment #%(num)d", num=o.id or 0)) for o in others
            ],
            "values": values or {},
            "errors": errors,
            "form": form,
        },
    )


@pages.get("/amendments/{amendment_id}", response_class=HTMLResponse)
def amendment_page(
    request: Request, db: SessionDep, user: OptionalUser, place: ReadableAmendment
) -> HTMLResponse:
    return _amendment_page(request, db, user, place)


@pages.post("/amendments/{amendment_id}/decision")
def decide_page(
    request: Request, db: SessionDep, user: CurrentUser, place: ReadableAmendment, form: FormDep
) -> Response:
    assert place.amendment is not None
    amendment = place.amendment
    return form_action(
        request,
        form,
        lambda: service.decide(
            db,
            actor=user,
            document=place.document,
            amendment=amendment,
            data=parse_form(AmendmentDecision, form),
            editors=place.editors,
        ),
        done=f"/amendments/{amendment.id}",
        again=lambda values, errors: _amendment_page(
            request, db, user, place, values, errors, "decision"
        ),
        saved=N_("Decision recorded."),
        conflicts=True,
    )


@pages.post("/amendments/{amendment_id}/rebase")
def rebase_page(
    request: Request, db: SessionDep, user: CurrentUser, place: ReadableAmendment, form: FormDep
) -> Response:
    assert place.amendment is not None
    amendment = place.amendment
    return form_action(
        request,
        form,
        lambda: service.rebase(
            db,
            actor=user,
            amendment=amendment,
            data=parse_form(AmendmentRebase, form),
            editors=place.editors,
        ),
        done=f"/amendments/{amendment.id}",
        again=lambda values, errors: _amendment_page(
            request, db, user, place, values, errors, "rebase"
        ),
        saved=N_("The amendment now applies to the current text."),
        conflicts=True,
    )


@pages.post("/paragraphs/{paragraph_id}/amendments/merge")
def merge_page(
    request: Request, db: SessionDep, user: CurrentUser, place: MergeParagraph, form: FormDep
) -> Response:
    assert place.paragraph is not None
    paragraph = place.paragraph
    first = form_id(form.get("from"))
    return form_action(
        request,
        form,
        lambda: service.merge(
            db,
            actor=user,
            document=place.document,
            paragraph=paragraph,
            data=parse_form(AmendmentMerge, form),
            editors=place.editors,
        ),
        done=lambda made: f"/amendments/{made.id}",
        again=lambda values, errors: _merge_again(request, db, user, first, values, errors),
        saved=N_("The amendments are merged and the paragraph updated."),
        conflicts=True,
    )


def _merge_again(
    request: Request,
    db: Session,
    user: User,
    first: int | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
) -> HTMLResponse:
    """The merge form sits on an amendment's page: shown again there, with what was typed."""
    if first is None:
        raise NotFound()
    place = service.amendment_place(db, first)
    return _amendment_page(request, db, user, place, values, errors, "merge")


@pages.get("/documents/{document_id}/amendments", response_class=HTMLResponse)
def list_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    document: ReadableDocument,
    status: StatusQ = None,
    section: SectionQ = None,
    paragraph: Annotated[DbId | None, Query()] = None,
) -> HTMLResponse:
    team = policy.team_ids(db, document.id or 0)
    rows = service.list_amendments(
        db,
        document=document,
        viewer=user,
        team=team,
        status=status,
        section_id=section,
        paragraph_id=paragraph,
    )
    numbered = policy.tree(db, document.id or 0)
    return render(
        request,
        "policy/amend_list.html",
        {
            "document": document,
            "amendments": [service.amendment_public(db, a) for a in rows],
            "sections": numbered,
            "section_names": {n.section.id: f"{n.number} {n.section.title}" for n in numbered},
            "status": status or "",
            "section_id": section or "",
            "paragraph_id": paragraph or "",
            "status_labels": STATUS_LABELS,
            "status_options": [(k, gettext(v)) for k, v in STATUS_LABELS.items()],
            "section_options": [(n.section.id, f"{n.number} {n.section.title}") for n in numbered],
        },
    )
