"""Editing minutes with versions: no silent overwrite, no lost update.

The minutes carry a version, bumped by every change, and each item remembers the version at
which it last changed (`changed_at`). A save says which version the editor's copy was based on.
If the item changed after that base, someone else changed *this* item meanwhile: the save is
refused with both texts (EditConflict, 409) and the editor chooses or combines them. If only
*other* items changed, the save applies (the changes merge). Every edit locks the minutes row
first (SELECT … FOR UPDATE; SQLite writes are serialised anyway), so the check and the write
cannot interleave with another editor's.

Once published, every change is a correction: it needs a note, recorded as the workflow's
"correct" event (date and note shown publicly).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from app.i18n import N_
from app.models.minutes import (
    HeaderUpdate,
    ItemCreate,
    ItemKind,
    ItemUpdate,
    Minutes,
    MinutesActionItem,
    MinutesAttendee,
    MinutesBlock,
    MinutesDecision,
    MinutesExcerpt,
    MinutesHeading,
    MinutesItemKey,
    MinutesPoint,
    MinutesPointSource,
    MinutesStatus,
    MinutesTurn,
)
from app.models.speakers import Organisation, Speaker
from app.models.types import utcnow
from app.models.users import User
from app.services import audit
from app.services.contributions.submit import scoped_key
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.minutes.workflows import MINUTES

EDITABLE = frozenset({MinutesStatus.draft, MinutesStatus.circulated})
PUBLISHED = frozenset({MinutesStatus.published, MinutesStatus.corrected})
_STALE = N_(
    "Someone else changed this item after you opened the page. Compare the two texts, choose or "
    "combine them, and save again."
)


# A base newer than the minutes: the editor's page came from elsewhere (another instance of
# these minutes, a hand-made request); reloading is the way on.
_UNKNOWN_VERSION = N_("This version of the minutes does not exist. Reload the page.")


@dataclass(frozen=True)
class Spec:
    model: type[SQLModel]
    parent: str  # "minutes", "block" or "heading"
    fields: tuple[str, ...]
    text: str  # shown in a conflict; replaced by an accepted correction
    required: tuple[str, ...] = ()


SPECS: dict[str, Spec] = {
    "block": Spec(MinutesBlock, "minutes", ("title",), "title", ("title",)),
    "turn": Spec(MinutesTurn, "block", ("speaker_id", "speaker_name", "points", "quote"), "points"),
    "excerpt": Spec(
        MinutesExcerpt, "block", ("author", "text", "before_turn_id"), "text", ("text",)
    ),
    "decision": Spec(MinutesDecision, "minutes", ("text",), "text", ("text",)),
    "action": Spec(
        MinutesActionItem, "minutes", ("text", "owner", "due_on", "status"), "text", ("text",)
    ),
    "heading": Spec(MinutesHeading, "minutes", ("title",), "title", ("title",)),
    "point": Spec(MinutesPoint, "heading", ("text",), "text", ("text",)),
    "attendee": Spec(MinutesAttendee, "minutes", ("name", "speaker_id", "organisation_id"), "name"),
}
_PARENTS: dict[str, tuple[type[SQLModel], str]] = {
    "block": (MinutesBlock, "block_id"),
    "heading": (MinutesHeading, "heading_id"),
}
_CHILDREN: dict[str, list[type[Any]]] = {
    "block": [MinutesTurn, MinutesExcerpt],
    "heading": [MinutesPoint],
}


class EditConflict(Conflict):
    """A stale save of an item someone else changed: both versions of it, for the editor."""

    def __init__(
        self,
        *,
        kind: str,
        item_id: int,
        current: Mapping[str, Any],
        yours: Mapping[str, Any],
        version: int,
    ) -> None:
        super().__init__(_STALE)
        self.kind, self.item_id, self.version = kind, item_id, version
        self.current, self.yours = dict(current), dict(yours)


def spec_of(kind: str) -> Spec:
    found = SPECS.get(kind)
    if found is None:
        raise NotFound()
    return found


def lock(db: Session, minutes: Minutes) -> Minutes:
    """The minutes row, locked for this transaction and read afresh."""
    return db.execute(
        select(Minutes)
        .where(col(Minutes.id) == minutes.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _bump(db: Session, minutes: Minutes) -> int:
    minutes.version += 1
    minutes.updated_at = utcnow()
    db.add(minutes)
    return minutes.version


def minutes_id_of(db: Session, kind: str, item: Any) -> int:
    parent = SPECS[kind].parent
    if parent == "minutes":
        return int(item.minutes_id)
    model, key = _PARENTS[parent]
    owner: Any = db.get(model, getattr(item, key))
    return int(owner.minutes_id) if owner is not None else 0


def get_item(db: Session, minutes: Minutes, kind: str, item_id: int) -> Any:
    """An item of these minutes, or 404 (an item of other minutes is not here)."""
    item = db.get(spec_of(kind).model, item_id)
    if item is None or minutes_id_of(db, kind, item) != minutes.id:
        raise NotFound()
    return item


def snapshot(kind: str, item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in SPECS[kind].fields}


def _changes(kind: str, data: ItemUpdate) -> dict[str, Any]:
    spec = SPECS[kind]
    values = {name: getattr(data, name) for name in spec.fields if name in data.model_fields_set}
    for name in spec.required:
        if name in values and not str(values[name] or "").strip():
            raise InvalidInput({name: [N_("This field is required.")]})
    if "points" in values:
        values["points"] = [p.strip() for p in values["points"] or [] if p.strip()]
    for name in ("title", "text", "name", "speaker_name", "author", "owner", "quote"):
        if name in values and isinstance(values[name], str):
            values[name] = values[name].strip()
    return values


def _check_links(db: Session, minutes: Minutes, values: Mapping[str, Any]) -> None:
    checks: list[tuple[str, type[SQLModel]]] = [
        ("speaker_id", Speaker),
        ("organisation_id", Organisation),
    ]
    for name, model in checks:
        if values.get(name) is not None and db.get(model, values[name]) is None:
            raise InvalidInput({name: [N_("Choose one of the options.")]})


def _check_place(db: Session, kind: str, block_id: int, values: Mapping[str, Any]) -> None:
    """An excerpt is placed before a turn of its own block, or after them all."""
    turn_id = values.get("before_turn_id")
    if kind != "excerpt" or turn_id is None:
        return
    turn = db.get(MinutesTurn, turn_id)
    if turn is None or turn.block_id != block_id:
        raise InvalidInput({"before_turn_id": [N_("Choose one of the options.")]})


def _account(db: Session, email: str | None) -> int | None:
    if not email or not email.strip():
        return None
    found = db.execute(
        select(col(User.id)).where(func.lower(col(User.email)) == email.strip().lower())
    ).scalar_one_or_none()
    if found is None:
        raise InvalidInput({"account_email": [N_("No account has this e-mail address.")]})
    return int(found)


def _sources(db: Session, minutes: Minutes, point: MinutesPoint, data: ItemUpdate) -> None:
    if data.turn_ids is None and data.excerpt_ids is None:
        return
    blocks = select(col(MinutesBlock.id)).where(col(MinutesBlock.minutes_id) == minutes.id)
    wanted: list[tuple[str, type[Any], list[int]]] = [
        ("turn_ids", MinutesTurn, sorted(set(data.turn_ids or []))),
        ("excerpt_ids", MinutesExcerpt, sorted(set(data.excerpt_ids or []))),
    ]
    for name, model, ids in wanted:
        if ids:
            found = db.execute(
                select(func.count())
                .select_from(model)
                .where(col(model.id).in_(ids), col(model.block_id).in_(blocks))
            ).scalar_one()
            if found != len(ids):
                raise InvalidInput({name: [N_("Choose one of the options.")]})
    db.execute(delete(MinutesPointSource).where(col(MinutesPointSource.point_id) == point.id))
    for turn_id in wanted[0][2]:
        db.add(MinutesPointSource(point_id=point.id or 0, turn_id=turn_id))
    for excerpt_id in wanted[1][2]:
        db.add(MinutesPointSource(point_id=point.id or 0, excerpt_id=excerpt_id))


def _as_correction(db: Session, minutes: Minutes, actor: User, note: str, action: str) -> None:
    """A change to published minutes is a correction, with its note; a change to a draft or
    circulated minutes is an edit. Either way, one row in the action log."""
    if minutes.status in EDITABLE:
        audit.record(db, actor=actor, action=action, object_type="minutes", object_id=minutes.id)
        return
    if not note.strip():
        raise InvalidInput({"correction_note": [MINUTES.reason_message]})
    MINUTES.apply(db, record=minutes, action="correct", actor=actor, reason=note)


def update_item(
    db: Session, *, actor: User, minutes: Minutes, kind: str, item_id: int, data: ItemUpdate
) -> Minutes:
    minutes = lock(db, minutes)
    item = get_item(db, minutes, kind, item_id)
    if data.base_version > minutes.version:
        raise Conflict(_UNKNOWN_VERSION)
    values = _changes(kind, data)
    if item.changed_at > data.base_version:
        yours = snapshot(kind, item) | values
        raise EditConflict(
            kind=kind,
            item_id=item_id,
            current=snapshot(kind, item),
            yours=yours,
            version=minutes.version,
        )
    _check_links(db, minutes, values)
    _check_place(db, kind, getattr(item, "block_id", 0), values)
    if kind == "attendee" and "account_email" in data.model_fields_set:
        values["user_id"] = _account(db, data.account_email)
    _as_correction(db, minutes, actor, data.correction_note, "minutes.item_edit")
    version = _bump(db, minutes)
    for name, value in values.items():
        setattr(item, name, value)
    item.changed_at = version
    db.add(item)
    if kind == "point":
        _sources(db, minutes, item, data)
    db.commit()
    return minutes


def replace_text(db: Session, minutes: Minutes, kind: str, item: Any, text: str) -> int:
    """An accepted correction: the item's text becomes the attendee's (the caller commits)."""
    name = SPECS[kind].text
    value: Any = [line.strip() for line in text.splitlines() if line.strip()]
    if name != "points":
        value = text.strip()
    setattr(item, name, value)
    item.changed_at = _bump(db, minutes)
    db.add(item)
    return item.changed_at


def text_of(kind: str, item: Any) -> str:
    value = getattr(item, SPECS[kind].text)
    return "\n".join(value) if isinstance(value, list) else str(value or "")


def _next_position(db: Session, model: Any, parent_col: Any, parent_id: int) -> int:
    top = db.execute(select(func.max(col(model.position))).where(parent_col == parent_id))
    return int(top.scalar() or 0) + 1


def _parent_of(db: Session, minutes: Minutes, kind: str, parent_id: int | None) -> tuple[str, int]:
    parent = SPECS[kind].parent
    if parent == "minutes":
        return "minutes_id", minutes.id or 0
    model, key = _PARENTS[parent]
    owner: Any = db.get(model, parent_id) if parent_id else None
    if owner is None or owner.minutes_id != minutes.id:
        raise InvalidInput({"parent_id": [N_("Choose one of the options.")]})
    return key, int(owner.id)


def _stored_key(actor: User, minutes: Minutes, key: str | None) -> str | None:
    # Scoped to the editor and these minutes: the same key elsewhere is another key.
    return scoped_key(f"user:{actor.id}\nminutes:{minutes.id}", key) if key else None


def added_before(db: Session, *, actor: User, minutes: Minutes, key: str | None) -> Any:
    """The item an earlier add with this idempotency key made (None when it has since been
    deleted), or False when no add came with this key."""
    stored = _stored_key(actor, minutes, key)
    found = None
    if stored is not None:
        found = db.execute(
            select(MinutesItemKey).where(col(MinutesItemKey.key) == stored)
        ).scalar_one_or_none()
    if found is None:
        return False
    return db.get(spec_of(found.kind).model, found.item_id)


def add_item(
    db: Session, *, actor: User, minutes: Minutes, kind: str, data: ItemCreate
) -> tuple[Minutes, Any]:
    """A new item of this kind. With an idempotency key this editor already used on these
    minutes: nothing is added, and the item that add made is returned."""
    spec = spec_of(kind)
    minutes = lock(db, minutes)
    earlier = added_before(db, actor=actor, minutes=minutes, key=data.idempotency_key)
    if earlier is not False:
        db.commit()  # nothing to write: end the lock now
        return minutes, earlier
    values = _changes(kind, data)
    for name in spec.required:
        if not str(values.get(name) or "").strip():
            raise InvalidInput({name: [N_("This field is required.")]})
    _check_links(db, minutes, values)
    if kind == "attendee":
        values["user_id"] = _account(db, data.account_email)
        if not (values.get("name") or values.get("speaker_id") or values.get("user_id")):
            raise InvalidInput({"name": [N_("This field is required.")]})
    key, parent_id = _parent_of(db, minutes, kind, data.parent_id)
    _check_place(db, kind, parent_id, values)
    _as_correction(db, minutes, actor, data.correction_note, "minutes.item_add")
    model: Any = spec.model
    version = _bump(db, minutes)
    item = model(
        **{key: parent_id},
        position=_next_position(db, model, getattr(model, key), parent_id),
        changed_at=version,
        **values,
    )
    db.add(item)
    db.flush()
    if kind == "point":
        _sources(db, minutes, item, data)
    stored = _stored_key(actor, minutes, data.idempotency_key)
    if stored is not None:
        db.add(MinutesItemKey(minutes_id=minutes.id or 0, key=stored, kind=kind, item_id=item.id))
        try:
            db.flush()
        except IntegrityError:
            # The same retry, at the same moment, added it first (SQLite takes no row lock).
            db.rollback()
            minutes = lock(db, minutes)
            db.commit()
            return minutes, added_before(db, actor=actor, minutes=minutes, key=data.idempotency_key)
    db.commit()
    return minutes, item


def _newest_change(db: Session, kind: str, item: Any) -> int:
    newest = int(item.changed_at)
    for child in _CHILDREN.get(kind, []):
        key = _PARENTS[kind][1]
        top = db.execute(
            select(func.max(col(child.changed_at))).where(getattr(child, key) == item.id)
        ).scalar()
        newest = max(newest, int(top or 0))
    return newest


def delete_item(
    db: Session,
    *,
    actor: User,
    minutes: Minutes,
    kind: str,
    item_id: int,
    base_version: int,
    correction_note: str = "",
) -> Minutes:
    """Deleting what someone changed since the editor's base would lose their text: refused."""
    minutes = lock(db, minutes)
    item = get_item(db, minutes, kind, item_id)
    if _newest_change(db, kind, item) > base_version:
        raise EditConflict(
            kind=kind,
            item_id=item_id,
            current=snapshot(kind, item),
            yours={},
            version=minutes.version,
        )
    _as_correction(db, minutes, actor, correction_note, "minutes.item_delete")
    _bump(db, minutes)
    db.delete(item)
    db.commit()
    return minutes


