"""The privacy notice (`/privacy`), which registration and the proposal form ask people to
agree to (services/privacy.py keeps its version)."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.config import get_settings
from app.routers.apiutil import pages_router
from app.services import privacy
from app.templating import render

pages = pages_router()


@pages.get("/privacy", response_class=HTMLResponse)
def privacy_notice(request: Request) -> HTMLResponse:
    return render(
        request,
        "privacy/notice.html",
        {
            "version": privacy.PRIVACY_NOTICE_VERSION,
            "contact": privacy.contact_address(),
            "session_days": get_settings().session_max_age_s // 86400,
            "nav": "privacy",
        },
    )
