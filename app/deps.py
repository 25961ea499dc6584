"""Dependencies: who is asking, and may they. Each loads the object a route acts on or answers
404, then checks a predicate from `app/permissions.py` (401 for nobody, 403 for the wrong person).
Handlers receive what they may act on, and do no permission checks of their own.

A domain adds its dependencies next to these: its service's get function loads the object (or
raises NotFound), `ensure` checks the predicate; a record the reader may not see answers 404, as
if it did not exist.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from app import permissions
from app.db import SessionDep, hands_back
from app.models.caremap import CrowdReport, EvidencePin
from app.models.caucuses import Caucus
from app.models.contributions import Contribution
from app.models.minutes import Minutes
from app.models.policy import PolicyDocument, PolicySection
from app.models.policy_comments import PolicyComment
from app.models.types import DbId
from app.models.users import User
from app.services import caremap, caucuses, contributions, minutes, policy, users
from app.services.errors import AuthenticationRequired, NotFound, PermissionDenied
from app.services.policy import amendments as policy_amendments
from app.services.policy import comments as policy_comments
from app.services.policy import reviews as policy_reviews
from app.services.policy import snapshots as policy_snapshots
from app.web import readers

# The signed cookie carries a random token naming a row of login_session; the row, looked up
# on every request, is what makes it a session: deleting it (logout, password change,
# deactivation) ends the session on every instance, and a replayed cookie finds nothing.
SESSION_KEY = readers.SESSION_KEY


def remember_session(request: Request, token: str) -> None:
    """Puts a session started by `users.start_session` in the cookie. A fresh cookie each time,
    so that a token planted before login is worthless after it."""
    request.session.clear()
    request.session[SESSION_KEY] = token


async def optional_user(request: Request) -> User | None:
    """Anonymous requests need no database and no thread; a logged-in one reads its session and
    user (web/readers.py: where that read runs), once per request: the logged-in page cache may
    have read it already (web/fragment_hits.py)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    known = request.scope.get("state", {}).get(readers.READER_STATE)
    if known is not None and known[0] == token:
        user = known[1]
    else:
        user = await readers.read(request.app.state, lambda conn: readers.load_user(conn, token))
    if user is None:
        request.session.pop(SESSION_KEY, None)
        return None
    request.state.user = user
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]

# The checks below do no I/O: async, so that FastAPI does not take a worker thread for them
# (a request waiting for a thread must not be what keeps others waiting).


async def current_user(user: OptionalUser) -> User:
    if user is None:
        raise AuthenticationRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def ensure(allowed: bool, user: User | None) -> None:
    """The answer to a failed predicate: log in first (401), or not for you (403)."""
    if not allowed:
        raise AuthenticationRequired() if user is None else PermissionDenied()


def user_who(predicate: Callable[[User | None], bool]) -> Any:
    """A dependency for a logged-in user the predicate admits (a predicate on the user alone)."""

    async def dependency(user: CurrentUser) -> User:
        ensure(predicate(user), user)
        return user

    return Depends(dependency)


StaffUser = Annotated[User, user_who(permissions.can_manage_content)]
AdminUser = Annotated[User, user_who(permissions.can_view_audit)]
Moderator = Annotated[User, user_who(permissions.can_moderate)]
Participant = Annotated[User, user_who(permissions.can_take_part)]
Pinner = Annotated[User, user_who(permissions.can_pin)]
CrowdReviewer = Annotated[User, user_who(permissions.can_review_crowd_report)]


# -- contributions and moderation ----------------------------------------------------------
# Sync: they read the database, so FastAPI runs them in the handler's worker thread pool.


@hands_back
def _visible_contribution(db: SessionDep, user: OptionalUser, contribution_id: DbId) -> Any:
    return contributions.get_visible(db, contribution_id, viewer=user)


@hands_back
def _moderated_contribution(db: SessionDep, user: Moderator, contribution_id: DbId) -> Any:
    return contributions.get_contribution(db, contribution_id)


@hands_back
def _editable_contribution(db: SessionDep, user: CurrentUser, contribution_id: DbId) -> Any:
    contribution = contributions.get_contribution(db, contribution_id)
    ensure(permissions.can_edit_contribution(user, contribution), user)
    return contribution


VisibleContribution = Annotated[Contribution, Depends(_visible_contribution)]
ModeratedContribution = Annotated[Contribution, Depends(_moderated_contribution)]
EditableContribution = Annotated[Contribution, Depends(_editable_contribution)]


