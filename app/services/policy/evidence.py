"""Care-map evidence beside a policy section: sections are a kind of the house's target
registry ("policy_section"), so the care map's pins point at them as at sessions, and go with
them when a forum (and so its documents) is deleted.

A section is loaded with its document and drafting team, because whether a reader may see it
is the document's rule (`can_read_document`, given the team) and the registry asks it without
a database session. Editors of the document pin and unpin beside its sections (the io router's
forms, through the care map's own services); the secretariat can also pin from the care map's
pin form, which lists the sections it may see.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_, localized
from app.models.caremap import EvidencePin, PinCreate
from app.models.policy import PolicyDocument, PolicySection
from app.models.users import User
from app.services import caremap, targets
from app.services.errors import NotFound
from app.services.policy.documents import number_of, team_ids

KIND = "policy_section"
OPTIONS_MAX = 200


@dataclass(frozen=True)
class SectionTarget:
    section: PolicySection
    document: PolicyDocument
    team: frozenset[int]
    number: str


def load(db: Session, section_id: int) -> SectionTarget | None:
    section = db.get(PolicySection, section_id)
    if section is None:
        return None
    document = db.get(PolicyDocument, section.document_id)
    if document is None:
        return None
    team = frozenset(team_ids(db, document.id or 0))
    return SectionTarget(section, document, team, number_of(db, section))


def _visible(viewer: User | None, target: SectionTarget) -> bool:
    return permissions.can_read_document(viewer, target.document, target.team)


def _title(target: SectionTarget) -> str:
    document_title = localized(target.document.title, target.document.language)[0]
    return f"{target.number} {target.section.title} — {document_title}"


def _options(db: Session, viewer: User | None) -> list[tuple[int, str]]:
    """The sections of the documents this reader may see, most recently edited first."""
    rows = db.execute(
        select(PolicySection).order_by(col(PolicySection.updated_at).desc()).limit(OPTIONS_MAX)
    ).scalars()
    out = []
    for section in rows:
        target = load(db, section.id or 0)
        if target is not None and _visible(viewer, target):
            out.append((section.id or 0, _title(target)))
    return out


def url(target: SectionTarget) -> str:
    return f"/documents/{target.document.id}#s-{target.section.id}"


targets.register(
    targets.TargetKind(
        kind=KIND,
        label=N_("Policy document section"),
        load=load,
        visible=_visible,
        url=url,
        title=_title,
        on_delete=targets.OnDelete.remove,
        options=_options,
    )
)

targets.goes_with(
    "forum",
    KIND,
    lambda db, forum_id: db.execute(
        select(col(PolicySection.id))
        .join(PolicyDocument, col(PolicyDocument.id) == col(PolicySection.document_id))
        .where(col(PolicyDocument.forum_id) == forum_id)
    ).scalars(),
)


def may_pin(user: User | None, target: SectionTarget) -> bool:
    """Who may pin beside a section: its document's editors (the drafting team) and staff."""
    return permissions.can_edit_document(user, target.document, target.team)


def pin(db: Session, *, actor: User, section: PolicySection, data: PinCreate) -> EvidencePin:
    """Pins a run's panel beside the section (the care map's own checks: a stored run, the
    same panel not twice, the section visible to the one pinning)."""
    data = data.model_copy(update={"target_kind": KIND, "target_id": section.id})
    return caremap.create_pin(db, actor=actor, data=data)


def pin_of(db: Session, *, section: PolicySection, pin_id: int) -> EvidencePin:
    """A pin beside this section (any other, to this form, does not exist)."""
    found = db.get(EvidencePin, pin_id)
    if found is None or found.target_kind != KIND or found.target_id != section.id:
        raise NotFound()
    return found


def unpin(db: Session, *, actor: User, pin: EvidencePin) -> None:
    caremap.delete_pin(db, actor=actor, pin=pin)


def pins_for(db: Session, section: PolicySection) -> caremap.PinList:
    return caremap.pins_for(db, kind=KIND, target_id=section.id or 0)
