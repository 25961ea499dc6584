"""The app under benchmark: the real Town Hall on a generated database, plus the reference routes.

``create_bench_app`` (a uvicorn ``--factory``) builds the real application as production does,
``create_app(Settings(), make_engine(url))``, with every setting read from the ``TOWNHALL_*``
environment (``run.py`` sets ``TOWNHALL_DATABASE_URL``, ``TOWNHALL_PAGE_CACHE``, …), and mounts
in front of it the two reference routes of ``bench/web/benchapp.py``: ``/_bench/static``
(framework ceiling) and ``/_bench/template`` (template ceiling: a minimal Jinja2 page rendered
from in-memory rows), both of ``BENCH_TARGET_BYTES`` bytes, or of the size of the contribution
list page rendered once in-process when that variable is unset.

The module is called neither ``app.py`` (it would shadow the ``app`` package) nor
``benchapp.py`` (it imports bench/web/benchapp.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(ROOT), str(ROOT / "bench" / "web")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchapp import Dispatch, measure, reference_app  # noqa: E402  (bench/web/benchapp.py)

LIST_PATH = "/contributions"


def create_bench_app() -> Dispatch:
    from app.config import Settings
    from app.db import make_engine
    from app.main import create_app

    url = os.environ.get("TOWNHALL_DATABASE_URL", "")
    if not url.startswith("sqlite:///") or not Path(url.removeprefix("sqlite:///")).exists():
        raise SystemExit("TOWNHALL_DATABASE_URL must name a generated SQLite file (generate.py)")
    settings = Settings()
    app = create_app(settings, make_engine(url))
    target = int(os.environ.get("BENCH_TARGET_BYTES") or 0) or measure(app, LIST_PATH)
    return Dispatch(app, reference_app(target))
