"""Submitting a proposal: checks, rate limits, idempotent retries, storing it with its themes
and attachments. Live remarks and e-mailed proposals are stored through `store()` too."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_, Message
from app.lib.markup import plain_text
from app.lib.uploads import MAX_FILES, CheckedUpload, UploadRejected, inspect_upload
from app.models.caucuses import Caucus
from app.models.contributions import (
    EXCERPT_MAX,
    Attachment,
    Channel,
    Contribution,
    ContributionCreate,
    ContributionTheme,
    Kind,
    Status,
)
from app.models.forums import Forum, ForumSession, Theme
from app.models.users import User
from app.services import ratelimit
from app.services.contributions.reading import token_hash
from app.services.errors import Conflict, InvalidInput

# Per hour. Generous for a person, tight for a script; held in the database (ratelimit.py), so
# they hold across app instances.
SUBMIT_LIMIT_ACCOUNT = 10
SUBMIT_LIMIT_IP = 30
HOUR = 3600


@dataclass
class Submitted:
    contribution: Contribution
    receipt: str | None  # for a person without an account: their private link's token
    replayed: bool = False


def _check_refs(
    db: Session,
    *,
    forum_id: int,
    session_id: int | None,
    theme_ids: Sequence[int],
    caucus_id: int | None,
) -> Forum:
    errors: dict[str, list[str]] = {}
    forum = db.get(Forum, forum_id)
    if forum is None:
        raise InvalidInput({"forum_id": [N_("Choose a forum from the list.")]})
    if session_id is not None:
        session = db.get(ForumSession, session_id)
        if session is None or session.forum_id != forum_id:
            errors["session_id"] = [N_("Choose a session of this forum.")]
    if theme_ids:
        found = set(
            db.execute(
                select(col(Theme.id)).where(
                    col(Theme.id).in_(theme_ids), col(Theme.forum_id) == forum_id
                )
            ).scalars()
        )
        if found != set(theme_ids):
            errors["theme_ids"] = [N_("Choose themes of this forum.")]
    if caucus_id is not None and db.get(Caucus, caucus_id) is None:
        errors["caucus_id"] = [N_("Choose a caucus from the list.")]
    if errors:
        raise InvalidInput(errors)
    return forum


def limit_rate(
    db: Session, *, action: str, user: User | None, ip: str, per_user: int, per_ip: int
) -> None:
    keys = {f"{action}:ip:{ip}": per_ip}
    if user is not None:
        keys[f"{action}:user:{user.id}"] = per_user
    ratelimit.check(db, keys=keys, window_s=HOUR)
    for key in keys:
        ratelimit.hit(db, key=key, window_s=HOUR)


def replay(db: Session, key: str | None, actor: User | None) -> Contribution | None:
    """The contribution an earlier attempt with this idempotency key created, if any."""
    if not key:
        return None
    existing = db.execute(
        select(Contribution).where(col(Contribution.idempotency_key) == key)
    ).scalar_one_or_none()
    if existing is None:
        return None
    if existing.author_id != (actor.id if actor else None):
        raise Conflict(N_("This form was already sent by someone else. Please reload it."))
    # Nothing to write: end the (write-locked) transaction now, not after the response is built.
    db.commit()
    return existing


def author_errors(
    actor: User | None, *, name: str, email: str, consent: bool
) -> dict[str, list[str]]:
    """What a person without an account must also give: a name, an e-mail address, consent."""
    errors: dict[str, list[str]] = {}
    if actor is None:
        if not name.strip():
            errors["author_name"] = [N_("Enter your name.")]
        if not email.strip():
            errors["author_email"] = [N_("Enter your e-mail address.")]
        if not consent:
            errors["consent"] = [N_("Please agree to the publication of your proposal.")]
    return errors


def check_uploads(files: Sequence[tuple[str, bytes]]) -> list[CheckedUpload]:
    """Checks every attached file (name, bytes) by its content; all problems at once, one line
    per file."""
    if len(files) > MAX_FILES:
        raise InvalidInput(
            {"attachments": [Message(N_("Attach at most %(count)s files."), count=MAX_FILES)]}
        )
    checked: list[CheckedUpload] = []
    problems: list[str] = []
    for filename, data in files:
        try:
            checked.append(inspect_upload(filename, data))
        except UploadRejected as exc:
            problem = Message(exc.message, **exc.params)
            problems.append(
                Message(N_("%(filename)s: %(problem)s"), filename=filename, problem=problem)
            )
    if problems:
        raise InvalidInput({"attachments": problems})
    return checked


def make_excerpt(body: str) -> str:
    return plain_text(body, limit=EXCERPT_MAX)


def submit_proposal(
    db: Session,
    *,
    actor: User | None,
    data: ContributionCreate,
    ip: str,
    uploads: Sequence[CheckedUpload] = (),
    channel: Channel = Channel.web,
) -> Submitted:
    """A proposal from the web form or the API. With an account it is published at once (and
    moderated after, on reports); without one it waits for a moderator."""
    earlier = replay(db, data.idempotency_key, actor)
    if earlier is not None:
        return Submitted(earlier, None, replayed=True)
    errors = author_errors(
        actor, name=data.author_name or "", email=str(data.author_email or ""), consent=data.consent
    )
    if errors:
        raise InvalidInput(errors)
    _check_refs(
        db,
        forum_id=data.forum_id,
        session_id=data.session_id,
        theme_ids=data.theme_ids,
        caucus_id=data.caucus_id,
    )
    limit_rate(
        db,
        action="submit",
        user=actor,
        ip=ip,
        per_user=SUBMIT_LIMIT_ACCOUNT,
        per_ip=SUBMIT_LIMIT_IP,
    )
    receipt = None if actor else secrets.token_urlsafe(24)
    # The secretariat types in a proposal someone handed in (on paper, by phone): it is that
    # person's contribution, so their name is kept and the staff account is not the author.
    transcribed = permissions.can_transcribe(actor) and bool(data.author_name)
    if transcribed:
        channel = Channel.transcribed
    on_behalf = actor is None or transcribed
    contribution = Contribution(
        forum_id=data.forum_id,
        session_id=data.session_id,
        kind=Kind.proposal,
        channel=channel,
        status=Status.published if actor else Status.pending,
        title=data.title.strip(),
        body=data.body.strip(),
        excerpt=make_excerpt(data.body),
        language=data.language,
        author_id=actor.id if actor and not transcribed else None,
        author_name=(data.author_name or "").strip() if on_behalf else "",
        author_email=str(data.author_email).lower() if on_behalf and data.author_email else None,
        organisation_name=(data.organisation_name or "").strip() or None,
        caucus_id=data.caucus_id,
        links=[str(link) for link in data.links],
        idempotency_key=data.idempotency_key,
        receipt_hash=token_hash(receipt) if receipt else None,
    )
    return store(db, contribution, data.theme_ids, uploads, receipt, data.idempotency_key, actor)


def store(
    db: Session,
    contribution: Contribution,
    theme_ids: Sequence[int],
    uploads: Sequence[CheckedUpload],
    receipt: str | None,
    idempotency_key: str | None,
    actor: User | None,
) -> Submitted:
    db.add(contribution)
    try:
        db.flush()
    except IntegrityError:
        # Two retries of one submission raced: the other one won, and it is this one.
        db.rollback()
        earlier = replay(db, idempotency_key, actor)
        if earlier is None:
            raise
        return Submitted(earlier, None, replayed=True)
    assert contribution.id is not None
    for theme_id in dict.fromkeys(theme_ids):
        db.add(ContributionTheme(contribution_id=contribution.id, theme_id=theme_id))
    for upload in uploads:
        db.add(
            Attachment(
                contribution_id=contribution.id,
                filename=upload.safe_filename,
                media_type=upload.media_type,
                size=upload.size,
                sha256=hashlib.sha256(upload.data).hexdigest(),
                data=upload.data,
            )
        )
    db.commit()
    return Submitted(contribution, receipt)
