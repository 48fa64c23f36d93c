"""A server process under load: a free port, started until it answers, stopped at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from generator.bench.errors import BenchError

STARTUP_SECONDS = 90.0
STOP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """(status, body) of a GET; an HTTP error status is an answer, not an exception."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local URL
            body: bytes = response.read()
            return int(response.status), body
    except urllib.error.HTTPError as error:
        return error.code, b""


def _answers(base: str) -> bool:
    try:
        status, _ = http_get(f"{base}/items/1", timeout=1.0)
    except OSError:
        return False
    return status < 500


def _wait_until_answering(
    process: subprocess.Popen[bytes], command: Sequence[str], base: str, log: Path
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _answers(base):
        if process.poll() is not None:
            raise BenchError(
                f"{' '.join(command)} exited with {process.returncode} before "
                f"answering; see {log}:\n{log.read_text(errors='replace')[-2000:]}"
            )
        if time.monotonic() > deadline:
            raise BenchError(
                f"{' '.join(command)} did not answer within {STARTUP_SECONDS:.0f}s; see {log}"
            )
        time.sleep(0.2)


@contextmanager
def serving(
    command: Sequence[str], *, env: Mapping[str, str], port: int, cwd: Path, log: Path
) -> Iterator[str]:
    """Start a server, wait until it answers, yield its base URL, then stop it (SIGTERM)."""
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as log_file:
        process = subprocess.Popen(  # noqa: S603 - the project's own commands
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_answering(process, command, base, log)
            yield base
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, SIGKILL if it outlives STOP_SECONDS."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
