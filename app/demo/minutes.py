"""Demo minutes: the 2022 Caring Systems Town Hall as published minutes, and the 2025 Caring
Cities dialogue's minutes started as a draft.

Both begin as the secretariat's would: `create_draft`, so the blocks, the speakers' turns, the
chat excerpts (linked to their remarks) and the attendees come from what the platform knows;
the 2022 minutes are then completed through the editing services, item by item, and taken
through the workflow (circulated, then published). The facts — headings, who said what, in
which order, the links, the next steps — are those of the seed minutes (003, with 001 for the
two speakers 003 leaves out); the wording of the points is ours and shorter. Minutes already
there for a session are left alone, so a second load changes nothing.
"""

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app.demo import contributions as demo_contributions
from app.demo import speakers as demo_speakers
from app.demo import timing
from app.demo.minutes_text import (
    EXTRA_CHAT,
    KEY_POINTS,
    MORE_ATTENDEES,
    NEXT_STEPS,
    PROCEEDINGS,
)
from app.demo.sessions import CARING_CITIES, CARING_SYSTEMS
from app.demo.users import participants
from app.models.contributions import ModerationAction
from app.models.forums import Forum, ForumSession
from app.models.minutes import (
    ActionStatus,
    ItemCreate,
    ItemUpdate,
    Minutes,
    MinutesCreate,
    TransitionIn,
)
from app.models.minutes import MinutesAction as A
from app.models.speakers import Speaker
from app.models.types import utcnow
from app.models.users import User
from app.services import contributions as contribution_service
from app.services import forums as forum_service
from app.services import minutes as minutes_service
from app.services import moderation as moderation_service

CORRECTION_WINDOW = timedelta(days=14)


def _session(db: Session, forum: Forum, title_en: str) -> ForumSession | None:
    assert forum.id is not None
    return next(
        (
            s
            for s in forum_service.forum_view(db, forum.id).sessions
            if s.title.get("en") == title_en
        ),
        None,
    )


def _chat(db: Session, *, actor: User, session: ForumSession) -> dict[int, int]:
    """The Town Hall's chat remarks (demo/contributions.CHAT) by their contribution ids, each
    marked for the minutes: the secretariat marks those not marked yet as it starts them."""
    people = participants(db, actor=actor, count=5)
    out: dict[int, int] = {}
    for n in range(len(demo_contributions.CHAT)):
        found = contribution_service.replay(db, f"demo-chat-{n}", people[n % len(people)])
        if found is None or found.contribution.session_id != session.id:
            continue
        remark = found.contribution
        if not remark.for_minutes:
            moderation_service.moderate(
                db, actor=actor, contribution=remark, action=ModerationAction.for_minutes
            )
        out[remark.id or 0] = n
    return out


class _Editor:
    """The secretariat member at work: every save based on the version just seen."""

    def __init__(self, db: Session, actor: User, minutes: Minutes) -> None:
        self.db, self.actor, self.minutes = db, actor, minutes

    def edit(self, kind: str, item_id: int, **values: Any) -> None:
        data = ItemUpdate.model_validate({"base_version": self.minutes.version, **values})
        self.minutes = minutes_service.update_item(
            self.db, actor=self.actor, minutes=self.minutes, kind=kind, item_id=item_id, data=data
        )

    def add(self, kind: str, **values: Any) -> int:
        data = ItemCreate.model_validate({"base_version": self.minutes.version, **values})
        self.minutes, item = minutes_service.add_item(
            self.db, actor=self.actor, minutes=self.minutes, kind=kind, data=data
        )
        return int(item.id)

    def move_up(self, kind: str, item_id: int, steps: int) -> None:
        for _ in range(steps):
            self.minutes = minutes_service.move_item(
                self.db, actor=self.actor, minutes=self.minutes, kind=kind, item_id=item_id, step=-1
            )

    def transition(self, action: A, **values: Any) -> None:
        data = TransitionIn.model_validate({"action": action, **values})
        self.minutes = minutes_service.transition(
            self.db, actor=self.actor, minutes=self.minutes, data=data
        )

    def contents(self) -> minutes_service.Contents:
        return minutes_service.contents(self.db, self.minutes)


