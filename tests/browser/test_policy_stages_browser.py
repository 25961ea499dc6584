"""Stages and snapshots in the real browser: the secretariat moves a document into caucus review
by keyboard only, is refused on leaving it while the caucuses have not signed off (the
refusal lists the sections and caucuses as links), and, with the sign-off in place, moves it on
with JavaScript off; axe finds nothing on the stage panel, the stages page, the snapshot list,
a snapshot and its diff in es, pt and en; and a 390 px phone shows the snapshot page whole.

The document is the test's own (not the demo paper, which other tests read)."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session
from app.demo import DEMO_ADMIN_EMAIL
from app.i18n import LOCALES
from app.models.forums import Forum
from app.models.policy import DocumentCreate, SectionCreate
from app.models.policy_reviews import SectionReview
from app.models.users import User
from app.services import policy
from app.services.policy import reviews, stages
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("TOWNHALL_STAGE_SHOTS", "/tmp"))  # noqa: S108 - looked at by hand


def _paper(demo_database: str, title: str) -> int:
    """A two-section paper of the demo forum, in drafting, opened by the demo administrator."""
    engine = make_engine(demo_database)
    try:
        with open_session(engine, write=True) as db:
            admin = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            forum = db.execute(select(Forum)).scalars().first()
            assert forum is not None
            document = policy.create_document(
                db,
                actor=admin,
                data=DocumentCreate.model_validate(
                    {"forum_id": forum.id, "title": {"en": title}, "language": "en"}
                ),
            )
            db.commit()
            for heading, body in (
                ("Care as a right", "Care is a right of every person.\n\nCities fund care."),
                ("Workers", "Care workers have decent work."),
            ):
                db.rollback()
                policy.create_section(
                    db, actor=admin, document=document, data=SectionCreate(title=heading, body=body)
                )
            return int(document.id or 0)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def paper_id(demo_database: str) -> int:
    return _paper(demo_database, "Stages paper")


@pytest.fixture(scope="module")
def published_id(demo_database: str) -> int:
    """Another paper, moved into caucus review, signed off, then to the Policy Council, with
    an edit between: snapshots 1 (not public) and 2 (public) differ."""
    document_id = _paper(demo_database, "Published stages paper")
    engine = make_engine(demo_database)
    try:
        with open_session(engine, write=True) as db:
            admin = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            document = policy.get_document(db, document_id)
            stages.transition(db, document=document, actor=admin, action="advance")
            db.rollback()
            section = policy.tree(db, document_id)[0].section
            policy.save_section(
                db,
                actor=admin,
                section=section,
                base_version=section.version,
                body="Care is a right of every person, at every age.\n\nCities fund care.",
            )
    finally:
        engine.dispose()
    _sign_off(demo_database, document_id)
    engine = make_engine(demo_database)
    try:
        with open_session(engine, write=True) as db:
            admin = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            document = policy.get_document(db, document_id)
            stages.transition(db, document=document, actor=admin, action="advance")
    finally:
        engine.dispose()
    return document_id


def _sign_off(demo_database: str, document_id: int) -> None:
    """Every required caucus endorses every section's current revision (the review form is
    another part's test)."""
    engine = make_engine(demo_database)
    try:
        with open_session(engine, write=True) as db:
            caucus_ids = reviews.required_caucus_ids(db, document_id)
            for numbered in policy.tree(db, document_id):
                section = numbered.section
                for caucus_id in caucus_ids:
                    found = db.execute(
                        select(SectionReview).where(
                            col(SectionReview.section_id) == section.id,
                            col(SectionReview.caucus_id) == caucus_id,
                        )
                    ).scalar_one_or_none()
                    review = found or SectionReview(
                        document_id=document_id,
                        section_id=section.id or 0,
                        caucus_id=caucus_id,
                        status="endorse",
                    )
                    review.status, review.revision = "endorse", section.version
                    db.add(review)
            db.commit()
    finally:
        engine.dispose()


@pytest.fixture
def staff_page(admin_context: BrowserContext) -> Iterator[Page]:
    page = admin_context.new_page()
    yield page
    page.close()


