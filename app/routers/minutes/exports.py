"""The minutes as files: `/sessions/{id}/minutes.docx` and `.md`. Documents, not pages: they are
in the OpenAPI schema (and so under the schema tests) although not under /api/v1, because a
person follows these links from the reading page and a script fetches the same addresses.

Only minutes the caller may read are exported; any other, like an unknown session or a session
without minutes, is a 404 (an error page, as for the reading page beside them).
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.db import SessionDep, hands_back
from app.deps import OptionalUser
from app.models.minutes import Minutes, MinutesStatus
from app.models.types import DbId
from app.routers.apiutil import RequestSessions
from app.services import minutes as service
from app.services import sessions as session_service
from app.services.errors import NotFound
from app.services.minutes.export import filenames
from app.services.minutes.export_docx import MEDIA_TYPE as DOCX
from app.services.minutes.export_docx import export_docx
from app.services.minutes.export_md import MEDIA_TYPE as MARKDOWN
from app.services.minutes.export_md import export_md
from app.web.urls import absolute_url

exports = APIRouter(tags=["minutes"], route_class=RequestSessions)


@hands_back
def _readable(db: SessionDep, user: OptionalUser, session_id: DbId) -> Minutes:
    session_service.get_session(db, session_id)
    found = service.of_session(db, session_id)
    if found is None or not service.can_view(db, user, found):
        raise NotFound()
    return found


ReadableSessionMinutes = Annotated[Minutes, Depends(_readable)]


def _responses(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": what,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        },
        404: {
            "description": "No such session, no minutes, or minutes you may not read",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    }


def _file(body: bytes | str, media_type: str, stem: str, extension: str, m: Minutes) -> Response:
    fallback, full = filenames(stem, extension)
    headers = {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''"
        + quote(full, safe=""),
        # The document's language, not the reader's interface language.
        "Content-Language": m.language,
    }
    if m.status not in (MinutesStatus.published, MinutesStatus.corrected):
        # A draft or circulated text must not outlive the reader's access in some cache.
        headers["Cache-Control"] = "private, no-store"
    return Response(body, media_type=media_type, headers=headers)


@exports.get(
    "/sessions/{session_id}/minutes.docx",
    response_class=Response,
    responses=_responses(DOCX, "The minutes as a Word document"),
    summary="Minutes as DOCX",
)
def minutes_docx(
    request: Request, db: SessionDep, user: OptionalUser, minutes: ReadableSessionMinutes
) -> Response:
    session = session_service.get_session(db, minutes.session_id)
    stem, body = export_docx(
        db, minutes=minutes, session=session, viewer=user, base_url=absolute_url(request, "")
    )
    return _file(body, DOCX, stem, "docx", minutes)


@exports.get(
    "/sessions/{session_id}/minutes.md",
    response_class=Response,
    responses=_responses(MARKDOWN, "The minutes as Markdown (CommonMark)"),
    summary="Minutes as Markdown",
)
def minutes_markdown(
    request: Request, db: SessionDep, user: OptionalUser, minutes: ReadableSessionMinutes
) -> Response:
    session = session_service.get_session(db, minutes.session_id)
    stem, body = export_md(
        db, minutes=minutes, session=session, viewer=user, base_url=absolute_url(request, "")
    )
    return _file(body, MARKDOWN, stem, "md", minutes)
