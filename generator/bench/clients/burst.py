"""Send N concurrent POST /items at once and report throughput, p95 and errors as JSON.

    python burst.py <base url> <count> [<headers as JSON>]

Run with the project's interpreter (httpx comes with its dev extra). Every request has its
own connection and all are started together, like N clients arriving at the same moment.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

BODY = {"name": "burst item", "description": "created by the burst scenario", "price": "4.20"}


@dataclass(slots=True)
class Failures:
    socket: int = 0
    status: int = 0
    codes: dict[str, int] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)


async def one(
    client: httpx.AsyncClient, url: str, latencies: list[float], failures: Failures
) -> None:
    started = time.perf_counter()
    try:
        response = await client.post(url, json=BODY)
    except httpx.HTTPError as error:
        failures.socket += 1
        failures.kinds.add(type(error).__name__)
        return
    latencies.append(time.perf_counter() - started)
    if not 200 <= response.status_code < 300:
        failures.status += 1
        code = str(response.status_code)
        failures.codes[code] = failures.codes.get(code, 0) + 1


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def burst(base_url: str, count: int, headers: dict[str, str]) -> dict[str, Any]:
    latencies: list[float] = []
    failures = Failures()
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout, headers=headers) as client:
        url = f"{base_url}/items"
        started = time.perf_counter()
        await asyncio.gather(*(one(client, url, latencies, failures) for _ in range(count)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "count": count,
        "seconds": elapsed,
        "requests_per_second": count / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "non_2xx": failures.status,
        "socket_errors": failures.socket,
        "status_codes": failures.codes,
        "error_kinds": sorted(failures.kinds),
    }


def main() -> None:
    headers = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}  # noqa: PLR2004 - argv[3]
    print(json.dumps(asyncio.run(burst(sys.argv[1], int(sys.argv[2]), headers))))  # noqa: T201


if __name__ == "__main__":
    main()
