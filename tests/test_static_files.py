"""Files that cannot run here (no Docker engine, no GitHub runner) are checked statically."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import yaml

from generator.questions import axis_choices
from generator.render import render
from tests.conftest import REPO_ROOT


def rendered(template_snapshot: Path, tmp_path: Path, **answers: object) -> Path:
    return render(tmp_path / "svc", answers={"project_name": "Stock Keeper", **answers},
                  template=template_snapshot)  # fmt: skip


def test_yaml_files_parse_and_compose_serves_the_app(
    template_snapshot: Path, tmp_path: Path
) -> None:
    project = rendered(template_snapshot, tmp_path)
    yaml_files = [*project.rglob("*.yml"), *project.rglob("*.yaml")]
    assert {path.name for path in yaml_files} >= {"ci.yml", "compose.yaml", ".copier-answers.yml"}
    documents = {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in yaml_files}
    compose = documents["compose.yaml"]
    assert compose["services"]["app"]["ports"] == ["8000:8000"]
    assert "/health" in json.dumps(compose["services"]["app"]["healthcheck"])
    assert compose["services"]["app"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    workflow = documents["ci.yml"]
    steps = json.dumps(workflow["jobs"]["test"]["steps"])
    assert "pytest" in steps
    assert "mypy" in steps


def test_dockerfile_runs_the_service_command(template_snapshot: Path, tmp_path: Path) -> None:
    project = rendered(template_snapshot, tmp_path)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    (script,) = pyproject["project"]["scripts"]
    assert script == "stock-keeper"
    text = (project / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    instructions = [line.split(maxsplit=1) for line in lines]
    entrypoint = [rest for word, rest in instructions if word == "ENTRYPOINT"]
    assert [json.loads(value) for value in entrypoint] == [[script]]
    assert any(word == "USER" and rest == "app" for word, rest in instructions)
    assert any(word == "HEALTHCHECK" for word, _ in instructions)


def test_docker_files_are_optional(template_snapshot: Path, tmp_path: Path) -> None:
    project = rendered(template_snapshot, tmp_path, include_docker=False)
    for name in ("Dockerfile", "compose.yaml", ".dockerignore"):
        assert not (project / name).exists()


@pytest.mark.parametrize("driver", axis_choices(REPO_ROOT)["db_driver"])
def test_compose_runs_the_chosen_database(
    driver: str, template_snapshot: Path, tmp_path: Path
) -> None:
    project = rendered(template_snapshot, tmp_path, db_driver=driver)
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    url = services["app"]["environment"]["DATABASE_URL"]
    assert f"+{driver}://" in url
    assert services["migrate"]["environment"]["DATABASE_URL"] == url
    if driver == "aiosqlite":
        assert "db" not in services
        return
    database = services["db"]
    assert database["image"].split(":")[0] in {"postgres", "mariadb"}
    assert database["healthcheck"]["test"]
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "@db:" in url
