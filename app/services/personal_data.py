"""Where the database keeps something about a person: every table that points at an account
(a foreign key to `user.id`) or stores an e-mail address, and which of its rows are theirs.

The data export (`services/data_export.py`) reads exactly this; `tests/services/
test_personal_data.py` walks `SQLModel.metadata` and fails on a table or column that points at a
user or holds an address and is not declared here, so that a new table is covered on purpose.
Rows reached through one of these (a contribution's attachments, a dataset's file) are `Via`.
"""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Link:
    """Rows whose `column` is the person: their account id (`by="user"`) or their address
    (`by="email"`). `only`: the columns exported for rows found this way (a row they acted on
    that is otherwise someone else's: a report they reviewed, a thread they resolved); None:
    every column but the table's secrets."""

    column: str
    by: Literal["user", "email"] = "user"
    only: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Via:
    """Rows of a table whose `column` points at a row of `parent` already exported."""

    column: str
    parent: str


@dataclass(frozen=True)
class Holds:
    links: tuple[Link, ...] = ()
    via: Via | None = None
    # Never exported: secrets (password and token hashes, idempotency keys) and what is others'.
    secret: tuple[str, ...] = ()


def _by(*columns: str, secret: tuple[str, ...] = ()) -> Holds:
    return Holds(links=tuple(Link(c) for c in columns), secret=secret)


# What an event row records of its actor's act, without the record's own content.
ACT = ("id", "actor_id", "action", "from_status", "to_status", "reason", "created_at")

PERSONAL_DATA: dict[str, Holds] = {
    "user": Holds(links=(Link("id"), Link("email", by="email")), secret=("password_hash",)),
    "login_session": _by("user_id", secret=("token_hash",)),
    "account_token": Holds(
        links=(Link("user_id"), Link("email", by="email")), secret=("token_hash",)
    ),
    "invitation": Holds(
        links=(
            Link("email", by="email"),  # an invitation sent to them
            # Invitations they sent: the invitee's address is the invitee's.
            Link("invited_by_id", only=("id", "role", "invited_by_id", "created_at")),
        ),
        secret=("token_hash",),
    ),
    "audit_event": Holds(
        # The summary may name the person they acted on.
        links=(
            Link("actor_id", only=("id", "at", "actor_id", "action", "object_type", "object_id")),
        )
    ),
    "outbox": Holds(links=(Link("recipient", by="email"),)),
    "speaker": Holds(links=(Link("email", by="email"),)),
    "user_caucus": _by("user_id"),
    "contribution": Holds(
        links=(Link("author_id"), Link("author_email", by="email")),
        secret=("idempotency_key", "receipt_hash"),
    ),
    "attachment": Holds(via=Via("contribution_id", "contribution")),
    "endorsement": _by("user_id"),
    "report": _by("reporter_id"),
    "moderation_event": Holds(links=(Link("actor_id", only=(*ACT, "contribution_id")),)),
    "live_window": _by("opened_by_id"),
    "speaker_turn": _by("started_by_id"),
    "care_territory": _by("created_by_id"),
    "care_dataset": _by("created_by_id"),
    "care_dataset_file": Holds(via=Via("dataset_id", "care_dataset")),
    "care_run": Holds(
        links=(
            Link(
                "created_by_id",
                only=("id", "territory_id", "params", "params_hash", "created_at", "created_by_id"),
            ),
        )
    ),
    "care_crowd_report": Holds(
        links=(
            Link("created_by_id"),
            Link(
                "reviewed_by_id", only=("id", "status", "reason", "reviewed_at", "reviewed_by_id")
            ),
        )
    ),
    "care_crowd_event": Holds(links=(Link("actor_id", only=(*ACT, "report_id")),)),
    "evidence_pin": _by("created_by_id"),
    "minutes": Holds(
        links=(Link("created_by_id", only=("id", "session_id", "created_at", "created_by_id")),)
    ),
    "minutes_attendee": _by("user_id"),
    "minutes_event": Holds(links=(Link("actor_id", only=(*ACT, "minutes_id")),)),
    "minutes_correction": _by("proposer_id"),
    "minutes_correction_event": Holds(links=(Link("actor_id", only=(*ACT, "correction_id")),)),
    "policy_document": Holds(
        links=(Link("owner_id", only=("id", "forum_id", "title", "owner_id", "created_at")),)
    ),
    "policy_team_member": _by("user_id"),
    "policy_section_presence": _by("user_id"),
    "policy_section_revision": _by("author_id"),
    "policy_section_review": _by("reviewer_id"),
    "policy_review_event": Holds(links=(Link("actor_id", only=(*ACT, "review_id", "note")),)),
    "policy_amendment": _by("author_id", secret=("idempotency_key",)),
    "policy_amendment_event": Holds(links=(Link("actor_id", only=(*ACT, "amendment_id")),)),
    "policy_comment": Holds(
        links=(
            Link("author_id"),
            Link("resolved_by_id", only=("id", "thread_id", "resolved_at", "resolved_by_id")),
            Link("reopened_by_id", only=("id", "thread_id", "reopened_at", "reopened_by_id")),
        ),
        secret=("idempotency_key",),
    ),
    "policy_paragraph_source": _by("linked_by_id"),
    "policy_snapshot": Holds(
        # The frozen text is the document's, not theirs: which move they made.
        links=(
            Link(
                "actor_id", only=("id", "document_id", "number", "stage", "actor_id", "created_at")
            ),
        )
    ),
    "policy_stage_event": Holds(links=(Link("actor_id", only=(*ACT, "document_id")),)),
}
