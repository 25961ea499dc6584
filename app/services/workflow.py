"""Explicit workflows: a transition table per workflow, a compare-and-set status update, and
exactly one event row per change.

A workflow names its states and actions; each action says which states it applies to, the state
it leads to (or None: the state stays, as for pinning), whether a reason is required and who may
take it. `Workflow.apply()` checks all of that, then changes the status with
`UPDATE … WHERE id = :id AND status = :expected`: of two people acting on the same record at the
same moment only one changes it, and the other is told it changed meanwhile (409), on SQLite and
PostgreSQL alike. The event (who, when, from, to, action, reason) and the action log's row are
written in the same transaction, so a change without its event, or an event without its change,
cannot exist.

A new domain plugs in with a status column on its record, an event table built on `EventFields`,
and a `Workflow(...)` of `Transition`s; see docs/architecture.md.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Field, Session, SQLModel, col

from app.i18n import N_, Message
from app.models.types import UTCDateTime, utcnow
from app.models.users import User
from app.services import audit
from app.services.errors import Conflict, InvalidInput, PermissionDenied

Who = Callable[[User | None, Any], bool]
_CHANGED = N_("Someone else changed this meanwhile. Reload the page to see its new state.")


def anyone(user: User | None, record: Any) -> bool:
    return True


def nobody(user: User | None, record: Any) -> bool:
    """Actions the system takes (an automatic hide), never a person."""
    return False


class EventFields(SQLModel):
    """The columns every workflow's event table has; the table adds its record's foreign key."""

    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(sa_type=String(20))
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the state stays (a flag changes, the event is still written)
    who: Who = anyone  # `nobody`: a system action, taken with actor None only
    reason_required: bool = False
    # Columns set with the status, from the record, the reason and the actor.
    values: Callable[[Any, str, User | None], Mapping[str, Any]] | None = None
    # What a person is told when the record is not in one of `sources` (default: the
    # workflow's conflict_message, naming the action and the state).
    conflict: str | None = None
    # A state that depends on the record (the next stage of a document's own list of stages),
    # used when `target` is None.
    to: Callable[[Any], str] | None = None


@dataclass
class Workflow:
    name: str
    model: type[SQLModel]
    event_model: type[SQLModel]
    record_key: str  # the event table's column that points at the record
    transitions: Iterable[Transition]
    action_labels: Mapping[str, str]
    status_labels: Mapping[str, str]
    reason_message: str = N_("Give a reason for this decision.")
    conflict_message: str = N_("“%(action)s” does not apply to something that is “%(status)s”.")
    # Ask for the reason before looking at the state (a moderator's form says what is missing
    # first); else a decision that does not apply is refused whatever the reason.
    reason_first: bool = False
    # The record's column that holds the state (a document's `stage`).
    status_field: str = "status"
    # The action log's name for the record (default: the workflow's name).
    log_as: str = ""
    table: dict[str, Transition] = field(init=False)

    def __post_init__(self) -> None:
        self.table = {str(t.action): t for t in self.transitions}
        self.log_as = self.log_as or self.name
        audit.register_states(self.log_as, self.status_labels)

    def transition(self, action: str) -> Transition:
        found = self.table.get(str(action))
        if found is None:
            raise InvalidInput({"action": [N_("Choose one of the options.")]})
        return found

    def allowed(self, user: User | None, record: Any) -> list[str]:
        """The actions this user may take on this record in its current state, in table order."""
        status = self.status_of(record)
        return [a for a, t in self.table.items() if status in t.sources and t.who(user, record)]

    def status_of(self, record: Any) -> str:
        return str(getattr(record, self.status_field))

    def check(self, user: User | None, record: Any, action: str, reason: str = "") -> Transition:
        """Raises the domain error a person would be shown; returns the transition otherwise."""
        found = self.transition(action)
        status = self.status_of(record)
        if found.who is nobody:
            if user is not None:
                raise InvalidInput(
                    {"action": [N_("This action is taken by the system, not by a person.")]}
                )
            if status not in found.sources:  # the state moved on since the system looked
                raise Conflict(_CHANGED)
            return found
        if not found.who(user, record):
            raise PermissionDenied()
        missing_reason = found.reason_required and not reason.strip()
        if missing_reason and self.reason_first:
            raise InvalidInput({"reason": [self.reason_message]})
        if status not in found.sources:
            if found.conflict is not None:
                raise Conflict(found.conflict)
            raise Conflict(
                self.conflict_message,
                action=Message(self.label(found.action)),
                status=Message(self.status_labels.get(status, status)),
            )
        if missing_reason:
            raise InvalidInput({"reason": [self.reason_message]})
        return found

    def apply(
        self,
        db: Session,
        *,
        record: Any,
        action: str,
        actor: User | None,
        reason: str = "",
        extra: Mapping[str, Any] | None = None,
        event_values: Mapping[str, Any] | None = None,
        logged: bool = True,
    ) -> Any:
        """Takes the action: compare-and-set on the status, then the event, in the caller's
        transaction (the caller commits). `extra` sets further columns with the status;
        `event_values` further columns of the event (what an edit changed); `logged=False`
        where one action changes several records and the caller writes the log's one row."""
        reason = reason.strip()
        found = self.check(actor, record, action, reason)
        before = self.status_of(record)
        if found.target is not None:
            after = found.target
        elif found.to is not None:
            after = found.to(record)
        else:
            after = before
        values: dict[str, Any] = {self.status_field: after}
        if found.values is not None:
            values |= dict(found.values(record, reason, actor))
        values |= dict(extra or {})
        model: Any = self.model
        changed = db.execute(
            update(model)
            .where(col(model.id) == record.id, getattr(model, self.status_field) == before)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            db.rollback()
            raise Conflict(_CHANGED)
        db.add(
            self.event_model(
                **{self.record_key: record.id},
                actor_id=actor.id if actor is not None else None,
                action=str(found.action),
                from_status=before,
                to_status=after,
                reason=reason,
                **dict(event_values or {}),
            )
        )
        if logged:  # the action log's row, in the same transaction as the change
            audit.record(
                db,
                actor=actor,
                action=str(found.action),
                object_type=self.log_as,
                object_id=record.id,
                before=before,
                after=after,
            )
        for name, value in values.items():
            # The row changed in SQL; the object in hand says so too, without a second UPDATE.
            set_committed_value(record, name, value)
        return record

    def label(self, action: str) -> str:
        return self.action_labels.get(str(action), str(action))
