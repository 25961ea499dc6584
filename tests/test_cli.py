"""The `townhall` command as an operator uses it."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import cli
from app.config import get_settings
from app.db import make_engine, open_session
from app.models.forums import Forum, ForumSession
from app.models.speakers import Speaker
from app.models.users import User


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url  # type: ignore[misc]
    get_settings.cache_clear()


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    with open_session(engine, write=False) as db:
        value = db.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return int(value)


def test_demo_loads_the_seed_processes_once(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo"]) == 0
    first = (_count(db_url, Forum), _count(db_url, ForumSession), _count(db_url, Speaker))
    assert cli.main(["demo"]) == 0
    assert (_count(db_url, Forum), _count(db_url, ForumSession), _count(db_url, Speaker)) == first
    assert first[0] == 2
    assert first[1] >= 6
    assert first[2] >= 14
    assert "Demo data loaded (2 forums)" in capsys.readouterr().out


def test_first_admin_is_created_from_the_command_line(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        [
            "user",
            "create",
            "--email",
            "Ops@Example.org",
            "--name",
            "Ops",
            "--role",
            "admin",
            "--password",
            "a long enough password",
        ]
    )
    assert code == 0
    assert "Created admin ops@example.org" in capsys.readouterr().out
    again = cli.main(
        [
            "user",
            "create",
            "--email",
            "ops@example.org",
            "--name",
            "Ops",
            "--password",
            "a long enough password",
        ]
    )
    assert again == 2
    assert "already exists" in capsys.readouterr().err
    assert _count(db_url, User) == 1


def test_weak_password_is_refused(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli.main(
            ["user", "create", "--email", "a@example.org", "--name", "A", "--password", "short"]
        )
        == 2
    )
    assert "password" in capsys.readouterr().err


def test_caremap_compute_is_reachable_from_townhall(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.caremap.demo import demo_files

    files = demo_files(7)
    paths = {}
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        paths[name] = path
    units = next(p for n, p in paths.items() if "unit" in n)
    demand = next(p for n, p in paths.items() if "demand" in n)
    supply = next(p for n, p in paths.items() if "supply" in n)
    out_units, out_points = tmp_path / "units.csv", tmp_path / "points.csv"
    code = cli.main(
        [
            "caremap",
            "compute",
            "--units",
            str(units),
            "--demand",
            str(demand),
            "--supply",
            str(supply),
            "--method",
            "e2sfca",
            "--catchment-m",
            "1000",
            "--decay",
            "gaussian",
            "--sigma-m",
            "500",
            "--out-units",
            str(out_units),
            "--out-points",
            str(out_points),
        ]
    )
    assert code == 0, capsys.readouterr().err
    header = out_units.read_text().splitlines()[0]
    assert header.startswith("unit_id,care_group,persons,capacity_located,accessible_places")
    assert (
        out_points.read_text().splitlines()[0]
        == "id,care_group,access,nearest_m,n_in_reach,no_supply"
    )
