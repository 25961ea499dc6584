"""The minutes from start to finish, in Chromium, as a secretariat member new to Town Hall would
do them: a session's live remarks become a draft, the draft is completed and circulated, the
attending speaker (linked to the minutes by their e-mail address) proposes two corrections,
one is accepted and one rejected with a reason the speaker then reads, the minutes are
published and exported to a DOCX that opens in LibreOffice with the key points first and the
speakers in bold. The session is one of its own, added to the demo database."""

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session
from app.demo import DEMO_ADMIN_EMAIL
from app.models.contributions import ModerationAction, RemarkCreate
from app.models.forums import Forum, SegmentCreate, SessionCreate
from app.models.speakers import SpeakerCreate
from app.models.types import utcnow
from app.models.users import User, UserCreate
from app.services import live, moderation, sessions, speakers, users

pytestmark = pytest.mark.browser
PASSWORD = "walkthrough passphrase 42"


@pytest.fixture
def meeting(demo_database: str) -> dict[str, Any]:
    """A session held an hour ago: an opening by Ana, two remarks for the minutes; Ana has a
    confirmed account under the e-mail address of her speaker record."""
    engine = make_engine(demo_database)
    tag = uuid.uuid4().hex[:6]
    try:
        with open_session(engine, write=True) as db:
            actor = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            forum = db.execute(select(Forum).order_by(col(Forum.id))).scalars().first()
            assert forum is not None
            start = (utcnow() - timedelta(hours=1)).replace(second=0, microsecond=0)
            session = sessions.create_session(
                db,
                actor=actor,
                data=SessionCreate.model_validate(
                    {
                        "forum_id": forum.id,
                        "title": {"en": f"Walkthrough {tag}"},
                        "type": "workshop",
                        "format": "online",
                        "starts_at": start.replace(tzinfo=None),
                        "timezone": "UTC",
                        "duration_minutes": 60,
                        "online_url": "https://meet.example.org/w",
                        "languages": ["en"],
                    }
                ),
            )
            email = f"ana-{tag}@example.org"
            ana = speakers.create_speaker(
                db,
                actor=actor,
                data=SpeakerCreate.model_validate({"name": f"Ana {tag}", "email": email}),
            )
            sessions.add_segment(
                db,
                actor=actor,
                session=session,
                data=SegmentCreate.model_validate(
                    {
                        "title": {"en": "Opening"},
                        "planned_minutes": 60,
                        "speakers": [{"speaker_id": ana.id, "role": "panelist"}],
                    }
                ),
            )
            account = users.create_user(
                db,
                actor=actor,
                data=UserCreate(email=email, display_name=f"Ana {tag}", password=PASSWORD),
            )
            # Confirmed as by the e-mailed link: only then does the draft link her.
            account.email_confirmed_at = utcnow()
            db.add(account)
            db.commit()
            live.set_open(db, actor=actor, session=session, open_=True)
            for body in ("Care is work, and it must be paid", "See the UN Women brief"):
                posted = live.post_remark(
                    db,
                    actor=actor,
                    session=session,
                    data=RemarkCreate.model_validate({"body": body}),
                    ip="127.0.0.1",
                    locale="en",
                ).contribution
                moderation.moderate(
                    db, actor=actor, contribution=posted, action=ModerationAction.for_minutes
                )
            return {"id": session.id, "ana": f"Ana {tag}", "email": email}
    finally:
        engine.dispose()


