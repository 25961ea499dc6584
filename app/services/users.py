"""Accounts: registration, login with throttling, invitations and roles."""

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app import permissions
from app.config import get_settings
from app.db import write_again
from app.i18n import N_
from app.models.caucuses import Caucus
from app.models.types import utcnow
from app.models.users import (
    ROLE_LABELS,
    STAFF_ROLES,
    Invitation,
    InvitationAccept,
    InvitationCreate,
    LoginSession,
    NewAccount,
    PasswordChange,
    ProfileUpdate,
    Role,
    User,
    UserCaucusLink,
    UserCreate,
    UserRegister,
    UserRoleUpdate,
)
from app.security import hash_password, needs_rehash, token_digest, verify_password
from app.services import accountrules, audit, outbox, privacy, ratelimit
from app.services.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from app.services.pagination import page_by_id

INVITATION_DAYS = 14
TAKEN = N_("An account with this e-mail address already exists.")

# A path to an absolute link (routers pass web/urls.absolute_url bound to the request).
Url = Callable[[str], str]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(db: Session, email: str) -> User | None:
    return db.execute(
        select(User).where(col(User.email) == normalise_email(email))
    ).scalar_one_or_none()


def _check_caucuses(db: Session, role: Role, caucus_ids: list[int]) -> list[int]:
    ids = sorted(set(caucus_ids))
    if role == Role.caucus_rep and not ids:
        raise InvalidInput({"caucus_ids": [N_("Choose the caucus this person represents.")]})
    if ids:
        found = db.execute(select(func.count()).where(col(Caucus.id).in_(ids))).scalar_one()
        if found != len(ids):
            raise InvalidInput({"caucus_ids": [N_("Choose caucuses from the list.")]})
    return ids if role == Role.caucus_rep else []


def _set_caucuses(db: Session, user: User, caucus_ids: list[int]) -> None:
    db.execute(delete(UserCaucusLink).where(col(UserCaucusLink.user_id) == user.id))
    for cid in caucus_ids:
        assert user.id is not None
        db.add(UserCaucusLink(user_id=user.id, caucus_id=cid))


def grantable_roles(actor: User | None) -> list[Role]:
    """The roles this person may give (the options of the invitation and role forms)."""
    return [role for role in Role if permissions.can_grant_role(actor, role)]


def represented_caucuses(db: Session, user: User | None) -> frozenset[int]:
    """The caucuses a user is linked to as their representative (what
    `permissions.represents(user, caucus_id, represented)` takes as `represented`)."""
    if user is None or user.id is None:
        return frozenset()
    return frozenset(caucus_ids_by_user(db, [user.id])[user.id])


def caucus_ids_by_user(db: Session, user_ids: Sequence[int]) -> dict[int, list[int]]:
    """The caucuses each of several caucus representatives speaks for, in one query."""
    out: dict[int, list[int]] = {uid: [] for uid in user_ids}
    if user_ids:
        rows = db.execute(
            select(col(UserCaucusLink.user_id), col(UserCaucusLink.caucus_id)).where(
                col(UserCaucusLink.user_id).in_(user_ids)
            )
        )
        for uid, cid in rows:
            out[uid].append(cid)
    return out


def _check_new_account(data: NewAccount, role: Role, *, by_operator: bool = False) -> None:
    """The password rules hold for every password a person picks; the machine's operator
    (`townhall user create`, the demo's published login) is trusted with its own."""
    errors: dict[str, list[str]] = {}
    problem = accountrules.password_problem(data.password, email=data.email, name=data.display_name)
    if problem and not by_operator:
        errors["password"] = [problem]
    if role not in STAFF_ROLES and accountrules.name_is_reserved(data.display_name):
        errors["display_name"] = [accountrules.RESERVED]
    if errors:
        raise InvalidInput(errors)


def _hash_outside_transaction(db: Session, password: str) -> str:
    """Ends the session's transaction first: argon2 is slow on purpose, and on SQLite an open
    write transaction would hold the lock every other writer waits for."""
    db.commit()
    password_hash = hash_password(password)
    write_again(db)
    return password_hash


