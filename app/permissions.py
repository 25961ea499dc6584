"""Who may do what: predicates on (user, object, state), the one place that says it.

adhocracy4's rules are the model: each predicate names an act on a kind of object and looks at the
user's role and the object's state, nothing else (no I/O; what a predicate needs is loaded by the
dependency in `app/deps.py` that calls it). Handlers and services never compare roles themselves.
A predicate answers whether the act is permitted; whether it applies to the object's present state
(a workflow's from-states) is the workflow's answer, a 409 rather than a 403.
"""

from collections.abc import Collection
from typing import Any, Protocol

from app.models.users import STAFF_ROLES, Role, User


class _HasStatus(Protocol):
    status: Any


class _Authored(_HasStatus, Protocol):
    author_id: int | None


class _CrowdReport(_HasStatus, Protocol):
    created_by_id: int | None


def is_active(user: User | None) -> bool:
    return user is not None and user.is_active


def is_staff(user: User | None) -> bool:
    return is_active(user) and user is not None and user.role in STAFF_ROLES


def is_admin(user: User | None) -> bool:
    return is_active(user) and user is not None and user.role == Role.admin


def _is(user: User | None, record_user_id: int | None) -> bool:
    return user is not None and user.id is not None and record_user_id == user.id


# -- the programme: forums, sessions, agenda, speakers, organisations, caucuses ----------------


def can_manage_content(user: User | None, record: object = None) -> bool:
    """Forums, sessions, agenda, speakers, organisations, caucuses, care-map data."""
    return is_staff(user)


def can_see_contact(user: User | None, speaker: object = None) -> bool:
    """Speakers' e-mail and phone are for the secretariat only."""
    return is_staff(user)


# -- accounts -------------------------------------------------------------------------------


def can_manage_users(user: User | None) -> bool:
    return is_staff(user)


def can_grant_role(user: User | None, role: Role) -> bool:
    """The secretariat invites and assigns roles, but only an admin makes another admin."""
    return can_manage_users(user) and (role != Role.admin or is_admin(user))


def can_view_audit(user: User | None) -> bool:
    return is_admin(user)


def represents(user: User | None, caucus_id: int, represented: Collection[int]) -> bool:
    """A caucus representative speaks for the caucuses they are linked to, and only those
    (`represented`: the user's links, loaded by the dependency); staff speak for none."""
    return (
        is_active(user)
        and user is not None
        and user.role == Role.caucus_rep
        and caucus_id in represented
    )


def can_open_caucus_workspace(
    user: User | None, caucus_id: int, represented: Collection[int]
) -> bool:
    """A caucus's workspace (its contributions, sessions and reviews waiting) is for the
    representatives it has, and for the secretariat that supports them."""
    return represents(user, caucus_id, represented) or is_staff(user)


# -- contributions, live remarks, moderation ---------------------------------------------------


def can_moderate(user: User | None, contribution: object = None) -> bool:
    """The moderation queue and its decisions, and pinning or marking live remarks."""
    return is_staff(user)


def can_edit_contribution(user: User | None, contribution: object = None) -> bool:
    """The secretariat files a contribution (themes, session, caucus lens) and answers it
    officially; the author's words stay theirs."""
    return is_staff(user)


def can_view_contribution(user: User | None, contribution: _Authored) -> bool:
    """Published contributions are public; the others are for their author and moderators."""
    if contribution.status == "published":
        return True
    return can_moderate(user, contribution) or _is(user, contribution.author_id)


def can_take_part(user: User | None, record: object = None) -> bool:
    """Endorse, report, post a live remark, propose to a care map: any active account."""
    return is_active(user)


def can_transcribe(user: User | None) -> bool:
    """Submitting a proposal in someone else's name (a letter, a phone call) is for moderators."""
    return can_moderate(user)


def can_filter_by_status(user: User | None) -> bool:
    """Only moderators list contributions that are not published."""
    return can_moderate(user)


def can_see_author_contact(user: User | None, contribution: object = None) -> bool:
    """E-mail addresses of people who wrote in are for the secretariat only."""
    return is_staff(user)


# -- care maps ------------------------------------------------------------------------------


def can_view_crowd_report(user: User | None, report: _CrowdReport) -> bool:
    """A proposal to a care map is seen by the secretariat and by the person who made it."""
    return is_staff(user) or _is(user, report.created_by_id)


def can_see_all_crowd_reports(user: User | None) -> bool:
    return is_staff(user)


def can_review_crowd_report(user: User | None, report: object = None) -> bool:
    return is_staff(user)


def can_pin(user: User | None, target: object = None) -> bool:
    """Pinning a care-map panel beside a session, a contribution or a section."""
    return is_staff(user)


# -- minutes ----------------------------------------------------------------------------------


def can_edit_minutes(user: User | None, minutes: object = None) -> bool:
    """Drafting, circulating, publishing and correcting minutes; deciding on corrections."""
    return is_staff(user)


def is_minutes_attendee(user: User | None, attendees: Collection[int]) -> bool:
    """`attendees`: the accounts listed among the minutes' attendees (loaded by the dependency)."""
    return is_active(user) and user is not None and user.id in attendees


def can_view_minutes(user: User | None, minutes: _HasStatus, attendees: Collection[int]) -> bool:
    """Published minutes are public; a draft is for staff; circulated minutes also for their
    attendees."""
    if minutes.status in ("published", "corrected") or can_edit_minutes(user, minutes):
        return True
    return minutes.status == "circulated" and is_minutes_attendee(user, attendees)


