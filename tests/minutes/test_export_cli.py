"""`townhall minutes export SESSION_ID --format docx|md -o FILE`, as the secretariat's scripts
run it: any status, the links as staff see them, exit code 2 with a clear error otherwise."""

import io
from pathlib import Path

import pytest
from docx import Document

from app import cli
from app.config import get_settings
from app.db import make_engine, open_session
from app.models.minutes import MinutesCreate
from app.services import minutes as minutes_service
from tests import factories
from tests.minutes.helpers import meeting


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", url)
    monkeypatch.setenv("TOWNHALL_BASE_URL", "https://townhall.example.org")
    get_settings.cache_clear()
    yield url  # type: ignore[misc]
    get_settings.cache_clear()


def _world(url: str) -> tuple[int, int, int]:
    """(session with draft minutes, session without minutes, a remark the draft quotes that was
    hidden since: only staff may open it)."""
    cli.db_upgrade(url)
    engine = make_engine(url)
    try:
        with open_session(engine, write=True) as db:
            world = meeting(db)
            staff = factories.staff(db)
            minutes_service.create_draft(
                db, actor=staff, session=world.session, data=MinutesCreate()
            )
            hidden = world.remarks["talk"]
            hidden.status = "hidden"
            db.add(hidden)
            other = factories.session(db, factories.forum(db))
            db.commit()
            return world.session.id or 0, other.id or 0, world.remarks["talk"].id
    finally:
        engine.dispose()


def test_the_draft_is_exported_as_markdown_and_docx(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session_id, _other, remark_id = _world(db_url)
    md = tmp_path / "out.md"
    assert cli.main(["minutes", "export", str(session_id), "--format", "md", "-o", str(md)]) == 0
    assert f"written to {md}" in capsys.readouterr().out
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Acta de «Ciudades que cuidan»")
    assert "*Estado: Borrador*" in text  # a draft, exported all the same
    # As the secretariat sees it: the hidden original is still linked.
    assert f"<https://townhall.example.org/contributions/{remark_id}>" in text
    docx = tmp_path / "out.docx"
    code = cli.main(["minutes", "export", str(session_id), "--format", "docx", "-o", str(docx)])
    assert code == 0
    doc = Document(io.BytesIO(docx.read_bytes()))
    assert doc.core_properties.title == "Acta de «Ciudades que cuidan»"
    assert any(r.bold and r.text == "Rosa Pavanelli" for p in doc.paragraphs for r in p.runs)


def test_an_unknown_session_or_one_without_minutes_is_an_error(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _session_id, other, _remark = _world(db_url)
    out = tmp_path / "none.md"
    assert cli.main(["minutes", "export", "999999", "--format", "md", "-o", str(out)]) == 2
    assert "no session 999999" in capsys.readouterr().err
    assert cli.main(["minutes", "export", str(other), "--format", "md", "-o", str(out)]) == 2
    assert f"session {other} has no minutes" in capsys.readouterr().err
    assert not out.exists()


def test_an_unwritable_output_is_an_error(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session_id, _other, _remark = _world(db_url)
    target = tmp_path / "missing" / "dir" / "out.md"
    code = cli.main(["minutes", "export", str(session_id), "--format", "md", "-o", str(target)])
    assert code == 2
    assert "error:" in capsys.readouterr().err


def test_the_format_is_required_and_checked(db_url: str) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["minutes", "export", "1", "--format", "pdf", "-o", "x.pdf"])
    assert exited.value.code == 2
