"""Policy documents: the JSON API of documents, sections, saves and history (api.py); the pages
of documents and the section editor (pages.py), of history, diffs and blame (history_pages.py);
amendments (amendments.py); comments on paragraphs (comments.py); import and export (io.py);
caucus sign-off (reviews.py), stages and snapshots (stages.py), paragraph sources and the
listening report (sources.py). Each module has its own routers, gathered here for
app/main.py."""

from fastapi import APIRouter

from app.routers.policy import amendments, comments, history_pages, io, reviews, sources, stages
from app.routers.policy import pages as section_pages
from app.routers.policy.api import api as documents_api

# io first: its /documents/import must match before the pages' /documents/{document_id}.
_MODULES = (io, section_pages, history_pages, amendments, comments, reviews, stages, sources)

api = APIRouter()
api.include_router(documents_api)
pages = APIRouter(include_in_schema=False)
for _module in _MODULES:
    api.include_router(_module.api)
    pages.include_router(_module.pages)
exports = APIRouter()
exports.include_router(io.exports)

__all__ = ["api", "exports", "pages"]
