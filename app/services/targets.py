"""The registry of records other domains may point to: care-map pins, minutes citations and
paragraph sources store (kind, id) and go through here, never to another domain's tables.

A domain registers each kind it offers with `register(TargetKind(...))` when its service module
is imported: how to load the record, whether a reader may see it, its URL and a short title for
links, and what happens to pointers when it is deleted. A domain that points registers a remover
with `on_deleted(...)`; the owning domain calls `deleted()` from its delete service, in the same
transaction, so nothing listens for another domain's table events.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from app.i18n import N_
from app.models.users import User
from app.services.errors import InvalidInput, NotFound


class OnDelete(StrEnum):
    remove = "remove"  # pointers go with the record (a pinned panel has nothing to sit beside)
    keep = "keep"  # pointers stay and show the record as gone (a citation is still history)


@dataclass(frozen=True)
class TargetKind:
    kind: str
    label: str  # msgid: "Session", "Contribution"…
    load: Callable[[Session, int], Any | None]
    visible: Callable[[User | None, Any], bool]
    url: Callable[[Any], str]
    title: Callable[[Any], str]
    on_delete: OnDelete = OnDelete.remove
    # What a form may offer to point at: (id, title) of the records this reader may see, most
    # relevant first. A kind without it is still resolvable (the API) but not offered in forms.
    options: Callable[[Session, User | None], Sequence[tuple[int, str]]] | None = None
    # How a citation of the record reads in an endnote (a policy snapshot's sources): the
    # channel it came through, as a msgid (or None), and the day it was made (or None).
    cite: Callable[[Any], tuple[str | None, date | None]] | None = None
    # Many records in one query (a snapshot freezing thousands of sources): {id: record} for
    # those that exist. Without it, find_many loads them one by one.
    load_many: Callable[[Session, Sequence[int]], Mapping[int, Any]] | None = None


@dataclass(frozen=True)
class Target:
    kind: str
    id: int
    record: Any
    url: str
    title: str


Remover = Callable[[Session, str, int], int]
Children = Callable[[Session, int], Iterable[int]]

_kinds: dict[str, TargetKind] = {}
_removers: dict[str, Remover] = {}
_children: list[tuple[str, str, Children]] = []


def register(kind: TargetKind) -> TargetKind:
    _kinds[kind.kind] = kind
    return kind


def on_deleted(pointer: str, remover: Remover) -> None:
    """`pointer` names the pointing domain (e.g. "evidence_pin"); its remover deletes the rows
    that point at (kind, id) and returns how many."""
    _removers[pointer] = remover


def goes_with(parent: str, kind: str, children: Children) -> None:
    """Records of `kind` are deleted with their `parent` record (a foreign-key cascade the ORM
    does not see): `children(db, parent_id)` lists them, so that deleting the parent also
    applies each child's policy. E.g. a forum's sessions and contributions go with the forum;
    the parent need not be a target kind itself."""
    _children.append((parent, kind, children))


def kinds() -> tuple[str, ...]:
    return tuple(_kinds)


def offered() -> tuple[TargetKind, ...]:
    """The kinds forms offer to choose from (those that list their records)."""
    return tuple(spec for spec in _kinds.values() if spec.options is not None)


def kind_of(kind: str) -> TargetKind:
    found = _kinds.get(str(kind))
    if found is None:
        raise InvalidInput({"target_kind": [N_("Choose one of the options.")]})
    return found


def resolve(db: Session, *, kind: str, target_id: int, viewer: User | None) -> Target:
    """The record a pointer names, if it exists and this reader may see it; else 404 (a record
    one may not see is, to them, one that does not exist)."""
    spec = kind_of(kind)
    record = spec.load(db, target_id)
    if record is None or not spec.visible(viewer, record):
        raise NotFound()
    return Target(spec.kind, target_id, record, spec.url(record), spec.title(record))


def find(db: Session, *, kind: str, target_id: int, viewer: User | None) -> Target | None:
    """As resolve(), but None for a record that is gone or hidden (to show a pointer as such)."""
    try:
        return resolve(db, kind=kind, target_id=target_id, viewer=viewer)
    except (NotFound, InvalidInput):
        return None


def find_many(
    db: Session, *, kind: str, target_ids: Sequence[int], viewer: User | None
) -> dict[int, Target]:
    """find() for many records of one kind: {id: target} for those that exist and this reader
    may see."""
    spec = _kinds.get(str(kind))
    if spec is None:
        return {}
    ids = list(dict.fromkeys(target_ids))
    if spec.load_many is not None:
        records = dict(spec.load_many(db, ids))
    else:
        records = {i: spec.load(db, i) for i in ids}
    return {
        i: Target(spec.kind, i, record, spec.url(record), spec.title(record))
        for i, record in records.items()
        if record is not None and spec.visible(viewer, record)
    }


def citation(kind: str, record: Any) -> tuple[str | None, date | None]:
    """(channel msgid, date) for an endnote; (None, None) for a kind without a `cite` hook."""
    spec = _kinds.get(str(kind))
    if spec is None or spec.cite is None or record is None:
        return None, None
    return spec.cite(record)


def deleted(db: Session, *, kind: str, target_id: int) -> int:
    """Called by the owning domain, in its transaction, before it deletes a record: applies the
    kind's policy to what points at it, and at the records that go with it. Returns how many
    pointers went."""
    count = 0
    for parent, child_kind, children in _children:
        if parent == kind:
            for child_id in list(children(db, target_id)):
                count += deleted(db, kind=child_kind, target_id=child_id)
    spec = _kinds.get(str(kind))
    if spec is None or spec.on_delete is not OnDelete.remove:
        return count
    return count + sum(remover(db, spec.kind, target_id) for remover in _removers.values())
