"""A short soak: the real server under steady load must not grow in memory or descriptors.

SOAK_SECONDS (default 6) bounds the run so the suite stays fast; a release check runs it for
a few minutes: `SOAK_SECONDS=180 pytest tests/e2e/test_soak.py`. Loopback only. After a
warm-up (pool filled, caches and code paths hot) the resident memory and the open file
descriptors of every process of the server are sampled; at the end neither may have grown
beyond a small tolerance.
"""

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from .servers import PROC, group_processes, running_server, server_env

pytestmark = pytest.mark.e2e

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "6"))
WARM_UP_SECONDS = min(5.0, max(2.0, SOAK_SECONDS * 0.3))
CLIENTS = 4
RSS_TOLERANCE_BYTES = 16 * 1024 * 1024
FD_TOLERANCE = 4


def rss_bytes(pid: int) -> int:
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def open_fds(pid: int) -> int:
    return len(list((PROC / str(pid) / "fd").iterdir()))


@dataclass
class Usage:
    rss: int
    fds: int

    @classmethod
    def of_group(cls, pgid: int) -> "Usage":
        pids = group_processes(pgid)
        return cls(sum(rss_bytes(pid) for pid in pids), sum(open_fds(pid) for pid in pids))


@dataclass
class Load:
    """CRUD cycles from several clients; one of them reconnects every cycle."""

    base_url: str
    stopping: threading.Event = field(default_factory=threading.Event)
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cycle(self, http: httpx.Client, number: int) -> None:
        created = http.post("/items", json={"name": f"soak {number}", "price": "2.50"})
        self.expect(created, 201)
        url = f"/items/{created.json()['id']}"
        self.expect(http.get(url), 200)
        self.expect(http.get("/items", params={"q": "soak", "per_page": 5}), 200)
        self.expect(http.patch(url, json={"price": "3.75"}), 200)
        self.expect(http.get(url), 200)
        self.expect(http.delete(url, params={"permanent": "true"}), 204)

    def expect(self, response: httpx.Response, status: int) -> None:
        with self.lock:
            self.requests += 1
            if response.status_code != status:
                self.failures.append(f"{response.request.url}: {response.status_code}")

    def run(self, client_number: int) -> None:
        number = 0
        reconnect = client_number == 0
        http = httpx.Client(base_url=self.base_url, timeout=30)
        try:
            while not self.stopping.is_set():
                number += 1
                if reconnect:
                    http.close()
                    http = httpx.Client(base_url=self.base_url, timeout=30)
                self.cycle(http, client_number * 1_000_000 + number)
        except httpx.HTTPError as error:
            with self.lock:
                self.failures.append(repr(error))
        finally:
            http.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")
def test_steady_load_does_not_grow_memory_or_descriptors(
    database_url: str, cache_env: dict[str, str], tmp_path: Path
) -> None:
    env = server_env(database_url, cache_env)
    with running_server(env, tmp_path / "server.log") as (base_url, process):
        load = Load(base_url)
        clients = [threading.Thread(target=load.run, args=(n,)) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        try:
            time.sleep(WARM_UP_SECONDS)
            warm = Usage.of_group(process.pid)
            peak = warm
            deadline = time.monotonic() + SOAK_SECONDS - WARM_UP_SECONDS
            while time.monotonic() < deadline and not load.failures:
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
                sample = Usage.of_group(process.pid)
                peak = Usage(max(peak.rss, sample.rss), max(peak.fds, sample.fds))
        finally:
            load.stopping.set()
            for client in clients:
                client.join(timeout=30)
        time.sleep(0.5)  # let closed connections be reaped
        after = Usage.of_group(process.pid)

    assert not load.failures, load.failures[:5]
    assert load.requests > 0
    assert after.rss - warm.rss <= RSS_TOLERANCE_BYTES, (
        f"RSS grew from {warm.rss >> 20} MiB to {after.rss >> 20} MiB "
        f"(peak {peak.rss >> 20} MiB) over {load.requests} requests"
    )
    assert after.fds - warm.fds <= FD_TOLERANCE, (
        f"open descriptors grew from {warm.fds} to {after.fds} (peak {peak.fds})"
    )
