"""Dependency aliases: who is asking, in which language, and may they."""

from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine

from app import permissions
from app.db import open_session
from app.models.users import User
from app.services.errors import AuthenticationRequired, PermissionDenied

SESSION_USER_KEY = "uid"


def _load_user(engine: Engine, user_id: int) -> User | None:
    # A connection of its own, returned at once: the request's session must not hold a pooled
    # connection while it waits for a worker thread, or a busy instance runs out of them.
    with open_session(engine, write=False) as db:
        user = db.get(User, user_id)
        if user is not None:
            db.expunge(user)
        return user


async def optional_user(request: Request) -> User | None:
    """Anonymous requests need no database and no thread; a logged-in one reads its user in a
    worker thread."""
    user_id = request.session.get(SESSION_USER_KEY)
    if not isinstance(user_id, int):
        return None
    user = await to_thread.run_sync(_load_user, request.app.state.engine, user_id)
    if user is None or not user.is_active:
        request.session.pop(SESSION_USER_KEY, None)
        return None
    request.state.user = user
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]

# The checks below do no I/O: async, so that FastAPI does not take a worker thread for them
# (a request waiting for a thread must not be what keeps others waiting).


async def current_user(user: OptionalUser) -> User:
    if user is None:
        raise AuthenticationRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def staff_user(user: CurrentUser) -> User:
    if not permissions.can_manage_content(user):
        raise PermissionDenied()
    return user


StaffUser = Annotated[User, Depends(staff_user)]


async def admin_user(user: CurrentUser) -> User:
    if not permissions.can_view_audit(user):
        raise PermissionDenied()
    return user


AdminUser = Annotated[User, Depends(admin_user)]
