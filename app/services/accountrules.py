"""What a new password and a display name must not be: a common password (the 30,000 most
frequent of the `zxcvbn` package's lists), one containing the person's name or e-mail address,
or a name that imitates the organisers' staff (reserved for staff accounts)."""

import re
import unicodedata
from functools import cache

from app.i18n import N_

COMMON = N_("This password is too common: choose one that is harder to guess.")
PERSONAL = N_("Choose a password that does not contain your name or e-mail address.")
RESERVED = N_("This name is reserved for the organisers' staff. Please choose another.")

# Stems of the staff's titles in the platform's languages, compared without accents or case:
# "Demo administrator", "Administração", "Secretaría", "Moderator", "Staff"…
RESERVED_STEMS = ("admin", "secretar", "moderat", "moderad", "staff", "townhall", "sysop", "root")


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _plain(text: str) -> str:
    """Lower case, accents and everything but letters and digits gone."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def password_problem(password: str, *, email: str, name: str) -> str | None:
    """A message id saying why the password is refused, or None."""
    lowered = password.casefold()
    plain = _plain(password)
    if lowered in _common() or plain in _common() or len(set(plain)) <= 2:
        return COMMON
    local = _plain(email.split("@", 1)[0])
    parts = [local, _plain(name), *(_plain(w) for w in re.split(r"[\s._-]+", name))]
    if any(len(p) >= 4 and p in plain for p in parts):
        return PERSONAL
    return None


def name_is_reserved(name: str) -> bool:
    plain = _plain(name)
    return any(stem in plain for stem in RESERVED_STEMS)
