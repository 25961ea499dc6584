"""A policy document as files and as a printable page: DOCX read back with python-docx (Title,
numbered Heading 1-3, real Word lists, emphasis, the document's language), Markdown, the
import -> export -> import round trip, and 404 for readers outside the drafting team."""

import io
from collections.abc import Callable
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.policy import PolicyDocument, SectionCreate
from app.models.users import Role
from app.services import policy
from app.services.policy import export_docx, importing
from tests import factories
from tests.policy.helpers import paper
from tests.policy.io_files import SECTIONS, TITLE, draft_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Login = Callable[..., Any]
BODY = (
    "Care is a **right** of *every* person.\n\n"
    "- Childcare\n- Long-term care\n  - at home\n\n"
    "1. Recognise\n2. Reduce\n\nThen:\n\n"
    "1. Again from one"
)


def _document(db: Session) -> PolicyDocument:
    made = paper(db, body=BODY)
    made.document.language = "es"
    db.add(made.document)
    db.commit()
    child = SectionCreate(title="Funding", body="Public budgets.", parent_id=made.section.id)
    policy.create_section(db, actor=made.staff, document=made.document, data=child)
    policy.create_section(
        db,
        actor=made.staff,
        document=made.document,
        data=SectionCreate(title="Workers", body="Decent work."),
    )
    return made.document


def _style(paragraph: Any) -> str:
    return paragraph.style.name if paragraph.style is not None else ""


def test_the_docx_has_numbered_headings_real_lists_and_the_language(db: Session) -> None:
    document = _document(db)
    _export, body = export_docx.export_docx(db, document=document)
    word = Document(io.BytesIO(body))
    paragraphs = word.paragraphs
    assert word.core_properties.language == "es"
    lang = word.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang is not None
    assert lang.get(qn("w:val")) == "es"
    headings = [(p.text, _style(p)) for p in paragraphs if _style(p).startswith("Heading")]
    assert headings == [
        ("1 Care as a right", "Heading 1"),
        ("1.1 Funding", "Heading 2"),
        ("2 Workers", "Heading 1"),
    ]
    assert _style(paragraphs[0]) == "Title"
    assert paragraphs[0].text == "Caring Systems"
    first = next(p for p in paragraphs if p.text.startswith("Care is a"))
    assert [(r.text, r.bold, r.italic) for r in first.runs if r.bold or r.italic] == [
        ("right", True, None),
        ("every", None, True),
    ]
    items = [(p.text, _style(p)) for p in paragraphs if _style(p).startswith("List")]
    assert items == [
        ("Childcare", "List Bullet"),
        ("Long-term care", "List Bullet"),
        ("at home", "List Bullet 2"),
        ("Recognise", "List Number"),
        ("Reduce", "List Number"),
        ("Again from one", "List Number"),
    ]
    # Each numbered list has its own numbering, restarting at 1.
    num_ids = [
        p._p.pPr.numPr.numId.val
        for p in paragraphs
        if _style(p) == "List Number" and p._p.pPr is not None and p._p.pPr.numPr is not None
    ]
    assert len(num_ids) == 3
    assert num_ids[0] == num_ids[1] != num_ids[2]


def test_import_export_import_keeps_titles_and_paragraphs(db: Session) -> None:
    staff = factories.staff(db)
    forum = factories.forum(db)
    parsed = importing.parse("draft.docx", draft_docx())
    document = importing.create_from(
        db, actor=staff, parsed=parsed, forum_id=forum.id or 0, title=TITLE, language="en"
    )
    _export, body = export_docx.export_docx(db, document=document)
    again = importing.parse("exported.docx", body)
    assert again.title == TITLE
    assert [s.title for s in again.sections] == SECTIONS
    assert [s.number for s in again.sections] == [s.number for s in parsed.sections]
    assert [s.paragraphs for s in again.sections] == [s.paragraphs for s in parsed.sections]


def test_markdown_export_reimports_to_the_same_tree(db: Session) -> None:
    from app.services.policy import export_md

    document = _document(db)
    _export, text = export_md.export_md(db, document=document)
    assert text.startswith("# Caring Systems\n\n## 1 Care as a right\n")
    assert "### 1.1 Funding" in text
    again = importing.parse("exported.md", text.encode())
    assert again.title == "Caring Systems"
    assert [(s.number, s.title) for s in again.sections] == [
        ("1", "Care as a right"),
        ("1.1", "Funding"),
        ("2", "Workers"),
    ]
    assert again.sections[0].paragraphs[0] == "Care is a **right** of *every* person."


def test_files_and_print_page_for_readers_only(
    client: TestClient, db: Session, login_as: Login
) -> None:
    document = _document(db)
    base = f"/documents/{document.id}"
    login_as(Role.participant)
    for path in ("/export.docx", "/export.md", "/print"):
        assert client.get(base + path).status_code == 404
    login_as(Role.secretariat)
    word = client.get(base + "/export.docx")
    assert word.status_code == 200
    assert word.headers["content-type"] == DOCX
    assert word.headers["content-language"] == "es"
    assert "Caring%20Systems.docx" in word.headers["content-disposition"]
    markdown = client.get(base + "/export.md")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    printed = client.get(base + "/print")
    assert printed.status_code == 200
    assert 'lang="es"' in printed.text
    assert "<strong>right</strong>" in printed.text
    assert "1.1</span> Funding" in printed.text
    assert client.get("/documents/999999/export.docx").status_code == 404
