"""Reading contributions: one the reader may see, its page's view, and what lists need beside
the rows (author names, themes, attachments without their bytes)."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, exists, select
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from app import permissions
from app.models.caucuses import Caucus
from app.models.contributions import (
    Attachment,
    Channel,
    Contribution,
    ContributionTheme,
    Endorsement,
    ModerationEvent,
    Report,
)
from app.models.forums import Forum, ForumSession, Theme
from app.models.users import STAFF_ROLES, User
from app.services.errors import NotFound

# An attachment's name, type and size, without its bytes (read only to serve the file).
ATTACHMENT_META = defer(Attachment.data)  # type: ignore[arg-type]


@dataclass
class ListRow:
    contribution: Contribution
    author: str | None
    session_title: dict[str, str] | None
    endorsed_by_me: bool = False
    author_is_staff: bool = False  # shown with a role badge, in words


@dataclass
class ContributionView:
    contribution: Contribution
    forum: Forum
    session: ForumSession | None
    author: str | None
    themes: list[Theme]
    caucus: Caucus | None
    attachments: list[Attachment]
    events: list[tuple[ModerationEvent, str | None]]
    endorsed_by_me: bool = False
    reported_by_me: bool = False
    author_is_staff: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_author(contribution: Contribution, user_name: str | None) -> str | None:
    """The name shown to everyone: an account's display name, or the name a person gave when
    they consented to publication on the web form or to a transcription. E-mail senders did not
    consent on this site, so their names stay with the secretariat."""
    if contribution.organisation_name and not (user_name or contribution.author_name):
        return contribution.organisation_name
    if user_name:
        return user_name
    if contribution.channel in (Channel.web, Channel.transcribed) and contribution.author_name:
        return contribution.author_name
    return None


def find_contribution(db: Session, contribution_id: int) -> Contribution | None:
    return db.get(Contribution, contribution_id)


def find_many(db: Session, ids: Sequence[int]) -> list[Contribution]:
    """The contributions with these ids that exist, in the order asked for."""
    found = {
        c.id: c
        for c in db.execute(select(Contribution).where(col(Contribution.id).in_(ids))).scalars()
    }
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def get_contribution(db: Session, contribution_id: int) -> Contribution:
    contribution = find_contribution(db, contribution_id)
    if contribution is None:
        raise NotFound()
    return contribution


def get_visible(
    db: Session, contribution_id: int, *, viewer: User | None, receipt: str | None = None
) -> Contribution:
    """A contribution the viewer may see; a hidden one is 404, not 403, so that its existence
    does not leak."""
    contribution = get_contribution(db, contribution_id)
    if permissions.can_view_contribution(viewer, contribution):
        return contribution
    if (
        receipt
        and contribution.receipt_hash
        and secrets.compare_digest(contribution.receipt_hash, token_hash(receipt))
    ):
        return contribution
    raise NotFound()


def user_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.execute(
        select(col(User.id), col(User.display_name)).where(col(User.id).in_(ids))
    ).all()
    return dict(rows)


def staff_ids(db: Session, ids: set[int]) -> set[int]:
    """Which of these accounts are staff: their contributions carry a role badge, so a display
    name alone never passes for the secretariat."""
    if not ids:
        return set()
    return set(
        db.execute(
            select(col(User.id)).where(col(User.id).in_(ids), col(User.role).in_(STAFF_ROLES))
        ).scalars()
    )


def author_of(db: Session, contribution: Contribution) -> str | None:
    """The public author of one contribution (lists fetch the names of a page at once)."""
    names = user_names(db, {contribution.author_id} if contribution.author_id else set())
    return public_author(contribution, names.get(contribution.author_id or 0))


def contribution_view(
    db: Session, contribution: Contribution, *, viewer: User | None
) -> ContributionView:
    assert contribution.id is not None
    forum = db.get(Forum, contribution.forum_id)
    assert forum is not None
    session = db.get(ForumSession, contribution.session_id) if contribution.session_id else None
    themes = list(
        db.execute(
            select(Theme)
            .join(ContributionTheme, col(ContributionTheme.theme_id) == col(Theme.id))
            .where(col(ContributionTheme.contribution_id) == contribution.id)
            .order_by(col(Theme.kind), col(Theme.code))
        ).scalars()
    )
    caucus = db.get(Caucus, contribution.caucus_id) if contribution.caucus_id else None
    attachments = attachments_of(db, contribution.id)
    events = list(
        db.execute(
            select(ModerationEvent)
            .where(col(ModerationEvent.contribution_id) == contribution.id)
            .order_by(col(ModerationEvent.id))
        ).scalars()
    )
    names = user_names(
        db,
        {e.actor_id for e in events if e.actor_id}
        | ({contribution.author_id} if contribution.author_id else set()),
    )
    endorsed = reported = False
    if viewer is not None:
        endorsed = db.get(Endorsement, (contribution.id, viewer.id)) is not None
        reported = (
            db.execute(
                select(col(Report.id)).where(
                    col(Report.contribution_id) == contribution.id,
                    col(Report.reporter_id) == viewer.id,
                )
            ).first()
            is not None
        )
    return ContributionView(
        contribution=contribution,
        forum=forum,
        session=session,
        author=public_author(contribution, names.get(contribution.author_id or 0)),
        author_is_staff=bool(
            contribution.author_id
            and staff_ids(db, {contribution.author_id}) == {contribution.author_id}
        ),
        themes=themes,
        caucus=caucus,
        attachments=attachments,
        events=[(e, names.get(e.actor_id or 0)) for e in events],
        endorsed_by_me=endorsed,
        reported_by_me=reported,
    )


def theme_ids_of(db: Session, ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for cid, tid in db.execute(
            select(col(ContributionTheme.contribution_id), col(ContributionTheme.theme_id)).where(
                col(ContributionTheme.contribution_id).in_(ids)
            )
        ):
            out[cid].append(tid)
    return out


def attachments_by_contribution(db: Session, ids: Sequence[int]) -> dict[int, list[Attachment]]:
    out: dict[int, list[Attachment]] = {i: [] for i in ids}
    if ids:
        for attachment in db.execute(
            select(Attachment)
            .options(ATTACHMENT_META)
            .where(col(Attachment.contribution_id).in_(ids))
            .order_by(col(Attachment.id))
        ).scalars():
            out[attachment.contribution_id].append(attachment)
    return out


def attachments_of(db: Session, contribution_id: int) -> list[Attachment]:
    return attachments_by_contribution(db, [contribution_id])[contribution_id]


def get_attachment(
    db: Session,
    attachment_id: int,
    *,
    contribution_id: int,
    viewer: User | None,
    receipt: str | None,
) -> tuple[Attachment, bytes]:
    """An attachment of a contribution the viewer may see, with its bytes; else 404."""
    attachment = db.get(Attachment, attachment_id, options=[ATTACHMENT_META])
    if attachment is None or attachment.contribution_id != contribution_id:
        raise NotFound()
    get_visible(db, attachment.contribution_id, viewer=viewer, receipt=receipt)
    data = db.execute(
        select(col(Attachment.data)).where(col(Attachment.id) == attachment_id)
    ).scalar_one()
    return attachment, data


# Built once (Core, on the tables): run on every logged-in contribution page.
_C = Contribution.__table__.c  # type: ignore[attr-defined]
_R = Report.__table__.c  # type: ignore[attr-defined]
_REPORT_STATES = select(
    _C.id,
    _C.author_id,
    exists()
    .where(_R.contribution_id == _C.id, _R.reporter_id == bindparam("user_id"))
    .label("reported"),
).where(_C.id.in_(bindparam("ids", expanding=True)))


def report_states(db: Session | Connection, user_id: int, ids: Sequence[int]) -> dict[int, str]:
    """For each contribution, what its report section offers this reader (as the page's own
    rule, routers/contributions.py `_report_state`): "author", "reported" or "open"."""
    if not ids:
        return {}
    rows = db.execute(_REPORT_STATES, {"user_id": user_id, "ids": list(ids)})
    return {
        i: "author" if author == user_id else "reported" if reported else "open"
        for i, author, reported in rows
    }
