"""The two workflows of minutes (services/workflow.py): the minutes' own, draft → circulated →
published → corrected, and each attendee's correction, pending → accepted or rejected."""

from collections.abc import Mapping
from typing import Any

from app import permissions
from app.i18n import N_
from app.models.minutes import (
    ACTION_LABELS,
    CORRECTION_ACTION_LABELS,
    CORRECTION_STATUS_LABELS,
    STATUS_LABELS,
    CorrectionEvent,
    Minutes,
    MinutesCorrection,
    MinutesEvent,
)
from app.models.minutes import CorrectionAction as CA
from app.models.minutes import CorrectionStatus as CS
from app.models.minutes import MinutesAction as A
from app.models.minutes import MinutesStatus as S
from app.models.types import utcnow
from app.models.users import User
from app.services.workflow import Transition, Workflow


def _editor(user: User | None, record: Any) -> bool:
    return permissions.can_edit_minutes(user, record)


def _published(minutes: Any, reason: str, actor: User | None) -> Mapping[str, Any]:
    return {"published_at": utcnow(), "updated_at": utcnow()}


def _touched(minutes: Any, reason: str, actor: User | None) -> Mapping[str, Any]:
    return {"updated_at": utcnow()}


MINUTES = Workflow(
    name="minutes",
    model=Minutes,
    event_model=MinutesEvent,
    record_key="minutes_id",
    transitions=[
        # `until` (the end of the correction window) is set with the status by the service.
        Transition(A.circulate, frozenset({S.draft}), S.circulated, who=_editor, values=_touched),
        # From a draft only where the session does not require circulation (the service asks).
        Transition(
            A.publish,
            frozenset({S.draft, S.circulated}),
            S.published,
            who=_editor,
            values=_published,
        ),
        Transition(
            A.correct,
            frozenset({S.published, S.corrected}),
            S.corrected,
            who=_editor,
            reason_required=True,
            values=_touched,
            conflict=N_("Only published minutes can be corrected; edit the draft instead."),
        ),
    ],
    action_labels=ACTION_LABELS,
    status_labels=STATUS_LABELS,
    reason_message=N_("Say what was corrected: the note is shown with the minutes."),
)


def _decided(correction: Any, reason: str, actor: User | None) -> Mapping[str, Any]:
    return {"decision_reason": reason, "decided_at": utcnow()}


CORRECTIONS = Workflow(
    name="minutes_correction",
    model=MinutesCorrection,
    event_model=CorrectionEvent,
    record_key="correction_id",
    transitions=[
        Transition(CA.accept, frozenset({CS.pending}), CS.accepted, who=_editor, values=_decided),
        Transition(
            CA.reject,
            frozenset({CS.pending}),
            CS.rejected,
            who=_editor,
            reason_required=True,
            values=_decided,
        ),
    ],
    action_labels=CORRECTION_ACTION_LABELS,
    status_labels=CORRECTION_STATUS_LABELS,
    reason_message=N_("Tell the attendee why: they will see the reason."),
)
