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


def _title(record: Any, name: str) -> dict[str, str] | None:
    """A session's or caucus's name in every language, as it reads now."""
    return dict(getattr(record, name)) if record is not None else None


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
    if session_id != contribution.session_id:
        old = db.get(ForumSession, contribution.session_id) if contribution.session_id else None
        new = db.get(ForumSession, session_id) if session_id else None
        MODERATION.apply(
            db,
            record=contribution,
            action=A.set_session,
            actor=actor,
            extra={"session_id": session_id, "updated_at": utcnow()},
            event_values={"changes": {"session": [_title(old, "title"), _title(new, "title")]}},
        )
    if caucus_id != contribution.caucus_id:
        old_caucus = db.get(Caucus, contribution.caucus_id) if contribution.caucus_id else None
        new_caucus = db.get(Caucus, caucus_id) if caucus_id else None
        MODERATION.apply(
            db,
            record=contribution,
            action=A.set_caucus,
            actor=actor,
            extra={"caucus_id": caucus_id, "updated_at": utcnow()},
            event_values={
                "changes": {"caucus": [_title(old_caucus, "name"), _title(new_caucus, "name")]}
            },
        )
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
