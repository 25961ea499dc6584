"""A constant-rate, open-loop HTTP/1.1 load generator (what ``wrk2 -R`` does; Debian has no wrk2).

Requests are scheduled on a fixed timetable: request ``i`` is due at ``start + i / rate``. A pool
of keep-alive connections takes the due requests in order; a connection that is still waiting for
its previous response sends its next request late, and that request's latency is still measured
from its *scheduled* time. So a slow server cannot slow the generator down and hide its own
queueing (no "coordinated omission"): latency = queueing before send + service time.

Limits, reported with every result: the event loop's timers have ~1 ms resolution, so a request
can go out up to ~1 ms after its slot even on an idle server (``send_lag``); the generator is one
Python process, good for a few thousand requests/s of small pages on loopback.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class OpenLoopResult:
    target_rate: float
    duration_s: float
    connections: int
    sent: int = 0
    ok: int = 0
    errors: int = 0
    unfinished: int = 0
    elapsed_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list, repr=False)
    send_lags_s: list[float] = field(default_factory=list, repr=False)

    @property
    def achieved_rate(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s else 0.0

    def latency(self, q: float) -> float:
        return percentile(self.latencies_s, q)

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        del out["latencies_s"], out["send_lags_s"]
        out |= {
            "achieved_rate": self.achieved_rate,
            "p50_ms": self.latency(50) * 1e3,
            "p90_ms": self.latency(90) * 1e3,
            "p99_ms": self.latency(99) * 1e3,
            "max_ms": self.latency(100) * 1e3,
            "send_lag_p99_ms": percentile(self.send_lags_s, 99) * 1e3,
        }
        return out


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Reads one response with a Content-Length body; returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    else:
        raise ValueError("response without Content-Length")
    if length:
        await reader.readexactly(length)
    return status


async def _run(
    host: str,
    port: int,
    path: str,
    rate: float,
    duration_s: float,
    connections: int,
    headers: dict[str, str],
) -> OpenLoopResult:
    result = OpenLoopResult(target_rate=rate, duration_s=duration_s, connections=connections)
    # Extra headers: a session cookie, for pages as a logged-in reader gets them.
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: bench\r\n{extra}\r\n"
    ).encode()
    total = max(1, int(rate * duration_s))
    interval = 1.0 / rate
    next_slot = 0
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    start = time.perf_counter() + 0.05

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal next_slot
        while next_slot < total:
            scheduled = start + next_slot * interval
            next_slot += 1
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_at = time.perf_counter()
            result.sent += 1
            try:
                writer.write(request)
                status = await _read_response(reader)
            except (OSError, ValueError, asyncio.IncompleteReadError):
                result.errors += 1
                reader, writer = await asyncio.open_connection(host, port)
                continue
            done = time.perf_counter()
            if 200 <= status < 400:
                result.ok += 1
                result.latencies_s.append(done - scheduled)
                result.send_lags_s.append(sent_at - scheduled)
            else:
                result.errors += 1

    tasks = [asyncio.create_task(connection(r, w)) for r, w in streams]
    # Bounded: a server that cannot keep up leaves requests queued; give it 10 s to drain.
    _done, pending = await asyncio.wait(tasks, timeout=duration_s + 10.0)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    result.elapsed_s = time.perf_counter() - start
    result.unfinished = total - result.ok - result.errors
    for _reader, writer in streams:
        writer.close()
    return result


def open_loop(
    host: str,
    port: int,
    path: str,
    *,
    rate: float,
    duration_s: float,
    connections: int,
    headers: dict[str, str] | None = None,
) -> OpenLoopResult:
    """Sends ``rate`` requests/s for ``duration_s`` seconds over ``connections`` connections."""
    runner: Any = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        pass
    coroutine = _run(host, port, path, rate, duration_s, connections, headers or {})
    result: OpenLoopResult = runner(coroutine)
    return result
