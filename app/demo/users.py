"""The demo accounts: the administrator the README names, who creates every other demo record,
and five participants who endorse and remark."""

import secrets

from sqlmodel import Session

from app.models.users import Role, User, UserCreate
from app.services import users as user_service

DEMO_ADMIN_EMAIL = "admin@example.org"
DEMO_ADMIN_PASSWORD = "townhall-demo"  # noqa: S105 — a published demo credential, by design


def admin(db: Session) -> User:
    """The demo administrator, created from the command line's side (no actor) when missing."""
    found = user_service.find_by_email(db, DEMO_ADMIN_EMAIL)
    if found is not None:
        return found
    data = UserCreate(
        email=DEMO_ADMIN_EMAIL,
        display_name="Demo administrator",
        password=DEMO_ADMIN_PASSWORD,
        role=Role.admin,
    )
    return user_service.create_user(db, actor=None, data=data)


def participants(db: Session, *, actor: User, count: int = 5) -> list[User]:
    """Demo participants who exist to endorse and remark. Each gets a random password that is
    neither kept nor shown, so nobody can log in as one."""
    users = []
    for n in range(1, count + 1):
        email = f"participant{n}@demo.example.org"
        user = user_service.find_by_email(db, email)
        if user is None:
            data = UserCreate(
                email=email,
                display_name=f"Demo participant {n}",
                password=secrets.token_urlsafe(24),
                role=Role.participant,
            )
            user = user_service.create_user(db, actor=actor, data=data)
        users.append(user)
    return users
