"""Personal data reaches nobody who may not see it (issue 15, privacy): speakers' contact details,
participants' e-mail addresses and anonymous authors' addresses are planted as marker strings,
then every GET route of the app is requested as an anonymous reader, a participant and a caucus
representative — pages, exports, feeds, snapshots and the JSON API — with its path filled with
the ids of real records. No answer may hold a marker. (The secretariat sees contact details and
moderates anonymous proposals by design; it is not crawled here.)"""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app import demo
from app.models.contributions import Contribution
from app.models.speakers import Speaker
from app.models.users import Role, User
from tests import factories
from tests.conftest import make_user
from tests.test_db import _api_routes
from tests.web.test_fragments import _log_in

MARK = "zq7marker"
SPEAKER_EMAIL = f"speaker.{MARK}@example.org"
SPEAKER_PHONE = "+598 2 9157 7334"
PARTICIPANT_EMAIL = f"author.{MARK}@example.org"
ANONYMOUS_EMAIL = f"anon.{MARK}@example.org"
MARKERS = (MARK, SPEAKER_PHONE, "9157 7334")

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _ids(db: Session) -> dict[str, list[int]]:
    """Every id a path parameter can take, from the records there are (a few of each)."""
    from app.models import caremap, caucuses, forums, minutes, policy, speakers

    def first(model: Any, n: int = 3) -> list[int]:
        return list(db.exec(select(model.id).order_by(model.id).limit(n)))

    found = {
        "forum_id": first(forums.Forum),
        "session_id": first(forums.ForumSession, 4),
        "speaker_id": first(speakers.Speaker, 50),
        "caucus_id": first(caucuses.Caucus),
        "contribution_id": first(Contribution, 400),
        "document_id": first(policy.PolicyDocument),
        "section_id": first(policy.PolicySection, 6),
        "paragraph_id": first(policy.PolicyParagraph, 6),
        "minutes_id": first(minutes.Minutes),
        "run_id": first(caremap.CareRun),
        "territory_id": first(caremap.CareTerritory),
        "user_id": first(User, 50),
        "number": [1, 2],
    }
    return found


def _paths(app: Any, ids: dict[str, list[int]]) -> list[str]:
    out = []
    for route in _api_routes(list(app.routes)):
        # Health probes show no data (tests/test_health.py covers them).
        if "GET" not in route.methods or route.path in ("/healthz", "/readyz"):
            continue
        names = _PARAM.findall(route.path)
        if not names:
            out.append(route.path)
            continue
        if len(names) == 1:
            values = ids.get(names[0], [1, 2])
            out += [_PARAM.sub(str(v), route.path) for v in values]
        else:  # the first id of each, and each id of the last
            head = {n: (ids.get(n) or [1])[0] for n in names[:-1]}
            for v in ids.get(names[-1], [1, 2]):
                values = head | {names[-1]: v}
                out.append(_PARAM.sub(lambda m, values=values: str(values[m[1]]), route.path))
    return out


def test_no_personal_data_reaches_readers_who_may_not_see_it(
    app: Any, client: TestClient, db: Session, engine: Any
) -> None:
    demo.load(db)
    db.commit()
    forum = factories.forum(db)
    speaker = factories.speaker(db, name="Marker Speaker")
    db.execute(
        update(Speaker)
        .where(col(Speaker.id) == speaker.id)
        .values(email=SPEAKER_EMAIL, phone=SPEAKER_PHONE)
    )
    db.commit()
    author = make_user(engine, Role.participant, email=PARTICIPANT_EMAIL, display_name="Author")
    mine = factories.contribution(db, forum, title="A participant's proposal")
    db.execute(
        update(Contribution).where(col(Contribution.id) == mine.id).values(author_id=author.id)
    )
    factories.contribution(
        db, forum, title="An anonymous proposal", author_name="Anon", author_email=ANONYMOUS_EMAIL
    )
    db.commit()
    paths = _paths(app, _ids(db))
    db.commit()  # ends the read (a write session's holds SQLite's lock): make_user writes
    assert len(paths) > 150, len(paths)

    readers: list[User | None] = [
        None,
        make_user(engine, Role.participant),
        make_user(engine, Role.caucus_rep),
        author,  # may read their own address, and nobody else's
    ]
    leaks = []
    statuses: dict[int, int] = {}
    for reader in readers:
        client.cookies.clear()
        if reader is not None:
            _log_in(client, reader.email)
        for path in paths:
            answer = client.get(path)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            assert answer.status_code < 500, (path, answer.status_code)
            body = answer.text
            if reader is author:
                # The author may read their own address (their account, their data export).
                body = body.replace(PARTICIPANT_EMAIL, "")
            found = [m for m in MARKERS if m in body]
            if found:
                leaks.append((reader.role.value if reader else "anonymous", path, found))
    assert statuses.get(200, 0) > 300, statuses
    assert not leaks, leaks
    # The markers are there to be found: the secretariat reads the speaker's contact details,
    # and the crawl reached that speaker's page.
    assert f"/speakers/{speaker.id}" in paths
    _log_in(client, make_user(engine, Role.secretariat).email)
    assert SPEAKER_EMAIL in client.get(f"/speakers/{speaker.id}").text