def _new_user(
    db: Session,
    data: NewAccount,
    role: Role,
    *,
    by_operator: bool = False,
    consented: bool = False,
) -> User:
    """`consented`: the person agreed to the privacy notice as they made the account themselves
    (registering, accepting an invitation); not when the operator or the staff made it."""
    _check_new_account(data, role, by_operator=by_operator)
    password_hash = _hash_outside_transaction(db, data.password)
    if find_by_email(db, data.email):
        raise Conflict(TAKEN)
    user = User(
        email=normalise_email(data.email),
        display_name=data.display_name.strip(),
        password_hash=password_hash,
        role=role,
        locale=data.locale,
        **privacy.consent_columns(consented),
    )
    # Two people registering (or accepting an invitation to) one address at the same moment
    # both pass the check above; the unique index stops the second, which gets the same answer
    # as if it had come a moment later.
    try:
        with db.begin_nested():
            db.add(user)
            db.flush()
    except IntegrityError:
        raise Conflict(TAKEN) from None
    return user


def register(db: Session, *, data: UserRegister, ip: str, url: Url) -> User | None:
    """Self-registration: limited per address (in the database, counted before the hash). The
    new account gets a confirmation e-mail. An address that already has an account gets an
    e-mail telling its owner instead, and the caller the same answer (None instead of the user,
    which it must not reveal): the same status, shape and work, the hash included."""
    from app.services import accountmail

    _check_new_account(data, Role.participant)
    try:
        keys = {f"register:ip:{ip}": get_settings().register_max_per_ip}
        ratelimit.take(db, keys=keys, window_s=3600)
    finally:
        db.commit()
    try:
        user = _new_user(db, data, Role.participant, consented=True)
    except Conflict:
        existing = find_by_email(db, data.email)
        if existing is not None and existing.is_active:
            accountmail.registration_attempt(db, user=existing, url=url)
        db.commit()
        return None
    accountmail.send_confirmation(db, user=user, url=url)
    db.commit()
    return user


def create_user(db: Session, *, actor: User | None, data: UserCreate) -> User:
    """Used by the CLI (actor None: the machine's operator) and by staff."""
    if actor is not None and not permissions.can_grant_role(actor, data.role):
        raise PermissionDenied()
    caucus_ids = _check_caucuses(db, data.role, data.caucus_ids)
    user = _new_user(db, data, data.role, by_operator=actor is None)
    _set_caucuses(db, user, caucus_ids)
    audit.record(
        db,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        after=str(user.role),
    )
    db.commit()
    return user


def _count_login_try(db: Session, *, email: str, ip: str) -> str:
    """Counts a try at this account's password from this address before the slow hash, or
    raises RateLimited. The wait grows per (account, address): failures from elsewhere never
    lock the account's owner out. Each address also has a ceiling across accounts."""
    settings = get_settings()
    pair_key = f"login:pair:{email}:{ip}"
    ratelimit.take(
        db, keys={f"login:ip:{ip}": settings.login_max_per_ip}, window_s=settings.login_window_s
    )
    ratelimit.attempt(
        db,
        key=pair_key,
        free=settings.login_max_per_account,
        base_s=settings.login_delay_s,
        max_s=settings.login_max_delay_s,
        quiet_s=settings.login_window_s,
    )
    return pair_key


def _login_succeeded(db: Session, *, pair_key: str, ip: str) -> None:
    ratelimit.clear(db, key=pair_key)
    ratelimit.give_back(db, key=f"login:ip:{ip}", window_s=get_settings().login_window_s)


def authenticate(db: Session, *, email: str, password: str, ip: str) -> User:
    """Throttled per (account, address) and per address; unknown accounts and wrong passwords
    look the same."""
    email = normalise_email(email)
    try:
        pair_key = _count_login_try(db, email=email, ip=ip)
        user = find_by_email(db, email)
    finally:
        # Counted and committed before the deliberately slow hash, which holds no transaction
        # (on SQLite it would hold the write lock).
        db.commit()
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        raise InvalidCredentials()
    write_again(db)
    user = db.get(User, user.id)
    assert user is not None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    _login_succeeded(db, pair_key=pair_key, ip=ip)
    db.commit()
    return user


