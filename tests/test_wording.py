"""What the pages say, as a reader of each language reads it (issue 10, defect 6): the history
says what happened ("Aceita"), not the button ("Aceitar"); participles agree with their noun;
a text missing in Portuguese falls back to Spanish before English; the audit log speaks in
sentences; the report reason starts unchosen; the time-zone choice is grouped by region."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import i18n
from app.config import Settings
from app.models.caremap import STATUS_LABELS as CROWD_STATUS_LABELS
from app.models.contributions import EVENT_LABELS, STATUS_LABELS
from app.models.users import Role
from app.services import audit, live
from tests import factories
from tests.conftest import form_token

ROOT = Path(__file__).resolve().parent.parent


def _say(locale: str, label: str) -> str:
    i18n.set_locale(locale)
    try:
        return i18n.gettext(label)
    finally:
        i18n.set_locale("en")


def test_the_history_says_what_happened_and_the_button_what_to_do(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, status="pending", title="Esperando")
    login_as(Role.secretariat)
    decided = client.post(
        f"/api/v1/contributions/{item.id}/moderation", json={"action": "accept", "reason": ""}
    )
    assert decided.status_code == 200, decided.text
    for lang, happened, button in (("pt", "Aceita", "Aceitar"), ("es", "Aceptada", "Aceptar")):
        page = lxml.html.fromstring(client.get(f"/contributions/{item.id}?lang={lang}").text)
        history = " ".join(page.xpath("//ol[@class='events']//text()"))
        assert happened in history, history
        assert button not in history, history
    factories.contribution(db, forum, status="pending", title="Outra")
    queue = client.get("/moderation?lang=pt").text
    assert ">Aceitar</button>" in queue


def test_participles_agree_with_the_noun() -> None:
    assert _say("pt", STATUS_LABELS["rejected"]) == "Rejeitada"  # a contribuição
    assert _say("es", STATUS_LABELS["rejected"]) == "Rechazada"
    assert _say("pt", CROWD_STATUS_LABELS["rejected"]) == "Rejeitado"  # um relato
    assert _say("es", CROWD_STATUS_LABELS["rejected"]) == "Rechazado"
    assert _say("pt", EVENT_LABELS["reject"]) == "Rejeitada"
    assert _say("en", EVENT_LABELS["reject"]) == "Rejected"


def test_portuguese_readers_get_spanish_before_english(client: TestClient, db: Session) -> None:
    forum = factories.forum(db, title={"en": "World Forum", "es": "Foro Mundial"})
    html = client.get(f"/forums/{forum.id}?lang=pt").text
    assert "Foro Mundial" in html
    i18n.set_locale("es")
    assert i18n.localized({"en": "Care", "pt": "Cuidado"}) == ("Cuidado", "pt")
    i18n.set_locale("en")
    assert i18n.localized({"pt": "Cuidado", "es": "Cuidados"}) == ("Cuidados", "es")


def test_the_fallback_order_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(locale_fallbacks={"pt": ["en", "es"]})
    monkeypatch.setattr(i18n, "get_settings", lambda: settings)
    assert i18n.fallbacks("pt") == ("en", "es")
    assert i18n.localized({"en": "Forum", "es": "Foro"}, "pt") == ("Forum", "en")


def test_a_message_missing_in_portuguese_is_read_in_spanish(tmp_path: Path) -> None:
    for locale, text in (("es", "Hay un problema"), ("pt", "")):
        folder = tmp_path / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            f'msgid "There is a problem"\nmsgstr "{text}"\n',
            encoding="utf-8",
        )
    assert i18n.translations("pt", tmp_path).gettext("There is a problem") == "Hay un problema"
    assert i18n.translations("en", tmp_path).gettext("There is a problem") == "There is a problem"


# -- the audit log ------------------------------------------------------------------------------


def _recorded_codes() -> set[tuple[str, str]]:
    """(action, object type) of every audit entry the code writes, read from its calls."""
    found: set[tuple[str, str]] = set()
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"audit\.(record|delete)\((.*?)\)\n", text, re.S):
            kind = re.search(r'object_type="([a-z_]+)"', call.group(2))
            if kind is None:
                continue
            actions = ["delete"] if call.group(1) == "delete" else []
            action = re.search(r"action=([^,]+),", call.group(2))
            actions += re.findall(r'"([a-z_.]+)"', action.group(1)) if action else []
            found |= {(a, kind.group(1)) for a in actions}
        for action, kind in re.findall(r'_record\(\s*db, actor, "([a-z_.]+)", "([a-z_]+)"', text):
            found.add((action, kind))
    return found


def test_every_audit_code_the_code_writes_has_a_sentence() -> None:
    codes = _recorded_codes()
    assert ("live.open", "session") in codes
    assert ("live.close", "session") in codes
    assert ("user.accept", "invitation") in codes
    missing = sorted(c for c in codes if not audit.described(*c))
    assert not missing, f"add a sentence to services/audit.py: {missing}"
    unnamed = sorted({kind for _action, kind in codes} - audit._OBJECTS.keys())
    assert not unnamed, f"add a name to services/audit.py: {unnamed}"


def test_the_audit_log_reads_as_sentences(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    staff = factories.staff(db)
    live.set_open(db, actor=staff, session=session, open_=True)
    login_as(Role.admin)
    page = lxml.html.fromstring(client.get("/audit?lang=pt").text)
    cells = [" ".join(row.xpath("td//text()")) for row in page.xpath("//tbody/tr")]
    text = "\n".join(cells)
    assert "Abriu a sessão ao vivo para comentários" in text, text
    assert "Criou uma sessão" in text, text
    assert "Sessão #" in text
    assert "live.open" not in text
    assert "create" not in text


# -- forms --------------------------------------------------------------------------------------


def test_the_report_reason_starts_unchosen(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum)
    login_as(Role.participant)
    page = lxml.html.fromstring(client.get(f"/contributions/{item.id}?lang=pt").text)
    select = page.get_element_by_id("f-report-reason")
    assert select.value in ("", None)  # what a browser would send untouched
    assert select.get("required") is not None
    first = select.xpath("option")[0]
    assert (first.get("value"), first.text) == ("", "Escolha um motivo")
    assert not select.xpath("option[@selected]")
    token = form_token(client, f"/contributions/{item.id}")
    sent = client.post(
        f"/contributions/{item.id}/report?lang=pt",
        data={"csrf_token": token, "reason": "", "note": "Parece propaganda"},
    )
    assert sent.status_code == 422
    error = lxml.html.fromstring(sent.text).get_element_by_id("e-report-reason")
    assert error.text_content().strip() == "Este campo é obrigatório."
    assert "Parece propaganda" in sent.text


def test_the_time_zone_choice_is_grouped_by_region_in_the_readers_language(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    login_as(Role.secretariat)
    page = lxml.html.fromstring(client.get("/forums/new?lang=pt").text)
    select = page.get_element_by_id("f-timezone")
    groups = {g.get("label"): g for g in select.xpath("optgroup")}
    assert {"Américas", "Europa", "África", "Ásia", "Outras zonas"} <= groups.keys()
    americas = {o.get("value"): o.text for o in groups["Américas"].xpath("option")}
    assert americas["America/Sao_Paulo"] == "São Paulo — America/Sao Paulo"
    assert americas["America/Montevideo"] == "Montevidéu — America/Montevideo"
    assert select.value == "UTC"
    every = select.xpath(".//option/@value")
    assert len(every) == len(set(every)) > 500  # every zone still choosable, once
    assert page.xpath("//div[@data-tz-filter='f-timezone'][@hidden]")  # shown by the script
