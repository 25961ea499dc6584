"""The privacy notice and the consent given to it (GDPR art. 7, LGPD art. 8): which version of
the notice a person agreed to, and when, is stored with their account or, for a proposal sent
without an account, with the proposal."""

from email.utils import parseaddr
from typing import Any

from app.config import get_settings
from app.models.types import utcnow

# The notice's version, shown on /privacy and stored with every consent. Change it (to the day
# the new text takes effect) whenever the notice changes in substance, so that each stored
# consent names the text the person actually read.
PRIVACY_NOTICE_VERSION = "2026-12-01"


def consent_columns(given: bool) -> dict[str, Any]:
    """The consent columns of a user or a contribution: this version of the notice and the
    time now when the person has just agreed to it, else empty (None)."""
    return {
        "privacy_notice_version": PRIVACY_NOTICE_VERSION if given else None,
        "privacy_consent_at": utcnow() if given else None,
    }


def contact_address() -> str | None:
    """The address the site's e-mails come from, as the notice's contact, unless it is the
    unconfigured default of a local install (an address no one reads)."""
    address = parseaddr(get_settings().smtp_from)[1]
    domain = address.rpartition("@")[2].lower()
    if not address or domain in ("", "localhost", "localhost.localdomain") or "." not in domain:
        return None
    return address
