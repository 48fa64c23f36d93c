"""Every combination of the axes renders a project that passes its own checks.

Each project is rendered from the working tree, installed into its own virtual
environment from its own pyproject, and must pass its own test suite (unit, api, e2e)
against the real services, with no test skipped. ruff and mypy --strict run on a covering
set that holds every pair of axis values: rendered code varies per axis value and per
pair of values, so that set reaches every variant of every file at a third of the cost of
checking all combinations. Limits that count across a function can depend on three answers
at once; tests/test_rendered_lint.py runs ruff on every triple.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.matrix import Combination, combinations, covering_pairs, run_combination
from tests.conftest import REPO_ROOT

COMBINATIONS = combinations(REPO_ROOT)
WITH_STATIC_CHECKS = set(covering_pairs(COMBINATIONS))


@pytest.mark.matrix
@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda combination: combination.id)
def test_combination(combination: Combination, template_snapshot: Path, tmp_path: Path) -> None:
    result = run_combination(
        combination,
        template=template_snapshot,
        workdir=tmp_path,
        static=combination in WITH_STATIC_CHECKS,
        answers={"project_name": "Matrix Service"},
        env={"REQUIRE_SERVICES": "1"},
    )
    assert result.ok, result.describe()
