"""Files that cannot run here (no Docker engine, no cluster, no GitHub runner) are checked
statically, for every server mode: they parse, and their ports, probes and entrypoint agree."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_copie.plugin import Copie

from generator.questions import axis_choices
from tests.conftest import REPO_ROOT
from tests.helpers import dependency_names, read_answers, rendered, top_level_imports

SERVER_MODES = axis_choices(REPO_ROOT)["server_mode"]
K8S_KINDS = {"ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler"}
LIFESPAN_SHUTDOWN_SECONDS = 5
DEFAULT_GRACEFUL_SECONDS = 20  # Settings.graceful_shutdown_seconds


@pytest.fixture(scope="module", params=SERVER_MODES)
def project(request: pytest.FixtureRequest, copie_session: Copie) -> Path:
    return rendered(copie_session, server_mode=request.param)


def yaml_documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def k8s_objects(project: Path) -> dict[str, dict[str, Any]]:
    """The manifests of deploy/k8s by kind (one object of each kind)."""
    objects: dict[str, dict[str, Any]] = {}
    for path in sorted((project / "deploy" / "k8s").glob("*.yaml")):
        for document in yaml_documents(path):
            if document.get("kind") == "Kustomization":
                continue
            assert document["kind"] not in objects, f"two {document['kind']} objects"
            objects[document["kind"]] = document
    return objects


def dockerfile_instructions(project: Path) -> list[tuple[str, str]]:
    text = (project / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [(word, rest) for word, rest in (line.split(maxsplit=1) for line in lines)]


def test_every_yaml_file_parses(project: Path) -> None:
    yaml_files = [*project.rglob("*.yml"), *project.rglob("*.yaml")]
    names = {path.relative_to(project).as_posix() for path in yaml_files}
    assert names >= {
        ".github/workflows/ci.yml",
        "compose.yaml",
        ".copier-answers.yml",
        "deploy/k8s/deployment.yaml",
        "deploy/k8s/kustomization.yaml",
    }
    for path in yaml_files:
        assert yaml_documents(path), f"{path} is empty"


def test_compose_serves_the_app_after_migrating(project: Path) -> None:
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    app = compose["services"]["app"]
    assert app["ports"] == ["8000:8000"]
    assert app["command"] == ["serve"]
    assert "/health" in json.dumps(app["healthcheck"])
    assert app["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert compose["services"]["migrate"]["command"] == ["migrate"]
    # Both containers see the same settings (the YAML anchor is resolved by the parser).
    assert compose["services"]["migrate"]["environment"].items() <= app["environment"].items()
    grace = int(app["stop_grace_period"].removesuffix("s"))
    assert grace > DEFAULT_GRACEFUL_SECONDS + LIFESPAN_SHUTDOWN_SECONDS


def test_workflow_tests_and_builds_the_image(project: Path) -> None:
    workflow = yaml.safe_load(
        (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    )
    steps = json.dumps(workflow["jobs"]["test"]["steps"])
    assert "pytest" in steps
    assert "mypy" in steps
    docker = json.dumps(workflow["jobs"]["docker"]["steps"])
    assert "docker compose up --build" in docker
    assert "docker compose stop" in docker
    assert "/health/ready" in docker
    assert "{{" not in json.dumps(workflow).replace("{{.State.ExitCode}}", "")


def test_dockerfile_runs_the_chosen_server(project: Path) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    (script,) = pyproject["project"]["scripts"]
    assert script == "stock-keeper"
    instructions = dockerfile_instructions(project)
    entrypoint = [json.loads(rest) for word, rest in instructions if word == "ENTRYPOINT"]
    command = [json.loads(rest) for word, rest in instructions if word == "CMD"]
    assert entrypoint == [[script]]
    assert command == [["serve"]]
    assert ("USER", "app") in instructions
    assert [word for word, _ in instructions].count("FROM") == 2
    assert any(word == "HEALTHCHECK" and "/health" in rest for word, rest in instructions)

    # `serve` starts the chosen server, which is a declared dependency; the other servers
    # are neither imported nor installed (gunicorn's uvicorn workers import uvicorn).
    mode = read_answers(project)["server_mode"]
    package = project / "src" / "stock_keeper"
    imported = top_level_imports(package)
    declared = dependency_names(project)
    assert mode in imported
    for server in SERVER_MODES:
        assert (server in imported) == (server in declared), server
    assert (package / "gunicorn_conf.py").exists() == (mode == "gunicorn")


def test_kubernetes_manifests_probe_health_and_scale(project: Path) -> None:
    objects = k8s_objects(project)
    assert set(objects) >= K8S_KINDS
    kustomization = yaml.safe_load(
        (project / "deploy" / "k8s" / "kustomization.yaml").read_text(encoding="utf-8")
    )
    listed = set(kustomization["resources"])
    assert listed == {path.name for path in (project / "deploy" / "k8s").glob("*.yaml")} - {
        "kustomization.yaml"
    }

    deployment = objects["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (app,) = pod["containers"]
    assert app["args"] == ["serve"]
    assert app["livenessProbe"]["httpGet"]["path"] == "/health"
    assert app["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert {"cpu", "memory"} <= set(app["resources"]["requests"])
    assert "memory" in app["resources"]["limits"]
    assert [port["containerPort"] for port in app["ports"]] == [8000]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert [init["args"] for init in pod["initContainers"]] == [["migrate"]]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()

    config = objects["ConfigMap"]
    assert all(isinstance(value, str) for value in config["data"].values()), config["data"]
    assert config["data"]["PORT"] == "8000"
    secret = objects["Secret"]
    assert "DATABASE_URL" in secret["stringData"]
    sources = {
        ref[kind]["name"]
        for ref in app["envFrom"]
        for kind in ("configMapRef", "secretRef")
        if kind in ref
    }
    assert sources == {config["metadata"]["name"], secret["metadata"]["name"]}

    graceful = int(config["data"]["GRACEFUL_SHUTDOWN_SECONDS"])
    pre_stop = int(app["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + graceful + LIFESPAN_SHUTDOWN_SECONDS

    service = objects["Service"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert [port["targetPort"] for port in service["spec"]["ports"]] == ["http"]
    assert [port["name"] for port in app["ports"]] == ["http"]

    hpa = objects["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_readme_says_how_the_chosen_server_stops(project: Path) -> None:
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "not run" in readme
    assert "GRACEFUL_SHUTDOWN_SECONDS" in readme
    assert re.search(r"exit status:\s*0", readme), readme


def test_docker_files_are_optional(copie: Copie) -> None:
    project = rendered(copie, include_docker=False)
    for name in ("Dockerfile", "compose.yaml", ".dockerignore", "deploy"):
        assert not (project / name).exists()
    workflow = yaml.safe_load(
        (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    )
    assert set(workflow["jobs"]) == {"test"}


@pytest.mark.parametrize("driver", axis_choices(REPO_ROOT)["db_driver"])
def test_compose_runs_the_chosen_database(driver: str, copie: Copie) -> None:
    project = rendered(copie, db_driver=driver)
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


@pytest.mark.parametrize(
    ("driver", "cache", "containers"),
    [
        ("aiosqlite", "memory", set()),
        ("asyncpg", "none", {"postgres"}),
        ("aiomysql", "redis", {"mariadb", "redis"}),
    ],
)
def test_workflow_runs_service_containers_of_the_choices(
    driver: str, cache: str, containers: set[str], copie: Copie
) -> None:
    project = rendered(copie, db_driver=driver, cache_backend=cache)
    workflow = yaml.safe_load(
        (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    )
    assert set(workflow["jobs"]["test"].get("services", {})) == containers
    test_step = workflow["jobs"]["test"]["steps"][-1]
    assert test_step["env"]["REQUIRE_SERVICES"] == "1"


@pytest.mark.parametrize(
    ("driver", "cache", "one_pod"),
    [
        ("aiosqlite", "redis", True),  # the data is a file in the pod
        ("asyncpg", "memory", True),  # the cache is coherent within one pod only
        ("asyncpg", "none", False),
        ("aiomysql", "redis", False),
    ],
)
def test_kubernetes_runs_one_pod_when_state_lives_in_a_pod(
    copie: Copie, driver: str, cache: str, one_pod: bool
) -> None:
    objects = k8s_objects(rendered(copie, db_driver=driver, cache_backend=cache))
    deployment, hpa = objects["Deployment"]["spec"], objects["HorizontalPodAutoscaler"]["spec"]
    pdb = objects["PodDisruptionBudget"]["spec"]
    if one_pod:
        assert deployment["replicas"] == hpa["maxReplicas"] == 1
        assert deployment["strategy"] == {"type": "Recreate"}  # never two pods, not even briefly
        assert pdb == {**pdb, "maxUnavailable": 1}
    else:
        assert deployment["replicas"] >= 2
        assert hpa["maxReplicas"] > hpa["minReplicas"] >= 2
        assert deployment["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
