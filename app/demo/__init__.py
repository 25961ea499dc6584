"""Demo data drawn from the seed documents: the WFCTP "Caring Cities" dialogue (Montevideo 2025)
and the UCLG "Caring Systems" Town Hall process (2022), plus a SYNTHETIC care map.

One module per domain; every record goes through its domain's services, created by the demo
administrator (or, for proposals, endorsements and remarks, by the demo participant concerned),
so the demo passes the same validation as anything a person enters. Loading is idempotent: each
record is found by its natural key (a title, a name, a code, an idempotency key) before it is
created, and a second load changes nothing.

Facts (names, roles, organisations, dates, places, themes) come from the sources; the wording is
ours. Where a source gives no time of day (the 2022 Town Halls) or no date (the three other Town
Halls), the demo uses an illustrative one and says so in the session text.
"""

from sqlmodel import Session

from app.demo import (
    caremap,
    caucuses,
    contributions,
    forums,
    minutes,
    policy,
    policy_review,
    sessions,
    speakers,
    users,
)
from app.demo.forums import UCLG_TITLE, WFCTP_TITLE
from app.demo.users import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
from app.services import forums as forum_service

__all__ = ["DEMO_ADMIN_EMAIL", "DEMO_ADMIN_PASSWORD", "UCLG_TITLE", "WFCTP_TITLE", "load"]


def load(db: Session) -> dict[str, int]:
    """Loads everything that is missing; returns how many forums exist afterwards."""
    admin = users.admin(db)
    people = speakers.load(db, actor=admin)
    caucuses.load(db, actor=admin, speakers=people)
    both = forums.load(db, actor=admin)
    sessions.load(db, actor=admin, wfctp=both.wfctp, uclg=both.uclg, speakers=people)
    contributions.load(db, actor=admin, wfctp=both.wfctp, uclg=both.uclg)
    minutes.load(db, actor=admin, wfctp=both.wfctp, uclg=both.uclg, speakers=people)
    paper = policy.load(db, actor=admin, forum=both.uclg)
    policy_review.load(db, actor=admin, forum=both.uclg, document=paper)
    caremap.load(db, actor=admin)
    return {"forums": len(forum_service.all_forums_with_counts(db))}
