"""Comments on a paragraph in the real browser: the thread page, and the same page showing a
refused comment, have no axe violation in es, pt and en; a person replies to Ana's comment with
the keyboard alone and focus lands on the reply they posted; without JavaScript the forms work."""

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session, write_again
from app.demo import DEMO_ADMIN_EMAIL
from app.i18n import LOCALES
from app.models.forums import Forum
from app.models.policy import DocumentCreate, SectionCreate
from app.models.policy_comments import CommentCreate
from app.models.users import Role, User
from app.services import policy
from app.services.policy import comments
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_keyboard import focused_description, is_focused, tab_to

pytestmark = pytest.mark.browser


@pytest.fixture
def thread(demo_database: str) -> dict[str, Any]:
    """A fresh document with one section; Ana's comment on its first paragraph, with a reply
    by the demo administrator, and a resolved thread on the same paragraph."""
    engine = make_engine(demo_database)
    tag = uuid.uuid4().hex[:6]
    try:
        with open_session(engine, write=True) as db:
            admin = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            forum = db.execute(select(Forum).order_by(col(Forum.id))).scalars().first()
            assert forum is not None
            ana = User(
                email=f"ana-{tag}@example.org", display_name=f"Ana {tag}", role=Role.participant
            )
            db.add(ana)
            db.commit()
            ana_id = ana.id
            document = policy.create_document(
                db,
                actor=admin,
                data=DocumentCreate.model_validate(
                    {"forum_id": forum.id, "title": {"en": f"Paper {tag}"}, "language": "en"}
                ),
            )
            db.rollback()
            write_again(db)
            section = policy.create_section(
                db,
                actor=admin,
                document=document,
                data=SectionCreate(
                    title="Care as a right",
                    body="Care is a right of every person.\n\nPublic authorities fund care.",
                ),
            )
            db.rollback()
            write_again(db)
            first = policy.current_paragraphs(db, section.id or 0)[0]
            place = comments.get_place(db, first.id or 0)
            author = db.get(User, ana_id)
            assert author is not None
            top = comments.post(
                db, actor=author, place=place, data=CommentCreate(body="Say who pays.")
            )
            top_id = top.id
            db.rollback()
            write_again(db)
            comments.post(
                db,
                actor=admin,
                place=place,
                data=CommentCreate(body="The state, mostly.", parent_id=top_id),
            )
            db.rollback()
            write_again(db)
            old = comments.post(
                db, actor=admin, place=place, data=CommentCreate(body="Fixed the typo.")
            )
            db.rollback()
            write_again(db)
            comments.resolve(db, actor=admin, thread=old, resolved=True)
            return {"paragraph_id": first.id, "ana": f"Ana {tag}", "top_id": top_id}
    finally:
        engine.dispose()


@pytest.fixture
def staff_page(admin_context: BrowserContext) -> Iterator[Page]:
    page = admin_context.new_page()
    yield page
    page.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_thread_page_is_accessible(
    staff_page: Page, live_server: str, thread: dict[str, Any], locale: str
) -> None:
    url = f"{live_server}/paragraphs/{thread['paragraph_id']}/comments?lang={locale}"
    staff_page.goto(url)
    assert staff_page.locator("html").get_attribute("lang") == locale
    expect(staff_page.locator("details.comment-resolved")).to_be_visible()
    assert_accessible(staff_page)
    # An empty comment, sent past the browser's own check: the page says what is wrong.
    staff_page.locator("#f-n-body").evaluate("element => element.removeAttribute('required')")
    staff_page.locator("#new-comment button[type=submit]").click()
    expect(staff_page.locator(".error-summary")).to_be_visible()
    assert_accessible(staff_page)


def test_a_reply_by_keyboard_only(
    staff_page: Page, live_server: str, thread: dict[str, Any]
) -> None:
    page = staff_page
    page.goto(f"{live_server}/paragraphs/{thread['paragraph_id']}/comments?lang=en")
    heading = page.get_by_role("heading", name=re.compile(thread["ana"]))
    expect(heading).to_be_visible()
    reply = page.get_by_role("textbox", name=f"Reply to {thread['ana']}'s comment")
    tab_to(page, reply)
    page.keyboard.type("Cities pay too.")
    post = page.locator(f"#reply-{thread['top_id']} button[type=submit]")
    tab_to(page, post)
    assert post.inner_text() == "Post the reply"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#c-\d+$"))
    new_id = page.url.rsplit("#c-", 1)[1]
    posted = page.locator(f"#c-{new_id}")
    expect(posted).to_contain_text("Cities pay too.")
    assert is_focused(posted), f"focus is on {focused_description(page)}"
    # The new reply sits in the thread's nested list, under Ana's comment.
    expect(page.locator(f"#t-{thread['top_id']} ul.comment-replies #c-{new_id}")).to_be_visible()


def test_commenting_works_without_javascript(
    browser: Browser,
    live_server: str,
    log_in_as_admin: Callable[[Page], Any],
    thread: dict[str, Any],
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in_as_admin(page)
        page.goto(f"{live_server}/paragraphs/{thread['paragraph_id']}/comments?lang=en")
        page.get_by_label("Your comment on this paragraph").fill("Without scripts.")
        page.get_by_role("button", name="Post the comment").click()
        page.wait_for_url(re.compile(r"#c-\d+$"))
        expect(page.get_by_text("Without scripts.")).to_be_visible()
        resolve = page.get_by_role(
            "button", name=re.compile(f"Resolve the thread started by {thread['ana']}")
        )
        resolve.click()
        expect(page.locator("details.comment-resolved summary")).to_contain_text("2 resolved")
    finally:
        context.close()
