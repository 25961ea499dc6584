"""The shapes contributions are shown in: the public (API) shape, the moderation history as the
reader may see it, the statistics charts, and the select options of the filters and the form.

Charts and options are made here in the reader's language (an SVG carries its title and
description as text; an option its label): this is the one module of the package that
translates, because its output is presentation, built at the edge for one reader. Nothing
here changes state.
"""

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from app import i18n, permissions
from app.i18n import N_
from app.lib.charts import bar_chart
from app.models.contributions import (
    CHANNEL_LABELS,
    KIND_LABELS,
    ORGANISATION_TYPE_LABELS,
    SORT_LABELS,
    STATUS_LABELS,
    Attachment,
    AttachmentPublic,
    Channel,
    Contribution,
    ContributionPublic,
    ModerationAction,
    ModerationEventPublic,
)
from app.models.forums import Forum
from app.models.users import User
from app.services import caucuses as caucus_service
from app.services import forums as forum_service
from app.services import sessions as session_service
from app.services.contributions.reading import (
    ContributionView,
    ListRow,
    attachments_by_contribution,
    attachments_of,
    theme_ids_of,
)
from app.services.contributions.stats import Statistics

_PUBLIC_FIELDS = (
    "id",
    "forum_id",
    "session_id",
    "kind",
    "channel",
    "status",
    "title",
    "body",
    "body_html",
    "language",
    "organisation_name",
    "caucus_id",
    "links",
    "endorsement_count",
    "pinned",
    "for_minutes",
    "created_at",
)


def to_public(
    db: Session,
    contribution: Contribution,
    *,
    author: str | None,
    endorsed: bool = False,
    themes: list[int] | None = None,
    attachments: list[Attachment] | None = None,
) -> ContributionPublic:
    """The public shape; lists pass the themes and attachments they fetched for the whole page."""
    assert contribution.id is not None
    if themes is None:
        themes = theme_ids_of(db, [contribution.id])[contribution.id]
    if attachments is None:
        attachments = attachments_of(db, contribution.id)
    return ContributionPublic(
        **{name: getattr(contribution, name) for name in _PUBLIC_FIELDS},
        author=author,
        theme_ids=themes,
        endorsed_by_me=endorsed,
        moderation_note=contribution.moderation_note,
        answer_html=contribution.answer_html,
        answered_at=contribution.answered_at,
        attachments=[
            AttachmentPublic(
                id=a.id or 0,
                filename=a.filename,
                media_type=a.media_type,
                size=a.size,
                url=f"/contributions/{contribution.id}/attachments/{a.id}",
            )
            for a in attachments
        ],
        url=f"/contributions/{contribution.id}",
    )


def public_list(db: Session, rows: list[ListRow]) -> list[ContributionPublic]:
    """A page of contributions in three queries, whatever its length."""
    ids = [r.contribution.id for r in rows if r.contribution.id is not None]
    themes = theme_ids_of(db, ids)
    attachments = attachments_by_contribution(db, ids)
    return [
        to_public(
            db,
            r.contribution,
            author=r.author,
            endorsed=r.endorsed_by_me,
            themes=themes[r.contribution.id or 0],
            attachments=attachments[r.contribution.id or 0],
        )
        for r in rows
    ]


def public_events(view: ContributionView, *, viewer: User | None) -> list[ModerationEventPublic]:
    """The moderation history; who decided is for moderators to see."""
    show_actor = permissions.can_moderate(viewer, view.contribution)
    return [
        ModerationEventPublic(
            id=event.id or 0,
            action=ModerationAction(event.action),
            from_status=event.from_status,
            to_status=event.to_status,
            reason=event.reason,
            actor=actor if show_actor else None,
            changes=event.changes,
            created_at=event.created_at,
        )
        for event, actor in view.events
    ]


@dataclass
class Chart:
    title: str
    rows: list[tuple[str, int]]
    svg: Markup


def charts(stats: Statistics) -> list[Chart]:
    """The five counts as a chart and its rows each, in the reader's language."""
    none = i18n.translate(N_("None given"))
    tables = [
        (
            N_("By session"),
            [(i18n.localized(s.title)[0] if s else none, n) for s, n in stats.by_session],
        ),
        (
            N_("By theme or axis"),
            [(f"{t.code} — {i18n.localized(t.title)[0]}", n) for t, n in stats.by_theme],
        ),
        (
            N_("By caucus lens"),
            [(i18n.localized(c.name)[0] if c else none, n) for c, n in stats.by_caucus],
        ),
        (N_("By language"), [(i18n.language_name(code), n) for code, n in stats.by_language]),
        (
            N_("By channel"),
            [(i18n.translate(CHANNEL_LABELS[Channel(k)]), n) for k, n in stats.by_channel],
        ),
    ]
    empty = i18n.translate(N_("No contributions yet."))
    result = []
    for msgid, rows in tables:
        title = i18n.translate(msgid)
        description = i18n.translate(
            i18n.Message(N_("Number of published contributions, %(title)s"), title=title.lower())
        )
        svg = bar_chart(
            rows,
            title=title,
            description=description,
            number_format=i18n.format_number,
            empty_message=empty,
        )
        result.append(Chart(title=title, rows=rows, svg=svg))
    return result


def reference_options(
    db: Session, forum_id: int | None, forums: list[tuple[Forum, int]]
) -> dict[str, Any]:
    """The forums, and a forum's sessions and themes, caucuses and languages, as select options:
    the filters of the list and the fields of the proposal form offer the same ones."""
    sessions = (
        session_service.list_sessions(db, forum_id=forum_id, limit=100, cursor=None)[0]
        if forum_id
        else []
    )
    themes = forum_service.themes_of(db, forum_id) if forum_id else []
    return {
        "forum_options": [(f.id, i18n.localized(f.title)[0]) for f, _ in forums],
        "session_options": [(s.id, i18n.localized(s.title)[0]) for s in sessions],
        "theme_options": [(t.id, f"{t.code} — {i18n.localized(t.title)[0]}") for t in themes],
        "caucus_options": [
            (c.id, i18n.localized(c.name)[0]) for c in caucus_service.list_caucuses(db)
        ],
        "language_options": [(code, i18n.language_name(code)) for code in i18n.LOCALES],
        "organisation_type_options": i18n.label_choices(ORGANISATION_TYPE_LABELS),
    }


def filter_options(db: Session, forum_id: int | None) -> dict[str, Any]:
    return {
        **reference_options(db, forum_id, forum_service.all_forums_with_counts(db)),
        "channel_options": i18n.label_choices(CHANNEL_LABELS),
        "kind_options": i18n.label_choices(KIND_LABELS),
        "status_options": i18n.label_choices(STATUS_LABELS),
        "sort_options": i18n.label_choices(SORT_LABELS),
    }
