"""Limits held in the database, so that they hold across several app instances: fixed-window
counters (`take`), and the growing waits of failed logins (`attempt`). Each counts and compares
in one statement (an upsert returning the new count), so simultaneous requests cannot all pass a
check made before any of them counted."""

import time

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.models.audit import RateCounter
from app.models.users import LoginThrottle
from app.services.errors import RateLimited


def _now() -> float:
    return time.time()


def _window(window_s: int, now: float | None = None) -> tuple[int, int]:
    now = _now() if now is None else now
    start = int(now // window_s) * window_s
    return start, int(start + window_s - now) + 1


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _hit(session: Session, *, key: str, window_s: int) -> int:
    """Adds one to the key's counter in the current window and returns the new count."""
    start, _ = _window(window_s)
    upsert = (
        _insert(session)(RateCounter)
        .values(key=key, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": col(RateCounter.count) + 1}
        )
        .returning(col(RateCounter.count))
    )
    return int(session.execute(upsert).scalar_one())


def take(session: Session, *, keys: dict[str, int], window_s: int) -> None:
    """Counts one use of each key, then raises RateLimited if any is over its limit: counting
    and comparing are one statement per key, so N simultaneous requests get exactly `limit`
    through. Call it before the work it limits (and commit, so others see the count)."""
    _, retry_after = _window(window_s)
    over = [key for key, limit in keys.items() if _hit(session, key=key, window_s=window_s) > limit]
    if over:
        raise RateLimited(retry_after)


def give_back(session: Session, *, key: str, window_s: int) -> None:
    """Uncounts a use that `take` counted (a login that turned out to be the right one)."""
    start, _ = _window(window_s)
    session.execute(
        update(RateCounter)
        .where(col(RateCounter.key) == key, col(RateCounter.window_start) == start)
        .values(count=col(RateCounter.count) - 1)
    )


def attempt(
    session: Session, *, key: str, free: int, base_s: int, max_s: int, quiet_s: int
) -> None:
    """Counts a try of `key` (e.g. one account from one address) before the slow work, or raises
    RateLimited while the key must wait. After `free` tries the key waits `base_s`, then twice as
    long after each further try, up to `max_s`; a key quiet for `quiet_s` starts afresh.
    `clear()` it when the try succeeded."""
    now = _now()
    t = LoginThrottle
    fresh = col(t.last_at) < now - quiet_s
    failures = case((fresh, 1), else_=col(t.failures) + 1)
    delay = case(
        (failures < free, 0),
        (fresh | (col(t.delay_s) == 0), base_s),
        (col(t.delay_s) * 2 > max_s, max_s),
        else_=col(t.delay_s) * 2,
    )
    first_delay = base_s if free <= 1 else 0
    upsert = (
        _insert(session)(t)
        .values(
            key=key, failures=1, last_at=now, delay_s=first_delay, locked_until=now + first_delay
        )
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": failures,
                "delay_s": delay,
                "locked_until": now + delay,
                "last_at": now,
            },
            where=col(t.locked_until) <= now,
        )
        .returning(col(t.failures))
    )
    # On the connection, not through the ORM: a throttle changes nothing a page shows, so it
    # must not invalidate the page cache (web/pagecache.py watches ORM statements).
    conn = session.connection()
    if conn.execute(upsert).first() is None:
        locked_until = conn.execute(
            select(col(t.locked_until)).where(col(t.key) == key)
        ).scalar_one()
        raise RateLimited(max(1, int(locked_until - now) + 1))


def clear(session: Session, *, key: str) -> None:
    session.connection().execute(delete(LoginThrottle).where(col(LoginThrottle.key) == key))


def reset(session: Session, *, key: str) -> None:
    session.execute(delete(RateCounter).where(col(RateCounter.key) == key))


def purge_old(session: Session, *, older_than_s: int = 7 * 24 * 3600) -> None:
    cutoff = int(_now()) - older_than_s
    session.execute(delete(RateCounter).where(col(RateCounter.window_start) < cutoff))
    session.execute(delete(LoginThrottle).where(col(LoginThrottle.last_at) < cutoff))
