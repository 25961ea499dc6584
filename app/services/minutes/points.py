"""Key points of the minutes as a kind of the target registry ("minutes_point"): a policy
paragraph names the point of a session's minutes that fed it, as it names a contribution.

A point is loaded with its minutes and their attendees' accounts, because whether a reader may
see it is the minutes' rule (`can_view_minutes`) and the registry asks it without a database
session. A deleted point leaves its pointers in place (OnDelete.keep): a paragraph's sources are
a record of where the text came from, shown as "no longer available" rather than dropped.

The kind registers no `options`: every kind that lists its records is offered by the care
map's pin form too, and nothing shows a panel beside a point. Forms that offer points (a
paragraph's sources) call `point_options`.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_, localized
from app.models.forums import ForumSession
from app.models.minutes import Minutes, MinutesHeading, MinutesPoint
from app.models.users import User
from app.services import targets
from app.services.minutes.reading import attendee_accounts

KIND = "minutes_point"
TITLE_MAX = 80
OPTIONS_MAX = 300
PUBLISHED = ("published", "corrected")


@dataclass(frozen=True)
class PointTarget:
    point: MinutesPoint
    minutes: Minutes
    attendees: frozenset[int]
    session_title: dict[str, str]
    session_day: date | None


def load(db: Session, point_id: int) -> PointTarget | None:
    row = db.execute(
        select(MinutesPoint, Minutes, col(ForumSession.title), col(ForumSession.starts_at))
        .join(MinutesHeading, col(MinutesHeading.id) == col(MinutesPoint.heading_id))
        .join(Minutes, col(Minutes.id) == col(MinutesHeading.minutes_id))
        .join(ForumSession, col(ForumSession.id) == col(Minutes.session_id))
        .where(col(MinutesPoint.id) == point_id)
    ).first()
    if row is None:
        return None
    point, minutes, session_title, starts_at = row
    attendees = frozenset(attendee_accounts(db, minutes.id or 0))
    day = starts_at.date() if starts_at is not None else None
    return PointTarget(point, minutes, attendees, dict(session_title or {}), day)


def visible(viewer: User | None, target: PointTarget) -> bool:
    return permissions.can_view_minutes(viewer, target.minutes, target.attendees)


def url(target: PointTarget) -> str:
    return f"/sessions/{target.minutes.session_id}/minutes#point-{target.point.id}"


def short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= TITLE_MAX else one_line[: TITLE_MAX - 1].rstrip() + "…"


def title(target: PointTarget) -> str:
    return short(target.point.text)


def cite(target: PointTarget) -> tuple[str | None, date | None]:
    """For an endnote: said in a session, on the session's day."""
    return N_("Key point of the session's minutes"), target.session_day


def point_options(
    db: Session, viewer: User | None, *, forum_id: int | None = None
) -> list[tuple[int, str]]:
    """Key points of published minutes (of a forum's sessions, when given), latest session
    first, each named by its session and its first words. Published minutes are public, so
    every reader may see what is listed."""
    query = (
        select(col(MinutesPoint.id), col(MinutesPoint.text), col(ForumSession.title))
        .join(MinutesHeading, col(MinutesHeading.id) == col(MinutesPoint.heading_id))
        .join(Minutes, col(Minutes.id) == col(MinutesHeading.minutes_id))
        .join(ForumSession, col(ForumSession.id) == col(Minutes.session_id))
        .where(col(Minutes.status).in_(PUBLISHED))
        .order_by(
            col(ForumSession.starts_at).desc(),
            col(MinutesHeading.position),
            col(MinutesPoint.position),
            col(MinutesPoint.id),
        )
        .limit(OPTIONS_MAX)
    )
    if forum_id is not None:
        query = query.where(col(ForumSession.forum_id) == forum_id)
    return [
        (int(pid), f"{localized(session_title)[0]} — {short(text)}")
        for pid, text, session_title in db.execute(query).all()
    ]


targets.register(
    targets.TargetKind(
        kind=KIND,
        label=N_("Key point of the minutes"),
        load=load,
        visible=visible,
        url=url,
        title=title,
        on_delete=targets.OnDelete.keep,
        cite=cite,
    )
)
