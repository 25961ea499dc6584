"""Minutes: the staff editor, the reading page and the attendees' corrections (pages), the
JSON API (api), and the minutes as DOCX and Markdown files (exports)."""

from app.routers.minutes.api import api
from app.routers.minutes.exports import exports
from app.routers.minutes.pages import pages

__all__ = ["api", "exports", "pages"]