# -- care maps -----------------------------------------------------------------------------


@hands_back
def _reviewable_report(db: SessionDep, user: CrowdReviewer, report_id: DbId) -> Any:
    return caremap.get_report(db, report_id)


@hands_back
def _removable_pin(db: SessionDep, user: Pinner, pin_id: DbId) -> Any:
    return caremap.get_pin(db, pin_id)


ReviewableCrowdReport = Annotated[CrowdReport, Depends(_reviewable_report)]
RemovablePin = Annotated[EvidencePin, Depends(_removable_pin)]


# -- caucuses ------------------------------------------------------------------------------


@hands_back
def _workspace_caucus(db: SessionDep, user: CurrentUser, caucus_id: DbId) -> Any:
    found = caucuses.get_caucus(db, caucus_id)
    represented = users.represented_caucuses(db, user)
    ensure(permissions.can_open_caucus_workspace(user, caucus_id, represented), user)
    return found


WorkspaceCaucus = Annotated[Caucus, Depends(_workspace_caucus)]


# -- minutes -------------------------------------------------------------------------------

MinutesEditor = Annotated[User, user_who(permissions.can_edit_minutes)]


@hands_back
def _readable_minutes(db: SessionDep, user: OptionalUser, minutes_id: DbId) -> Any:
    found = minutes.get_minutes(db, minutes_id)
    if not permissions.can_view_minutes(user, found, minutes.attendee_accounts(db, minutes_id)):
        raise NotFound()
    return found


@hands_back
def _editable_minutes(db: SessionDep, user: MinutesEditor, minutes_id: DbId) -> Any:
    return minutes.get_minutes(db, minutes_id)


@hands_back
def _correctable_minutes(db: SessionDep, user: CurrentUser, minutes_id: DbId) -> Any:
    found = minutes.get_minutes(db, minutes_id)
    attendees = minutes.attendee_accounts(db, minutes_id)
    if not permissions.can_view_minutes(user, found, attendees):
        raise NotFound()
    ensure(permissions.can_propose_minutes_correction(user, found, attendees), user)
    return found


ReadableMinutes = Annotated[Minutes, Depends(_readable_minutes)]
EditableMinutes = Annotated[Minutes, Depends(_editable_minutes)]
CorrectableMinutes = Annotated[Minutes, Depends(_correctable_minutes)]


# -- policy documents ----------------------------------------------------------------------

DocumentCreator = Annotated[User, user_who(permissions.can_create_document)]


@hands_back
def _readable_document(db: SessionDep, user: OptionalUser, document_id: DbId) -> Any:
    found = policy.get_document(db, document_id)
    if not permissions.can_read_document(user, found, policy.team_ids(db, document_id)):
        raise NotFound()
    return found


@hands_back
def _editable_document(db: SessionDep, user: CurrentUser, document_id: DbId) -> Any:
    found = policy.get_document(db, document_id)
    team = policy.team_ids(db, document_id)
    if not permissions.can_read_document(user, found, team):
        raise NotFound()
    ensure(permissions.can_edit_document(user, found, team), user)
    return found


@hands_back
def _team_document(db: SessionDep, user: CurrentUser, document_id: DbId) -> Any:
    found = policy.get_document(db, document_id)
    if not permissions.can_read_document(user, found, policy.team_ids(db, document_id)):
        raise NotFound()
    ensure(permissions.can_manage_drafting_team(user, found), user)
    return found


@hands_back
def _readable_section(db: SessionDep, user: OptionalUser, section_id: DbId) -> Any:
    section = policy.get_section(db, section_id)
    document = policy.get_document(db, section.document_id)
    if not permissions.can_read_document(user, document, policy.team_ids(db, document.id or 0)):
        raise NotFound()
    return section


@hands_back
def _editable_section(db: SessionDep, user: CurrentUser, section_id: DbId) -> Any:
    section = policy.get_section(db, section_id)
    document = policy.get_document(db, section.document_id)
    team = policy.team_ids(db, document.id or 0)
    if not permissions.can_read_document(user, document, team):
        raise NotFound()
    ensure(permissions.can_edit_document(user, document, team), user)
    return section


ReadableDocument = Annotated[PolicyDocument, Depends(_readable_document)]
EditableDocument = Annotated[PolicyDocument, Depends(_editable_document)]
TeamDocument = Annotated[PolicyDocument, Depends(_team_document)]
ReadableSection = Annotated[PolicySection, Depends(_readable_section)]
EditableSection = Annotated[PolicySection, Depends(_editable_section)]