def _turns(ed: _Editor, speakers: dict[str, Speaker]) -> dict[str, int]:
    """Each turn's points, in the seed's order; returns the first turn of each speaker."""
    firsts: dict[str, int] = {}
    for block, wanted in zip(ed.contents().blocks, PROCEEDINGS, strict=False):
        drafted = block.turns
        for index, (name, points, quote) in enumerate(wanted):
            if index < len(drafted) and drafted[index].speaker_name == name:
                turn_id = drafted[index].id or 0
                ed.edit("turn", turn_id, points=points, quote=quote)
            else:
                turn_id = ed.add(
                    "turn",
                    parent_id=block.block.id,
                    speaker_id=speakers[name].id,
                    speaker_name=name,
                    points=points,
                    quote=quote,
                )
            firsts.setdefault(name, turn_id)
    return firsts


def _excerpts(ed: _Editor, chat: dict[int, int]) -> dict[int, int]:
    """The chat remarks the platform does not hold, added after the ones they followed;
    returns the excerpt of each remark the draft quoted (by its index in CHAT)."""
    quoted: dict[int, int] = {}
    home = None
    for block in ed.contents().blocks:
        for excerpt in block.excerpts:
            if excerpt.source_id in chat:
                quoted[chat[excerpt.source_id]] = excerpt.id or 0
                home = block
    if home is None:
        return quoted
    places = {e.id: e.before_turn_id for e in home.excerpts}
    for author, text, after in EXTRA_CHAT:
        # Among the same speakers as the remark it followed.
        place = places.get(quoted.get(after))
        added = ed.add(
            "excerpt", parent_id=home.block.id, author=author, text=text, before_turn_id=place
        )
        order = [
            e.id for b in ed.contents().blocks if b.block.id == home.block.id for e in b.excerpts
        ]
        if quoted.get(after) in order:
            ed.move_up("excerpt", added, order.index(added) - order.index(quoted[after]) - 1)
    return quoted


def _key_points(ed: _Editor, turns: dict[str, int], excerpts: dict[int, int]) -> None:
    """The seed's headings (the draft's, from the session's themes, renamed first), and their
    points linked to what they summarise."""
    drafted = [h.heading for h in ed.contents().headings]
    for index, (title, points) in enumerate(KEY_POINTS):
        if index < len(drafted):
            heading_id = drafted[index].id or 0
            ed.edit("heading", heading_id, title=title)
        else:
            heading_id = ed.add("heading", title=title)
        for text, sources in points:
            chats = [excerpts[int(s[5:])] for s in sources if s.startswith("chat:")]
            ed.add(
                "point",
                parent_id=heading_id,
                text=text,
                turn_ids=[turns[s] for s in sources if s in turns],
                excerpt_ids=[c for c in chats if c],
            )


def _caring_systems(
    db: Session, *, actor: User, session: ForumSession, speakers: dict[str, Speaker]
) -> None:
    if minutes_service.of_session(db, session.id or 0) is not None:
        return
    chat = _chat(db, actor=actor, session=session)
    minutes = minutes_service.create_draft(
        db, actor=actor, session=session, data=MinutesCreate(language="en")
    )
    ed = _Editor(db, actor, minutes)
    turns = _turns(ed, speakers)
    excerpts = _excerpts(ed, chat)
    _key_points(ed, turns, excerpts)
    orgs = demo_speakers.organisations(db, actor=actor)
    for name, org in MORE_ATTENDEES:
        ed.add("attendee", name=name, organisation_id=orgs[org].id)
    for text, owner in NEXT_STEPS:
        ed.add("action", text=text, owner=owner, status=ActionStatus.open)
    # As the secretariat would: to the attendees for corrections, then out. (The demo's
    # attendees have no accounts, so nobody is notified and nobody could propose one.)
    ed.transition(A.circulate, until=utcnow() + CORRECTION_WINDOW)
    ed.transition(A.publish)


def _caring_cities(db: Session, *, actor: User, session: ForumSession) -> None:
    """Started from the dialogue's live remarks marked for the minutes, then left in draft."""
    if minutes_service.of_session(db, session.id or 0) is not None:
        return
    minutes_service.create_draft(db, actor=actor, session=session, data=MinutesCreate())


def load(
    db: Session, *, actor: User, wfctp: Forum, uclg: Forum, speakers: dict[str, Speaker]
) -> None:
    """The Town Hall's timing, then both sessions' minutes, where missing."""
    town_hall = _session(db, uclg, CARING_SYSTEMS["title"]["en"])
    if town_hall is not None:
        timing.record(
            db, actor=actor, session=town_hall, times=timing.CARING_SYSTEMS_TIMES, speakers=speakers
        )
        _caring_systems(db, actor=actor, session=town_hall, speakers=speakers)
    caring_cities = _session(db, wfctp, CARING_CITIES["title"]["en"])
    if caring_cities is not None:
        _caring_cities(db, actor=actor, session=caring_cities)
