"""bench/web/loadgen.py's constant-rate open-loop generator, with request headers (a session
cookie): its request line is fixed inside its loop, so the loop is repeated here with the
headers added; the result type, percentiles and response reader are loadgen's own."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

_WEB = str(Path(__file__).resolve().parents[1] / "web")
if _WEB not in sys.path:
    sys.path.insert(0, _WEB)

from loadgen import OpenLoopResult, _read_response  # noqa: E402


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
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
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
    # Bounded, as in loadgen: a server that cannot keep up gets 10 s to drain.
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
    """``rate`` requests/s for ``duration_s`` seconds over ``connections`` connections."""
    runner: Any = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        pass
    coroutine = _run(host, port, path, rate, duration_s, connections, headers or {})
    result: OpenLoopResult = runner(coroutine)
    return result
