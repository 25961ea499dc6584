"""Policy documents' JSON API: documents and their drafting team, sections, saves that merge
or answer 409 with what overlaps, revisions, diffs, blame and reverts.

A save names its base version in the body (`base_version`) or as `If-Match` with the ETag a
read gave (`"v3"`); with neither it is 428, because a save that says nothing of what it was
based on could overwrite words its author never saw.
"""

import re
from typing import Annotated, Any

from fastapi import Header, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from app.db import SessionDep
from app.deps import (
    CurrentUser,
    DocumentCreator,
    EditableDocument,
    EditableSection,
    ReadableDocument,
    ReadableSection,
    TeamDocument,
)
from app.i18n import N_, gettext
from app.models.policy import (
    BlameLine,
    ConflictPublic,
    DiffPublic,
    DocumentCreate,
    DocumentPublic,
    PolicySection,
    RevertIn,
    RevisionPublic,
    SectionConflictProblem,
    SectionCreate,
    SectionPublic,
    SectionSave,
    SectionSaved,
    TeamMemberIn,
    TeamMemberPublic,
)
from app.models.types import MAX_ID
from app.routers.apiutil import api_router
from app.services import policy as service
from app.web.errors import Problem

api = api_router("policy")

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": SectionConflictProblem,
        "description": "The save overlaps changes saved since its base version",
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/SectionConflictProblem"}
            }
        },
    }
}
PRECONDITION: dict[int | str, dict[str, Any]] = {
    428: {"model": Problem, "description": "No base version given", "content": _PROBLEM}
}
_NEED_BASE = N_(
    "Say which version of the section you edited: send base_version, or If-Match with the "
    "section's ETag."
)
_ETAG = re.compile(r'^\s*(?:W/)?"v(\d{1,10})"\s*$')


def _etag(section: PolicySection) -> str:
    return f'"v{section.version}"'


def _base_from(if_match: str | None) -> int | None:
    found = _ETAG.match(if_match or "")
    if found is None:
        return None
    number = int(found.group(1))
    return number if 1 <= number <= MAX_ID else None


@api.post("/documents", response_model=DocumentPublic, status_code=201)
def create_document(db: SessionDep, user: DocumentCreator, data: DocumentCreate) -> DocumentPublic:
    made = service.create_document(db, actor=user, data=data)
    return service.document_public(db, made)


@api.get("/documents/{document_id}", response_model=DocumentPublic)
def read_document(db: SessionDep, document: ReadableDocument) -> DocumentPublic:
    """The document, its drafting team and its sections in reading order, numbered."""
    return service.document_public(db, document)


@api.post(
    "/documents/{document_id}/team",
    response_model=TeamMemberPublic,
    status_code=201,
    responses={200: {"model": TeamMemberPublic, "description": "Already on the team: updated"}},
)
def add_team_member(
    db: SessionDep,
    user: CurrentUser,
    document: TeamDocument,
    data: TeamMemberIn,
    response: Response,
) -> TeamMemberPublic:
    member, created = service.add_member(db, actor=user, document=document, data=data)
    if not created:
        response.status_code = 200
    return service.member_public(member, service.user_names(db, {member.user_id}))


@api.post("/documents/{document_id}/sections", response_model=SectionPublic, status_code=201)
def create_section(
    db: SessionDep,
    user: CurrentUser,
    document: EditableDocument,
    data: SectionCreate,
    response: Response,
) -> SectionPublic:
    section = service.create_section(db, actor=user, document=document, data=data)
    response.headers["ETag"] = _etag(section)
    return service.section_public(db, section)


@api.get("/sections/{section_id}", response_model=SectionPublic)
def read_section(db: SessionDep, section: ReadableSection, response: Response) -> SectionPublic:
    """The section's text, whole (`body`) and as paragraphs with their ids; the ETag names
    its version, for `If-Match` on the next save."""
    response.headers["ETag"] = _etag(section)
    return service.section_public(db, section)


def _conflict(db: SessionDep, exc: service.SectionConflict, section_id: int) -> JSONResponse:
    current = service.get_section(db, section_id)
    db.refresh(current)
    shown = service.section_public(db, current)
    body = SectionConflictProblem(
        title=gettext("Conflict"),
        status=409,
        detail=gettext(exc.message),
        version=current.version,
        body=shown.body,
        section=shown,
        conflicts=[
            ConflictPublic(
                field=c.field,  # type: ignore[arg-type]
                paragraph_id=c.paragraph_id,
                base=c.base,
                ours=c.ours,
                theirs=c.theirs,
            )
            for c in exc.clashes
        ],
    )
    return JSONResponse(
        jsonable_encoder(body),
        status_code=409,
        media_type="application/problem+json",
        headers={"ETag": _etag(current)},
    )


def _saved(db: SessionDep, done: service.Saved) -> JSONResponse:
    shown = service.section_public(db, done.section)
    body = SectionSaved(**shown.model_dump(), merged=done.merged)
    return JSONResponse(jsonable_encoder(body), headers={"ETag": _etag(done.section)})


@api.put("/sections/{section_id}", response_model=SectionSaved, responses=CONFLICT | PRECONDITION)
def save_section(
    db: SessionDep,
    user: CurrentUser,
    section: EditableSection,
    data: SectionSave,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> Any:
    """Saves the whole body. Paragraphs keep their ids; if others saved since the base
    version, their changes are merged in (`merged: true`) unless they overlap (409)."""
    base = data.base_version or _base_from(if_match)
    if base is None:
        problem = Problem(
            title=gettext("Precondition required"), status=428, detail=gettext(_NEED_BASE)
        )
        return JSONResponse(
            problem.model_dump(exclude_none=True),
            status_code=428,
            media_type="application/problem+json",
        )
    try:
        done = service.save_section(
            db,
            actor=user,
            section=section,
            base_version=base,
            body=data.body,
            title=data.title,
            note=data.note,
        )
    except service.SectionConflict as exc:
        return _conflict(db, exc, section.id or 0)
    return _saved(db, done)


@api.get("/sections/{section_id}/revisions", response_model=list[RevisionPublic])
def list_revisions(db: SessionDep, section: ReadableSection) -> list[RevisionPublic]:
    """Newest first: who saved, when, on which base, whether merged, reverts."""
    return service.revisions(db, section)


@api.get("/sections/{section_id}/diff", response_model=DiffPublic)
def diff_revisions(
    db: SessionDep,
    section: ReadableSection,
    from_version: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1, le=MAX_ID)] = None,
) -> DiffPublic:
    """Word by word, paragraph by paragraph (by id); by default the latest revision against
    the one before it."""
    to = to_version or section.version
    start = from_version or max(1, to - 1)
    return service.diff(db, section, from_version=start, to_version=to)


@api.get("/sections/{section_id}/blame", response_model=list[BlameLine])
def blame(db: SessionDep, section: ReadableSection) -> list[BlameLine]:
    return service.blame(db, section)


@api.post("/sections/{section_id}/revert", response_model=SectionSaved)
def revert(db: SessionDep, user: CurrentUser, section: EditableSection, data: RevertIn) -> Any:
    """The section as it was at `revision`, saved as a new revision."""
    done = service.revert(db, actor=user, section=section, revision=data.revision, note=data.note)
    return _saved(db, done)
