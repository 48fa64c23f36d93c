"""One-shot commands of a bench run (migrate, seed, the clients): run, and fail loudly."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
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
