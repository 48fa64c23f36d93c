"""`_min_copier_version` is true: the oldest Copier it admits renders the same tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator.checks import uv_executable
from generator.questions import load_copier_config
from generator.render import render
from tests.conftest import tree_snapshot


@pytest.mark.matrix
def test_oldest_supported_copier_renders_the_same_tree(
    template_snapshot: Path, tmp_path: Path
) -> None:
    version = str(load_copier_config(template_snapshot)["_min_copier_version"])
    venv = tmp_path / "old-copier"
    uv = uv_executable()
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin/python"),
         f"copier=={version}"],
        check=True,
    )  # fmt: skip
    answers = ["-d", "project_name=Stock Keeper", "-d", "db_driver=asyncpg"]
    old = tmp_path / "old"
    subprocess.run(
        [str(venv / "bin/copier"), "copy", "--defaults", "--quiet", *answers,
         str(template_snapshot), str(old)],
        check=True,
    )  # fmt: skip
    new = render(
        tmp_path / "new",
        answers={"project_name": "Stock Keeper", "db_driver": "asyncpg"},
        template=template_snapshot,
    )
    assert tree_snapshot(old) == tree_snapshot(new)