def move_item(
    db: Session, *, actor: User, minutes: Minutes, kind: str, item_id: int, step: int
) -> Minutes:
    """Swaps the item with its neighbour (buttons, so that no one needs to drag)."""
    spec = spec_of(kind)
    minutes = lock(db, minutes)
    item = get_item(db, minutes, kind, item_id)
    if minutes.status not in EDITABLE:
        raise Conflict(N_("Published minutes keep their order; correct the text instead."))
    model: Any = spec.model
    key = "minutes_id" if spec.parent == "minutes" else _PARENTS[spec.parent][1]
    siblings = list(
        db.execute(
            select(model)
            .where(getattr(model, key) == getattr(item, key))
            .order_by(col(model.position), col(model.id))
        ).scalars()
    )
    index = next(i for i, s in enumerate(siblings) if s.id == item.id)
    target = index + step
    if not 0 <= target < len(siblings):
        raise Conflict(N_("This item cannot move further."))
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
        db.add(sibling)
    audit.record(
        db, actor=actor, action="minutes.item_move", object_type="minutes", object_id=minutes.id
    )
    _bump(db, minutes)
    db.commit()
    return minutes


def update_header(db: Session, *, actor: User, minutes: Minutes, data: HeaderUpdate) -> Minutes:
    minutes = lock(db, minutes)
    if data.base_version > minutes.version:
        raise Conflict(_UNKNOWN_VERSION)
    current = {"language": minutes.language, "other_participants": minutes.other_participants}
    if minutes.changed_at > data.base_version:
        raise EditConflict(
            kind="header",
            item_id=minutes.id or 0,
            current=current,
            yours={"language": data.language, "other_participants": data.other_participants},
            version=minutes.version,
        )
    _as_correction(db, minutes, actor, data.correction_note, "minutes.header")
    minutes.language = data.language
    minutes.other_participants = data.other_participants
    minutes.changed_at = _bump(db, minutes)
    db.commit()
    return minutes


Editor = Callable[..., Minutes]
KINDS: tuple[ItemKind, ...] = (
    "block",
    "turn",
    "excerpt",
    "decision",
    "action",
    "heading",
    "point",
    "attendee",
)
