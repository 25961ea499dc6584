"""The demo policy paper from caucus review to adoption, in Chromium, as the people concerned
would do it through the pages (issue 13, "Done means"): the secretariat finds "Caring Systems"
in caucus review with its sign-off matrix and its frozen drafting version, and is refused the
move while the accessibility caucus objects to "Infrastructure"; that caucus's representative
adds accessible routes and transport in the editor, finds their objection given on an earlier
revision with the diff, and endorses; the other two caucuses confirm their reviews of the
edited section; the secretariat moves the paper through the Policy Council, the committee and
the World Council to adoption, each move with a reason and a frozen version, opens a stage's
diff in one click, and exports the adopted version as a DOCX whose endnotes name the sources
(read back with python-docx, opened by LibreOffice); the participant who proposed "Count unpaid
care in the city budget" finds on its page the paragraph it fed, the stage and the outcome, and
in "my contributions" the reason their other proposal was not taken up; a visitor reads only
the public frozen text. Axe runs on every page the story visits; 390 px phone screenshots in
Spanish and Portuguese go to /tmp/walkthrough/.

This test moves the demo paper itself (in the browser suite's shared demo database) to
"Adopted": no other browser test relies on the paper's stage."""

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from lxml import etree
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session, write_again
from app.demo.policy import TITLE
from app.models.caucuses import Caucus
from app.models.policy import PolicyDocument, TeamRole
from app.models.policy_reviews import ReviewIn
from app.models.users import User
from app.security import hash_password
from app.services import policy
from app.services.policy import reviews
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "policy walkthrough passphrase 13"
PARTICIPANT = "participant1@demo.example.org"  # the demo author of proposals 0 and 5
REPS = {
    "accessibility": "editor.accessibility@demo.example.org",
    "feminism": "editor.feminism@demo.example.org",
    "youth": "reviewer.youth@demo.example.org",
}
ADDED = " Accessible routes and adapted transport take everyone to each care facility."
LATER = " Employers fund childcare places near the workplace."
SHOTS = Path("/tmp/walkthrough")  # noqa: S108 - where the brief asks for them, to look at
PHONE = {"width": 390, "height": 844}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def paper(demo_database: str) -> dict[str, Any]:
    """Setup outside the story, through the services and the database directly: the demo's
    caucus representatives and participant 1 get a known password (the demo gives them random
    ones), and each caucus's representative gives, through the review service, the sign-offs
    the demo left missing on the sections the story is not about, and those of the youth and
    feminism caucuses on "Infrastructure": the accessibility caucus's objection is then the
    only thing between the paper and the Policy Council."""
    engine = make_engine(demo_database)
    digest = hash_password(PASSWORD)
    try:
        with open_session(engine, write=True) as db:
            document = next(
                d
                for d in db.execute(select(PolicyDocument)).scalars()
                if d.title.get("en") == TITLE["en"]
            )
            document_id = document.id or 0
            for user in db.execute(
                select(User).where(col(User.email).in_([PARTICIPANT, *REPS.values()]))
            ).scalars():
                user.password_hash = digest
                db.add(user)
            db.commit()
            caucus = {c.code: c.id or 0 for c in db.execute(select(Caucus)).scalars()}
            reps = {
                m.caucus_id: m.user_id
                for m in policy.document_public(db, document).team
                if m.role == TeamRole.caucus_rep
            }
            sections = {n.section.title: n.section.id or 0 for n in policy.tree(db, document_id)}
            for section_id in sections.values():
                for caucus_id in reviews.required_caucus_ids(db, document_id):
                    if (section_id, caucus_id) == (
                        sections["Infrastructure"],
                        caucus["accessibility"],
                    ):
                        continue
                    write_again(db)
                    place = reviews.review_place(
                        db, section_id=section_id, caucus_id=caucus_id, user_id=reps[caucus_id]
                    )
                    if reviews.cell(db, place).state != "none":
                        continue
                    reviewer = db.get(User, reps[caucus_id])
                    assert reviewer is not None
                    reviews.give_review(
                        db,
                        place=place,
                        actor=reviewer,
                        data=ReviewIn.model_validate({"verdict": "endorse"}),
                    )
            return {"id": document_id, "sections": sections, "caucus": caucus}
    finally:
        engine.dispose()


def _log_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator(".whoami").count() == 1, f"{email} could not log in"