def list_users(db: Session, *, limit: int, cursor: str | None) -> tuple[Sequence[User], str | None]:
    return page_by_id(db, select(User), col(User.id), limit=limit, cursor=cursor)


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def set_role(db: Session, *, actor: User, user: User, data: UserRoleUpdate) -> User:
    if not permissions.can_grant_role(actor, data.role):
        raise PermissionDenied()
    # Demoting an admin is an admin's call too.
    if user.role == Role.admin and not permissions.can_grant_role(actor, Role.admin):
        raise PermissionDenied()
    if user.id == actor.id and (data.role != actor.role or not data.is_active):
        raise Conflict(N_("You cannot change your own role or deactivate yourself."))
    caucus_ids = _check_caucuses(db, data.role, data.caucus_ids)
    before = user.role
    user.role = data.role
    user.is_active = data.is_active
    if not data.is_active:
        assert user.id is not None
        end_sessions(db, user.id)
    _set_caucuses(db, user, caucus_ids)
    audit.record(
        db,
        actor=actor,
        action="user.role" if data.is_active else "user.deactivate",
        object_type="user",
        object_id=user.id,
        before=str(before),
        after=str(data.role),
    )
    db.commit()
    return user


def invite(db: Session, *, actor: User, data: InvitationCreate, url: Url) -> tuple[Invitation, str]:
    """E-mails the invitation (in `data.locale`) and returns it with its one-time token, whose
    link is also shown once to the inviter."""
    if not permissions.can_grant_role(actor, data.role):
        raise PermissionDenied()
    if find_by_email(db, data.email):
        raise Conflict(TAKEN)
    caucus_ids = _check_caucuses(db, data.role, data.caucus_ids)
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        email=normalise_email(data.email),
        role=data.role,
        caucus_ids=",".join(map(str, caucus_ids)),
        token_hash=token_digest(token),
        invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.add(invitation)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="user.invite",
        object_type="invitation",
        object_id=invitation.id,
        after=str(data.role),
    )
    outbox.enqueue(
        db,
        to=invitation.email,
        locale=data.locale or actor.locale,
        template="invitation",
        context={
            "inviter": actor.display_name,
            "role_label": ROLE_LABELS[data.role],
            "link": url(f"/invitations/{token}"),
            "expires_at": invitation.expires_at,
        },
    )
    db.commit()
    return invitation, token


def list_invitations(db: Session) -> Sequence[Invitation]:
    return db.execute(select(Invitation).order_by(col(Invitation.id).desc())).scalars().all()


ALREADY_ACCEPTED = N_("This invitation has already been accepted. Log in instead.")


def find_invitation(db: Session, token: str) -> Invitation:
    invitation = db.execute(
        select(Invitation).where(col(Invitation.token_hash) == token_digest(token))
    ).scalar_one_or_none()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        raise NotFound(N_("This invitation link is not valid or has expired."))
    return invitation


def accept_invitation(db: Session, *, token: str, data: InvitationAccept, url: Url) -> User:
    """Creates the account the invitation is for. Of two people accepting the same invitation
    at once, one gets the account and the other a clear message, never a server error."""
    from app.services import accountmail

    invitation = find_invitation(db, token)
    account = NewAccount(
        email=invitation.email,
        display_name=data.display_name,
        password=data.password,
        locale=data.locale,
    )
    user = _new_user(db, account, invitation.role, consented=True)
    # Compare-and-set: on PostgreSQL the second of two simultaneous accepts waits here for the
    # first to commit, then finds the invitation taken; on SQLite writes are one at a time.
    taken = db.execute(
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.accepted_at).is_(None))
        .values(accepted_at=utcnow())
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        raise Conflict(ALREADY_ACCEPTED)
    ids = [int(x) for x in invitation.caucus_ids.split(",") if x]
    # A caucus may have been deleted since the invitation was made.
    existing = set(db.execute(select(col(Caucus.id)).where(col(Caucus.id).in_(ids))).scalars())
    _set_caucuses(db, user, [cid for cid in ids if cid in existing])
    accountmail.send_confirmation(db, user=user, url=url)
    audit.record(
        db,
        actor=user,
        action="user.accept",
        object_type="invitation",
        object_id=invitation.id,
    )
    db.commit()
    return user


