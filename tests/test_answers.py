"""Unusual but valid answers render projects that pass their own checks too.

The axes are covered by test_combinations; these cover the other questions: every
supported Python version, names that need quoting in Python and TOML, non-ASCII names,
and the optional Docker files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks import check_project, find_python
from generator.render import render
from tests.helpers import read_answers

CASES = {
    "py313-quoted-names": {
        "project_name": 'Bob\'s "Quoted" \\ Café',
        "description": 'Has "quotes", a \\backslash and {{ no jinja }}',
        "author_name": 'Zoë "Z" O\'Neil',
        "python_version": "3.13",
    },
    "py312-no-docker-longest-package": {
        "project_name": "Café Inventory",
        "package_name": "regional_warehouse_inventory_svc",  # the longest allowed: 32
        "python_version": "3.12",
        "include_docker": False,
        "workers": 4,
    },
}


@pytest.mark.matrix
@pytest.mark.parametrize("answers", CASES.values(), ids=CASES.keys())
def test_unusual_answers_pass_their_own_checks(
    answers: dict[str, object], template_snapshot: Path, tmp_path: Path
) -> None:
    version = str(answers["python_version"])
    python = find_python(version)
    assert python is not None, f"Python {version} is needed to check this case"
    project = render(tmp_path / "service", answers=answers, template=template_snapshot)
    recorded = read_answers(project)
    assert {key: recorded[key] for key in answers} == answers
    assert (project / "Dockerfile").exists() == answers.get("include_docker", True)
    report = check_project(project, python=python)
    assert report.ok, report.describe()


def test_non_ascii_names_fold_to_an_ascii_package(template_snapshot: Path, tmp_path: Path) -> None:
    project = render(
        tmp_path / "svc",
        answers={"project_name": "Café Inventory — Straße Øst"},
        template=template_snapshot,
    )
    assert (project / "src" / "cafe_inventory_strasse_ost" / "main.py").is_file()
    assert 'name = "cafe-inventory-strasse-ost"' in (project / "pyproject.toml").read_text()


def test_long_project_names_give_a_package_name_of_whole_words(
    template_snapshot: Path, tmp_path: Path
) -> None:
    project = render(
        tmp_path / "svc",
        answers={"project_name": "Regional Warehouse Inventory Reconciliation Service"},
        template=template_snapshot,
    )
    recorded = read_answers(project)
    assert recorded["package_name"] == "regional_warehouse_inventory"
