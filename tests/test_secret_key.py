"""The built-in secret key never signs a real server's sessions (issue 9, finding 2)."""

from pathlib import Path
from typing import Any

import pytest

from app import cli, config
from app.config import get_settings

BUILT_IN = "dev-insecure-secret-change-me"


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """`townhall serve` without a key: the database and uvicorn are stand-ins."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.delenv("TOWNHALL_SECRET_KEY", raising=False)
    monkeypatch.delenv("TOWNHALL_DEMO", raising=False)
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setattr(config, "DEMO_KEY_FILE", tmp_path / "var" / "secret_key", raising=False)
    monkeypatch.setattr(cli, "db_upgrade", lambda url=None: None)
    monkeypatch.setattr(cli, "load_demo", lambda: {})
    monkeypatch.setattr(
        uvicorn, "run", lambda *a, **kw: calls.append({"key": get_settings().secret_key})
    )
    get_settings.cache_clear()
    yield calls  # type: ignore[misc]
    get_settings.cache_clear()


def test_serve_refuses_to_start_with_the_built_in_key(
    served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve"]) == 2
    assert served == []
    assert "TOWNHALL_SECRET_KEY" in capsys.readouterr().err


def test_demo_generates_a_random_key_once_and_keeps_it(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.main(["serve", "--demo"]) == 0
    monkeypatch.delenv("TOWNHALL_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    assert cli.main(["serve", "--demo"]) == 0
    first, second = served[0]["key"], served[1]["key"]
    assert first == second != BUILT_IN
    assert len(first) >= 32
    assert (tmp_path / "var" / "secret_key").read_text().strip() == first
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_debug_mode_may_start_without_a_key(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOWNHALL_DEBUG", "true")
    get_settings.cache_clear()
    assert cli.main(["serve"]) == 0
    assert served[0]["key"] != BUILT_IN


def test_a_real_key_is_used_as_given(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOWNHALL_SECRET_KEY", "a-real-key-from-the-operator-0123456789")
    get_settings.cache_clear()
    assert cli.main(["serve"]) == 0
    assert served[0]["key"] == "a-real-key-from-the-operator-0123456789"


def test_the_app_factory_itself_refuses_the_built_in_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`uvicorn --factory app.main:create_app` bypasses `townhall serve`: the factory checks too."""
    from app.config import InsecureSecretKey, Settings
    from app.main import create_app

    monkeypatch.setattr(config, "DEMO_KEY_FILE", tmp_path / "var" / "secret_key", raising=False)
    url = f"sqlite:///{tmp_path / 'factory.db'}"
    with pytest.raises(InsecureSecretKey):
        create_app(Settings(database_url=url, secret_key=BUILT_IN, demo=False, debug=False))
    with pytest.raises(InsecureSecretKey):
        create_app(Settings(database_url=url, secret_key="", demo=False, debug=False))
    app = create_app(Settings(database_url=url, secret_key=BUILT_IN, debug=True))
    assert app.state.settings.debug
    assert (tmp_path / "var" / "secret_key").exists()