def can_propose_minutes_correction(
    user: User | None, minutes: object, attendees: Collection[int]
) -> bool:
    """Attendees propose corrections (whether the window is open is the workflow's answer)."""
    return is_minutes_attendee(user, attendees)


# -- policy documents ---------------------------------------------------------------------------


class _Owned(Protocol):
    owner_id: int | None


class _Public(Protocol):
    public: bool


def can_create_document(user: User | None) -> bool:
    """The secretariat opens a policy document and names its drafting team."""
    return is_staff(user)


def can_see_all_documents(user: User | None) -> bool:
    """The document list shows staff every document, anyone else the ones they draft."""
    return is_staff(user)


def can_read_document(user: User | None, document: object, team: Collection[int]) -> bool:
    """Until documents are published (part 2), only the drafting team (`team`: its accounts,
    loaded by the dependency) and the secretariat see them; for anyone else they do not exist."""
    if is_staff(user):
        return True
    return is_active(user) and user is not None and user.id in team


def can_edit_document(user: User | None, document: object, team: Collection[int]) -> bool:
    """Editors and caucus representatives on the drafting team write the text, with the
    secretariat."""
    return can_read_document(user, document, team)


def can_manage_drafting_team(user: User | None, document: _Owned) -> bool:
    return is_staff(user) or (is_active(user) and _is(user, document.owner_id))


# -- policy documents: sign-off, stages, sources ---------------------------------------------


def can_review_section(user: User | None, caucus_id: int, represented: Collection[int]) -> bool:
    """A caucus's verdict on a section is given by that caucus's representatives only: the
    accounts on the drafting team as caucus representatives of that caucus (`represented`: the
    caucuses this account represents there, loaded by the dependency). Not even the
    secretariat speaks for a caucus."""
    return is_active(user) and caucus_id in represented


def can_steer_process(user: User | None, document: object = None) -> bool:
    """The secretariat moves a document between stages, configures its stages and chooses the
    caucuses whose sign-off it requires."""
    return is_staff(user)


def can_read_published(user: User | None, document: object, has_public_snapshot: bool) -> bool:
    """Anyone reads a document's public snapshots, once it has one; the working text stays
    with those who may read the document (can_read_document)."""
    return has_public_snapshot


def can_read_snapshot(user: User | None, snapshot: _Public, team: Collection[int]) -> bool:
    """A public snapshot is for anyone; the others for those who read the working text."""
    return snapshot.public or can_read_document(user, snapshot, team)


def can_link_sources(user: User | None, document: object, editors: Collection[int]) -> bool:
    """The drafting team's editors and the secretariat say which contributions and minutes
    points fed a paragraph, and with what outcome."""
    return can_decide_amendment(user, document, editors)


# -- policy documents: amendments ---------------------------------------------------------------


def can_propose_amendment(user: User | None, document: object, team: Collection[int]) -> bool:
    """Anyone logged in who can read the document (part 2 widens reading, not this)."""
    return is_active(user) and can_read_document(user, document, team)


def can_decide_amendment(user: User | None, document: object, editors: Collection[int]) -> bool:
    """Accepting, rejecting and merging are for the drafting team's editors (`editors`: their
    accounts) and the secretariat."""
    if is_staff(user):
        return True
    return is_active(user) and user is not None and user.id in editors


def can_see_amendment(user: User | None, amendment: _Authored, team: Collection[int]) -> bool:
    """The drafting team and the secretariat see every amendment; anyone else their own."""
    if is_staff(user) or (is_active(user) and user is not None and user.id in team):
        return True
    return is_active(user) and _is(user, amendment.author_id)


def can_withdraw_amendment(user: User | None, amendment: _Authored) -> bool:
    return is_active(user) and _is(user, amendment.author_id)


def can_rebase_amendment(user: User | None, amendment: _Authored, editors: Collection[int]) -> bool:
    """Its author, or an editor keeping an absent amender's proposal alive (the event says who)."""
    return can_withdraw_amendment(user, amendment) or can_decide_amendment(user, amendment, editors)


# -- policy documents: comments on paragraphs ---------------------------------------------------


class _Written(Protocol):
    author_id: int | None


def can_comment(user: User | None, document: object, team: Collection[int]) -> bool:
    """Any logged-in person who reads the document comments on its paragraphs (until part 2
    publishes documents, that is the drafting team and the secretariat)."""
    return is_active(user) and can_read_document(user, document, team)


def can_edit_comment(user: User | None, comment: _Written) -> bool:
    """Only the author changes their words (how long after posting is the service's answer)."""
    return is_active(user) and _is(user, comment.author_id)


def can_moderate_comment(user: User | None, comment: object = None) -> bool:
    """The secretariat removes any comment, at any time."""
    return is_staff(user)


def can_delete_comment(user: User | None, comment: _Written) -> bool:
    """The author (within the time the service allows), and the secretariat as moderators."""
    return can_moderate_comment(user, comment) or can_edit_comment(user, comment)


def can_resolve_thread(user: User | None, thread: _Written, editors: Collection[int]) -> bool:
    """The drafting team's editors (`editors`: their accounts), the secretariat, and whoever
    started the thread resolve and reopen it."""
    if is_staff(user):
        return True
    return (
        is_active(user) and user is not None and (user.id in editors or _is(user, thread.author_id))
    )
