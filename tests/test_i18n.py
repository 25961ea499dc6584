"""Every interface message is translated in es, pt and en, and the right language is chosen."""

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from scripts import i18n as catalogue_tool

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Extracts messages from the code and templates now, with the maintainers' command."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    catalogue_tool.extract(pot)
    with pot.open("rb") as fh:
        return {_key(m) for m in read_po(fh) if m.id}


def _key(message: Any) -> str:
    msgid = str(message.id if isinstance(message.id, str) else message.id[0])
    return f"{message.context}|{msgid}" if message.context else msgid


def test_extraction_reads_every_template_and_module() -> None:
    """A file the extraction skips (Babel skips folders starting with "_" by default, and with
    them templates/_macros) has messages no catalogue knows: they show in English everywhere."""
    app = ROOT / "app"
    wanted = {p.resolve() for p in (app / "templates").rglob("*") if p.is_file()}
    wanted |= {p.resolve() for p in app.rglob("*.py")}
    skipped = sorted(str(p.relative_to(ROOT)) for p in wanted - catalogue_tool.extracted_files())
    assert not skipped, f"not extracted (see babel.cfg and scripts/i18n.py): {skipped}"


def test_the_shared_form_macros_are_extracted(extracted: set[str]) -> None:
    shared = {"required", "required in at least one language", "There is a problem"}
    assert shared | {"Yes, delete", "This cannot be undone."} <= extracted


# Forms of European Portuguese with a different Brazilian one: `pt` is Brazilian (issue 10).
EUROPEAN = {
    r"\bficheir": "arquivo",
    r"\butilizador": "usuário",
    r"\becrã": "tela",
    r"\bregist(ar|o|ado|ada|e)\b": "registrar, registro",
    r"\bgénero": "gênero",
    r"\bao acaso\b": "aleatoriamente",
    r"\bperspetiv": "perspectiva",
    r"\bequipa\b": "equipe",
    r"\bpalavra-passe": "senha",
    r"\btelemóvel": "celular",
    r"\bguard(ar|ado|ados|ada|adas)\b": "salvar",
    r"\bcontacto": "contato",
    r"\bsecção": "seção",
    r"\b(facto|projecto|acção|direcção|óptimo|actual(mente)?)\b": "fato, projeto, ação...",
    r"\bpartilh": "compartilhar",
    r"\best(á|ão|ou|amos) a [a-zç]+r\b": "está fazendo",
    r"(?<!todos )(?<!todas )\b(os|as) (seus|suas)\b": "seus, suas (without the article)",
    r"\benquadramento\b": "marco, contexto",
    r"\baprendizagens\b": "aprendizados",
}


def _portuguese_texts() -> list[str]:
    """Every pt msgstr, and every "pt" text written in the code (caucuses, demo content)."""
    with (ROOT / "locales" / "pt" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        texts = [
            text
            for m in read_po(fh, locale="pt")
            if m.id
            for text in (m.string if isinstance(m.string, tuple) else (m.string,))
            if text
        ]
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    pt = isinstance(key, ast.Constant) and key.value == "pt"
                    if pt and isinstance(value, ast.Constant) and isinstance(value.value, str):
                        texts.append(value.value)
    return texts


def test_portuguese_is_brazilian() -> None:
    found = [
        f"{text[:80]!r}: {better}"
        for text in _portuguese_texts()
        for pattern, better in EUROPEAN.items()
        if re.search(pattern, PLACEHOLDER.sub("", text), re.IGNORECASE)
    ]
    assert not found, "European Portuguese forms: " + "; ".join(found)


@pytest.mark.parametrize("locale", ["es", "pt", "en"])
def test_catalogue_is_complete_and_reviewed(locale: str, extracted: set[str]) -> None:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    messages = {_key(m): m for m in catalog if m.id}
    missing = sorted(extracted - messages.keys())
    assert not missing, f"{locale}: not in the catalogue (run pybabel update): {missing}"
    problems = []
    for key, message in messages.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {key}")
        if not all(strings):
            problems.append(f"untranslated: {key}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {key}")
    assert not problems, f"{locale}: " + "; ".join(problems)


def test_language_comes_from_the_browser_by_default(client: TestClient) -> None:
    html = client.get("/", headers={"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}).text
    assert '<html lang="pt">' in html
    assert "Fóruns" in html or "Foros" not in html


def test_switcher_choice_is_remembered_in_a_cookie(client: TestClient) -> None:
    first = client.get("/forums?lang=es")
    assert first.cookies.get("th_lang") == "es" or client.cookies.get("th_lang") == "es"
    later = client.get("/forums", headers={"Accept-Language": "en"})
    assert '<html lang="es">' in later.text
    assert later.headers["content-language"] == "es"


def test_switcher_links_keep_the_rest_of_the_address(client: TestClient) -> None:
    html = client.get("/users?cursor=abc", follow_redirects=True).text
    assert 'href="/login?next=%2Fusers%3Fcursor%3Dabc&amp;lang=es"' in html


def test_unknown_language_falls_back_to_english(client: TestClient) -> None:
    html = client.get("/?lang=xx", headers={"Accept-Language": "de-DE"}).text
    assert '<html lang="en">' in html


def test_interface_text_is_translated_everywhere(client: TestClient) -> None:
    for lang, words in {
        "es": ["Foros", "Ponentes"],
        "pt": ["Fóruns", "Entrar"],
        "en": ["Forums", "Speakers"],
    }.items():
        html = client.get(f"/?lang={lang}").text
        for word in words:
            assert word in html, (lang, word)


def test_validation_messages_are_localised_in_the_api(client: TestClient, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.models.users import Role

    login_as(Role.secretariat)
    response = client.post("/api/v1/forums?lang=es", json={"kind": "event", "title": {}})
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Datos no válidos" or body["status"] == 422
    assert any("idioma" in m for m in body["errors"]["body.title"]), body
