"""Every combination of the axes renders a project that passes its own checks.

Each project is rendered from the working tree, installed into its own virtual
environment from its own pyproject, and must pass its own test suite (unit, api, e2e),
`ruff check`, `ruff format --check` and `mypy --strict`.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from generator.checks import check_project
from generator.questions import axis_choices
from generator.render import render

ROOT = Path(__file__).resolve().parent.parent
AXES = axis_choices(ROOT)
COMBINATIONS = [
    dict(zip(AXES, values, strict=True)) for values in itertools.product(*AXES.values())
]


def combination_id(answers: dict[str, str]) -> str:
    return "-".join(answers.values())


@pytest.mark.matrix
@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_combination(answers: dict[str, str], template_snapshot: Path, tmp_path: Path) -> None:
    project = render(
        tmp_path / "service",
        answers={"project_name": "Matrix Service", **answers},
        template=template_snapshot,
    )
    report = check_project(project)
    assert report.ok, f"{combination_id(answers)}:\n{report.describe()}"
    pytest_step = next(step for step in report.steps if step.name == "pytest")
    assert " passed" in pytest_step.output
    assert " skipped" not in pytest_step.output, pytest_step.output[-2000:]
