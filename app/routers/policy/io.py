"""Policy documents: io (being built)."""

from fastapi import APIRouter

from app.routers.apiutil import RequestSessions, api_router, pages_router

pages = pages_router()
api = api_router("policy")

# The document as files (DOCX, Markdown), in the schema like the minutes' files.
exports = APIRouter(tags=["policy"], route_class=RequestSessions)
