"""Which cores the server and wrk run on (taskset), so the load generator does not steal
the server's CPU time."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def core_plan(workers: int, *, pin: bool) -> tuple[str | None, str | None]:
    """taskset core lists (server, wrk): wrk on the last core, the server on the others."""
    cores = available_cores()
    if not pin or shutil.which("taskset") is None or cores < 2:
        return None, None
    last = cores - 1
    server_cores = min(workers, last)
    server = "0" if server_cores == 1 else f"0-{server_cores - 1}"
    if workers > last:
        server = f"0-{last}"  # more workers than spare cores: they share all of them
    return server, str(last)


def pinned(command: Sequence[str], cores: str | None) -> list[str]:
    """`command` run on `cores` (a taskset list), or as it is when there is no plan."""
    taskset = shutil.which("taskset")
    if cores is None or taskset is None:
        return list(command)
    return [taskset, "-c", cores, *command]
