"""The database and Redis servers a benchmarked service talks to, pinned beside wrk.

On a small machine the service is pinned to its core(s) and wrk to the last one; servers
left unpinned run wherever the scheduler puts them, the service's core included, so a
statement the database runs for the service can take the service's own CPU time, and the
ratios then say as much about the scheduler as about the service. For the length of a run
every thread of the servers listening on the service's database and Redis ports (and of
their child processes: PostgreSQL's backends) is moved to wrk's cores; the cores each had
are restored afterwards, and processes started meanwhile (a new PostgreSQL backend) get
their parent's. Only servers on this machine are touched, and only where the bench may set
their affinity (its own user's processes, or root); others are reported as left alone.

Linux only (`/proc` and `sched_setaffinity`); elsewhere nothing is pinned.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROC = Path("/proc")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", ""})
# Where a URL without a port reaches each kind of server, by the URL's scheme.
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "redis": 6379}
_LISTEN = "0A"  # TCP state of a listening socket in /proc/net/tcp


@dataclass(frozen=True, slots=True)
class Server:
    """A server the service reaches: what it is (for the report) and the port it listens on."""

    name: str
    port: int


def local_server(name: str, url: str) -> Server | None:
    """The server `url` points at if it runs on this machine (SQLite and remote hosts: None)."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme.split("+")[0])
    if not parts.netloc or (parts.hostname or "") not in LOCAL_HOSTS or port is None:
        return None
    return Server(name, port)


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (PROC / "net" / table).read_text(encoding="ascii").splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def listening_pids(port: int) -> set[int]:
    """The processes holding a socket that listens on `port` (those this user may see)."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    found = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(str(fd.readlink()) in wanted for fd in (entry / "fd").iterdir()):
                found.add(int(entry.name))
    return found


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for task in (PROC / str(pid) / "task").iterdir():
            with contextlib.suppress(OSError):
                found.update(int(child) for child in (task / "children").read_text().split())
    return found


def process_tree(roots: Iterable[int]) -> set[int]:
    """`roots` and every process below them."""
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(_children(pid))
    return seen


def threads(pid: int) -> list[int]:
    try:
        return [int(task.name) for task in (PROC / str(pid) / "task").iterdir()]
    except OSError:
        return []


@dataclass(slots=True)
class Pinning:
    """The threads moved, each with the cores it had; what could not be moved, and why."""

    cores: set[int]
    moved: dict[int, set[int]] = field(default_factory=dict)
    pinned: list[str] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)

    def move(self, server: Server) -> None:
        roots = listening_pids(server.port)
        if not roots:
            self.left_alone.append(f"{server.name} (:{server.port}): no process of it visible")
            return
        try:
            for pid in sorted(process_tree(roots)):
                for tid in threads(pid):
                    self._move_thread(tid)
        except PermissionError:
            self.left_alone.append(f"{server.name} (:{server.port}): not allowed to move it")
            return
        self.pinned.append(f"{server.name} (:{server.port})")

    def _move_thread(self, tid: int) -> None:
        try:
            before = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, self.cores)
        except ProcessLookupError:  # ended meanwhile
            return
        self.moved.setdefault(tid, before)

    def restore(self, roots: Iterable[int]) -> None:
        """Every moved thread, and threads started meanwhile below `roots`, as they were."""
        for pid in sorted(process_tree(roots)):
            inherited = self.moved.get(pid)
            for tid in threads(pid):
                original = self.moved.get(tid, inherited)
                if original is not None:
                    with contextlib.suppress(OSError):
                        os.sched_setaffinity(tid, original)


@contextlib.contextmanager
def pinned_beside_wrk(servers: Iterable[Server], cores: str | None) -> Iterator[Pinning | None]:
    """Within the block, `servers` run on `cores` (a taskset list such as "1"); None when
    nothing is pinned (no plan, or not Linux)."""
    if cores is None or not hasattr(os, "sched_setaffinity") or not PROC.is_dir():
        yield None
        return
    pinning = Pinning(_cores(cores))
    roots: set[int] = set()
    for server in servers:
        roots |= listening_pids(server.port)
        pinning.move(server)
    try:
        yield pinning
    finally:
        pinning.restore(roots)


def _cores(spec: str) -> set[int]:
    """A taskset core list ("1", "0-3", "0,2") as a set of core numbers."""
    found: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        found.update(range(int(first), int(last or first) + 1))
    return found
