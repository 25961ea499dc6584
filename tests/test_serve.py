"""`townhall serve`: what it hands to uvicorn."""

from typing import Any

import pytest

from app import cli
from app.config import get_settings


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli, "db_upgrade", lambda url=None: None)
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: seen.update(kw))
    yield seen
    get_settings.cache_clear()


def _serve(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    assert cli.main(["serve"]) == 0


def test_forwarded_headers_are_not_trusted_unless_the_setting_says_so(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 10: `serve` passed proxy_headers=True, so uvicorn believed X-Forwarded-For from
    127.0.0.1 although TOWNHALL_TRUST_FORWARDED_FOR was false."""
    _serve(monkeypatch, TOWNHALL_TRUST_FORWARDED_FOR="false")
    assert served["proxy_headers"] is False
    assert not served["forwarded_allow_ips"]


def test_behind_a_proxy_one_setting_turns_forwarded_headers_on(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve(monkeypatch, TOWNHALL_TRUST_FORWARDED_FOR="true")
    assert served["proxy_headers"] is True
    assert served["forwarded_allow_ips"] == "*"


def test_shutdown_drains_for_a_bounded_time_from_a_setting(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 25: SIGTERM waited as long as the stuck requests (86 s); now a bounded drain."""
    _serve(monkeypatch, TOWNHALL_SHUTDOWN_DRAIN_S="7")
    assert served["timeout_graceful_shutdown"] == 7