# -- policy documents: comments on paragraphs ------------------------------------------------


@hands_back
def _readable_paragraph(db: SessionDep, user: OptionalUser, paragraph_id: DbId) -> Any:
    place = policy_comments.get_place(db, paragraph_id)
    team = policy.team_ids(db, place.document.id or 0)
    if not permissions.can_read_document(user, place.document, team):
        raise NotFound()
    return place


@hands_back
def _commentable_paragraph(db: SessionDep, user: CurrentUser, paragraph_id: DbId) -> Any:
    place = policy_comments.get_place(db, paragraph_id)
    team = policy.team_ids(db, place.document.id or 0)
    if not permissions.can_read_document(user, place.document, team):
        raise NotFound()
    ensure(permissions.can_comment(user, place.document, team), user)
    return place


def _visible_comment(db: SessionDep, user: User, comment_id: int) -> Any:
    comment = policy_comments.get_comment(db, comment_id)
    document = policy.get_document(db, comment.document_id)
    if not permissions.can_read_document(user, document, policy.team_ids(db, document.id or 0)):
        raise NotFound()
    return comment


@hands_back
def _editable_comment(db: SessionDep, user: CurrentUser, comment_id: DbId) -> Any:
    comment = _visible_comment(db, user, comment_id)
    ensure(permissions.can_edit_comment(user, comment), user)
    return comment


@hands_back
def _deletable_comment(db: SessionDep, user: CurrentUser, comment_id: DbId) -> Any:
    comment = _visible_comment(db, user, comment_id)
    ensure(permissions.can_delete_comment(user, comment), user)
    return comment


@hands_back
def _resolvable_thread(db: SessionDep, user: CurrentUser, comment_id: DbId) -> Any:
    """The thread of the comment named (any of its comments names it)."""
    thread = policy_comments.thread_of(db, _visible_comment(db, user, comment_id))
    editors = policy_comments.editor_ids(db, thread.document_id)
    ensure(permissions.can_resolve_thread(user, thread, editors), user)
    return thread


ReadableParagraph = Annotated[policy_comments.Place, Depends(_readable_paragraph)]
CommentableParagraph = Annotated[policy_comments.Place, Depends(_commentable_paragraph)]
EditableComment = Annotated[PolicyComment, Depends(_editable_comment)]
DeletableComment = Annotated[PolicyComment, Depends(_deletable_comment)]
ResolvableThread = Annotated[PolicyComment, Depends(_resolvable_thread)]


# -- policy documents: amendments ------------------------------------------------------------


@hands_back
def _amendable_paragraph(db: SessionDep, user: CurrentUser, paragraph_id: DbId) -> Any:
    place = policy_amendments.paragraph_place(db, paragraph_id)
    if not permissions.can_read_document(user, place.document, place.team):
        raise NotFound()
    ensure(permissions.can_propose_amendment(user, place.document, place.team), user)
    return place


@hands_back
def _merge_paragraph(db: SessionDep, user: CurrentUser, paragraph_id: DbId) -> Any:
    place = policy_amendments.paragraph_place(db, paragraph_id)
    if not permissions.can_read_document(user, place.document, place.team):
        raise NotFound()
    ensure(permissions.can_decide_amendment(user, place.document, place.editors), user)
    return place


@hands_back
def _readable_amendment(db: SessionDep, user: OptionalUser, amendment_id: DbId) -> Any:
    """An amendment the reader may see; any other is a 404, as if it did not exist."""
    place = policy_amendments.amendment_place(db, amendment_id)
    assert place.amendment is not None
    if not permissions.can_read_document(user, place.document, place.team):
        raise NotFound()
    if not permissions.can_see_amendment(user, place.amendment, place.team):
        raise NotFound()
    return place


AmendableParagraph = Annotated[policy_amendments.Place, Depends(_amendable_paragraph)]
MergeParagraph = Annotated[policy_amendments.Place, Depends(_merge_paragraph)]
ReadableAmendment = Annotated[policy_amendments.Place, Depends(_readable_amendment)]


# -- policy documents: sign-off, stages, snapshots, sources ------------------------------------


