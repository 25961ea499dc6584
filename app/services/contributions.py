"""Contributions: submitting, reading, listing, searching, endorsing, exporting, counting."""

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, Integer, Select, column, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_, gettext
from app.lib import search
from app.lib.markup import plain_text
from app.lib.uploads import CheckedUpload
from app.models.caucuses import Caucus
from app.models.contributions import (
    EXCERPT_MAX,
    Attachment,
    Channel,
    Contribution,
    ContributionCreate,
    ContributionTheme,
    Endorsement,
    Kind,
    ModerationEvent,
    Report,
    Status,
)
from app.models.forums import Forum, ForumSession, Theme
from app.models.types import MAX_ID
from app.models.users import User
from app.services import ratelimit
from app.services.errors import Conflict, InvalidInput, NotFound

# Per hour. Generous for a person, tight for a script; held in the database (ratelimit.py), so
# they hold across app instances.
SUBMIT_LIMIT_ACCOUNT = 10
SUBMIT_LIMIT_IP = 30
ENDORSE_LIMIT_ACCOUNT = 200
ENDORSE_LIMIT_IP = 600
HOUR = 3600

CURSOR_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,10})?$"
# An attachment's name, type and size, without its bytes (read only to serve the file).
ATTACHMENT_META = defer(Attachment.data)  # type: ignore[arg-type]


class Sort:
    newest = "newest"
    endorsed = "endorsed"


SORTS = (Sort.newest, Sort.endorsed)


