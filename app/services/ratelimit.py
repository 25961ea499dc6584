"""Fixed-window counters in the database, so limits hold across several app instances."""

import time

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.models.audit import RateCounter
from app.services.errors import RateLimited


def _window(window_s: int, now: float | None = None) -> tuple[int, int]:
    now = time.time() if now is None else now
    start = int(now // window_s) * window_s
    return start, int(start + window_s - now) + 1


def count(session: Session, *, key: str, window_s: int) -> int:
    start, _ = _window(window_s)
    value = session.execute(
        select(col(RateCounter.count)).where(
            col(RateCounter.key) == key,
            col(RateCounter.window_start) == start,
        )
    ).scalar()
    return int(value or 0)


def hit(session: Session, *, key: str, window_s: int) -> int:
    """Adds one to the key's counter in the current window and returns the new count."""
    start, _ = _window(window_s)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = (
        insert(RateCounter)
        .values(key=key, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": col(RateCounter.count) + 1}
        )
        .returning(col(RateCounter.count))
    )
    return int(session.execute(upsert).scalar_one())


def check(session: Session, *, keys: dict[str, int], window_s: int) -> None:
    """Raises RateLimited if any key has reached its limit in the current window."""
    _, retry_after = _window(window_s)
    for key, limit in keys.items():
        if count(session, key=key, window_s=window_s) >= limit:
            raise RateLimited(retry_after)


def reset(session: Session, *, key: str) -> None:
    session.execute(delete(RateCounter).where(col(RateCounter.key) == key))


def purge_old(session: Session, *, older_than_s: int = 7 * 24 * 3600) -> None:
    cutoff = int(time.time()) - older_than_s
    session.execute(delete(RateCounter).where(col(RateCounter.window_start) < cutoff))
