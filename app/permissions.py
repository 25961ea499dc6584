"""Named permission predicates: one place that says who may do what."""

from typing import Any

from app.models.users import STAFF_ROLES, Role, User


def is_staff(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in STAFF_ROLES


def can_manage_content(user: User | None) -> bool:
    """Forums, sessions, agenda, speakers, organisations, caucuses."""
    return is_staff(user)


def can_see_contact(user: User | None) -> bool:
    """Speakers' e-mail and phone are for the secretariat only."""
    return is_staff(user)


def can_manage_users(user: User | None) -> bool:
    return is_staff(user)


def can_grant_role(user: User | None, role: Role) -> bool:
    """The secretariat invites and assigns roles, but only an admin makes another admin."""
    if not can_manage_users(user):
        return False
    return role != Role.admin or (user is not None and user.role == Role.admin)


def can_view_audit(user: User | None) -> bool:
    return user is not None and user.is_active and user.role == Role.admin


def can_moderate(user: User | None) -> bool:
    """The moderation queue, and pinning or marking live remarks, belong to the secretariat."""
    return is_staff(user)


def can_view_contribution(user: User | None, contribution: Any) -> bool:
    """Published contributions are public; the others are for their author and moderators."""
    if contribution.status == "published":
        return True
    return can_moderate(user) or (
        user is not None and user.id is not None and contribution.author_id == user.id
    )


def can_see_author_contact(user: User | None) -> bool:
    """E-mail addresses of people who wrote in are for the secretariat only."""
    return is_staff(user)