@hands_back
def _reviewable_section(
    db: SessionDep, user: CurrentUser, section_id: DbId, caucus_id: DbId
) -> Any:
    place = policy_reviews.review_place(
        db, section_id=section_id, caucus_id=caucus_id, user_id=user.id
    )
    if not permissions.can_read_document(user, place.document, place.team):
        raise NotFound()
    ensure(permissions.can_review_section(user, caucus_id, place.represented), user)
    return place


@hands_back
def _steered_document(db: SessionDep, user: CurrentUser, document_id: DbId) -> Any:
    found = policy.get_document(db, document_id)
    if not permissions.can_read_document(user, found, policy.team_ids(db, document_id)):
        raise NotFound()
    ensure(permissions.can_steer_process(user, found), user)
    return found


@hands_back
def _published_document(db: SessionDep, user: OptionalUser, document_id: DbId) -> Any:
    """A document this reader may read in some form: its working text (the drafting team, the
    secretariat) or, for anyone, its public snapshots once there is one."""
    found = policy.get_document(db, document_id)
    if permissions.can_read_document(user, found, policy.team_ids(db, document_id)):
        return found
    public = policy_snapshots.latest_public(db, document_id) is not None
    if not permissions.can_read_published(user, found, public):
        raise NotFound()
    return found


def document_view(db: SessionDep, user: User | None, document_id: int) -> Any:
    """The document as this reader reads it (see `_document_view`); for a handler that decides
    it for a reader of its own (a shared logged-in page, web/fragments.py)."""
    found = policy.get_document(db, document_id)
    if permissions.can_read_document(user, found, policy.team_ids(db, document_id)):
        return policy_snapshots.View(found, None, working=True)
    latest = policy_snapshots.latest_public(db, document_id)
    if not permissions.can_read_published(user, found, latest is not None):
        raise NotFound()
    return policy_snapshots.View(found, latest, working=False)


def snapshot_view(db: SessionDep, user: User | None, document_id: int, number: int) -> Any:
    """A snapshot as this reader may read it (see `_readable_snapshot`), else 404; for a
    handler that decides it for a reader of its own (a shared logged-in page)."""
    found = policy.get_document(db, document_id)
    snapshot = policy_snapshots.get_snapshot(db, document_id=document_id, number=number)
    team = policy.team_ids(db, document_id)
    if not permissions.can_read_snapshot(user, snapshot, team):
        raise NotFound()
    working = permissions.can_read_document(user, found, team)
    return policy_snapshots.View(found, snapshot, working=working)


@hands_back
def _document_view(db: SessionDep, user: OptionalUser, document_id: DbId) -> Any:
    """The document as this reader reads it: the working text (the drafting team, the
    secretariat) or its latest public snapshot; 404 when neither."""
    return document_view(db, user, document_id)


@hands_back
def _readable_snapshot(db: SessionDep, user: OptionalUser, document_id: DbId, number: DbId) -> Any:
    """A snapshot this reader may read (a public one, or any for the drafting team and the
    secretariat), else 404."""
    return snapshot_view(db, user, document_id, number)


SnapshotQ = Annotated[
    DbId | None, Query(description="The snapshot's number; else the text this reader reads")
]


@hands_back
def _exported_view(
    db: SessionDep, user: OptionalUser, document_id: DbId, snapshot: SnapshotQ = None
) -> Any:
    """What an export writes: the snapshot asked for (if this reader may read it), else the
    working text for those who read it, else the latest public snapshot; 404 otherwise."""
    if snapshot is None:
        return document_view(db, user, document_id)
    return snapshot_view(db, user, document_id, snapshot)


@hands_back
def _sourcing_paragraph(db: SessionDep, user: CurrentUser, paragraph_id: DbId) -> Any:
    place = policy_amendments.paragraph_place(db, paragraph_id)
    if not permissions.can_read_document(user, place.document, place.team):
        raise NotFound()
    ensure(permissions.can_link_sources(user, place.document, place.editors), user)
    return place


ReviewableSection = Annotated[policy_reviews.Place, Depends(_reviewable_section)]
SteeredDocument = Annotated[PolicyDocument, Depends(_steered_document)]
PublishedDocument = Annotated[PolicyDocument, Depends(_published_document)]
SourcingParagraph = Annotated[policy_amendments.Place, Depends(_sourcing_paragraph)]
DocumentView = Annotated[policy_snapshots.View, Depends(_document_view)]
ReadableSnapshot = Annotated[policy_snapshots.View, Depends(_readable_snapshot)]
ExportedView = Annotated[policy_snapshots.View, Depends(_exported_view)]
