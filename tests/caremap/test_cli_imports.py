"""`townhall caremap compute` loads the engine and nothing of the web platform.

Run in a fresh interpreter through the real entry (``python -m app.cli``, the
module the ``townhall`` console script calls), then its ``sys.modules`` is read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.caremap.demo import demo_files

ROOT = Path(__file__).resolve().parents[2]

# Never imported by the compute command: the web stack, the database layer, the settings,
# the app's own routers/services/templates, and SciPy (only the web's pair estimate uses it).
FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "jinja2",
    "uvicorn",
    "pydantic",
    "pydantic_settings",
    "babel",
    "app.config",
    "app.db",
    "app.main",
    "app.models",
    "app.routers",
    "app.services",
    "app.templating",
    "app.caremap.svg",
    "scipy",
)

RUN = """
import json, runpy, sys
sys.argv = ["townhall", *json.loads(sys.argv[1])]
try:
    runpy.run_module("app.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = None
sys.stdout.write("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded(*argv: str) -> tuple[object, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(list(argv))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(done.stdout.rsplit("\n", 1)[-1])
    return report["code"], set(report["modules"])


def offenders(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def test_help_imports_neither_the_web_stack_nor_the_engine() -> None:
    code, modules = loaded("caremap", "compute", "--help")
    assert code == 0
    assert offenders(modules) == []
    assert "app.caremap.engine" not in modules
    assert "pyarrow" not in modules


@pytest.mark.parametrize("method", ["e2sfca", "3sfca"])
def test_compute_imports_only_the_engine(tmp_path: Path, method: str) -> None:
    for name, data in demo_files(seed=3).items():
        (tmp_path / name).write_bytes(data)
    code, modules = loaded(
        "caremap", "compute",
        "--units", str(tmp_path / "units.geojson"),
        "--demand", str(tmp_path / "demand.csv"),
        "--supply", str(tmp_path / "supply.csv"),
        "--method", method,
        "--out-units", str(tmp_path / "units.csv"),
        "--out-points", str(tmp_path / "points.csv"),
        "--out-geojson", str(tmp_path / "map.geojson"),
        "--quiet",
    )  # fmt: skip
    assert code == 0
    assert (tmp_path / "points.csv").stat().st_size > 0
    assert "app.caremap.engine" in modules
    assert offenders(modules) == []
