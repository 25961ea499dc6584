"""The minutes as DOCX and Markdown: read back (python-docx, a CommonMark parser), in the minutes'
language whatever the reader's, only for those who may read them, and opened by LibreOffice."""

import io
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.text.paragraph import Paragraph
from fastapi.testclient import TestClient
from markdown_it import MarkdownIt
from sqlmodel import Session

from app.models.users import Role
from tests import factories
from tests.minutes.export_world import LINKED_REMARK, Exported, complete_minutes, publish

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def exported(client: TestClient, db: Session, login_as: Callable[..., Any]) -> Exported:
    login_as(Role.secretariat)
    return complete_minutes(client, db)


def _docx(client: TestClient, session_id: int) -> Any:
    response = client.get(f"/sessions/{session_id}/minutes.docx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX
    return Document(io.BytesIO(response.content))


def _style(paragraph: Paragraph) -> str:
    return paragraph.style.name if paragraph.style is not None else ""


def _index(paragraphs: list[Paragraph], text: str, style: str | None = None) -> int:
    return next(
        i
        for i, p in enumerate(paragraphs)
        if p.text == text and (style is None or _style(p) == style)
    )


def test_the_docx_reads_back_with_its_structure(client: TestClient, exported: Exported) -> None:
    world = exported.world
    client.cookies.set("th_lang", "en")  # the reader's language: the document's stays Spanish
    doc = _docx(client, world.session.id)
    paragraphs = list(doc.paragraphs)
    assert doc.core_properties.title == "Acta de «Ciudades que cuidan»"
    assert doc.core_properties.language == "es"
    assert _style(paragraphs[0]) == "Title"
    assert "Antel Arena" in paragraphs[1].text
    assert "2025" in paragraphs[1].text
    # Key points first, before the first block of the proceedings.
    key_points = _index(paragraphs, "Puntos clave planteados", "Heading 1")
    first_block = _index(paragraphs, "Opening", "Heading 2")
    assert key_points < _index(paragraphs, "Desarrollo de la sesión", "Heading 1") < first_block
    point = paragraphs[_index(paragraphs, "Tema 1", "Heading 2") + 1]
    assert _style(point) == "List Bullet"
    assert point.text.startswith("Care is a public good (de Rosa Pavanelli, un comentario del chat")
    # The speaker in bold, with title and organisation; the points as a real Word list.
    turn = paragraphs[first_block + 1]
    assert turn.runs[0].text == "Rosa Pavanelli"
    assert turn.runs[0].bold
    assert turn.text == "Rosa Pavanelli, Secretary General, Public Services International"
    assert not any(r.bold for r in turn.runs[1:])
    points = paragraphs[first_block + 2 : first_block + 4]
    assert [p.text for p in points] == ["Care is work", "Public services first"]
    assert {_style(p) for p in points} == {"List Bullet"}
    assert points[0].style is not None
    assert points[0].style.element.pPr.numPr is not None  # numbered by Word, not typed bullets
    assert _style(paragraphs[first_block + 4]) == "Intense Quote"
    assert paragraphs[first_block + 4].text == "“Care cannot wait”"
    # Chat excerpts as quotes, marked (chat), their web addresses linked, their originals cited.
    chats = [p for p in paragraphs if _style(p) == "Quote"]
    assert len(chats) == 4
    assert all("(chat)" in p.text for p in chats)
    linked = next(p for p in chats if p.text.startswith("Read *this*"))
    assert "https://www.world-psi.org/care" in [h.address for h in linked.hyperlinks]
    cited = [h for h in linked.hyperlinks if h.fragment.startswith("source_")]
    assert len(cited) == 1
    assert cited[0].text.startswith("[")
    number = cited[0].text.strip("[]")
    sources = _index(paragraphs, "Fuentes", "Heading 1")
    entries = {p.text.split("]")[0] + "]": p for p in paragraphs[sources + 1 :]}
    entry = entries[f"[{number}]"]
    url = f"http://testserver/contributions/{exported.linked.id}"
    assert url in [h.address for h in entry.hyperlinks]
    # Decisions numbered, next steps with who, when and status; other participants counted.
    decision = paragraphs[_index(paragraphs, "Decisiones", "Heading 1") + 1]
    assert (decision.text, _style(decision)) == ("Meet again in March", "List Number")
    step = paragraphs[_index(paragraphs, "Próximos pasos", "Heading 1") + 1]
    assert step.text.startswith("Send ideas by e-mail — Quién: Secretariat · Para el ")
    assert step.text.endswith("· Pendiente")
    assert "y 12 participantes más" in [p.text for p in paragraphs]
    # Unpublished: the document says so.
    assert "Estado: Borrador" in [p.text for p in paragraphs]


def test_the_markdown_is_commonmark_with_the_same_structure(
    client: TestClient, exported: Exported
) -> None:
    response = client.get(f"/sessions/{exported.world.session.id}/minutes.md")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-language"] == "es"
    text = response.text
    html = MarkdownIt("commonmark").render(text)
    assert html.startswith("<h1>Acta de «Ciudades que cuidan»</h1>")
    assert html.index("<h2>Puntos clave planteados</h2>") < html.index("<h3>Opening</h3>")
    assert "<strong>Rosa Pavanelli</strong>, Secretary General" in html
    assert "<li>Care is work</li>" in html
    assert "<blockquote>\n<p>“Care cannot wait”</p>\n</blockquote>" in html
    # People's asterisks stay asterisks; their web addresses become links.
    assert "Read *this* at" in html
    assert "<em>this</em>" not in html
    assert '<a href="https://www.world-psi.org/care">https://www.world-psi.org/care</a>' in html
    assert html.count("(chat)") == 4
    assert f'href="http://testserver/contributions/{exported.linked.id}"' in html
    assert "<ol>\n<li>Meet again in March</li>\n</ol>" in html
    assert "y 12 participantes más" in html
    assert LINKED_REMARK.replace("*", "\\*").split(" at ")[0] in text


def test_markup_in_what_people_wrote_stays_text(
    client: TestClient, exported: Exported, db: Session
) -> None:
    mid = exported.minutes_id
    version = client.get(f"/api/v1/minutes/{mid}").json()["version"]
    tricky = "# not a heading\n- not a list\n1. nor this <b>bold</b> [link](http://x.example)"
    made = client.post(
        f"/api/v1/minutes/{mid}/items/decision", json={"base_version": version, "text": tricky}
    )
    assert made.status_code == 201
    html = MarkdownIt("commonmark").render(
        client.get(f"/sessions/{exported.world.session.id}/minutes.md").text
    )
    assert "<h1>not a heading" not in html
    assert "<b>" not in html
    assert "# not a heading<br />\n- not a list<br />\n1. nor this &lt;b&gt;bold&lt;/b&gt;" in html
    # The bracketed text stays as typed; only the web address in it becomes a link, to itself.
    assert '[link](<a href="http://x.example">http://x.example</a>)' in html


def test_the_files_are_named_after_the_session(client: TestClient, exported: Exported) -> None:
    for ext in ("docx", "md"):
        response = client.get(f"/sessions/{exported.world.session.id}/minutes.{ext}")
        disposition = response.headers["content-disposition"]
        assert disposition.startswith(f'attachment; filename="Acta - Ciudades que cuidan.{ext}"')
        assert f"filename*=UTF-8''Acta%20-%20Ciudades%20que%20cuidan.{ext}" in disposition
        assert response.headers["cache-control"] == "private, no-store"  # a draft


def test_a_title_beyond_ascii_gets_an_ascii_fallback_name(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    session = factories.session(db, factories.forum(db), title={"es": "Políticas: ¿cuidado/ñandú?"})
    login_as(Role.secretariat)
    assert client.post(f"/api/v1/sessions/{session.id}/minutes").status_code == 201
    disposition = client.get(f"/sessions/{session.id}/minutes.md").headers["content-disposition"]
    fallback = disposition.split('filename="')[1].split('"')[0]
    assert fallback.isascii()
    assert fallback.endswith(".md")
    assert "/" not in fallback
    assert "Pol" in fallback
    assert "nandu" in fallback
    assert "Pol%C3%ADticas" in disposition.split("filename*=UTF-8''")[1]


@pytest.mark.parametrize("ext", ["docx", "md"])
def test_only_readers_of_the_minutes_get_the_files(
    client: TestClient, exported: Exported, login_as: Callable[..., Any], ext: str
) -> None:
    path = f"/sessions/{exported.world.session.id}/minutes.{ext}"
    client.cookies.clear()
    assert client.get(path).status_code == 404  # a draft: as if there were none
    login_as(Role.participant)
    assert client.get(path).status_code == 404
    login_as(Role.secretariat)
    publish(client, exported.minutes_id)
    client.cookies.clear()
    response = client.get(path)
    assert response.status_code == 200
    assert "cache-control" not in response.headers
    login_as(Role.participant)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("ext", ["docx", "md"])
def test_no_session_or_no_minutes_is_404(
    client: TestClient, db: Session, login_as: Callable[..., Any], ext: str
) -> None:
    login_as(Role.secretariat)
    without = factories.session(db, factories.forum(db))
    assert client.get(f"/sessions/{without.id}/minutes.{ext}").status_code == 404
    assert client.get(f"/sessions/999999/minutes.{ext}").status_code == 404
    assert client.get(f"/sessions/abc/minutes.{ext}").status_code == 404


def test_the_exports_are_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    docx = paths["/sessions/{session_id}/minutes.docx"]["get"]["responses"]
    assert DOCX in docx["200"]["content"]
    md = paths["/sessions/{session_id}/minutes.md"]["get"]["responses"]
    assert "text/markdown" in md["200"]["content"]


def test_the_reading_page_and_the_editor_link_to_the_files(
    client: TestClient, exported: Exported
) -> None:
    sid = exported.world.session.id
    for page in (f"/sessions/{sid}/minutes", f"/minutes/{exported.minutes_id}/edit"):
        text = client.get(page).text
        assert f'href="/sessions/{sid}/minutes.docx"' in text, page
        assert f'href="/sessions/{sid}/minutes.md"' in text, page


def test_libreoffice_opens_the_docx(client: TestClient, exported: Exported, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path / "minutes.docx"
    source.write_bytes(client.get(f"/sessions/{exported.world.session.id}/minutes.docx").content)
    profile = tmp_path / "profile"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    pdf = tmp_path / "out" / "minutes.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.exists(), done.stdout + done.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 5000


def test_an_original_the_reader_may_not_open_is_not_linked(
    client: TestClient, exported: Exported, db: Session, login_as: Callable[..., Any]
) -> None:
    """As on the reading page: the quoted text stays, its link goes for whoever may not see it."""
    publish(client, exported.minutes_id)
    hidden = exported.linked
    hidden.status = "hidden"
    db.add(hidden)
    db.commit()
    url = f"http://testserver/contributions/{hidden.id}"
    path = f"/sessions/{exported.world.session.id}/minutes.md"
    assert url in client.get(path).text  # the secretariat
    client.cookies.clear()
    text = client.get(path).text
    assert url not in text
    assert "Read \\*this\\* at" in text


def test_control_characters_never_break_a_document(
    client: TestClient, exported: Exported, db: Session
) -> None:
    """XML cannot carry them: a DOCX holding one would not even save (a server error)."""
    mid = exported.minutes_id
    version = client.get(f"/api/v1/minutes/{mid}").json()["version"]
    client.post(
        f"/api/v1/minutes/{mid}/items/decision",
        json={"base_version": version, "text": "Ring\x07 the bell\x00 twice"},
    )
    doc = _docx(client, exported.world.session.id)
    texts = [p.text for p in doc.paragraphs]
    assert "Ring the bell twice" in texts or "Meet again in March" in texts
    md = client.get(f"/sessions/{exported.world.session.id}/minutes.md")
    assert md.status_code == 200
    assert "\x07" not in md.text