def _submit(page: Page, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{name}: the page scrolls sideways ({wide} px) on a phone"


def _advance(page: Page, reason: str) -> Any:
    page.get_by_label("Reason").fill(reason)
    return page.locator("#stage button[value=advance]")


def test_the_demo_paper_goes_from_caucus_review_to_adoption(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    log_in_as_admin: Callable[[Page], None],
    paper: dict[str, Any],
    tmp_path: Path,
) -> None:
    base, doc = live_server, paper["id"]
    infrastructure = paper["sections"]["Infrastructure"]
    accessibility = paper["caucus"]["accessibility"]

    # 1. The secretariat finds the paper in caucus review: the matrix, the frozen drafting
    # version; moving on is refused, and the refusal names the section and the caucus.
    staff = new_context(accept_downloads=True).new_page()
    log_in_as_admin(staff)
    staff.goto(f"{base}/documents")
    row = staff.locator("main table tr", has_text=TITLE["en"])
    expect(row).to_contain_text("Caucus review")
    assert_accessible(staff)
    _submit(staff, row.get_by_role("link", name=TITLE["en"]))
    expect(staff.locator("main")).to_contain_text("Stage: Caucus review")
    matrix = staff.locator("table.review-matrix")
    expect(matrix.locator("caption")).to_be_visible()
    objection = matrix.locator("tbody tr", has_text="Infrastructure").locator("td").nth(2)
    expect(objection).to_contain_text("Objection")
    assert_accessible(staff)
    _submit(staff, objection.get_by_role("link"))
    expect(staff.locator("main")).to_contain_text("without accessible routes and transport")
    assert_accessible(staff)
    staff.goto(f"{base}/documents/{doc}")
    _submit(staff, staff.get_by_role("link", name="Frozen versions"))
    versions = staff.locator("main table tbody tr")
    expect(versions).to_have_count(1)
    expect(versions.first).to_contain_text("Caucus review")
    expect(versions.first).to_contain_text("Drafting closed")
    assert_accessible(staff)
    staff.goto(f"{base}/documents/{doc}")
    _submit(staff, _advance(staff, "The caucuses have had the text for two weeks."))
    refusal = staff.locator(".error-summary")
    expect(refusal).to_contain_text("3.5 Infrastructure")
    expect(refusal).to_contain_text("Accessibility caucus: objection")
    expect(staff.get_by_label("Reason")).to_have_value(
        "The caucuses have had the text for two weeks."
    )
    assert_accessible(staff)

    # The same two pages on a phone, in Spanish, for the screenshots.
    phone = new_context(viewport=PHONE, locale="es-ES", is_mobile=True, has_touch=True).new_page()
    log_in_as_admin(phone)
    phone.goto(f"{base}/documents/{doc}?lang=es")
    caption = phone.locator("table.review-matrix caption").bounding_box()
    assert caption is not None
    assert caption["width"] > 300, f"the matrix's caption is squeezed on a phone: {caption}"
    _shoot(phone, "1-matrix-es")
    assert_accessible(phone)
    phone.get_by_label("Motivo").fill("Las bancadas han tenido el texto dos semanas.")
    _submit(phone, phone.locator("#stage button[value=advance]"))
    expect(phone.locator(".error-summary")).to_contain_text("3.5 Infrastructure")
    _shoot(phone, "2-refusal-es")
    assert_accessible(phone)

    # 2. The accessibility caucus's representative adds what the objection asked, then finds
    # the objection given on an earlier revision, with the diff, and endorses.
    rep = new_context().new_page()
    _log_in(rep, base, REPS["accessibility"])
    rep.goto(f"{base}/documents/{doc}")
    _submit(rep, rep.locator(f"#s-{infrastructure}").get_by_role("link", name="Edit"))
    body = rep.locator("#f-body")
    body.press("Control+End")
    body.press_sequentially(ADDED)
    rep.get_by_label("What you changed (optional)").fill("Accessible routes and transport")
    assert_accessible(rep)
    _submit(rep, rep.get_by_role("button", name="Save"))
    expect(rep.locator(".notice")).to_contain_text("Saved.")
    expect(rep.locator(f"#s-{infrastructure}")).to_contain_text(ADDED.strip())
    _submit(
        rep,
        rep.get_by_role(
            "link", name="Confirm or change your review of section 3.5 for the Accessibility caucus"
        ),
    )
    current = rep.locator("main")
    expect(current).to_contain_text("Objection")
    expect(current).to_contain_text("given on an earlier revision (version 1; now version 2)")
    changes = rep.locator("section.policy-review-changes")
    expect(changes.locator("ins")).to_contain_text("Accessible routes and adapted transport")
    expect(rep.get_by_role("radio", name="Object")).to_be_checked()
    assert_accessible(rep)
    # The review page on a phone, in Portuguese, the objection on version 1 and the
    # diff since.
    rep_phone = new_context(viewport=PHONE, locale="pt-BR", is_mobile=True, has_touch=True)
    review_phone = rep_phone.new_page()
    _log_in(review_phone, base, REPS["accessibility"])
    review_phone.goto(f"{base}/sections/{infrastructure}/reviews/{accessibility}?lang=pt")
    expect(review_phone.locator("html")).to_have_attribute("lang", "pt")
    expect(review_phone.locator("section.policy-review-changes ins")).to_contain_text("Accessible")
    _shoot(review_phone, "3-review-pt")
    assert_accessible(review_phone)

    rep.get_by_role("radio", name="Endorse", exact=True).check()
    rep.get_by_label("Note").fill("Thank you: routes and transport are in.")
    _submit(rep, rep.get_by_role("button", name="Send the review"))
    expect(rep.locator(".notice[role=status]")).to_contain_text(
        "Your caucus's review of section 3.5 is recorded: Endorsed."
    )
    # The youth and feminism caucuses' endorsements of Infrastructure are now on version 1:
    # each representative confirms theirs on the edited text.
    for code, caucus_name in (("youth", "Youth caucus"), ("feminism", "Feminist caucus")):
        other = new_context().new_page()
        _log_in(other, base, REPS[code])
        other.goto(f"{base}/documents/{doc}")
        name = f"Confirm or change your review of section 3.5 for the {caucus_name}"
        _submit(other, other.get_by_role("link", name=name))
        expect(other.locator("section.policy-review-changes ins")).to_contain_text(
            "Accessible routes"
        )
        expect(other.get_by_role("radio", name="Endorse", exact=True)).to_be_checked()
        _submit(other, other.get_by_role("button", name="Send the review"))
        expect(other.locator(".notice[role=status]")).to_contain_text("recorded: Endorsed.")
        other.context.close()

    # 3. The secretariat moves the paper to the Policy Council, the committee, the World
    # Council and adoption, each move with a reason and a frozen version.
    staff.goto(f"{base}/documents/{doc}")
    expect(staff.locator("#reviews")).to_contain_text("none objects")
    moves = [
        ("Policy Council", "Signed off by the three caucuses."),
        ("Committee", "The Policy Council sent it to committee."),
        ("World Council", "The committee agreed the text."),
        ("Adopted", "The World Council adopted it."),
    ]
    visitor = new_context().new_page()
    for number, (stage, reason) in enumerate(moves, start=2):
        _submit(staff, _advance(staff, reason))
        expect(staff.locator(".notice").first).to_contain_text(
            f"The document is now in “{stage}”; version {number} of its text was frozen."
        )
        assert_accessible(staff)
        if stage == "Adopted":  # said once on the page
            expect(staff.locator("main .notice", has_text="has been adopted")).to_have_count(1)
        if stage == "Policy Council":
            # Now public: a visitor reads the frozen text. The secretariat adds a sentence to
            # the working text; the visitor does not see it until the next frozen version.
            visitor.goto(f"{base}/documents/{doc}")
            expect(visitor.locator("main")).to_contain_text("Version 2: “Policy Council”")
            expect(visitor.locator("main")).to_contain_text(ADDED.strip())
            assert_accessible(visitor)
            staff.goto(f"{base}/sections/{paper['sections']['Partnerships']}/edit")
            staff.locator("#f-body").press("Control+End")
            staff.locator("#f-body").press_sequentially(LATER)
            _submit(staff, staff.get_by_role("button", name="Save"))
            visitor.goto(f"{base}/documents/{doc}")
            expect(visitor.locator("main")).not_to_contain_text(LATER.strip())
            staff.goto(f"{base}/documents/{doc}")
    staff.goto(f"{base}/documents/{doc}/v")
    rows = staff.locator("main table tbody tr")
    expect(rows).to_have_count(5)
    for (stage, reason), row_ in zip(reversed(moves), rows.all(), strict=False):
        expect(row_).to_contain_text(stage)
        expect(row_).to_contain_text(reason)
    assert_accessible(staff)
    _submit(staff, staff.get_by_role("link", name="Version 3", exact=True))
    _submit(staff, staff.get_by_role("link", name="Changes since version 2"))
    expect(staff.locator("main ins", has_text="childcare places")).to_have_count(1)
    assert_accessible(staff)

    # 4. The adopted version as a DOCX: numbered headings, the sources as endnotes; LibreOffice
    # opens it.
    staff.goto(f"{base}/documents/{doc}/v/5")
    expect(staff.locator("main")).to_contain_text("Version 5: “Adopted”")
    assert_accessible(staff)
    with staff.expect_download() as download:
        staff.get_by_role("link", name="Word document (DOCX)").click()
    path = tmp_path / "adopted.docx"
    download.value.save_as(path)
    word = Document(str(path))
    headings = [
        p.text for p in word.paragraphs if p.style is not None and "Heading" in p.style.name
    ]
    assert "3.4 Financing" in headings, headings
    assert "3.5 Infrastructure" in headings, headings
    texts = [p.text for p in word.paragraphs]
    assert any(ADDED.strip() in t for t in texts)
    assert any(LATER.strip() in t for t in texts)
    rel = next(r for r in word.part.rels.values() if r.reltype == RELATIONSHIP_TYPE.ENDNOTES)
    notes = [
        "".join(t.text or "" for t in n.iter(f"{W}t"))
        for n in etree.fromstring(rel.target_part.blob).findall(f"{W}endnote")
        if n.get(f"{W}type") is None
    ]
    budget = next(n for n in notes if "Count unpaid care in the city budget" in n)
    assert "Submitted online" in budget, budget
    assert "/contributions/" in budget, budget
    assert any("Key point of the session's minutes" in n for n in notes), notes
    soffice = shutil.which("soffice")
    if soffice is None:
        assert os.environ.get("CI") != "true", "LibreOffice is missing in CI"
    else:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
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
        assert (tmp_path / "adopted.pdf").read_bytes().startswith(b"%PDF")

    # 5. The participant who proposed "Count unpaid care in the city budget" finds where it
    # went, and in "my contributions" why their care card was not taken up.
    author = new_context().new_page()
    _log_in(author, base, PARTICIPANT)
    author.goto(f"{base}/contributions")
    _submit(author, author.get_by_role("link", name="My contributions"))
    mine = author.locator("main")
    card = mine.locator("article", has_text="A care card for every resident")
    expect(card).to_contain_text("Not taken up")
    expect(card).to_contain_text("A single card is a delivery choice each city makes")
    budget_card = mine.locator("article", has_text="Count unpaid care in the city budget")
    expect(budget_card).to_contain_text("Outcome: Incorporated")
    assert_accessible(author)
    _submit(author, budget_card.get_by_role("link", name="Count unpaid care in the city budget"))
    went = author.locator("main")
    fed = went.get_by_role("link", name="Fed into §3.4", exact=False)
    expect(fed).to_contain_text(TITLE["en"])
    expect(fed).to_contain_text("(stage: Adopted)")
    expect(went).to_contain_text("Outcome: Incorporated")
    assert_accessible(author)
    _submit(author, fed)
    assert f"/documents/{doc}/v/5#p-" in author.url, author.url
    anchor = author.url.split("#")[1]
    expect(author.locator(f"#{anchor}")).to_contain_text("Budgets fund public services")

    # 6. A visitor: the list shows the paper, its page the adopted text.
    visitor.goto(f"{base}/documents")
    expect(visitor.locator("main")).to_contain_text(TITLE["en"])
    assert_accessible(visitor)
    visitor.goto(f"{base}/documents/{doc}")
    expect(visitor.locator("main")).to_contain_text("Version 5: “Adopted”")
    expect(visitor.locator("main")).to_contain_text(LATER.strip())
    expect(visitor.locator("a[href$='/edit']")).to_have_count(0)
    # The adopted version on a phone, in Spanish.
    reader = new_context(viewport=PHONE, locale="es-ES", is_mobile=True, has_touch=True).new_page()
    reader.goto(f"{base}/documents/{doc}/v/5?lang=es")
    _shoot(reader, "4-adopted-es")
    assert_accessible(reader)
