"""Evidence pins: a stored run's panel (care group, metric) shown beside a record of another
domain, a registered target (`app.services.targets`).

Which kinds of record a panel may be pinned to is the registry's answer, not a list kept here: a
domain registers its kind ("session", "contribution"…) and calls `targets.deleted()` when it
deletes one of its records, and the pins of that record go with it (the remover registered at the
end of this module). A pin to a record that does not exist, or that the person pinning may not
see, is refused (404), as is a kind nobody registered (422).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_, format_date, localized
from app.models.caremap import (
    GROUP_LABELS,
    METRIC_LABELS,
    CareRun,
    CareRunUnit,
    CareTerritory,
    EvidencePin,
    PinCreate,
    PinPublic,
)
from app.models.forums import ForumSession
from app.models.users import User
from app.services import audit, targets
from app.services.caremap.panels import panel_url
from app.services.errors import AlreadyDone, InvalidInput, NotFound
from app.services.pagination import page_by_id

POINTER = "evidence_pin"
_PINNED = N_("This panel is already pinned there.")


@dataclass
class PinView:
    """A pin as a page shows it: the template builds its title from these, in the reader's
    language ("%(metric)s — %(group)s, %(territory)s (run %(run)s of %(date)s)")."""

    pin: EvidencePin
    run: CareRun
    territory: CareTerritory
    total_gap: float | None = None  # places missing over the finest level, for the summary line

    @property
    def panel_url(self) -> str:
        return panel_url(self.run.id or 0, str(self.pin.care_group), str(self.pin.metric))

    @property
    def metric_label(self) -> str:
        return METRIC_LABELS[self.pin.metric]

    @property
    def group_label(self) -> str:
        return GROUP_LABELS[self.pin.care_group]


class PinList(list[PinView]):
    """The pins of one page object; it knows its target, so the partial can offer to add one."""

    def __init__(self, kind: str, target_id: int, items: Sequence[PinView]) -> None:
        super().__init__(items)
        self.kind = kind
        self.target_id = target_id


def pins_for(db: Session, *, kind: str, target_id: int) -> PinList:
    """The evidence pinned to a target (its owner has already loaded it), oldest first."""
    rows = db.execute(
        select(EvidencePin, CareRun, CareTerritory)
        .join(CareRun, col(CareRun.id) == col(EvidencePin.run_id))
        .join(CareTerritory, col(CareTerritory.id) == col(CareRun.territory_id))
        .where(col(EvidencePin.target_kind) == kind, col(EvidencePin.target_id) == target_id)
        .order_by(col(EvidencePin.id))
    ).all()
    gaps = total_gaps(db, [(p.run_id, str(p.care_group)) for p, _r, _t in rows])
    views = [PinView(p, r, t, gaps.get((p.run_id, str(p.care_group)))) for p, r, t in rows]
    return PinList(str(kind), target_id, views)


def total_gaps(db: Session, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], float]:
    """Places missing per (run, care group), summed over the level with the most units (the
    finest: every level covers the same territory, so each sums to about the same)."""
    if not keys:
        return {}
    rows = db.execute(
        select(
            col(CareRunUnit.run_id),
            col(CareRunUnit.care_group),
            col(CareRunUnit.level),
            func.count(),
            func.sum(col(CareRunUnit.gap_places)),
        )
        .where(col(CareRunUnit.run_id).in_({run for run, _g in keys}))
        .group_by(col(CareRunUnit.run_id), col(CareRunUnit.care_group), col(CareRunUnit.level))
    ).all()
    best: dict[tuple[int, str], tuple[int, float]] = {}
    for run_id, group, _level, count, gap in rows:
        key = (run_id, str(group))
        if key not in best or count > best[key][0]:
            best[key] = (int(count), float(gap or 0.0))
    return {key: gap for key, (_n, gap) in best.items()}


def kind_label(kind: str) -> str:
    """The msgid naming a kind ("Session"); a kind no longer registered is shown as stored."""
    return targets.kind_of(kind).label if kind in targets.kinds() else kind


@dataclass
class PinnedAt:
    """Where a run is pinned, as its page lists it."""

    pin: EvidencePin
    kind_label: str  # msgid
    target: targets.Target | None  # None: gone, or not for this reader to see


def pins_of_run(db: Session, run_id: int, *, viewer: User | None) -> list[PinnedAt]:
    pins = (
        db.execute(
            select(EvidencePin)
            .where(col(EvidencePin.run_id) == run_id)
            .order_by(col(EvidencePin.id))
        )
        .scalars()
        .all()
    )
    return [
        PinnedAt(
            pin,
            kind_label(pin.target_kind),
            targets.find(db, kind=pin.target_kind, target_id=pin.target_id, viewer=viewer),
        )
        for pin in pins
    ]


@dataclass
class Pinned:
    """A pin as the list of every pin shows it: its panel and what it sits beside."""

    view: PinView
    kind_label: str  # msgid
    target: targets.Target


def pinned_everywhere(
    db: Session, *, viewer: User | None, cursor: str | None, limit: int = 50
) -> tuple[list[Pinned], str | None]:
    """Pins, newest first; a pin beside a record this reader may not see is left out."""
    pins, next_cursor = page_by_id(
        db, select(EvidencePin), col(EvidencePin.id), limit=limit, cursor=cursor, descending=True
    )
    runs = {
        r.id: r
        for r in db.execute(
            select(CareRun).where(col(CareRun.id).in_({p.run_id for p in pins}))
        ).scalars()
    }
    places = {
        t.id: t
        for t in db.execute(
            select(CareTerritory).where(
                col(CareTerritory.id).in_({r.territory_id for r in runs.values()})
            )
        ).scalars()
    }
    out = []
    for pin in pins:
        target = targets.find(db, kind=pin.target_kind, target_id=pin.target_id, viewer=viewer)
        if target is not None:
            run = runs[pin.run_id]
            view = PinView(pin, run, places[run.territory_id])
            out.append(Pinned(view, kind_label(pin.target_kind), target))
    return out, next_cursor


def list_pins(
    db: Session,
    *,
    target_kind: str | None,
    target_id: int | None,
    run_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[EvidencePin], str | None]:
    stmt = select(EvidencePin)
    if target_kind is not None:
        stmt = stmt.where(col(EvidencePin.target_kind) == targets.kind_of(target_kind).kind)
    if target_id is not None:
        stmt = stmt.where(col(EvidencePin.target_id) == target_id)
    if run_id is not None:
        stmt = stmt.where(col(EvidencePin.run_id) == run_id)
    return page_by_id(db, stmt, col(EvidencePin.id), limit=limit, cursor=cursor)


def get_pin(db: Session, pin_id: int) -> EvidencePin:
    found = db.get(EvidencePin, pin_id)
    if found is None:
        raise NotFound()
    return found


def create_pin(db: Session, *, actor: User, data: PinCreate) -> EvidencePin:
    """The run must be stored; the target must be a registered kind (else 422) and a record
    that exists and that the person pinning may see (else 404)."""
    if db.get(CareRun, data.run_id) is None:
        raise InvalidInput({"run_id": [N_("Choose a stored run.")]})
    target = targets.resolve(db, kind=data.target_kind, target_id=data.target_id, viewer=actor)
    taken = db.execute(
        select(col(EvidencePin.id)).where(
            col(EvidencePin.run_id) == data.run_id,
            col(EvidencePin.care_group) == data.care_group,
            col(EvidencePin.metric) == data.metric,
            col(EvidencePin.target_kind) == target.kind,
            col(EvidencePin.target_id) == target.id,
        )
    ).first()
    if taken:
        raise AlreadyDone(_PINNED)
    pin = EvidencePin(**(data.model_dump() | {"target_kind": target.kind}), created_by_id=actor.id)
    # Identical pins sent at once all pass the check above; the unique key keeps the first,
    # and the others get the answer they would have got a moment later.
    try:
        with db.begin_nested():
            db.add(pin)
            db.flush()
    except IntegrityError:
        raise AlreadyDone(_PINNED) from None
    audit.record(
        db,
        actor=actor,
        action="pin",
        object_type="evidence_pin",
        object_id=pin.id,
        summary=f"run {data.run_id} → {target.kind} {target.id}",
    )
    db.commit()
    return pin


def delete_pin(db: Session, *, actor: User, pin: EvidencePin) -> None:
    audit.delete(
        db,
        actor=actor,
        obj=pin,
        object_type="evidence_pin",
        summary=f"run {pin.run_id} → {pin.target_kind} {pin.target_id}",
    )


def delete_pins_for(db: Session, kind: str, target_id: int) -> int:
    """Removes the pins of a target that is being deleted (in the caller's transaction)."""
    result = db.execute(
        delete(EvidencePin).where(
            col(EvidencePin.target_kind) == kind, col(EvidencePin.target_id) == target_id
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def pin_public(pin: EvidencePin) -> PinPublic:
    return PinPublic.model_validate(
        pin, update={"panel_url": panel_url(pin.run_id, pin.care_group, pin.metric)}
    )


def after_pin_url(db: Session, pin: EvidencePin | PinCreate, *, viewer: User | None) -> str:
    """Where to go once a pin is made or removed: the target's evidence, else the run's pins."""
    target = targets.find(db, kind=pin.target_kind, target_id=pin.target_id, viewer=viewer)
    if target is not None:
        return f"{target.url}#evidence"
    return f"/caremap/runs/{pin.run_id}#pins"


# -- choices for the pin forms ------------------------------------------------------------------


@dataclass
class TargetGroup:
    """One kind's records as a group of the pin form's choice: values are "kind:id"."""

    label: str  # msgid: "Session"
    options: list[tuple[str, str]]


def target_groups(db: Session, *, viewer: User | None) -> list[TargetGroup]:
    """What a panel may be pinned to, from the kinds that list their records (a kind that
    lists nothing yet is not offered), for those who may pin."""
    if not permissions.can_pin(viewer):
        return []
    groups = []
    for spec in targets.offered():
        assert spec.options is not None
        options = [(target_value(spec.kind, rid), title) for rid, title in spec.options(db, viewer)]
        if options:
            groups.append(TargetGroup(spec.label, options))
    return groups


def target_value(kind: str, target_id: object) -> str:
    return f"{kind}:{target_id}"


def split_target(value: str) -> dict[str, str]:
    """The pin form's "kind:id" choice as PinCreate's fields (empty: nothing chosen)."""
    kind, _, target_id = value.partition(":")
    return {"target_kind": kind.strip(), "target_id": target_id.strip()} if value else {}


def session_choices(db: Session, *, limit: int = 500) -> Sequence[ForumSession]:
    """Sessions, latest first, for the pin forms' list of session numbers."""
    return (
        db.execute(
            select(ForumSession)
            .order_by(col(ForumSession.starts_at).desc(), col(ForumSession.id))
            .limit(limit)
        )
        .scalars()
        .all()
    )


def session_options(db: Session, *, viewer: User | None) -> list[tuple[str, str]]:
    """Sessions as options of the pin forms, for those who may pin (nobody else needs them)."""
    if not permissions.can_pin(viewer):
        return []
    return [
        (str(s.id), f"{localized(s.title)[0]} — {format_date(s.starts_at, 'medium')}")
        for s in session_choices(db)
    ]


targets.on_deleted(POINTER, delete_pins_for)
