"""Paragraph sources and the listening report in the real browser: an editor links a
contribution to a paragraph with the keyboard alone; the listening report and a contribution's
"where it went" have no axe violation in es, pt and en; and a 390 px phone screenshot of the
report, saved for a person to look at (/tmp/listening-report-390.png)."""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session, write_again
from app.demo import DEMO_ADMIN_EMAIL
from app.i18n import LOCALES
from app.lib.markup import plain_text
from app.models.contributions import Contribution
from app.models.forums import Forum
from app.models.policy import DocumentCreate, SectionCreate
from app.models.policy_sources import Outcome, SourceIn
from app.models.users import User
from app.services import policy
from app.services.policy import amendments, sources
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_keyboard import focused_description, is_focused, tab_to

pytestmark = pytest.mark.browser
SCREENSHOT = "/tmp/listening-report-390.png"  # noqa: S108 - for a person to look at


@pytest.fixture
def paper(demo_database: str) -> dict[str, Any]:
    """A fresh document in the demo's first forum, two new published proposals there, and the
    second paragraph fed by one of them (not taken up, with its reason)."""
    engine = make_engine(demo_database)
    tag = uuid.uuid4().hex[:6]
    try:
        with open_session(engine, write=True) as db:
            admin = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            forum = db.execute(select(Forum).order_by(col(Forum.id))).scalars().first()
            assert forum is not None
            made = []
            for title in (f"Care cooperatives {tag}", f"Night buses for carers {tag}"):
                body = "Cities fund care cooperatives run by care workers themselves."
                contribution = Contribution(
                    forum_id=forum.id or 0,
                    kind="proposal",
                    channel="web",
                    status="published",
                    title=title,
                    body=body,
                    excerpt=plain_text(body, limit=280),
                    language="en",
                    author_name="Rosa",
                    organisation_type="grassroots",
                )
                db.add(contribution)
                db.commit()
                made.append(contribution.id or 0)
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
                    body="Care is a right of every person.\n\nPublic transport serves carers.",
                ),
            )
            db.rollback()
            write_again(db)
            first, second = policy.current_paragraphs(db, section.id or 0)
            sources.link(
                db,
                place=amendments.paragraph_place(db, second.id or 0),
                actor=admin,
                data=SourceIn(
                    target_kind="contribution",
                    target_id=made[1],
                    outcome=Outcome.not_taken_up,
                    reason="The city's transport plan answers it.",
                ),
            )
            return {
                "document_id": document.id,
                "paragraph_id": first.id,
                "contribution_id": made[0],
                "fed_id": made[1],
                "title": f"Care cooperatives {tag}",
            }
    finally:
        engine.dispose()


@pytest.fixture
def staff_page(admin_context: BrowserContext) -> Iterator[Page]:
    page = admin_context.new_page()
    yield page
    page.close()


def test_an_editor_links_a_source_by_keyboard_only(
    staff_page: Page, live_server: str, paper: dict[str, Any]
) -> None:
    page = staff_page
    page.goto(f"{live_server}/paragraphs/{paper['paragraph_id']}/sources?lang=en")
    expect(page.get_by_role("heading", name="Link a source")).to_be_visible()
    source = page.get_by_label("Source", exact=True)
    tab_to(page, source)
    # A closed select takes arrow keys: step down the options until the proposal is chosen.
    wanted = f"contribution:{paper['contribution_id']}"
    for _ in range(400):
        if source.input_value() == wanted:
            break
        page.keyboard.press("ArrowDown")
    assert source.input_value() == wanted
    first_outcome = page.get_by_role("radio", name="Incorporated", exact=True)
    tab_to(page, first_outcome)
    page.keyboard.press("ArrowDown")  # to "Partly incorporated", which it checks
    partly = page.get_by_role("radio", name="Partly incorporated")
    assert is_focused(partly), f"focus is on {focused_description(page)}"
    expect(partly).to_be_checked()
    reason = page.get_by_role("textbox", name="Reason")
    tab_to(page, reason)
    page.keyboard.type("Its first half is in the text.")
    submit = page.get_by_role("button", name="Link the source")
    tab_to(page, submit)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/paragraphs/{paper['paragraph_id']}/sources"))
    item = page.locator(f"#source-contribution-{paper['contribution_id']}")
    expect(item).to_contain_text(paper["title"])
    expect(item).to_contain_text("Partly incorporated")
    expect(item).to_contain_text("Its first half is in the text.")
    expect(page.get_by_role("button", name=f"Unlink “{paper['title']}”")).to_be_visible()


def test_not_taken_up_without_a_reason_is_refused_and_keeps_the_choice(
    staff_page: Page, live_server: str, paper: dict[str, Any]
) -> None:
    page = staff_page
    page.goto(f"{live_server}/paragraphs/{paper['paragraph_id']}/sources?lang=es")
    page.locator("#f-target").select_option(f"contribution:{paper['contribution_id']}")
    page.locator("#f-outcome-not_taken_up").check()
    page.locator("#link button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Diga por qué no se recogió")
    assert page.locator("#f-target").input_value() == f"contribution:{paper['contribution_id']}"
    expect(page.locator("#f-outcome-not_taken_up")).to_be_checked()
    assert_accessible(page)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_listening_report_is_accessible(
    staff_page: Page, live_server: str, paper: dict[str, Any], locale: str
) -> None:
    staff_page.goto(
        f"{live_server}/documents/{paper['document_id']}/listening-report?lang={locale}"
    )
    assert staff_page.locator("html").get_attribute("lang") == locale
    expect(staff_page.locator("svg.chart").first).to_be_visible()
    assert staff_page.locator("table caption").count() == 6
    assert_accessible(staff_page)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_contributions_page_says_where_it_went(
    staff_page: Page, live_server: str, paper: dict[str, Any], locale: str
) -> None:
    staff_page.goto(f"{live_server}/contributions/{paper['fed_id']}?lang={locale}")
    fed = staff_page.locator("ul.uptake li")
    expect(fed).to_have_count(1)
    expect(fed.locator("a").first).to_have_attribute(
        "href", re.compile(rf"/documents/{paper['document_id']}#p-\d+$")
    )
    expect(fed).to_contain_text("The city's transport plan answers it.")
    assert_accessible(staff_page)


def test_the_listening_report_on_a_phone(
    new_context: Any, live_server: str, paper: dict[str, Any], admin_context: BrowserContext
) -> None:
    phone = new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        storage_state=admin_context.storage_state(),
    )
    page = phone.new_page()
    page.goto(f"{live_server}/documents/{paper['document_id']}/listening-report?lang=es")
    expect(page.get_by_role("heading", name="Informe de escucha", level=1)).to_be_visible()
    # Nothing wider than the screen: the tables stack their rows, the charts scale.
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= 390, f"the page is {overflow}px wide on a 390px screen"
    # The first breakdown's table unfolded, to see its rows stacked.
    page.locator("section.chart details summary").first.click()
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= 390, f"the open table is {overflow}px wide on a 390px screen"
    page.screenshot(path=SCREENSHOT, full_page=True)
