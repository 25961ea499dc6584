"""Importing a draft: a DOCX (mammoth) or Markdown file becomes numbered sections and their
paragraphs after a preview that stores nothing; what was dropped is listed; a bad file is
refused whole with a clear message and nothing stored."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.models.policy import PolicyDocument, PolicySection
from app.models.users import Role
from app.services import policy
from app.services.policy import importing
from tests import factories
from tests.policy.io_files import MARKDOWN, SECTIONS, TITLE, draft_docx, empty_docx, zip_bomb_like

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Login = Callable[..., Any]


def _count(db: Session, model: Any) -> int:
    db.rollback()  # what is stored now, not this session's earlier snapshot
    return int(db.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_docx_becomes_numbered_sections_with_what_was_dropped_listed() -> None:
    parsed = importing.parse("draft.docx", draft_docx())
    assert parsed.title == TITLE
    assert [(s.number, s.title) for s in parsed.sections] == [
        ("1", SECTIONS[0]),
        ("1.1", SECTIONS[1]),
        ("1.1.1", SECTIONS[2]),
        ("2", SECTIONS[3]),
    ]
    first, funding, _pays, workers = parsed.sections
    # Emphasis and lists survive as Markdown; a literal asterisk stays literal.
    assert first.paragraphs == [
        "Care is a **right** of *every* person, at 2 \\* every age.",
        "- Childcare for all\n- Long-term care",
    ]
    assert funding.paragraphs[1] == "1. Recognise unpaid care\n2. Reduce it\n3. Redistribute it"
    assert funding.paragraphs[2:] == ["Year | Budget", "2026 | 3%"]  # the table, flattened
    assert workers.paragraphs[0] == "> Care workers deserve decent work."
    dropped = " ".join(d.msgid % d.params for d in parsed.dropped)
    assert "Comments (1) were dropped" in dropped
    assert "Tables (1) were flattened" in dropped
    assert "Images (1) were dropped" in dropped
    assert "Unrecognised paragraph style: caption" in dropped


def test_a_markdown_file_takes_its_lone_first_heading_as_its_title() -> None:
    parsed = importing.parse("draft.md", MARKDOWN)
    assert parsed.title == TITLE
    assert [(s.number, s.title) for s in parsed.sections] == [
        ("1", "Care as a right"),
        ("1.1", "Funding care"),
        ("2", "Workers"),
    ]
    assert parsed.sections[0].paragraphs == [
        "Care is a **right** of *every* person.",
        "- Childcare for all\n- Long-term care",
    ]
    assert parsed.dropped == []


def test_text_before_the_first_heading_and_deep_headings_are_kept() -> None:
    parsed = importing.parse("notes.md", b"Intro words.\n\n# One\n\n#### Deep\n\nText\n")
    assert [s.title for s in parsed.sections] == ["", "One"]
    assert parsed.sections[1].paragraphs == ["**Deep**", "Text"]
    shown = importing.preview(parsed, forum_id=1, title="Notes", language="en")
    assert shown.sections[0].title == "Notes"
    assert any("below level 3" in d for d in shown.dropped)


BAD_FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "empty.docx": (lambda: b"", "empty"),
    "photo.png": (lambda: b"\x89PNG\r\n\x1a\n" + b"0" * 64, "not_allowed"),
    "notes.pdf": (lambda: b"%PDF-1.4 something", "not_allowed"),
    "broken.docx": (lambda: b"PK\x03\x04 not really a zip", "corrupt"),
    "bomb.docx": (zip_bomb_like, "zip_bomb"),
    "blank.docx": (empty_docx, "no_text"),
    "blank.md": (lambda: b"   \n\n", "no_text"),
    "latin1.md": (lambda: "Café".encode("latin-1"), "not_text"),
    "huge.md": (lambda: b"a" * (10 * 1024 * 1024 + 1), "too_large"),
    "one.md": (lambda: b"# T\n\n" + b"word " * 11_000, "section_too_long"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_is_refused_whole(name: str) -> None:
    make, code = BAD_FILES[name]
    with pytest.raises(importing.UploadRejected) as refused:
        importing.parse(name, make())
    assert refused.value.code == code


def _form(db: Session, **extra: Any) -> dict[str, Any]:
    forum = factories.forum(db)
    return {"forum_id": str(forum.id), "title": "", "language": "en"} | extra


def test_the_secretariat_previews_then_creates_the_document(
    client: TestClient, db: Session, login_as: Login
) -> None:
    login_as(Role.secretariat)
    assert client.get("/documents/import").status_code == 200
    form = _form(db)
    before = _count(db, PolicyDocument)
    shown = client.post(
        "/documents/import", data=form, files={"file": ("draft.docx", draft_docx(), DOCX)}
    )
    assert shown.status_code == 200, shown.text
    assert "Comments (1) were dropped." in shown.text
    assert "1.1.1" in shown.text
    assert SECTIONS[2] in shown.text
    assert _count(db, PolicyDocument) == before  # a preview stores nothing
    sealed = re.search(r'name="sealed" value="([^"]+)"', shown.text)
    assert sealed
    created = client.post(
        "/documents/import/create",
        data={
            "sealed": sealed.group(1),
            "forum_id": form["forum_id"],
            "title": TITLE,
            "language": "en",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    document_id = int(created.headers["location"].rsplit("/", 1)[1])
    db.rollback()  # a fresh read, after the request's own transaction
    document = policy.get_document(db, document_id)
    public = policy.document_public(db, document)
    assert document.title == {"en": TITLE}
    assert [(s.number, s.title) for s in public.sections] == [
        ("1", SECTIONS[0]),
        ("1.1", SECTIONS[1]),
        ("1.1.1", SECTIONS[2]),
        ("2", SECTIONS[3]),
    ]
    first = policy.section_public(db, policy.get_section(db, public.sections[0].id))
    assert [p.text for p in first.paragraphs][1] == "- Childcare for all\n- Long-term care"


def test_a_tampered_preview_creates_nothing(
    client: TestClient, db: Session, login_as: Login
) -> None:
    login_as(Role.secretariat)
    before = _count(db, PolicySection)
    sent = client.post(
        "/documents/import/create",
        data=_form(db, sealed="forged", title="X"),
    )
    assert sent.status_code == 422
    assert "expired or was changed" in sent.text
    assert _count(db, PolicySection) == before


@pytest.mark.parametrize("lang", ["en", "es", "pt"])
def test_a_refused_file_is_shown_on_the_form(
    client: TestClient, db: Session, login_as: Login, lang: str
) -> None:
    login_as(Role.secretariat)
    client.cookies.set("lang", lang)
    sent = client.post(
        f"/documents/import?lang={lang}",
        data=_form(db),
        files={"file": ("notes.pdf", b"%PDF-1.4 x", "application/pdf")},
    )
    assert sent.status_code == 422
    assert 'aria-invalid="true"' in sent.text
    assert "notes.pdf" in sent.text


def test_the_api_previews_and_imports(client: TestClient, db: Session, login_as: Login) -> None:
    login_as(Role.secretariat)
    form = _form(db, title="Imported")
    files = {"file": ("draft.md", MARKDOWN, "text/markdown")}
    before = _count(db, PolicyDocument)
    preview = client.post("/api/v1/documents/import?preview=true", data=form, files=files)
    assert preview.status_code == 200, preview.text
    assert [s["number"] for s in preview.json()["sections"]] == ["1", "1.1", "2"]
    assert _count(db, PolicyDocument) == before
    made = client.post("/api/v1/documents/import", data=form, files=files)
    assert made.status_code == 201, made.text
    assert made.json()["title"] == {"en": "Imported"}
    db.rollback()
    assert [s["title"] for s in made.json()["sections"]] == [
        "Care as a right",
        "Funding care",
        "Workers",
    ]
    bad = client.post(
        "/api/v1/documents/import", data=form, files={"file": ("x.md", b"\x00\x01", "text/plain")}
    )
    assert bad.status_code == 422
    assert "file" in bad.json()["errors"]
    unknown = client.post(
        "/api/v1/documents/import", data=form | {"forum_id": "999999"}, files=files
    )
    assert unknown.status_code == 422


def test_only_the_secretariat_imports(client: TestClient, db: Session, login_as: Login) -> None:
    login_as(Role.participant)
    assert client.get("/documents/import").status_code == 403
    files = {"file": ("draft.md", MARKDOWN, "text/markdown")}
    sent = client.post("/api/v1/documents/import", data=_form(db), files=files)
    assert sent.status_code == 403
