"""A document's stages (drafting → caucus review → Policy Council → committee → World Council →
adopted by default; the secretariat renames, reorders, adds and removes the ones ahead) and the
moves between them, on the house workflow.

A move is a compare-and-set on policy_document.stage (`Workflow(status_field="stage")`, the
target being the next or previous stage of the document's own list), exactly one StageEvent,
and the snapshot it freezes, in one transaction. Leaving a stage that needs caucus sign-off is
refused while any section has an objection or lacks a current review from a required caucus
(reviews.blockers), and the refusal names each section and caucus.
"""

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import i18n, permissions
from app.i18n import N_, Message
from app.models.policy import TEAM_ROLE_LABELS, PolicyDocument
from app.models.policy_stages import (
    DEFAULT_STAGES,
    STAGE_ACTION_LABELS,
    Blocker,
    DocumentSnapshot,
    DocumentStage,
    StageEvent,
    StagePublic,
    StagesIn,
)
from app.models.types import utcnow
from app.models.users import User
from app.services import audit
from app.services.errors import Conflict, InvalidInput
from app.services.policy import reviews, snapshots
from app.services.workflow import Transition, Workflow

# The action log names a document's stages by the default ones' labels (each document may
# rename its own), and the drafting team's roles.
audit.register_states(
    "policy_document", {key: name for key, name, *_ in DEFAULT_STAGES} | TEAM_ROLE_LABELS
)

DEFAULT_NAMES: dict[str, str] = {key: name for key, name, _public, _signoff in DEFAULT_STAGES}
BLOCKER_REASONS: dict[str, str] = {
    "objection": N_("objection"),
    "missing": N_("no review yet"),
    "stale": N_("review given on an earlier revision"),
}
_BLOCKED = N_(
    "The document cannot leave “%(stage)s” until every section is signed off by every "
    "required caucus. Still open: %(blockers)s."
)
_BLOCKER = N_("%(number)s %(title)s — %(caucus)s: %(reason)s")
_MOVED = N_(
    "The document has moved to another stage meanwhile. Reload the page to see where it is."
)
_UNKNOWN_STAGE = N_("This document's stage is not in its list of stages. Check its stages.")
_FIXED = N_(
    "The current stage and the ones before it stay where they are, in the same order: "
    "“%(stage)s” must be stage %(position)s."
)
_NONE_AHEAD = N_(
    "Keep at least one stage after the current one: the last stage is the adoption, and the "
    "document reaches it only by a move that freezes its text."
)
_DUPLICATE = N_("Two stages have the same key: each stage needs its own.")
_RETURN_REASON = N_("Say why the document goes back to the previous stage.")


class StageBlocked(Conflict):
    """409: a sign-off stage cannot be left yet; `blockers` for the API and the page."""

    def __init__(self, stage: str, blockers: Sequence[Blocker]) -> None:
        super().__init__(_BLOCKED, stage=Message(stage), blockers=_Listing(blockers))
        self.blockers = list(blockers)


class _Listing(Message):
    """The blockers as one sentence part, translated where it is shown."""

    def __new__(cls, blockers: Sequence[Blocker]) -> "_Listing":
        parts = [
            Message(
                _BLOCKER,
                number=b.number,
                title=b.title,
                caucus=b.caucus,
                reason=Message(BLOCKER_REASONS[b.reason]),
            )
            for b in blockers
        ]
        self = super().__new__(cls, "; ".join(parts))
        self.parts = parts  # type: ignore[attr-defined]
        return self  # type: ignore[return-value]

    parts: list[Message]

    def localize(self) -> str:
        return "; ".join(i18n.gettext(p) for p in self.parts)


def stages_of(db: Session, document_id: int) -> list[DocumentStage]:
    return list(
        db.execute(
            select(DocumentStage)
            .where(col(DocumentStage.document_id) == document_id)
            .order_by(col(DocumentStage.position), col(DocumentStage.id))
        ).scalars()
    )


