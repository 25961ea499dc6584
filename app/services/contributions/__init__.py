"""Contributions: submitting, reading, listing, searching, endorsing, exporting, counting.

One module per concern (submit, reading, listing, endorse, export, stats, views); this package
re-exports what other code calls, and registers the contribution as a target others may point
to (care-map pins, later minutes and policy paragraphs).
"""

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_
from app.models.contributions import CHANNEL_LABELS, Contribution, Status
from app.models.users import User
from app.services import targets
from app.services.contributions.endorse import (
    ENDORSE_LIMIT_ACCOUNT,
    ENDORSE_LIMIT_IP,
    set_endorsement,
)
from app.services.contributions.export import (
    EXPORT_FIELDS,
    export_csv,
    export_json,
    export_rows,
)
from app.services.contributions.listing import (
    CURSOR_PATTERN,
    SORTS,
    Filters,
    decode_cursor,
    list_contributions,
    similar,
)
from app.services.contributions.reading import (
    ATTACHMENT_META,
    ContributionView,
    ListRow,
    attachments_by_contribution,
    attachments_of,
    author_of,
    contribution_view,
    find_contribution,
    find_many,
    get_attachment,
    get_contribution,
    get_visible,
    public_author,
    report_states,
    staff_ids,
    theme_ids_of,
    token_hash,
    user_names,
)
from app.services.contributions.stats import Statistics, statistics
from app.services.contributions.submit import (
    SUBMIT_LIMIT_ACCOUNT,
    SUBMIT_LIMIT_IP,
    Submitted,
    author_errors,
    check_uploads,
    limit_rate,
    make_excerpt,
    receipt_for,
    replay,
    scoped_key,
    store,
    submit_proposal,
    submitter_scope,
)
from app.services.contributions.views import (
    Chart,
    charts,
    filter_options,
    public_events,
    public_list,
    reference_options,
    to_public,
)

__all__ = [
    "ATTACHMENT_META",
    "CURSOR_PATTERN",
    "ENDORSE_LIMIT_ACCOUNT",
    "ENDORSE_LIMIT_IP",
    "EXPORT_FIELDS",
    "SORTS",
    "SUBMIT_LIMIT_ACCOUNT",
    "SUBMIT_LIMIT_IP",
    "Chart",
    "ContributionView",
    "Filters",
    "ListRow",
    "Statistics",
    "Submitted",
    "attachments_by_contribution",
    "attachments_of",
    "author_errors",
    "author_of",
    "charts",
    "check_uploads",
    "contribution_view",
    "decode_cursor",
    "deleted",
    "export_csv",
    "export_json",
    "export_rows",
    "filter_options",
    "find_contribution",
    "find_many",
    "get_attachment",
    "get_contribution",
    "get_visible",
    "limit_rate",
    "list_contributions",
    "make_excerpt",
    "public_author",
    "public_events",
    "public_list",
    "receipt_for",
    "reference_options",
    "replay",
    "report_states",
    "scoped_key",
    "set_endorsement",
    "similar",
    "staff_ids",
    "statistics",
    "store",
    "submit_proposal",
    "submitter_scope",
    "theme_ids_of",
    "to_public",
    "token_hash",
    "user_names",
]

KIND = "contribution"


def short_title(contribution: Contribution) -> str:
    """For links: the title, or (a live remark has none) the start of its text."""
    text = contribution.title or contribution.excerpt
    return text if len(text) <= 80 else text[:79].rstrip() + "…"


def target_options(db: Session, viewer: User | None) -> list[tuple[int, str]]:
    """Published contributions, newest first, as a pin form offers them."""
    rows = db.execute(
        select(Contribution)
        .where(col(Contribution.status) == Status.published)
        .order_by(col(Contribution.id).desc())
        .limit(300)
    ).scalars()
    return [
        (c.id or 0, short_title(c)) for c in rows if permissions.can_view_contribution(viewer, c)
    ]


def cite(contribution: Contribution) -> tuple[str | None, date | None]:
    """For an endnote: how it reached the forum, and the day it was sent (an e-mail's own
    date), else received."""
    sent = contribution.received_at or contribution.created_at
    return CHANNEL_LABELS.get(contribution.channel), sent.date() if sent else None


targets.register(
    targets.TargetKind(
        kind=KIND,
        label=N_("Contribution"),
        load=find_contribution,
        load_many=lambda db, ids: {c.id or 0: c for c in find_many(db, ids)},
        visible=permissions.can_view_contribution,
        url=lambda contribution: f"/contributions/{contribution.id}",
        title=short_title,
        on_delete=targets.OnDelete.remove,
        options=target_options,
        cite=cite,
    )
)


def deleted(db: Session, *, contribution_id: int) -> int:
    """What pointed at a contribution that is being deleted goes with it (in the caller's
    transaction); contributions are deleted with their forum only (targets.goes_with below)."""
    return targets.deleted(db, kind=KIND, target_id=contribution_id)


targets.goes_with(
    "forum",
    KIND,
    lambda db, forum_id: db.execute(
        select(col(Contribution.id)).where(col(Contribution.forum_id) == forum_id)
    ).scalars(),
)