# -- sessions --------------------------------------------------------------------------------


def session_cutoff() -> datetime:
    """Sessions started before this have expired."""
    return utcnow() - timedelta(seconds=get_settings().session_max_age_s)


def start_session(db: Session, user: User) -> str:
    """A new server-side session for this user; returns the token the cookie carries."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    write_again(db)  # after the login's own commit, this session reads on the read bind
    db.execute(
        delete(LoginSession).where(
            col(LoginSession.user_id) == user.id, col(LoginSession.created_at) < session_cutoff()
        )
    )
    db.add(LoginSession(user_id=user.id, token_hash=token_digest(token)))
    db.commit()
    return token


def session_user(db: Session, token: str) -> User | None:
    """The active user whose session this token is, if it has not ended or expired."""
    return db.execute(
        select(User)
        .join(LoginSession, col(LoginSession.user_id) == col(User.id))
        .where(
            col(LoginSession.token_hash) == token_digest(token),
            col(LoginSession.created_at) >= session_cutoff(),
            col(User.is_active),
        )
    ).scalar_one_or_none()


def end_session(db: Session, token: str | None) -> None:
    if token:
        # On the connection, so that a logout does not invalidate the page cache (a session row
        # is nothing a page shows; web/pagecache.py watches ORM statements).
        ended = delete(LoginSession).where(col(LoginSession.token_hash) == token_digest(token))
        db.connection().execute(ended)
        db.commit()


def end_sessions(db: Session, user_id: int) -> None:
    """Ends every session of the user, on every instance (the caller commits)."""
    db.execute(delete(LoginSession).where(col(LoginSession.user_id) == user_id))


def change_password(db: Session, *, user: User, data: PasswordChange, ip: str) -> str:
    """Checks the current password (throttled as a login is), stores the new one and ends every
    session of the user; returns a fresh session for the browser that asked."""
    stored = db.get(User, user.id)
    if stored is None:
        raise NotFound()
    password_hash = stored.password_hash
    try:
        pair_key = _count_login_try(db, email=stored.email, ip=ip)
    finally:
        db.commit()  # the slow hashes below hold no transaction (on SQLite, the write lock)
    if not verify_password(data.current_password, password_hash):
        raise InvalidInput({"current_password": [N_("Your current password is not correct.")]})
    problem = accountrules.password_problem(
        data.new_password, email=stored.email, name=stored.display_name
    )
    if problem:
        raise InvalidInput({"new_password": [problem]})
    new_hash = hash_password(data.new_password)
    write_again(db)
    _login_succeeded(db, pair_key=pair_key, ip=ip)
    stored = db.get(User, user.id)
    if stored is None:
        raise NotFound()
    stored.password_hash = new_hash
    assert stored.id is not None
    end_sessions(db, stored.id)
    audit.record(db, actor=stored, action="user.password", object_type="user", object_id=stored.id)
    return start_session(db, stored)


def update_profile(db: Session, *, user: User, data: ProfileUpdate) -> User:
    """The account's display name and language (staff-like names stay reserved for staff)."""
    stored = db.get(User, user.id)
    if stored is None:
        raise NotFound()
    name = data.display_name.strip()
    if stored.role not in STAFF_ROLES and accountrules.name_is_reserved(name):
        raise InvalidInput({"display_name": [accountrules.RESERVED]})
    stored.display_name = name
    stored.locale = data.locale
    db.commit()
    return stored
