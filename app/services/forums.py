"""Forums, their themes and timelines. Sessions and their agendas: `services/sessions.py`."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.i18n import N_
from app.models.forums import (
    Forum,
    ForumCreate,
    ForumSession,
    Milestone,
    MilestoneCreate,
    Theme,
    ThemeCreate,
)
from app.models.users import User
from app.services import audit, targets
from app.services.errors import InvalidInput, NotFound
from app.services.pagination import page_by_id

# -- forums -----------------------------------------------------------------------------------


def list_forums(
    db: Session, *, limit: int = 20, cursor: str | None = None
) -> tuple[Sequence[Forum], str | None]:
    return page_by_id(db, select(Forum), col(Forum.id), limit=limit, cursor=cursor)


def all_forums_with_counts(db: Session) -> list[tuple[Forum, int]]:
    """For the home page: every forum, newest first, with its number of sessions."""
    counts = (
        select(col(ForumSession.forum_id), func.count().label("n"))
        .group_by(col(ForumSession.forum_id))
        .subquery()
    )
    rows = db.execute(
        select(Forum, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.forum_id == col(Forum.id))
        .order_by(col(Forum.starts_on).desc().nulls_last(), col(Forum.id).desc())
    ).all()
    return [(f, int(n)) for f, n in rows]


def get_forum(db: Session, forum_id: int) -> Forum:
    forum = db.get(Forum, forum_id)
    if forum is None:
        raise NotFound()
    return forum


def create_forum(db: Session, *, actor: User, data: ForumCreate) -> Forum:
    forum = Forum(**_forum_fields(data))
    db.add(forum)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="forum",
        object_id=forum.id,
        summary=audit.first_text(forum.title),
    )
    db.commit()
    return forum


def _forum_fields(data: ForumCreate) -> dict[str, Any]:
    values = data.model_dump()
    values["website"] = str(data.website) if data.website else None
    return values


def update_forum(db: Session, *, actor: User, forum: Forum, data: ForumCreate) -> Forum:
    for key, value in _forum_fields(data).items():
        setattr(forum, key, value)
    audit.record(
        db,
        actor=actor,
        action="update",
        object_type="forum",
        object_id=forum.id,
        summary=audit.first_text(forum.title),
    )
    db.commit()
    return forum


def delete_forum(db: Session, *, actor: User, forum: Forum) -> None:
    """The forum's sessions and contributions go with it (a foreign-key cascade), so what
    points at them goes too, in the same transaction (see targets.goes_with)."""
    assert forum.id is not None
    targets.deleted(db, kind="forum", target_id=forum.id)
    audit.delete(
        db, actor=actor, obj=forum, object_type="forum", summary=audit.first_text(forum.title)
    )


@dataclass
class ForumView:
    forum: Forum
    sessions: Sequence[ForumSession]
    themes: Sequence[Theme]
    milestones: Sequence[Milestone]


def forum_view(db: Session, forum_id: int) -> ForumView:
    forum = get_forum(db, forum_id)
    sessions = (
        db.execute(
            select(ForumSession)
            .where(col(ForumSession.forum_id) == forum_id)
            .order_by(col(ForumSession.starts_at), col(ForumSession.id))
        )
        .scalars()
        .all()
    )
    return ForumView(forum, sessions, themes_of(db, forum_id), milestones_of(db, forum_id))


# -- timeline and themes ----------------------------------------------------------------------


def milestones_of(db: Session, forum_id: int) -> Sequence[Milestone]:
    return (
        db.execute(
            select(Milestone)
            .where(col(Milestone.forum_id) == forum_id)
            .order_by(col(Milestone.starts_on), col(Milestone.id))
        )
        .scalars()
        .all()
    )


def add_milestone(db: Session, *, actor: User, forum: Forum, data: MilestoneCreate) -> Milestone:
    assert forum.id is not None
    milestone = Milestone(forum_id=forum.id, **data.model_dump())
    db.add(milestone)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="milestone",
        object_id=milestone.id,
        summary=audit.first_text(milestone.title),
    )
    db.commit()
    return milestone


def delete_milestone(db: Session, *, actor: User, forum: Forum, milestone_id: int) -> None:
    milestone = db.get(Milestone, milestone_id)
    if milestone is None or milestone.forum_id != forum.id:
        raise NotFound()
    audit.delete(
        db,
        actor=actor,
        obj=milestone,
        object_type="milestone",
        summary=audit.first_text(milestone.title),
    )


def themes_of(db: Session, forum_id: int) -> Sequence[Theme]:
    return (
        db.execute(
            select(Theme)
            .where(col(Theme.forum_id) == forum_id)
            .order_by(col(Theme.kind).desc(), col(Theme.code))
        )
        .scalars()
        .all()
    )


def add_theme(db: Session, *, actor: User, forum: Forum, data: ThemeCreate) -> Theme:
    assert forum.id is not None
    taken = db.execute(
        select(col(Theme.id)).where(col(Theme.forum_id) == forum.id, col(Theme.code) == data.code)
    ).first()
    if taken:
        raise InvalidInput({"code": [N_("This forum already has a theme with this code.")]})
    theme = Theme(forum_id=forum.id, **data.model_dump())
    db.add(theme)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="theme",
        object_id=theme.id,
        summary=f"{theme.code} {audit.first_text(theme.title)}",
    )
    db.commit()
    return theme


def delete_theme(db: Session, *, actor: User, forum: Forum, theme_id: int) -> None:
    theme = db.get(Theme, theme_id)
    if theme is None or theme.forum_id != forum.id:
        raise NotFound()
    audit.delete(db, actor=actor, obj=theme, object_type="theme", summary=theme.code)
