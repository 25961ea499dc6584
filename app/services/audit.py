"""Recording and reading staff actions."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.i18n import N_
from app.models.audit import AuditEvent
from app.models.users import User
from app.services.pagination import page_by_id

# What the log page says of an entry (msgids, translated where shown): by its action on one kind
# of record, else by its action alone. The stored codes stay as they are, for the API.
_SENTENCES: dict[str | tuple[str, str], str] = {
    ("create", "forum"): N_("Created a forum"),
    ("update", "forum"): N_("Changed a forum"),
    ("delete", "forum"): N_("Deleted a forum"),
    ("create", "theme"): N_("Added a theme or axis"),
    ("delete", "theme"): N_("Removed a theme or axis"),
    ("create", "milestone"): N_("Added a milestone"),
    ("delete", "milestone"): N_("Removed a milestone"),
    ("create", "session"): N_("Created a session"),
    ("update", "session"): N_("Changed a session"),
    ("delete", "session"): N_("Deleted a session"),
    ("create", "segment"): N_("Added an agenda item"),
    ("update", "segment"): N_("Changed an agenda item"),
    ("delete", "segment"): N_("Removed an agenda item"),
    ("reorder", "segment"): N_("Moved an agenda item"),
    ("create", "speaker"): N_("Added a speaker"),
    ("update", "speaker"): N_("Changed a speaker"),
    ("delete", "speaker"): N_("Removed a speaker"),
    ("create", "organisation"): N_("Added an organisation"),
    ("update", "organisation"): N_("Changed an organisation"),
    ("delete", "organisation"): N_("Removed an organisation"),
    ("create", "caucus"): N_("Created a caucus"),
    ("update", "caucus"): N_("Changed a caucus"),
    ("delete", "caucus"): N_("Deleted a caucus"),
    ("member", "caucus"): N_("Added a member speaker to a caucus"),
    ("unmember", "caucus"): N_("Removed a member speaker from a caucus"),
    ("create", "minutes"): N_("Started the minutes of a session"),
    ("create", "care_territory"): N_("Created a care-map territory"),
    ("update", "care_territory"): N_("Changed a care-map territory"),
    ("create", "care_dataset"): N_("Imported a care-map data set"),
    ("create", "care_run"): N_("Computed a care map"),
    ("pin", "evidence_pin"): N_("Pinned care-map evidence"),
    ("delete", "evidence_pin"): N_("Removed pinned care-map evidence"),
    ("verify", "care_crowd_report"): N_("Verified a participant's care-map report"),
    ("reject", "care_crowd_report"): N_("Rejected a participant's care-map report"),
    "create": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "user.create": N_("Created an account"),
    "user.role": N_("Changed an account's role"),
    "user.invite": N_("Sent an invitation"),
    "user.accept": N_("Accepted an invitation and joined"),
    "user.confirm": N_("Confirmed an e-mail address"),
    "user.password": N_("Changed their password"),
    "user.reset": N_("Reset their password from an e-mailed link"),
    "user.delete": N_("Deleted their account"),
    "user.delete_writing": N_("Deleted their account and what they wrote"),
    "live.open": N_("Opened the live session for remarks"),
    "live.close": N_("Closed the live session for remarks"),
    "mail.import": N_("Imported proposals received by e-mail"),
    "contribution.claim": N_("Attached an earlier anonymous proposal to their account"),
    "timekeeper.segment_start": N_("Started an agenda item"),
    "timekeeper.segment_correct": N_("Corrected the times of an agenda item"),
    "timekeeper.turn_correct": N_("Corrected the times of a speaker's turn"),
    "timekeeper.turn_remove": N_("Removed a speaker's turn tapped by mistake"),
    "timekeeper.segment_end": N_("Ended an agenda item"),
    "timekeeper.turn_start": N_("Gave the floor to a speaker"),
    "timekeeper.turn_end": N_("Ended a speaker's turn"),
    "policy.required_caucuses": N_("Chose the caucuses whose sign-off a policy document needs"),
}
_OBJECTS: dict[str, str] = {
    "forum": N_("Forum"),
    "theme": N_("Theme or axis"),
    "milestone": N_("Milestone"),
    "session": N_("Session"),
    "segment": N_("Agenda item"),
    "speaker": N_("Speaker"),
    "speaker_turn": N_("Speaker's turn"),
    "organisation": N_("Organisation"),
    "caucus": N_("Caucus"),
    "minutes": N_("Minutes"),
    "user": N_("Account"),
    "invitation": N_("Invitation"),
    "contribution": N_("Contribution"),
    "care_territory": N_("Care-map territory"),
    "care_dataset": N_("Care-map data set"),
    "care_run": N_("Care map"),
    "evidence_pin": N_("Pinned evidence"),
    "care_crowd_report": N_("Care-map report"),
    "policy_document": N_("Policy document"),
}


def sentence(action: str, object_type: str) -> str:
    """The msgid saying what an entry records ("Opened the live session for remarks"); an
    action no one has described yet shows its code."""
    return _SENTENCES.get((action, object_type)) or _SENTENCES.get(action) or action


def object_name(object_type: str) -> str:
    return _OBJECTS.get(object_type, object_type)


def described(action: str, object_type: str) -> bool:
    return (action, object_type) in _SENTENCES or action in _SENTENCES


def first_text(value: dict[str, str]) -> str:
    """A summary of organiser text given in several languages: the first one, cut short."""
    return next(iter(value.values()), "")[:200]


def record(
    db: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    summary: str = "",
) -> None:
    db.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            summary=summary[:500],
        )
    )


def delete(db: Session, *, actor: User, obj: Any, object_type: str, summary: str = "") -> None:
    """Deletes a record and logs who did it, in one transaction."""
    record(
        db, actor=actor, action="delete", object_type=object_type, object_id=obj.id, summary=summary
    )
    db.delete(obj)
    db.commit()


def list_events(
    db: Session, *, limit: int = 50, cursor: str | None = None
) -> tuple[Sequence[AuditEvent], str | None, dict[int, str]]:
    """Newest first, with the actors' names."""
    rows, next_cursor = page_by_id(
        db, select(AuditEvent), col(AuditEvent.id), limit=limit, cursor=cursor, descending=True
    )
    actor_ids = {r.actor_id for r in rows if r.actor_id}
    names: dict[int, str] = {}
    if actor_ids:
        for uid, name in db.execute(
            select(col(User.id), col(User.display_name)).where(col(User.id).in_(actor_ids))
        ):
            names[uid] = name
    return rows, next_cursor, names
