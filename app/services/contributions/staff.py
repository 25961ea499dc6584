"""The secretariat's tools on a contribution: filing it (themes, session, caucus lens) and the
official answer. Each change is one event on the moderation workflow (services/moderation.py),
with its before and after, so the contribution's history says who changed what and when.

Not re-exported by the package: it builds on services/moderation, which reads through the
package (importing it from there would be a cycle).
"""

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.lib import markup
from app.models.caucuses import Caucus
from app.models.contributions import Contribution, ContributionEdit, ContributionTheme
from app.models.contributions import ModerationAction as A
from app.models.forums import ForumSession, Theme
from app.models.types import utcnow
from app.models.users import User
from app.services.contributions.submit import check_refs
from app.services.moderation import MODERATION


def _theme_codes(db: Session, ids: list[int]) -> list[str]:
    if not ids:
        return []
    return list(
        db.execute(
            select(col(Theme.code)).where(col(Theme.id).in_(ids)).order_by(col(Theme.code))
        ).scalars()
    )


# What an edit of each link records: the event's key and the linked record's name field.
_LINKS = {"session_id": ("session", "title"), "caucus_id": ("caucus", "name")}


def _relink(
    db: Session,
    actor: User,
    contribution: Contribution,
    action: A,
    column: str,
    model: Any,
    new_id: int | None,
) -> None:
    """Points the contribution at another session or caucus (or none), with an event naming
    both as they read now, in every language."""
    old_id = getattr(contribution, column)
    if new_id == old_id:
        return
    key, name = _LINKS[column]

    def title(record_id: int | None) -> dict[str, str] | None:
        record = db.get(model, record_id) if record_id else None
        return dict(getattr(record, name)) if record is not None else None

    MODERATION.apply(
        db,
        record=contribution,
        action=action,
        actor=actor,
        extra={column: new_id, "updated_at": utcnow()},
        event_values={"changes": {key: [title(old_id), title(new_id)]}},
    )


def edit(
    db: Session, *, actor: User, contribution: Contribution, data: ContributionEdit
) -> Contribution:
    """Changes what the form changed, one event per field; nothing changed writes nothing."""
    assert contribution.id is not None
    session_id = None if data.clear_session else (data.session_id or contribution.session_id)
    caucus_id = None if data.clear_caucus else (data.caucus_id or contribution.caucus_id)
    theme_ids = list(dict.fromkeys(data.theme_ids)) if data.theme_ids is not None else None
    check_refs(
        db,
        forum_id=contribution.forum_id,
        session_id=session_id,
        theme_ids=theme_ids or [],
        caucus_id=caucus_id,
    )
    if theme_ids is not None:
        before = list(
            db.execute(
                select(col(ContributionTheme.theme_id)).where(
                    col(ContributionTheme.contribution_id) == contribution.id
                )
            ).scalars()
        )
        if set(before) != set(theme_ids):
            MODERATION.apply(
                db,
                record=contribution,
                action=A.set_themes,
                actor=actor,
                event_values={
                    "changes": {"themes": [_theme_codes(db, before), _theme_codes(db, theme_ids)]}
                },
            )
            db.execute(
                delete(ContributionTheme).where(
                    col(ContributionTheme.contribution_id) == contribution.id
                )
            )
            for theme_id in theme_ids:
                db.add(ContributionTheme(contribution_id=contribution.id, theme_id=theme_id))
    _relink(db, actor, contribution, A.set_session, "session_id", ForumSession, session_id)
    _relink(db, actor, contribution, A.set_caucus, "caucus_id", Caucus, caucus_id)
    db.commit()
    db.refresh(contribution)
    return contribution


def answer(db: Session, *, actor: User, contribution: Contribution, text: str) -> Contribution:
    """The official answer, written or rewritten: Markdown kept as written, its sanitised HTML
    made now (pages and the API show that, never rendering on read)."""
    text = text.strip()
    MODERATION.apply(
        db,
        record=contribution,
        action=A.answer,
        actor=actor,
        extra={
            "answer": text,
            "answer_html": markup.store(text),
            "answered_at": utcnow(),
            "updated_at": utcnow(),
        },
        event_values={"changes": {"first": contribution.answer is None}},
    )
    db.commit()
    db.refresh(contribution)
    return contribution
