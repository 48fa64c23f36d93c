"""Send N concurrent POST /items at once and report throughput, p95 and errors as JSON.

    python burst.py <base url> <count>

Run with the project's interpreter (httpx comes with its dev extra). Every request has its
own connection and all are started together, like N clients arriving at the same moment.
"""

import asyncio
import json
import sys
import time

import httpx

BODY = {"name": "burst item", "description": "created by the burst scenario", "price": "4.20"}


async def one(client, url, latencies, failures):
    started = time.perf_counter()
    try:
        response = await client.post(url, json=BODY)
    except httpx.HTTPError as error:
        failures["socket"] += 1
        failures.setdefault("examples", []).append(type(error).__name__)
        return
    latencies.append(time.perf_counter() - started)
    if not 200 <= response.status_code < 300:
        failures["status"] += 1
        codes = failures.setdefault("codes", {})
        codes[str(response.status_code)] = codes.get(str(response.status_code), 0) + 1


async def burst(base_url, count):
    latencies = []
    failures = {"socket": 0, "status": 0}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        url = f"{base_url}/items"
        started = time.perf_counter()
        await asyncio.gather(*(one(client, url, latencies, failures) for _ in range(count)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(fraction):
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))]

    return {
        "count": count,
        "seconds": elapsed,
        "requests_per_second": count / elapsed if elapsed else 0.0,
        "p50_ms": percentile(0.50) * 1000,
        "p95_ms": percentile(0.95) * 1000,
        "p99_ms": percentile(0.99) * 1000,
        "non_2xx": failures["status"],
        "socket_errors": failures["socket"],
        "status_codes": failures.get("codes", {}),
        "error_kinds": sorted(set(failures.get("examples", []))),
    }


def main():
    print(json.dumps(asyncio.run(burst(sys.argv[1], int(sys.argv[2])))))  # noqa: T201


if __name__ == "__main__":
    main()
