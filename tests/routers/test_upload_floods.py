"""Pixel floods through the proposal form (issue 9, finding 5): the submission counts against
its rate limit before any file is looked at, and a refused image is named on the field, in the
reader's language, with the rest of the form kept."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.lib import uploads
from app.models.contributions import Contribution
from app.models.users import Role
from app.services.contributions import submit
from tests import factories
from tests.conftest import form_token
from tests.lib.image_bombs import long_gif, wide_png


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The images the upload checks opened."""
    opened: list[str] = []
    real = uploads._reencode_image

    def counted(data: bytes, kind: uploads.Kind, name: str) -> bytes:
        opened.append(name)
        return real(data, kind, name)

    monkeypatch.setattr(uploads, "_reencode_image", counted)
    return opened


def _post(
    client: TestClient,
    forum_id: int,
    files: list[tuple[str, bytes]],
    lang: str = "en",
    **fields: str,
) -> Any:
    token = form_token(client, f"/contributions/new?forum_id={forum_id}")
    data = {
        "csrf_token": token,
        "forum_id": str(forum_id),
        "language": "pt",
        "title": "Creches no bairro",
        "body": "Uma creche pública a cada dez quarteirões.",
        **fields,
    }
    return client.post(
        f"/contributions/new?lang={lang}",
        data=data,
        files=[("attachments", (name, content, "image/png")) for name, content in files],
        follow_redirects=False,
    )


def test_over_the_rate_limit_no_file_is_opened(
    client: TestClient, db: Session, login_as: Any, decodes: list[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr(submit, "SUBMIT_LIMIT_ACCOUNT", 1)
    forum = factories.forum(db)
    login_as(Role.participant)
    assert _post(client, forum.id, []).status_code == 303
    bombs = [(f"plano{i}.png", wide_png()) for i in range(5)]
    refused = _post(client, forum.id, bombs)
    assert refused.status_code == 429
    assert decodes == []


def test_anonymous_floods_are_limited_per_address_before_their_files_are_opened(
    client: TestClient, db: Session, decodes: list[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr(submit, "SUBMIT_LIMIT_IP", 2)
    forum = factories.forum(db)
    anonymous = {
        "author_name": "Ana",
        "author_email": "ana@example.org",
        "consent": "true",
        "accept_privacy": "true",
    }
    codes = [
        _post(client, forum.id, [("animacao.gif", long_gif())], **anonymous).status_code
        for _ in range(4)
    ]
    # The refused ones count too: a flood of bombs is a flood of submissions.
    assert codes == [422, 422, 429, 429]
    assert decodes == ["animacao.gif", "animacao.gif"]
    assert factories.query(db, select(Contribution)) == []


def test_a_refused_image_is_named_on_the_field_in_the_readers_language_and_the_form_kept(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    login_as(Role.participant)
    response = _post(client, forum.id, [("plano.png", wide_png())], lang="pt")
    assert response.status_code == 422
    html = response.text
    error = html[html.index('id="e-attachments"') : html.index('id="f-attachments"')]
    assert "A imagem “plano.png” tem pixels demais" in error
    assert "no máximo 16 megapixels" in error
    assert "Creches no bairro" in html
    assert "Uma creche pública a cada dez quarteirões." in html
    assert factories.query(db, select(Contribution)) == []