def stage_name(stage: DocumentStage, locale: str | None = None) -> str:
    """The stage's own name in the reader's language (or a fallback), else its translated
    default name, else its key."""
    own = i18n.localized(stage.name, locale)[0] if stage.name else ""
    if own:
        return own
    default = DEFAULT_NAMES.get(stage.key)
    if default is None:
        return stage.key
    if locale is None:
        return i18n.gettext(default)
    return i18n.translations(locale).gettext(default)


def names_in_every_language(stage: DocumentStage) -> dict[str, str]:
    """What a snapshot keeps as the stage's name: the name in each of the site's languages."""
    return {code: stage_name(stage, code) for code in i18n.LOCALES}


def name_of_key(stages: Sequence[DocumentStage], key: str) -> str:
    found = next((s for s in stages if s.key == key), None)
    if found is not None:
        return stage_name(found)
    default = DEFAULT_NAMES.get(key)
    return i18n.gettext(default) if default else key


def stage_names(db: Session, documents: Sequence[PolicyDocument]) -> dict[int, str]:
    """Each document's current stage by name, in one query."""
    ids = [d.id for d in documents if d.id is not None]
    if not ids:
        return {}
    rows = db.execute(select(DocumentStage).where(col(DocumentStage.document_id).in_(ids)))
    by_document: dict[int, list[DocumentStage]] = {}
    for row in rows.scalars():
        by_document.setdefault(row.document_id, []).append(row)
    return {d.id or 0: name_of_key(by_document.get(d.id or 0, []), d.stage) for d in documents}


def stages_public(db: Session, document: PolicyDocument) -> list[StagePublic]:
    return [
        StagePublic(
            key=s.key,
            name=stage_name(s),
            position=s.position,
            public=s.public,
            needs_signoff=s.needs_signoff,
            current=s.key == document.stage,
        )
        for s in stages_of(db, document.id or 0)
    ]


def _neighbour(keys: list[str], key: str, step: int) -> str:
    at = keys.index(key) + step
    return keys[at]


def workflow(stages: Sequence[DocumentStage]) -> Workflow:
    keys = [s.key for s in stages]
    return Workflow(
        name="policy_stage",
        log_as="policy_document",
        model=PolicyDocument,
        event_model=StageEvent,
        record_key="document_id",
        status_field="stage",
        transitions=[
            Transition(
                "advance",
                frozenset(keys[:-1]),
                None,
                who=permissions.can_steer_process,
                to=lambda document: _neighbour(keys, document.stage, 1),
            ),
            Transition(
                "return",
                frozenset(keys[1:]),
                None,
                who=permissions.can_steer_process,
                reason_required=True,
                to=lambda document: _neighbour(keys, document.stage, -1),
            ),
        ],
        action_labels=STAGE_ACTION_LABELS,
        status_labels={s.key: stage_name(s) for s in stages},
        reason_message=_RETURN_REASON,
        reason_first=True,
    )


