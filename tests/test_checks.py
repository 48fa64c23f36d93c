"""The environment a rendered project's checks run in."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks import project_env


@pytest.mark.parametrize(("ours", "theirs"), [("1", "1"), ("0", None), (None, None)])
def test_required_services_pass_into_the_rendered_projects_tests(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ours: str | None, theirs: str | None
) -> None:
    monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    if ours is None:
        monkeypatch.delenv("SLIPSTREAM_REQUIRE_SERVICES", raising=False)
    else:
        monkeypatch.setenv("SLIPSTREAM_REQUIRE_SERVICES", ours)
    assert project_env(tmp_path / ".venv").get("REQUIRE_SERVICES") == theirs


def test_the_projects_processes_keep_their_bytecode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without bytecode every server a project's tests start compiles its libraries again."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = project_env(tmp_path / ".venv", {"DATABASE_URL": "sqlite:///x.db"})
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["DATABASE_URL"] == "sqlite:///x.db"
