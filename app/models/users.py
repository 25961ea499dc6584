"""Accounts, roles and invitations."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import EmailStr, field_validator
from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.types import DbId, Input, LocaleCode, UTCDateTime, utcnow


class Role(StrEnum):
    participant = "participant"
    caucus_rep = "caucus_rep"
    secretariat = "secretariat"
    admin = "admin"


STAFF_ROLES = frozenset({Role.secretariat, Role.admin})
ROLE_LABELS = {
    Role.participant: N_("Participant"),
    Role.caucus_rep: N_("Caucus representative"),
    Role.secretariat: N_("Secretariat"),
    Role.admin: N_("Administrator"),
}
# Stored as the name of every deleted account (services/erasure.py); pages translate it as they
# print it (templating: _person_name), so the row holds no one's name in any language.
DELETED_NAME = N_("Deleted participant")


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased so that lookups and the unique index agree.
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False))
    display_name: str = Field(max_length=120)
    password_hash: str | None = Field(default=None, max_length=255)
    role: Role = Field(default=Role.participant, sa_column=Column(String(20), nullable=False))
    is_active: bool = True
    locale: str | None = Field(default=None, max_length=5)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the owner followed the link of a confirmation e-mail sent to `email`.
    email_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The privacy notice the person agreed to when they registered or accepted an invitation
    # (services/privacy.py), and when; None for accounts made by the operator or the staff.
    privacy_consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    privacy_notice_version: str | None = Field(default=None, max_length=20)


class LoginSession(SQLModel, table=True):
    """A logged-in browser. The cookie carries a random token; only its hash is stored. Every
    request looks its row up, so deleting it (logout, password change, deactivation) ends the
    session on every instance at once."""

    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TokenPurpose(StrEnum):
    confirm_email = "confirm_email"
    reset_password = "reset_password"  # noqa: S105 — a purpose, not a password


class AccountToken(SQLModel, table=True):
    """A single-use, expiring link sent by e-mail (services/tokens.py). Only a hash of the token
    is stored; `email` is the address it was sent to, so a link confirms that address only."""

    __tablename__ = "account_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    purpose: TokenPurpose = Field(sa_column=Column(String(20), nullable=False))
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed logins of one account from one address, and how long that pair must wait before
    its next try (services/ratelimit.py `attempt`): the wait doubles with each failure past the
    free ones, and no other address's failures touch it."""

    __tablename__ = "login_throttle"
    key: str = Field(max_length=300, primary_key=True)
    failures: int = 0
    # Seconds since the epoch, as the counters of rate_counter.
    last_at: float = 0
    delay_s: int = 0
    locked_until: float = 0


class UserCaucusLink(SQLModel, table=True):
    """Which caucuses a caucus representative speaks for."""

    __tablename__ = "user_caucus"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    caucus_id: int = Field(foreign_key="caucus.id", primary_key=True, ondelete="CASCADE")


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    role: Role = Field(sa_column=Column(String(20), nullable=False))
    caucus_ids: str = Field(default="", max_length=200)
    # Only a hash is stored, so a database leak does not hand out live invitations.
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NewAccount(Input):
    """What every new account has, however it is made."""

    email: EmailStr = Field(max_length=254)
    display_name: str = Field(min_length=1, max_length=120, schema_extra={"pattern": r"\S"})
    password: str = Field(min_length=10, max_length=200)
    locale: LocaleCode | None = None


# Beside the box of every form that asks for the consent (and in the API's 422).
CONSENT_REQUIRED = N_(
    "To continue, tick the box to say that you have read the privacy notice and agree to it."
)


class PrivacyConsent(Input):
    """The explicit consent to the privacy notice that a person creating an account gives."""

    accept_privacy: Literal[True] = Field(
        description="That the person has read the privacy notice (/privacy) and agrees to it"
    )

    @field_validator("accept_privacy", mode="before")
    @classmethod
    def _accepted(cls, value: Any) -> Any:
        # The box must be ticked (`true`): anything else gets the sentence saying so, not
        # pydantic's "choose one of the options".
        if value is not True:
            raise ValueError(CONSENT_REQUIRED)
        return value


class UserRegister(PrivacyConsent, NewAccount):
    pass


class UserCreate(NewAccount):
    role: Role = Role.participant
    caucus_ids: list[DbId] = Field(default_factory=list)


class UserRoleUpdate(Input):
    role: Role
    caucus_ids: list[DbId] = Field(default_factory=list)
    is_active: bool = True


class UserPublic(SQLModel):
    id: int
    display_name: str
    role: Role


class UserStaffView(UserPublic):
    email: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    caucus_ids: list[DbId] = Field(default_factory=list)


class LoginForm(Input):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class InvitationCreate(Input):
    email: EmailStr = Field(max_length=254)
    role: Role = Role.participant
    # Stored joined by commas in a 200-character column: ten ids of up to ten digits fit.
    caucus_ids: list[DbId] = Field(default_factory=list, max_length=10)
    # The language of the invitation e-mail (default: the inviter's).
    locale: LocaleCode | None = None


class InvitationPublic(SQLModel):
    id: int
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    # Only present in the response that creates the invitation: the link is shown once.
    accept_url: str | None = None


class _InvitationFields(Input):
    display_name: str = Field(min_length=1, max_length=120, schema_extra={"pattern": r"\S"})
    password: str = Field(min_length=10, max_length=200)
    locale: LocaleCode | None = None


class InvitationAccept(PrivacyConsent, _InvitationFields):
    pass


class PasswordChange(Input):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class AccountDelete(Input):
    password: str = Field(min_length=1, max_length=200)
    # Also delete what they wrote (contributions, amendments, comments) instead of leaving it
    # attributed to "Deleted participant".
    remove_contributions: bool = False


class RegistrationReceived(SQLModel):
    """The answer to a registration, the same whether or not the address had an account."""

    email: str
    detail: str


class PasswordForgot(Input):
    # Validated, so that no e-mail is queued for an address no server would take.
    email: EmailStr = Field(max_length=254)


class PasswordReset(Input):
    new_password: str = Field(min_length=10, max_length=200)


class ProfileUpdate(Input):
    display_name: str = Field(min_length=1, max_length=120, schema_extra={"pattern": r"\S"})
    locale: LocaleCode | None = None