def _tab_to(page: Page, selector: str, limit: int = 300) -> None:
    """Presses Tab until the element has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{selector} never took the focus by keyboard")


def test_moves_by_keyboard_refusal_and_without_javascript(
    staff_page: Page,
    live_server: str,
    paper_id: int,
    demo_database: str,
    new_context: Callable[..., BrowserContext],
    log_in_as_admin: Callable[[Page], None],
) -> None:
    base = f"{live_server}/documents/{paper_id}"
    page = staff_page
    page.goto(f"{base}?lang=en")
    current = page.locator("#stage li[aria-current=step]")
    expect(current).to_contain_text("Current stage")
    expect(current).to_contain_text("Drafting")
    _tab_to(page, "#f-stage-reason")
    page.keyboard.type("Ready for the caucuses.")
    _tab_to(page, "#stage button[value=advance]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}#stage")
    expect(page.locator("#stage li[aria-current=step]")).to_contain_text("Caucus review")
    expect(page.locator(".flash, [role=status]").first).to_contain_text("version 1")
    # Leaving caucus review without the caucuses' sign-off: refused, with the blockers.
    page.locator("#f-stage-reason").fill("Onwards")
    page.locator("#stage button[value=advance]").click()
    expect(page.locator("h1")).to_have_text("The document was not moved")
    blockers = page.locator("#stage-blockers li")
    expect(blockers.first).to_be_visible()
    assert blockers.count() == 2 * 3  # two sections, three required caucuses
    section_link, caucus_link = blockers.first.locator("a").all()
    href = section_link.get_attribute("href") or ""
    assert href.startswith(f"/documents/{paper_id}#s-"), href
    assert "/reviews/" in (caucus_link.get_attribute("href") or "")
    expect(blockers.first).to_contain_text("no review yet")
    expect(page.locator("#f-stage-reason")).to_have_value("Onwards")
    assert_accessible(page)
    # Signed off, the next move is made with JavaScript off: a plain form post.
    _sign_off(demo_database, paper_id)
    plain = new_context(java_script_enabled=False).new_page()
    log_in_as_admin(plain)
    plain.goto(f"{base}?lang=en")
    plain.locator("#f-stage-reason").fill("Signed off by every caucus.")
    plain.locator("#stage button[value=advance]").click()
    plain.wait_for_url(f"{base}#stage")
    expect(plain.locator("#stage li[aria-current=step]")).to_contain_text("Policy Council")
    plain.goto(f"{base}/v/2?lang=en")
    expect(plain.locator(".policy-snapshot-banner")).to_contain_text("Signed off by every caucus.")


@pytest.mark.parametrize("locale", LOCALES)
def test_stage_pages_are_accessible(
    staff_page: Page,
    visitor_context: BrowserContext,
    live_server: str,
    published_id: int,
    locale: str,
) -> None:
    base = f"{live_server}/documents/{published_id}"
    page = staff_page
    for path in ("", "/stages", "/v", "/v/1", "/v/2", "/v/2/diff"):
        page.goto(f"{base}{path}?lang={locale}")
        assert page.locator("html").get_attribute("lang") == locale
        assert_accessible(page)
    expect(page.locator(".diff-changed ins").first).to_contain_text("at every age")
    # The public's view: the latest public snapshot at the document's address, and its list.
    visitor = visitor_context.new_page()
    try:
        for path in ("", "/v", "/v/2"):
            visitor.goto(f"{base}{path}?lang={locale}")
            assert visitor.locator("html").get_attribute("lang") == locale
            expect(visitor.locator("main")).not_to_contain_text("Caucus review")
            assert_accessible(visitor)
        assert visitor.goto(f"{base}/v/1?lang={locale}").status == 404  # type: ignore[union-attr]
    finally:
        visitor.close()


def test_the_snapshot_page_on_a_phone(
    new_context: Callable[..., BrowserContext], live_server: str, published_id: int
) -> None:
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{live_server}/documents/{published_id}/v/2?lang=es")
    expect(page.locator(".policy-snapshot-banner")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "policy-snapshot-390.png"), full_page=True)
