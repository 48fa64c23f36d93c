"""The deploy files of include_docker renders, checked offline against the real formats.

- Kubernetes manifests: the Kubernetes JSON schemas that kubernetes-validate bundles, in
  strict mode (an unknown field is an error, as `kubectl apply --validate=strict` makes it),
  for the oldest and the newest Kubernetes version the package knows.
- compose.yaml: the Compose Specification's JSON schema (compose-spec/compose-spec, Apache
  2.0), as check-jsonschema vendors it.
- deploy/prometheus/alerts.yaml: `promtool check rules`, Prometheus's own loader (Debian's
  `prometheus` package; .ci/run installs it).

The answers that change these files are the database (SQLite has no database service and
keeps one replica), the cache (Redis adds a service and a secret), tracing (the OTEL_*
settings) and auth (its settings in the ConfigMap and compose.yaml, the API keys in the
Secret).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from check_jsonschema.builtin_schemas import get_builtin_schema
from kubernetes_validate.utils import all_versions
from pytest_copie.plugin import Copie

from tests.helpers import promtool, rendered

COMBINATIONS = [
    ("aiosqlite", "memory", "none", "api_key"),
    ("asyncpg", "none", "otlp", "jwt"),
    ("psycopg", "redis", "otlp", "none"),
    ("aiomysql", "redis", "none", "jwt"),
]
KUBERNETES_VERSIONS = (all_versions()[0], all_versions()[-1])


@pytest.fixture(scope="module", params=COMBINATIONS, ids=["-".join(c) for c in COMBINATIONS])
def project(request: pytest.FixtureRequest, copie_session: Copie) -> Path:
    driver, cache, tracing, auth = request.param
    return rendered(
        copie_session,
        db_driver=driver,
        cache_backend=cache,
        tracing=tracing,
        auth=auth,
        include_docker=True,
    )


@pytest.fixture(scope="module")
def default_project(copie_session: Copie) -> Path:
    return rendered(copie_session, include_docker=True)


def manifests(project: Path) -> list[dict[str, Any]]:
    """The Kubernetes objects of deploy/k8s (the Kustomization is kustomize's, not an API
    object: its file list is checked in test_static_files.py)."""
    return [
        document
        for path in sorted((project / "deploy" / "k8s").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if document and document["kind"] != "Kustomization"
    ]


def kubernetes_errors(document: dict[str, Any]) -> list[str]:
    errors = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            errors.append(f"{document['kind']} (Kubernetes {version}) {path}: {error.message}")
    return errors


def compose_errors(document: Any) -> list[str]:
    schema = get_builtin_schema("vendor.compose-spec")
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'.'.join(str(part) for part in error.path)}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def promtool_check(rules: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), "check", "rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_kubernetes_manifests_match_the_kubernetes_schemas(project: Path) -> None:
    objects = manifests(project)
    assert {document["kind"] for document in objects} >= {"Deployment", "Service", "Secret"}
    assert [error for document in objects for error in kubernetes_errors(document)] == []


def test_compose_file_matches_the_compose_specification(project: Path) -> None:
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    assert compose_errors(compose) == []


def test_alert_rules_load_in_prometheus(project: Path) -> None:
    checked = promtool_check(project / "deploy" / "prometheus" / "alerts.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


@pytest.mark.parametrize(
    ("kind", "mistake"),
    [
        ("Deployment", lambda spec: spec["template"]["spec"]["containers"][0].update(port=80)),
        ("Deployment", lambda spec: spec.update(replicas="2")),
        ("Service", lambda spec: spec["ports"][0].update(port="http")),
        ("HorizontalPodAutoscaler", lambda spec: spec.pop("scaleTargetRef")),
    ],
)
def test_kubernetes_schemas_refuse_a_broken_manifest(
    kind: str, mistake: Any, default_project: Path
) -> None:
    (document,) = [d for d in manifests(default_project) if d["kind"] == kind]
    mistake(document["spec"])
    assert kubernetes_errors(document)


@pytest.mark.parametrize(
    "mistake",
    [
        lambda compose: compose["services"]["app"].update(dependson=["migrate"]),
        lambda compose: compose["services"]["app"]["healthcheck"].update(intervall="10s"),
        lambda compose: compose.update(service=compose.pop("services")),
    ],
)
def test_compose_schema_refuses_a_broken_compose_file(mistake: Any, default_project: Path) -> None:
    compose = yaml.safe_load((default_project / "compose.yaml").read_text(encoding="utf-8"))
    mistake(compose)
    assert compose_errors(compose)


def test_promtool_refuses_a_broken_rule(default_project: Path, tmp_path: Path) -> None:
    rules = yaml.safe_load(
        (default_project / "deploy" / "prometheus" / "alerts.yaml").read_text(encoding="utf-8")
    )
    rules["groups"][0]["rules"][0]["expr"] = "sum(rate(http_requests_total[5m]"
    broken = tmp_path / "alerts.yaml"
    broken.write_text(yaml.safe_dump(rules), encoding="utf-8")
    checked = promtool_check(broken)
    assert checked.returncode != 0
    assert "parse" in checked.stdout + checked.stderr
