"""One-shot commands of a bench run (migrate, seed, the clients): run, and fail loudly."""

from __future__ import annotations

import subprocess
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from generator.bench.errors import BenchError


def run_command(command: Sequence[str], *, env: Mapping[str, str], cwd: Path, what: str) -> str:
    """Run `command` to its end and return its standard output; BenchError if it fails."""
    completed = subprocess.run(  # noqa: S603 - fixed programs, no shell
        list(command), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BenchError(
            f"{what} failed (exit {completed.returncode}):\n"
            f"{(completed.stdout + completed.stderr)[-3000:]}"
        )
    return completed.stdout


def run_reporting(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    what: str,
    progress: Callable[[str], None],
) -> str:
    """`run_command`, passing each line the command writes to standard error to `progress`
    as it comes (a long seeding shows how far it got)."""
    with subprocess.Popen(  # noqa: S603 - fixed programs, no shell
        list(command),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        stdout, stderr = process.stdout, process.stderr
        if stdout is None or stderr is None:  # never with PIPE; for the type checker
            raise BenchError(f"{what}: no pipes to the command")
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(stdout.read()))
        reader.start()
        tail: deque[str] = deque(maxlen=40)
        for line in stderr:
            tail.append(line)
            progress(line.rstrip())
        reader.join()
        returncode = process.wait()
    if returncode != 0:
        raise BenchError(f"{what} failed (exit {returncode}):\n{''.join(tail)[-3000:]}")
    return "".join(out)
