"""Snapshots: frozen text and sources that later edits never change (the API, the page and all
three exports byte for byte), the diff between two snapshots, the sources as endnotes read
back with python-docx, a hidden source frozen as "source not public", and the DOCX opened by
LibreOffice."""

import dataclasses
import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select
from sqlmodel import Session, col

from app.i18n import N_
from app.models.forums import Forum
from app.models.policy_sources import ParagraphSource
from app.models.policy_stages import SnapshotSource
from app.models.users import Role
from app.services import policy, targets
from tests import factories
from tests.policy.helpers import Paper, paper
from tests.policy.test_stages import move, sign_off

Login = Callable[..., Any]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclasses.dataclass
class Frozen:
    made: Paper
    doc: int
    seen: Any  # the published contribution that fed paragraph 1
    hidden: Any  # a hidden one that fed paragraph 2
    paragraphs: list[int]


@pytest.fixture
def frozen(
    client: TestClient, db: Session, login_as: Login, monkeypatch: pytest.MonkeyPatch
) -> Frozen:
    """The paper moved to the Policy Council (snapshot 2, public), two of its paragraphs fed by
    a published and a hidden contribution. The contribution kind cites its channel and day
    here whatever the sources part registers, so the endnote's words are known."""
    spec = targets.kind_of("contribution")
    monkeypatch.setitem(
        targets._kinds,
        "contribution",
        dataclasses.replace(spec, cite=lambda c: (N_("Submitted online"), c.created_at.date())),
    )
    made = paper(db)
    sign_off(db, made)
    forum_row = db.get(Forum, made.document.forum_id)
    seen = factories.contribution(db, forum_row, title="Care centres in every neighbourhood")
    hidden = factories.contribution(db, forum_row, title="Secret plan", status="hidden")
    ids = [p.id or 0 for p in policy.current_paragraphs(db, made.section.id or 0)]
    for paragraph_id, target in ((ids[0], seen), (ids[1], hidden)):
        db.add(
            ParagraphSource(
                document_id=made.document.id or 0,
                paragraph_id=paragraph_id,
                target_kind="contribution",
                target_id=target.id,
                outcome="incorporated",
            )
        )
    db.commit()
    login_as(Role.secretariat)
    doc = made.document.id or 0
    assert move(client, doc).status_code == 200
    assert move(client, doc).status_code == 200
    return Frozen(made, doc, seen, hidden, ids)


def _files(client: TestClient, doc: int, n: int) -> dict[str, bytes]:
    out = {}
    for path in (f"export.docx?snapshot={n}", f"export.md?snapshot={n}", f"print?snapshot={n}"):
        answer = client.get(f"/documents/{doc}/{path}")
        assert answer.status_code == 200, (path, answer.text[:500])
        out[path] = answer.content
    out["api"] = client.get(f"/api/v1/documents/{doc}/snapshots/{n}").content
    page = client.get(f"/documents/{doc}/v/{n}").text
    out["page"] = page[page.index('<div class="policy-text">') : page.index("</main>")].encode()
    # The printable page's article (the chrome around it carries the session's CSRF token).
    printed = out[f"print?snapshot={n}"].decode()
    out[f"print?snapshot={n}"] = printed[
        printed.index("<article") : printed.index("</article>")
    ].encode()
    return out


def test_later_edits_change_nothing_frozen(client: TestClient, db: Session, frozen: Frozen) -> None:
    before = _files(client, frozen.doc, 2)
    again = _files(client, frozen.doc, 2)
    assert before == again  # the same snapshot, the same bytes
    section = client.get(f"/api/v1/sections/{frozen.made.section.id}").json()
    saved = client.put(
        f"/api/v1/sections/{frozen.made.section.id}",
        json={
            "body": "EDITED AFTER FREEZING.\n\n" + section["body"],
            "base_version": section["version"],
        },
    )
    assert saved.status_code == 200
    db.add(
        ParagraphSource(
            document_id=frozen.doc,
            paragraph_id=frozen.paragraphs[2],
            target_kind="contribution",
            target_id=frozen.seen.id,
            outcome="merged",
        )
    )
    frozen.seen.title = "Renamed later"
    db.add(frozen.seen)
    db.commit()
    after = _files(client, frozen.doc, 2)
    for name in before:
        assert after[name] == before[name], name
    assert b"EDITED AFTER FREEZING" not in b"".join(after.values())
    assert b"EDITED AFTER FREEZING" in client.get(f"/documents/{frozen.doc}/export.md").content


