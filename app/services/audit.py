"""Recording and reading staff actions."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.i18n import N_
from app.models.audit import AuditEvent
from app.models.users import ROLE_LABELS, User
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
    # Workflow decisions (workflow.apply writes these rows).
    ("accept", "contribution"): N_("Published a contribution"),
    ("hide", "contribution"): N_("Hid a contribution"),
    ("reject", "contribution"): N_("Rejected a contribution"),
    ("restore", "contribution"): N_("Restored a contribution"),
    ("pin", "contribution"): N_("Pinned a contribution"),
    ("unpin", "contribution"): N_("Unpinned a contribution"),
    ("for_minutes", "contribution"): N_("Marked a contribution for the minutes"),
    ("not_for_minutes", "contribution"): N_("Took a contribution off the list for the minutes"),
    ("dismiss_reports", "contribution"): N_("Dismissed the reports on a contribution"),
    ("set_themes", "contribution"): N_("Changed a contribution's themes"),
    ("set_session", "contribution"): N_("Changed a contribution's session"),
    ("set_caucus", "contribution"): N_("Changed a contribution's caucus"),
    ("answer", "contribution"): N_("Answered a contribution"),
    ("auto_hide", "contribution"): N_("Hid a contribution after several reports"),
    ("circulate", "minutes"): N_("Circulated the minutes for comments"),
    ("publish", "minutes"): N_("Published the minutes"),
    ("correct", "minutes"): N_("Corrected published minutes"),
    ("accept", "minutes_correction"): N_("Accepted a correction to the minutes"),
    ("reject", "minutes_correction"): N_("Turned down a correction to the minutes"),
    ("accept", "amendment"): N_("Accepted an amendment"),
    ("reject", "amendment"): N_("Turned down an amendment"),
    ("withdraw", "amendment"): N_("Withdrew their amendment"),
    ("merge", "amendment"): N_("Merged amendments into one paragraph"),
    ("rebase", "amendment"): N_("Brought an amendment up to date with the paragraph"),
    ("endorse", "section_review"): N_("Endorsed a section for a caucus"),
    ("concerns", "section_review"): N_("Raised a caucus's concerns on a section"),
    ("object", "section_review"): N_("Objected to a section for a caucus"),
    ("advance", "policy_document"): N_("Moved a policy document to its next stage"),
    ("return", "policy_document"): N_("Sent a policy document back to its previous stage"),
    ("create", "policy_document"): N_("Created a policy document"),
    ("create", "policy_section"): N_("Added a section to a policy document"),
    ("reject", "care_crowd_report"): N_("Rejected a participant's care-map report"),
    "create": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "user.create": N_("Created an account"),
    "user.role": N_("Changed an account's role"),
    "user.deactivate": N_("Deactivated an account"),
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
    "timekeeper.segment_next": N_("Started an agenda item, ending the one under way"),
    "timekeeper.segment_correct": N_("Corrected the times of an agenda item"),
    "timekeeper.turn_correct": N_("Corrected the times of a speaker's turn"),
    "timekeeper.turn_remove": N_("Removed a speaker's turn tapped by mistake"),
    "timekeeper.segment_end": N_("Ended an agenda item"),
    "timekeeper.turn_start": N_("Gave the floor to a speaker"),
    "timekeeper.turn_end": N_("Ended a speaker's turn"),
    "policy.required_caucuses": N_("Chose the caucuses whose sign-off a policy document needs"),
    "policy.import": N_("Imported a policy document from a file"),
    "policy.stages": N_("Changed the stages of a policy document"),
    "policy.team": N_("Changed a policy document's drafting team"),
    "policy.section_save": N_("Saved a section of a policy document"),
    "policy.section_revert": N_("Restored an earlier version of a section"),
    "policy.source_link": N_("Linked a source to a paragraph"),
    "policy.source_unlink": N_("Removed a source from a paragraph"),
    "minutes.item_add": N_("Added an item to the minutes"),
    "minutes.item_edit": N_("Changed an item of the minutes"),
    "minutes.item_delete": N_("Removed an item from the minutes"),
    "minutes.item_move": N_("Moved an item of the minutes"),
    "minutes.header": N_("Changed the minutes' language or other participants"),
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
    "policy_section": N_("Section"),
    "policy_paragraph": N_("Paragraph"),
    "amendment": N_("Amendment"),
    "section_review": N_("Caucus sign-off"),
    "minutes_correction": N_("Correction to the minutes"),
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


# The labels of each workflow's states (msgids), by the log's name for its record.
_STATES: dict[str, Mapping[str, str]] = {}
_ROLES: Mapping[str, str] = {str(r): label for r, label in ROLE_LABELS.items()}


def register_states(object_type: str, labels: Mapping[str, str]) -> None:
    """The first registration stands (a document's own stage names vary; the log uses the
    default stages' labels, registered when their module loads)."""
    if object_type not in _STATES:  # workflows built per request register on every build
        _STATES[object_type] = {str(k): v for k, v in labels.items()}


def state_label(object_type: str, code: str) -> str:
    """A state or role as the log page names it (a msgid where one is known)."""
    return _STATES.get(object_type, {}).get(code) or _ROLES.get(code) or code


def record(
    db: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    summary: str = "",
    before: str = "",
    after: str = "",
) -> None:
    """One append-only row (the database refuses to change or delete it: see the migration
    c4a7e2d9f1b3). Summaries name records, never a person's address: the log outlives
    accounts, and an erased account's data must not stay in it."""
    db.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            summary=summary[:500],
            before=before[:100],
            after=after[:100],
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
