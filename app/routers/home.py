"""The home page: what is happening on the platform."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.db import SessionDep
from app.deps import OptionalUser
from app.routers.apiutil import pages_router
from app.services import forums as forum_service
from app.services import sessions as session_service
from app.templating import render

pages = pages_router()


@pages.get("/", response_class=HTMLResponse)
def home(request: Request, db: SessionDep, user: OptionalUser) -> HTMLResponse:
    return render(
        request,
        "home/index.html",
        {
            "forums": forum_service.all_forums_with_counts(db),
            "upcoming": session_service.upcoming_sessions(db),
        },
    )