def test_the_diff_between_two_snapshots(client: TestClient, db: Session, frozen: Frozen) -> None:
    section = client.get(f"/api/v1/sections/{frozen.made.section.id}").json()
    body = section["body"].replace("every person", "every single person")
    assert (
        client.put(
            f"/api/v1/sections/{frozen.made.section.id}",
            json={"body": body, "base_version": section["version"]},
        ).status_code
        == 200
    )
    assert move(client, frozen.doc).status_code == 200  # snapshot 3, the committee
    page = client.get(f"/documents/{frozen.doc}/v/3/diff")
    assert page.status_code == 200
    assert '<ins><span class="visually-hidden">inserted: </span>single </ins>' in page.text
    assert "Paragraph changed" in page.text
    assert page.text.count("diff-paragraph diff-changed") == 1
    # Version 2's page says a later one exists, and links the diff from version 1.
    two = client.get(f"/documents/{frozen.doc}/v/2").text
    assert "A later version exists." in two
    assert f'href="/documents/{frozen.doc}/v/2/diff"' in two
    first = client.get(f"/documents/{frozen.doc}/v/1/diff")
    assert first.status_code == 200
    assert "no earlier one" in first.text


def test_sources_are_endnotes_in_every_format(client: TestClient, frozen: Frozen) -> None:
    files = _files(client, frozen.doc, 2)
    word = Document(io.BytesIO(files["export.docx?snapshot=2"]))
    rel = next(r for r in word.part.rels.values() if r.reltype == RELATIONSHIP_TYPE.ENDNOTES)
    notes = etree.fromstring(rel.target_part.blob)
    texts = {
        n.get(f"{W}id"): "".join(t.text or "" for t in n.iter(f"{W}t"))
        for n in notes.findall(f"{W}endnote")
        if n.get(f"{W}type") is None
    }
    day = frozen.seen.created_at.date()
    assert texts == {
        "1": " Care centres in every neighbourhood. Submitted online, "
        f"{day:%B} {day.day}, {day.year}. http://testserver/contributions/{frozen.seen.id}",
        "2": " Source not public.",
    }
    # Each paragraph cites its note, in the text it fed.
    cited = {
        p.text: [r.get(qn("w:id")) for r in p._p.iter(qn("w:endnoteReference"))]
        for p in word.paragraphs
    }
    assert cited["Care is a right of every person, at every age."] == ["1"]
    assert cited["Public authorities fund care services and train care workers."] == ["2"]
    markdown = files["export.md?snapshot=2"].decode()
    assert "Care is a right of every person, at every age. \\[1\\]" in markdown
    assert (
        f"1. Care centres in every neighbourhood. Submitted online, {day:%B} {day.day}, {day.year}. <http://testserver/contributions/{frozen.seen.id}>"
        in markdown
    )
    assert "2. Source not public." in markdown
    assert "Secret plan" not in markdown
    page = client.get(f"/documents/{frozen.doc}/v/2").text
    assert 'id="note-1"' in page
    assert f'href="/contributions/{frozen.seen.id}"' in page
    assert "Secret plan" not in page
    assert "Source not public" in page
    assert re.search(rf'<div class="policy-paragraph" id="p-{frozen.paragraphs[0]}">', page)


def test_frozen_sources_are_rows_too(db: Session, frozen: Frozen) -> None:
    rows = factories.query(db, select(SnapshotSource).order_by(col(SnapshotSource.id)))
    assert [(r.paragraph_id, r.section_number, r.target_id, r.outcome) for r in rows] == [
        (frozen.paragraphs[0], "1", frozen.seen.id, "incorporated"),
        (frozen.paragraphs[1], "1", frozen.hidden.id, "incorporated"),
    ] * 2  # snapshots 1 and 2


def test_the_public_reads_public_snapshots_only(client: TestClient, frozen: Frozen) -> None:
    client.cookies.clear()
    listed = client.get(f"/api/v1/documents/{frozen.doc}/snapshots").json()
    assert [s["number"] for s in listed] == [2]
    assert client.get(f"/api/v1/documents/{frozen.doc}/snapshots/1").status_code == 404
    assert client.get(f"/documents/{frozen.doc}/v/1").status_code == 404
    assert client.get(f"/documents/{frozen.doc}/export.docx?snapshot=1").status_code == 404
    latest = client.get(f"/documents/{frozen.doc}/export.md")
    assert latest.status_code == 200
    assert latest.content == client.get(f"/documents/{frozen.doc}/export.md?snapshot=2").content
    page = client.get(f"/documents/{frozen.doc}")
    assert page.status_code == 200
    assert "Version 2" in page.text
    # Version 2's diff compares with nothing the public may read.
    assert "no earlier one" in client.get(f"/documents/{frozen.doc}/v/2/diff").text


def test_libreoffice_opens_the_snapshot_docx(
    client: TestClient, frozen: Frozen, tmp_path: Path
) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path / "snapshot.docx"
    source.write_bytes(client.get(f"/documents/{frozen.doc}/export.docx?snapshot=2").content)
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
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
    pdf = tmp_path / "out" / "snapshot.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.exists(), done.stdout + done.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    # LibreOffice reads the endnotes: as HTML, the note's words and its number 1 (not "i").
    text = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "html:XHTML Writer File:UTF8",
            "--outdir",
            str(tmp_path / "txt"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert text.returncode == 0, text.stderr
    words = (tmp_path / "txt" / "snapshot.html").read_text(encoding="utf-8")
    assert "Care centres in every neighbourhood" in words
    assert ">1<" in words
    assert ">i<" not in words
