"""ruff passes on every three answers together, not only on every two.

The matrix runs each project's own checks on combinations that hold every pair of answers,
and that reaches every variant of every file; but a rule that counts across a file, such as
ruff's limit on a function's statements, can fail only when three answers each add lines to
the same function (the redis cache, tracing and authentication all wire into `create_app`).
Here every combination of axis and option values is reduced to a set holding every triple
(59 of 540), each is rendered, and one `ruff check` and one `ruff format --check` run over
all of them, each project under its own configuration. mypy, which needs each project's
dependencies installed, stays with the matrix.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator.matrix import covering, every_answer_set
from generator.render import render
from tests.conftest import REPO_ROOT

TRIPLES = covering(every_answer_set(REPO_ROOT), strength=3)


def test_every_triple_of_answers_renders_ruff_clean(
    template_snapshot: Path, tmp_path: Path
) -> None:
    for combination in TRIPLES:
        render(
            tmp_path / combination.id,
            answers={"project_name": "Lint Service", **combination.as_dict()},
            template=template_snapshot,
        )
    ruff = [sys.executable, "-m", "ruff"]
    for command in (["check", "--no-cache", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [*ruff, *command], cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}"
