"""Minutes: the staff editor, the reading page and the attendees' corrections (pages), and the
JSON API (api)."""

from app.routers.minutes.api import api
from app.routers.minutes.pages import pages

__all__ = ["api", "pages"]