def _fresh(db: Session, document_id: int) -> PolicyDocument:
    found = db.execute(
        select(PolicyDocument)
        .where(col(PolicyDocument.id) == document_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if found is None:
        db.rollback()
        raise Conflict(_MOVED)
    return found


def allowed(db: Session, user: User | None, document: PolicyDocument) -> list[str]:
    return workflow(stages_of(db, document.id or 0)).allowed(user, document)


def transition(
    db: Session,
    *,
    document: PolicyDocument,
    actor: User,
    action: str,
    reason: str = "",
    from_stage: str | None = None,
) -> DocumentSnapshot:
    """Moves the document one stage on or back and freezes the snapshot of the stage entered;
    commits. 409 when it moved meanwhile, when it cannot leave a sign-off stage (naming the
    blockers) or when the action does not apply; 422 for a return without a reason."""
    document_id = document.id or 0
    document = _fresh(db, document_id)
    stages = stages_of(db, document_id)
    current = next((s for s in stages if s.key == document.stage), None)
    if current is None:
        db.rollback()
        raise Conflict(_UNKNOWN_STAGE)
    if from_stage is not None and from_stage != document.stage:
        db.rollback()
        raise Conflict(_MOVED)
    flow = workflow(stages)
    flow.check(actor, document, action, reason)
    if action == "advance" and current.needs_signoff:
        found = reviews.blockers(db, document)
        if found:
            db.rollback()
            raise StageBlocked(stage_name(current), found)
    number = snapshots.last_number(db, document_id) + 1
    before = document.stage
    flow.apply(
        db,
        record=document,
        action=action,
        actor=actor,
        reason=reason,
        extra={"updated_at": utcnow()},
        event_values={"snapshot_number": number},
    )
    entered = next(s for s in stages if s.key == document.stage)
    snapshot = snapshots.freeze(
        db,
        document=document,
        number=number,
        stage=entered.key,
        from_stage=before,
        stage_name=names_in_every_language(entered),
        public=entered.public,
        actor=actor,
        reason=reason.strip(),
    )
    db.commit()
    return snapshot


# -- configuring the stages ---------------------------------------------------------------------


def _slug(names: dict[str, str], taken: set[str]) -> str:
    text = names.get("en") or next((v for v in names.values() if v), "")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:16]
    if not base or not base[0].isalpha():
        base = "stage"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base[: 16 - len(str(n))]}_{n}"
    return key


def configure_stages(
    db: Session, *, document: PolicyDocument, actor: User, data: StagesIn
) -> list[DocumentStage]:
    """The whole list, in order: names, public, sign-off; stages after the current one may be
    added, moved and removed; the current stage and the ones before it keep their place."""
    document_id = document.id or 0
    # Locks the document row: a move between stages waits, and so does another configuration.
    locked = db.execute(
        select(PolicyDocument)
        .where(col(PolicyDocument.id) == document_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if locked is None:
        db.rollback()
        raise Conflict(_MOVED)
    existing = stages_of(db, document_id)
    by_key = {s.key: s for s in existing}
    keys_in = [s.key for s in data.stages if s.key]
    if len(keys_in) != len(set(keys_in)):
        db.rollback()
        raise InvalidInput({"stages": [_DUPLICATE]})
    current = next((s for s in existing if s.key == locked.stage), None)
    fixed = existing[: existing.index(current) + 1] if current is not None else []
    for position, stage in enumerate(fixed, start=1):
        given = data.stages[position - 1].key if position <= len(data.stages) else None
        if given != stage.key:
            db.rollback()
            raise InvalidInput(
                {"stages": [Message(_FIXED, stage=stage_name(stage), position=position)]}
            )
    if fixed and fixed[-1] is not existing[-1] and len(data.stages) <= len(fixed):
        db.rollback()
        raise InvalidInput({"stages": [_NONE_AHEAD]})
    taken = set(by_key) | set(keys_in)
    wanted: list[DocumentStage] = []
    for position, item in enumerate(data.stages, start=1):
        row = by_key.get(item.key) if item.key else None
        if row is None:
            key = item.key or _slug({str(k): v for k, v in item.name.items()}, taken)
            taken.add(key)
            row = DocumentStage(document_id=document_id, key=key, position=position)
        row.position = position
        row.name = {str(k): v for k, v in item.name.items()}
        row.public = item.public
        row.needs_signoff = item.needs_signoff
        wanted.append(row)
    kept = {r.key for r in wanted}
    gone = [s.id for s in existing if s.key not in kept]
    if gone:
        db.execute(delete(DocumentStage).where(col(DocumentStage.id).in_(gone)))
    db.add_all(wanted)
    locked.updated_at = utcnow()
    db.add(locked)
    audit.record(
        db,
        actor=actor,
        action="policy.stages",
        object_type="policy_document",
        object_id=document_id,
        summary=" → ".join(i18n.localized(r.name)[0] or r.key for r in wanted)[:500],
    )
    db.commit()
    return stages_of(db, document_id)
