"""The redesigned pages say where things stand and what to do, as a reader sees them: the
forum page's phases and sessions, the session page's status and actions first, the contribution
list's cards with an endorse form each, and the styleguide for the people who build pages."""

import re
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from app.models.forums import MilestoneCreate
from app.models.types import utcnow
from app.models.users import Role
from app.services import forums, live
from tests import factories


def _now_naive() -> datetime:
    return utcnow().replace(tzinfo=None)


def _add_step(db: Session, forum: Any, title: str, starts: date, ends: date | None = None) -> None:
    forums.add_milestone(
        db,
        actor=factories.staff(db),
        forum=forum,
        data=MilestoneCreate(title={"en": title}, starts_on=starts, ends_on=ends),
    )


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_forum_page_marks_the_current_phase(client: TestClient, db: Session) -> None:
    forum = factories.forum(db, timezone="UTC")
    today = datetime.now().date()
    _add_step(
        db, forum, "Listening sessions", today - timedelta(days=40), today - timedelta(days=10)
    )
    _add_step(db, forum, "Drafting", today - timedelta(days=9))
    _add_step(db, forum, "World Congress", today + timedelta(days=30))
    timeline = _section(client.get(f"/forums/{forum.id}").text, "timeline")
    steps = re.findall(r'<li class="is-(\w+)"( aria-current="step")?>', timeline)
    assert steps == [("done", ""), ("current", ' aria-current="step"'), ("next", "")]
    current = timeline[timeline.index('aria-current="step"') :]
    assert current.index("Current phase") < current.index("Drafting")
    assert "World Congress" in timeline[timeline.index("To come") :]


def test_forum_page_offers_what_can_be_done_now(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    staff = factories.staff(db)
    now = _now_naive()
    # Three hours after its start a 90-minute session has ended by the clock; its open live
    # window still makes it live (sessions overrun).
    on_air = factories.session(
        db, forum, title={"en": "On air"}, starts_at=now - timedelta(hours=3), timezone="UTC"
    )
    factories.session(db, forum, title={"en": "Next week"}, starts_at=now + timedelta(days=7))
    factories.session(db, forum, title={"en": "Last year"}, starts_at=now - timedelta(days=365))
    html = client.get(f"/forums/{forum.id}").text
    do_now = _section(html, "do-now")
    assert "What you can do now" in do_now
    assert f'href="/contributions/new?forum_id={forum.id}"' in do_now
    assert "/live" not in do_now, "no session is open for remarks: joining is not offered"

    live.set_open(db, actor=staff, session=on_air, open_=True)
    db.commit()
    html = client.get(f"/forums/{forum.id}").text
    do_now = _section(html, "do-now")
    assert f'href="/sessions/{on_air.id}/live"' in do_now
    assert "Join the live session: On air" in do_now
    sessions = _section(html, "sessions")
    order = [sessions.index(t) for t in ("Live now", "On air", "Upcoming", "Next week", "Past")]
    assert order == sorted(order), "live, then upcoming, then past sessions"
    assert "Last year" in sessions[sessions.index("Past sessions") :]


def test_forum_page_lists_the_caucuses(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    feminism = factories.caucus(db, "feminism")
    caucuses = _section(client.get(f"/forums/{forum.id}?lang=pt").text, "caucuses")
    assert f'href="/caucuses/{feminism.id}"' in caucuses
    assert f"/contributions?forum_id={forum.id}&amp;caucus_id={feminism.id}" in caucuses


def test_session_page_puts_status_and_actions_before_the_agenda(
    client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    now = _now_naive()
    soon = factories.session(db, forum, starts_at=now + timedelta(days=2))
    factories.segment(db, soon)
    html = client.get(f"/sessions/{soon.id}").text
    head = _section(html, "participate")
    assert '<span class="chip chip-upcoming">Upcoming</span>' in head
    assert f'href="/contributions/new?forum_id={forum.id}&amp;session_id={soon.id}"' in head
    assert f'href="/sessions/{soon.id}/live"' in head
    assert html.index('id="participate"') < html.index('id="agenda"')
    tabs = html[html.index('class="tabs"') : html.index("</nav>", html.index('class="tabs"'))]
    for anchor in re.findall(r'href="#([\w-]+)"', tabs):
        assert f'id="{anchor}"' in html, f"the tab #{anchor} points at nothing"
    assert 'href="#agenda"' in tabs
    assert 'href="#contributions"' in tabs

    ended = factories.session(db, forum, starts_at=now - timedelta(days=30))
    assert '<span class="chip chip-ended">Ended</span>' in client.get(f"/sessions/{ended.id}").text
    running = factories.session(
        db, forum, starts_at=now - timedelta(minutes=10), timezone="UTC", duration_minutes=90
    )
    assert "chip-live" in _section(
        client.get(f"/sessions/{running.id}?lang=es").text, "participate"
    )


def test_contribution_cards_can_be_endorsed_without_javascript(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, title="Care centres")
    anonymous = client.get(f"/contributions?forum_id={forum.id}").text
    assert f'action="/contributions/{item.id}/endorse"' not in anonymous
    assert "Log in to endorse" not in anonymous, "a visitor is not asked on every card"

    login_as(Role.participant)
    listing = client.get(f"/contributions?forum_id={forum.id}").text
    card = listing[listing.index(f'id="c{item.id}"') :]
    assert f'action="/contributions/{item.id}/endorse"' in card
    back = re.search(r'name="next" value="([^"]+)"', card)
    assert back is not None
    assert back.group(1) == f"/contributions?forum_id={forum.id}#c{item.id}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', card)
    assert token is not None
    sent = client.post(
        f"/contributions/{item.id}/endorse",
        data={"csrf_token": token.group(1), "endorse": "true", "next": back.group(1)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == back.group(1)
    again = client.get(back.group(1)).text
    assert "1 endorsement · including yours" in again[again.index(f'id="c{item.id}"') :]


def test_filter_drawer_opens_when_a_filter_is_set(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    closed = client.get("/contributions?lang=pt").text
    assert '<details class="filter-drawer">' in closed
    assert 'type="search"' in closed[: closed.index('<details class="filter-drawer"')]
    opened = client.get(f"/contributions?lang=pt&forum_id={forum.id}").text
    assert '<details class="filter-drawer" open>' in opened
    assert "1 ativo" in opened


def test_contribution_page_shows_the_text_before_its_details(
    client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, body="We propose **care centres** now.")
    html = client.get(f"/contributions/{item.id}").text
    assert html.index("care centres</strong>") < html.index('id="about-title"')
    assert html.index('id="endorse-') < html.index('id="about-title"')


def test_styleguide_is_for_staff(client: TestClient, login_as: Any) -> None:
    assert client.get("/styleguide", follow_redirects=False).status_code in (303, 401)
    login_as(Role.participant)
    assert client.get("/styleguide").status_code == 403
    login_as(Role.secretariat)
    page = client.get("/styleguide?lang=pt")
    assert page.status_code == 200
    for component in (
        "--accent",
        'class="chip chip-live"',
        'class="steps"',
        'aria-current="step"',
        'class="tabs"',
        'class="disclosure"',
        'class="stacked"',
        'class="field-error"',
        'class="do-now"',
    ):
        assert component in page.text, component


def test_styleguide_is_open_to_anyone_in_debug(settings: Settings, engine: Any) -> None:
    app = create_app(settings.model_copy(update={"debug": True}), engine)
    with TestClient(app) as anonymous:
        assert anonymous.get("/styleguide").status_code == 200
