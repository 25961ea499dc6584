"""No acknowledged write lost and none stored twice across a `kill -9` of the server (issue 15,
"Trust", durability): bench/durability.py with 20 clients instead of 200.

Each client logs in to a served instance (`townhall serve` on a loopback port, a fresh SQLite
file; and a fresh PostgreSQL database when the suite runs on PostgreSQL), then submits
proposals (Idempotency-Key header), endorses, posts live remarks (key in the body), saves its
policy section on a base version and, for the secretariat, its minutes block; the server gets
SIGKILL once a third of the actions are acknowledged and is restarted on the same port; the
clients resend every unanswered or failed request unchanged. Every acknowledged action must be
in the database once, no request may get a 5xx outside the kill, and the database must pass
its integrity check.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 20


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_durability", ROOT / "bench/durability.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _check(report: object) -> None:
    text = report.table()  # type: ignore[attr-defined]
    total = report.total  # type: ignore[attr-defined]
    assert total.acknowledged > 0, text
    assert total.lost == 0, text
    assert total.duplicated == 0, text
    assert total.rejected == 0, text
    assert total.http5xx_other == 0, text
    assert total.stored == total.acknowledged, text
    assert report.extra_blocks == 0, text  # type: ignore[attr-defined]
    assert report.integrity.endswith("ok"), text  # type: ignore[attr-defined]


def test_kill_9_mid_load_sqlite() -> None:
    _check(_bench().run_sqlite(clients=CLIENTS, per_kind=2))


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TOWNHALL_TEST_DATABASE_URL)")
def test_kill_9_mid_load_postgres() -> None:
    _check(_bench().run_postgres(PG_URL, clients=CLIENTS, per_kind=2))
