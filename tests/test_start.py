"""The README's first command: `slipstream new DEST --defaults --start` serves a working service."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from generator.bench.server import free_port

START_TIMEOUT_SECONDS = 300.0


@pytest.mark.matrix
def test_new_with_start_serves_the_default_service(template_snapshot: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "start.log"
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    command = [
        sys.executable, "-m", "generator.cli", "new", str(tmp_path / "svc"),
        "--defaults", "--start", "--template", str(template_snapshot),
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        created = httpx.post(f"{base}/items", json={"name": "Started", "price": "4.00"})
        assert created.status_code == 201, created.text
        fetched = httpx.get(f"{base}/items/{created.json()['id']}")
        assert fetched.json()["name"] == "Started"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    printed = log.read_text()
    assert "Installing the service" in printed
    assert "Creating the database schema" in printed
    assert (tmp_path / "svc" / "item_service.db").exists()
