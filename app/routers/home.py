"""The home page: what is happening on the platform."""

from datetime import timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlmodel import col

from app.db import SessionDep
from app.deps import OptionalUser
from app.models.forums import Forum, ForumSession
from app.models.types import utcnow
from app.routers.apiutil import pages_router
from app.services import forums as forum_service
from app.templating import render

pages = pages_router()


@pages.get("/", response_class=HTMLResponse)
def home(request: Request, db: SessionDep, user: OptionalUser) -> HTMLResponse:
    forums = forum_service.all_forums_with_counts(db)
    # Sessions from the last day onwards, so that a session under way still shows.
    upcoming = db.execute(
        select(ForumSession, Forum)
        .join(Forum, col(Forum.id) == col(ForumSession.forum_id))
        .where(col(ForumSession.starts_at) >= utcnow() - timedelta(days=1))
        .order_by(col(ForumSession.starts_at))
        .limit(5)
    ).all()
    return render(request, "home/index.html", {"forums": forums, "upcoming": upcoming})