def _log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _submit(page: Page, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def test_a_session_becomes_published_minutes_and_a_docx(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    log_in_as_admin: Callable[[Page], None],
    meeting: dict[str, Any],
    tmp_path: Path,
) -> None:
    staff = new_context(accept_downloads=True).new_page()
    log_in_as_admin(staff)
    sid, ana = meeting["id"], meeting["ana"]

    # The draft, from what the platform knows.
    staff.goto(f"{live_server}/sessions/{sid}/minutes")
    _submit(staff, staff.get_by_role("button", name="Start the minutes"))
    editor = staff.url.split("?")[0].split("#")[0]
    mid = editor.rstrip("/").split("/")[-2]
    expect(staff.locator("textarea[name=text]", has_text="See the UN Women brief")).to_have_count(1)
    expect(staff.locator("input[name=speaker_name][value='" + ana + "']")).to_have_count(1)

    # Completing it: the speaker's points, a key point under a heading of our own.
    turn = staff.locator("form[action*='/items/turn/']").first
    turn.locator("textarea[name=points]").fill("Care is a right\nCities must fund care")
    _submit(staff, turn.get_by_role("button", name="Save turn"))
    staff.locator("#f-new-heading-title").fill("The concept of care")
    _submit(staff, staff.get_by_role("button", name="Add heading"))
    staff.locator("form[id^='new-point-'] textarea").fill("Care is work that sustains life")
    _submit(staff, staff.get_by_role("button", name="Add point"))

    # Circulating for a week.
    until = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    staff.locator("#f-circulate-until").fill(until)
    _submit(staff, staff.get_by_role("button", name="Circulate to attendees"))
    expect(staff.locator(".meta")).to_contain_text("Circulated for corrections")

    # The attending speaker proposes two corrections from the circulated minutes.
    attendee = new_context().new_page()
    _log_in(attendee, live_server, meeting["email"], PASSWORD)
    for kind, replacement, why in (
        ("turn", "Care is a right\nCities must fund care systems", "I said care systems"),
        ("point", "Care is work that sustains all life", "Closer to my words"),
    ):
        attendee.goto(f"{live_server}/sessions/{sid}/minutes")
        attendee.locator(f"a[href*='kind={kind}']", has_text="Propose a correction").click()
        attendee.get_by_label("Your replacement text").fill(replacement)
        attendee.get_by_label("Why").fill(why)
        _submit(attendee, attendee.get_by_role("button", name="Send the correction"))
    expect(attendee.locator("article.card")).to_have_count(2)

    # The secretariat accepts the first and rejects the second with a reason.
    staff.goto(f"{live_server}/minutes/{mid}/corrections")
    first = staff.locator("article.card", has_text="I said care systems")
    _submit(staff, first.get_by_role("button", name="Accept"))
    second = staff.locator("article.card", has_text="Closer to my words")
    second.locator("textarea").fill("The recording has 'sustains life'")
    _submit(staff, second.get_by_role("button", name="Reject"))
    attendee.goto(f"{live_server}/minutes/{mid}/corrections")
    expect(attendee.locator("article.card", has_text="Closer to my words")).to_contain_text(
        "The recording has 'sustains life'"
    )

    # Published: the public reads the accepted text, credited.
    staff.goto(editor)
    _submit(staff, staff.get_by_role("button", name="Publish", exact=True))
    reader = new_context().new_page()
    reader.goto(f"{live_server}/sessions/{sid}/minutes")
    expect(reader.locator("main")).to_contain_text("Cities must fund care systems")
    expect(reader.locator("main")).to_contain_text("Care is work that sustains life")

    # The DOCX: key points first, the speaker in bold; LibreOffice opens it.
    with reader.expect_download() as download:
        reader.get_by_role("link", name="Word document (DOCX)").click()
    path = tmp_path / "minutes.docx"
    download.value.save_as(path)
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style is not None and "Heading" in p.style.name]
    assert headings.index("Key points raised") < headings.index("Opening"), headings
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert any(ana in text for text in bold), bold
    soffice = shutil.which("soffice")
    if soffice is None:
        assert os.environ.get("CI") != "true", "LibreOffice is missing in CI"
        pytest.skip("LibreOffice is not installed here")
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    pdf = tmp_path / "minutes.pdf"
    assert pdf.exists()
    assert pdf.stat().st_size > 2000
