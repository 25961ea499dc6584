"""Submitting a proposal: checks, rate limits, idempotent retries, storing it with its themes
and attachments. Live remarks and e-mailed proposals are stored through `store()` too."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app import permissions
from app.config import get_settings
from app.db import write_again
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
from app.models.users import CONSENT_REQUIRED, User
from app.services import privacy, ratelimit
from app.services.contributions.reading import token_hash
from app.services.errors import InvalidInput

# Per hour. Generous for a person, tight for a script; held in the database (ratelimit.py), so
# they hold across app instances.
SUBMIT_LIMIT_ACCOUNT = 10
SUBMIT_LIMIT_IP = 30
HOUR = 3600
# Where a person without an account keeps the id their idempotency keys are scoped to.
ANONYMOUS_SESSION_KEY = "submitter"


@dataclass
class Submitted:
    contribution: Contribution
    receipt: str | None  # for a person without an account: their private link's token
    replayed: bool = False


def check_refs(
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
    # Counted and compared in one statement per key: simultaneous requests cannot all pass.
    ratelimit.take(db, keys=keys, window_s=HOUR)


def submitter_scope(actor: User | None, session: MutableMapping[str, Any]) -> str:
    """Whose idempotency keys these are: the account, or for a person without one their
    browser session (a random id kept in the signed session cookie, made on first use)."""
    if actor is not None:
        return f"user:{actor.id}"
    anonymous = session.get(ANONYMOUS_SESSION_KEY)
    if not isinstance(anonymous, str) or not anonymous:
        anonymous = session[ANONYMOUS_SESSION_KEY] = secrets.token_urlsafe(18)
    return f"anon:{anonymous}"


def scoped_key(scope: str, key: str) -> str:
    """The stored key: a hash of (submitter, key), so the same key from someone else is another
    key; it neither replays their submission nor can be claimed in advance to block it."""
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def receipt_for(stored_key: str) -> str:
    """An anonymous submission's receipt when it came with a key: derived from the stored key
    with the server's secret, so a retry gets the same private link again while only its hash
    is kept."""
    secret = get_settings().secret_key.encode()
    digest = hmac.new(secret, f"receipt\n{stored_key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def _stored_key(actor: User | None, key: str | None, scope: str | None) -> str | None:
    if not key:
        return None
    scope = scope or (f"user:{actor.id}" if actor is not None else None)
    # Without an account and without a session there is no one to scope to: no replays.
    return scoped_key(scope, key) if scope else None


def replay(
    db: Session, key: str | None, actor: User | None, scope: str | None = None
) -> Submitted | None:
    """What an earlier attempt of this submitter with this idempotency key returned, if any:
    the contribution, and for a person without an account its receipt again."""
    stored = _stored_key(actor, key, scope)
    if stored is None:
        return None
    existing = db.execute(
        select(Contribution).where(col(Contribution.idempotency_key) == stored)
    ).scalar_one_or_none()
    if existing is None:
        return None
    receipt = None
    if existing.receipt_hash is not None and actor is None:
        candidate = receipt_for(stored)
        if hmac.compare_digest(token_hash(candidate), existing.receipt_hash):
            receipt = candidate
    # Nothing to write: end the (write-locked) transaction now, not after the response is built.
    db.commit()
    return Submitted(existing, receipt, replayed=True)


def author_errors(
    actor: User | None, *, name: str, email: str, consent: bool, accept_privacy: bool
) -> dict[str, list[str]]:
    """What a person without an account must also give: a name, an e-mail address, consent to
    publication and to the privacy notice (an account holder gave the latter registering)."""
    errors: dict[str, list[str]] = {}
    if actor is None:
        if not name.strip():
            errors["author_name"] = [N_("Enter your name.")]
        if not email.strip():
            errors["author_email"] = [N_("Enter your e-mail address.")]
        if not consent:
            errors["consent"] = [N_("Please agree to the publication of your proposal.")]
        if not accept_privacy:
            errors["accept_privacy"] = [CONSENT_REQUIRED]
    return errors


def _check_file_count(count: int) -> None:
    if count > MAX_FILES:
        raise InvalidInput(
            {"attachments": [Message(N_("Attach at most %(count)s files."), count=MAX_FILES)]}
        )


def check_uploads(files: Sequence[tuple[str, bytes]]) -> list[CheckedUpload]:
    """Checks every attached file (name, bytes) by its content; all problems at once, one line
    per file. Callers count the rate limit first: checking an image costs real work."""
    _check_file_count(len(files))
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
    files: Sequence[tuple[str, bytes]] = (),
    channel: Channel = Channel.web,
    scope: str | None = None,
) -> Submitted:
    """A proposal from the web form or the API. With an account it is published at once (and
    moderated after, on reports); without one it waits for a moderator. `scope` is whose
    idempotency key it is (submitter_scope(); the account when not given). `files` (name,
    bytes) are checked only once the submission has counted against its rate limit."""
    earlier = replay(db, data.idempotency_key, actor, scope)
    if earlier is not None:
        return earlier
    errors = author_errors(
        actor,
        name=data.author_name or "",
        email=str(data.author_email or ""),
        consent=data.consent,
        accept_privacy=data.accept_privacy,
    )
    if errors:
        raise InvalidInput(errors)
    _check_file_count(len(files))
    check_refs(
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
    uploads: list[CheckedUpload] = []
    if files:
        # The count stands even if the files are refused, and no write lock is held while
        # images are decoded; storing begins a write transaction again.
        db.commit()
        uploads = check_uploads(files)
        write_again(db)
    stored_key = _stored_key(actor, data.idempotency_key, scope)
    receipt = None
    if actor is None:
        receipt = receipt_for(stored_key) if stored_key else secrets.token_urlsafe(24)
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
        # Without an account, the consent is given with the proposal (author_errors).
        **privacy.consent_columns(actor is None),
        organisation_name=(data.organisation_name or "").strip() or None,
        organisation_type=data.organisation_type,
        caucus_id=data.caucus_id,
        links=[str(link) for link in data.links],
        idempotency_key=stored_key,
        receipt_hash=token_hash(receipt) if receipt else None,
    )
    return store(db, contribution, data.theme_ids, uploads, receipt)


def store(
    db: Session,
    contribution: Contribution,
    theme_ids: Sequence[int],
    uploads: Sequence[CheckedUpload],
    receipt: str | None,
) -> Submitted:
    """Stores a new contribution; its `idempotency_key` is already the stored (scoped) key."""
    db.add(contribution)
    stored_key = contribution.idempotency_key
    try:
        db.flush()
    except IntegrityError:
        # Two retries of one submission raced: the other one won, and it is this one.
        db.rollback()
        existing = (
            stored_key
            and db.execute(
                select(Contribution).where(col(Contribution.idempotency_key) == stored_key)
            ).scalar_one_or_none()
        )
        if not existing:
            raise
        db.commit()
        return Submitted(existing, receipt, replayed=True)
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