@dataclass
class Filters:
    forum_id: int | None = None
    session_id: int | None = None
    theme_id: int | None = None
    caucus_id: int | None = None
    language: str | None = None
    channel: str | None = None
    kind: str | None = None
    status: str | None = None
    q: str = ""
    sort: str = Sort.newest
    mine: bool = False  # the viewer's own contributions, whatever their status

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as query parameters, for links that keep them (pages, export)."""
        items = []
        for name in (
            "forum_id",
            "session_id",
            "theme_id",
            "caucus_id",
            "language",
            "channel",
            "kind",
            "status",
            "q",
        ):
            value = getattr(self, name)
            if value not in (None, ""):
                items.append((name, str(value)))
        if self.sort != Sort.newest:
            items.append(("sort", self.sort))
        if self.mine:
            items.append(("mine", "true"))
        return items


@dataclass
class ListRow:
    contribution: Contribution
    author: str | None
    session_title: dict[str, str] | None
    endorsed_by_me: bool = False


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


def get_contribution(db: Session, contribution_id: int) -> Contribution:
    contribution = db.get(Contribution, contribution_id)
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


# -- submitting --------------------------------------------------------------------------------


def _check_refs(
    db: Session,
    *,
    forum_id: int,
    session_id: int | None,
    theme_ids: Sequence[int],
    caucus_id: int | None,
) -> Forum:
    errors: dict[str, list[str]] = {}
    forum = db.get(Forum, forum_id)
    if forum is None:
        raise InvalidInput({"forum_id": [gettext(N_("Choose a forum from the list."))]})
    if session_id is not None:
        session = db.get(ForumSession, session_id)
        if session is None or session.forum_id != forum_id:
            errors["session_id"] = [gettext(N_("Choose a session of this forum."))]
    if theme_ids:
        found = set(
            db.execute(
                select(col(Theme.id)).where(
                    col(Theme.id).in_(theme_ids), col(Theme.forum_id) == forum_id
                )
            ).scalars()
        )
        if found != set(theme_ids):
            errors["theme_ids"] = [gettext(N_("Choose themes of this forum."))]
    if caucus_id is not None and db.get(Caucus, caucus_id) is None:
        errors["caucus_id"] = [gettext(N_("Choose a caucus from the list."))]
    if errors:
        raise InvalidInput(errors)
    return forum


def limit_rate(
    db: Session, *, action: str, user: User | None, ip: str, per_user: int, per_ip: int
) -> None:
    keys = {f"{action}:ip:{ip}": per_ip}
    if user is not None:
        keys[f"{action}:user:{user.id}"] = per_user
    ratelimit.check(db, keys=keys, window_s=HOUR)
    for key in keys:
        ratelimit.hit(db, key=key, window_s=HOUR)


def replay(db: Session, key: str | None, actor: User | None) -> Contribution | None:
    """The contribution an earlier attempt with this idempotency key created, if any."""
    if not key:
        return None
    existing = db.execute(
        select(Contribution).where(col(Contribution.idempotency_key) == key)
    ).scalar_one_or_none()
    if existing is None:
        return None
    if existing.author_id != (actor.id if actor else None):
        raise Conflict(N_("This form was already sent by someone else. Please reload it."))
    # Nothing to write: end the (write-locked) transaction now, not after the response is built.
    db.commit()
    return existing


def author_errors(
    actor: User | None, *, name: str, email: str, consent: bool
) -> dict[str, list[str]]:
    """What a person without an account must also give: a name, an e-mail address, consent."""
    errors: dict[str, list[str]] = {}
    if actor is None:
        if not name.strip():
            errors["author_name"] = [gettext(N_("Enter your name."))]
        if not email.strip():
            errors["author_email"] = [gettext(N_("Enter your e-mail address."))]
        if not consent:
            errors["consent"] = [gettext(N_("Please agree to the publication of your proposal."))]
    return errors


def make_excerpt(body: str) -> str:
    return plain_text(body, limit=EXCERPT_MAX)


@dataclass
class Submitted:
    contribution: Contribution
    receipt: str | None  # for a person without an account: their private link's token
    replayed: bool = False


def submit_proposal(
    db: Session,
    *,
    actor: User | None,
    data: ContributionCreate,
    ip: str,
    uploads: Sequence[CheckedUpload] = (),
    channel: Channel = Channel.web,
) -> Submitted:
    """A proposal from the web form or the API. With an account it is published at once (and
    moderated after, on reports); without one it waits for a moderator."""
    earlier = replay(db, data.idempotency_key, actor)
    if earlier is not None:
        return Submitted(earlier, None, replayed=True)
    errors = author_errors(
        actor, name=data.author_name or "", email=str(data.author_email or ""), consent=data.consent
    )
    if errors:
        raise InvalidInput(errors)
    _check_refs(
        db,
        forum_id=data.forum_id,
        session_id=data.session_id,
        theme_ids=data.theme_ids,
        caucus_id=data.caucus_id,
    )
    limit_rate(
        db,
        action="submit",
        user=actor,
        ip=ip,
        per_user=SUBMIT_LIMIT_ACCOUNT,
        per_ip=SUBMIT_LIMIT_IP,
    )
    receipt = None if actor else secrets.token_urlsafe(24)
    # The secretariat types in a proposal someone handed in (on paper, by phone): it is that
    # person's contribution, so their name is kept and the staff account is not the author.
    transcribed = actor is not None and permissions.can_moderate(actor) and bool(data.author_name)
    if transcribed:
        channel = Channel.transcribed
    contribution = Contribution(
        forum_id=data.forum_id,
        session_id=data.session_id,
        kind=Kind.proposal,
        channel=channel,
        status=Status.published if actor else Status.pending,
        title=data.title.strip(),
        body=data.body.strip(),
        excerpt=make_excerpt(data.body),
        language=data.language,
        author_id=actor.id if actor and not transcribed else None,
        author_name=(data.author_name or "").strip() if actor is None or transcribed else "",
        author_email=(
            str(data.author_email).lower()
            if (actor is None or transcribed) and data.author_email
            else None
        ),
        organisation_name=(data.organisation_name or "").strip() or None,
        caucus_id=data.caucus_id,
        links=[str(link) for link in data.links],
        idempotency_key=data.idempotency_key,
        receipt_hash=token_hash(receipt) if receipt else None,
    )
    return store(db, contribution, data.theme_ids, uploads, receipt, data.idempotency_key, actor)


def store(
    db: Session,
    contribution: Contribution,
    theme_ids: Sequence[int],
    uploads: Sequence[CheckedUpload],
    receipt: str | None,
    idempotency_key: str | None,
    actor: User | None,
) -> Submitted:
    db.add(contribution)
    try:
        db.flush()
    except IntegrityError:
        # Two retries of one submission raced: the other one won, and it is this one.
        db.rollback()
        earlier = replay(db, idempotency_key, actor)
        if earlier is None:
            raise
        return Submitted(earlier, None, replayed=True)
    assert contribution.id is not None
    for theme_id in dict.fromkeys(theme_ids):
        db.add(ContributionTheme(contribution_id=contribution.id, theme_id=theme_id))
    for upload in uploads:
        db.add(
            Attachment(
                contribution_id=contribution.id,
                filename=upload.safe_filename,
                media_type=upload.media_type,
                size=upload.size,
                sha256=hashlib.sha256(upload.data).hexdigest(),
                data=upload.data,
            )
        )
    db.commit()
    return Submitted(contribution, receipt)


# -- reading -----------------------------------------------------------------------------------


def user_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.execute(
        select(col(User.id), col(User.display_name)).where(col(User.id).in_(ids))
    ).all()
    return dict(rows)


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


def get_attachment(
    db: Session, attachment_id: int, *, viewer: User | None, receipt: str | None
) -> tuple[Attachment, bytes]:
    attachment = db.get(Attachment, attachment_id, options=[ATTACHMENT_META])
    if attachment is None:
        raise NotFound()
    get_visible(db, attachment.contribution_id, viewer=viewer, receipt=receipt)
    data = db.execute(
        select(col(Attachment.data)).where(col(Attachment.id) == attachment_id)
    ).scalar_one()
    return attachment, data


# -- listing -----------------------------------------------------------------------------------


def decode_cursor(cursor: str | None, sort: str) -> tuple[int, int] | None:
    """`id` (newest) or `endorsements.id` (most endorsed): the last row of the previous page."""
    if not cursor:
        return None
    head, _, tail = cursor.partition(".")
    if (
        not head.isascii()
        or not head.isdigit()
        or (tail and not (tail.isascii() and tail.isdigit()))
    ):
        raise InvalidInput({"cursor": [gettext(N_("This page link is not valid."))]})
    if sort == Sort.endorsed and tail:
        return min(int(head), MAX_ID), min(int(tail), MAX_ID)
    if sort == Sort.endorsed:
        # A link from the newest-first order used with the most-endorsed one: a rule across
        # two parameters, so it belongs to neither.
        raise InvalidInput({"__all__": [gettext(N_("This page link is not valid."))]})
    return 0, min(int(head), MAX_ID)


def _filtered(
    db: Session, filters: Filters, viewer: User | None, *, driven_by_search: bool = False
) -> Select[Contribution, str, dict[str, str]]:
    stmt = (
        select(Contribution, col(User.display_name), col(ForumSession.title))
        .outerjoin(User, col(User.id) == col(Contribution.author_id))
        .outerjoin(ForumSession, col(ForumSession.id) == col(Contribution.session_id))
    )
    if filters.mine and viewer is not None:
        # Authors follow their own contributions through moderation.
        stmt = stmt.where(col(Contribution.author_id) == viewer.id)
        if filters.status:
            stmt = stmt.where(col(Contribution.status) == filters.status)
    elif filters.status and permissions.can_moderate(viewer):
        stmt = stmt.where(col(Contribution.status) == filters.status)
    else:
        stmt = stmt.where(col(Contribution.status) == Status.published)
    for name in ("forum_id", "session_id", "caucus_id", "language", "channel", "kind"):
        value = getattr(filters, name)
        if value not in (None, ""):
            stmt = stmt.where(getattr(Contribution, name) == value)
    if filters.theme_id:
        # Correlated on the link's primary key: one index probe per candidate row, where an
        # IN list would first collect every contribution of the theme.
        stmt = stmt.where(
            exists().where(
                col(ContributionTheme.contribution_id) == col(Contribution.id),
                col(ContributionTheme.theme_id) == filters.theme_id,
            )
        )
    if filters.q and not driven_by_search:
        clause = search.matches(db.get_bind().dialect, filters.q)
        if clause is not None:
            stmt = stmt.where(clause)
    return stmt


def list_contributions(
    db: Session,
    *,
    filters: Filters,
    viewer: User | None,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[ListRow], str | None]:
    """One page in the chosen order, with keyset cursors: the cost of a page does not grow with
    the table, and pages do not shift when new contributions arrive."""
    limit = max(1, min(limit, 100))
    driver = None
    if filters.q and filters.sort == Sort.newest and db.get_bind().dialect.name == "sqlite":
        driver = search.sqlite_driver(filters.q)
    stmt = _filtered(db, filters, viewer, driven_by_search=driver is not None)
    after = decode_cursor(cursor, filters.sort)
    cid: Any = col(Contribution.id)
    if driver is not None:
        fts, match = driver
        stmt = stmt.join(fts, fts.c.rowid == col(Contribution.id)).where(match)
        cid = fts.c.rowid  # the same number, in the order the search index walks
    if filters.sort == Sort.endorsed:
        count = col(Contribution.endorsement_count)
        if after is not None:
            stmt = stmt.where((count < after[0]) | ((count == after[0]) & (cid < after[1])))
        stmt = stmt.order_by(count.desc(), cid.desc())
    else:
        if after is not None:
            stmt = stmt.where(cid < after[1])
        stmt = stmt.order_by(cid.desc())
    rows = db.execute(stmt.limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    result = [ListRow(c, public_author(c, name), session_title) for c, name, session_title in rows]
    if viewer is not None and result:
        mine = set(
            db.execute(
                select(col(Endorsement.contribution_id)).where(
                    col(Endorsement.user_id) == viewer.id,
                    col(Endorsement.contribution_id).in_([r.contribution.id for r in result]),
                )
            ).scalars()
        )
        for row in result:
            row.endorsed_by_me = row.contribution.id in mine
    next_cursor = None
    if has_more and result:
        last = result[-1].contribution
        next_cursor = (
            f"{last.endorsement_count}.{last.id}" if filters.sort == Sort.endorsed else str(last.id)
        )
    return result, next_cursor


def similar(db: Session, *, text: str, forum_id: int | None, limit: int = 5) -> list[Contribution]:
    """Published proposals whose words overlap the given title, best first."""
    ranked = search.ranked_ids(db.get_bind().dialect, text)
    if ranked is None:
        return []
    sub = ranked.columns(column("id", Integer), column("rank", Float)).subquery()
    stmt = (
        select(Contribution)
        .join(sub, sub.c.id == col(Contribution.id))
        .where(
            col(Contribution.status) == Status.published, col(Contribution.kind) == Kind.proposal
        )
        .order_by(sub.c.rank.desc(), col(Contribution.id).desc())
        .limit(limit)
    )
    if forum_id:
        stmt = stmt.where(col(Contribution.forum_id) == forum_id)
    return list(db.execute(stmt).scalars())


# -- endorsing ---------------------------------------------------------------------------------


def set_endorsement(
    db: Session, *, actor: User, contribution: Contribution, endorse: bool, ip: str
) -> Contribution:
    """Endorse or take it back; repeating either is harmless. The count column moves in the
    same transaction as the row, by a relative UPDATE, so concurrent endorsements add up."""
    if contribution.status != Status.published:
        raise Conflict(N_("Only published contributions can be endorsed."))
    assert contribution.id is not None
    assert actor.id is not None
    limit_rate(
        db,
        action="endorse",
        user=actor,
        ip=ip,
        per_user=ENDORSE_LIMIT_ACCOUNT,
        per_ip=ENDORSE_LIMIT_IP,
    )
    key = (contribution.id, actor.id)
    if endorse and db.get(Endorsement, key) is None:
        try:
            with db.begin_nested():
                db.add(Endorsement(contribution_id=contribution.id, user_id=actor.id))
            delta = 1
        except IntegrityError:
            delta = 0  # a double click raced us; the unique key kept it to one
    elif not endorse:
        result = db.execute(
            delete(Endorsement).where(
                col(Endorsement.contribution_id) == contribution.id,
                col(Endorsement.user_id) == actor.id,
            )
        )
        delta = -int(result.rowcount or 0)  # type: ignore[attr-defined]
    else:
        delta = 0
    if delta:
        db.execute(
            update(Contribution)
            .where(col(Contribution.id) == contribution.id)
            .values(endorsement_count=col(Contribution.endorsement_count) + delta)
        )
    db.commit()
    db.refresh(contribution)
    return contribution


# -- export and statistics ---------------------------------------------------------------------

EXPORT_FIELDS = (
    "id",
    "forum_id",
    "session_id",
    "kind",
    "channel",
    "language",
    "title",
    "body",
    "organisation_name",
    "caucus",
    "themes",
    "links",
    "endorsements",
    "created_at",
    "url",
)


def export_rows(db: Session, *, filters: Filters, base_url: str) -> Iterator[dict[str, Any]]:
    """Published contributions as open data: no names or e-mail addresses of persons, no
    account ids. Streamed in keyset batches so an export of any size uses little memory."""
    caucuses = dict(db.execute(select(col(Caucus.id), col(Caucus.code))).all())
    themes = dict(db.execute(select(col(Theme.id), col(Theme.code))).all())
    public = Filters(**{**filters.__dict__, "status": None})
    cursor: str | None = None
    while True:
        rows, cursor = list_contributions(db, filters=public, viewer=None, limit=100, cursor=cursor)
        ids = [r.contribution.id for r in rows if r.contribution.id is not None]
        theme_map = theme_ids_of(db, ids)
        for row in rows:
            c = row.contribution
            assert c.id is not None
            yield {
                "id": c.id,
                "forum_id": c.forum_id,
                "session_id": c.session_id,
                "kind": c.kind,
                "channel": c.channel,
                "language": c.language,
                "title": c.title,
                "body": c.body,
                "organisation_name": c.organisation_name,
                "caucus": caucuses.get(c.caucus_id) if c.caucus_id else None,
                "themes": [themes[t] for t in theme_map[c.id] if t in themes],
                "links": c.links,
                "endorsements": c.endorsement_count,
                "created_at": c.created_at.isoformat(),
                "url": f"{base_url}/contributions/{c.id}",
            }
        if cursor is None:
            return


@dataclass
class Statistics:
    total: int
    by_session: list[tuple[ForumSession | None, int]]
    by_theme: list[tuple[Theme, int]]
    by_caucus: list[tuple[Caucus | None, int]]
    by_language: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]


def statistics(db: Session, *, forum_id: int) -> Statistics:
    """Published contributions of a forum, counted five ways."""
    base = (col(Contribution.forum_id) == forum_id) & (col(Contribution.status) == Status.published)

    def grouped(column: Any) -> list[tuple[Any, int]]:
        rows = db.execute(
            select(column, func.count()).where(base).group_by(column).order_by(func.count().desc())
        ).all()
        return [(key, int(n)) for key, n in rows]

    sessions = {
        s.id: s
        for s in db.execute(
            select(ForumSession).where(col(ForumSession.forum_id) == forum_id)
        ).scalars()
    }
    caucus_rows = {c.id: c for c in db.execute(select(Caucus)).scalars()}
    theme_rows = db.execute(
        select(Theme, func.count())
        .join(ContributionTheme, col(ContributionTheme.theme_id) == col(Theme.id))
        .join(Contribution, col(Contribution.id) == col(ContributionTheme.contribution_id))
        .where(base)
        .group_by(col(Theme.id))
        .order_by(func.count().desc(), col(Theme.code))
    ).all()
    total = db.execute(select(func.count()).select_from(Contribution).where(base)).scalar_one()
    return Statistics(
        total=int(total),
        by_session=[(sessions.get(k), n) for k, n in grouped(col(Contribution.session_id))],
        by_theme=[(t, int(n)) for t, n in theme_rows],
        by_caucus=[(caucus_rows.get(k), n) for k, n in grouped(col(Contribution.caucus_id))],
        by_language=grouped(col(Contribution.language)),
        by_channel=grouped(col(Contribution.channel)),
    )


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
    return list(
        db.execute(
            select(Attachment)
            .options(ATTACHMENT_META)
            .where(col(Attachment.contribution_id) == contribution_id)
            .order_by(col(Attachment.id))
        ).scalars()
    )
