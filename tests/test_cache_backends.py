"""Each cache backend renders only its own code, dependencies and documentation."""

from __future__ import annotations

import pytest
import yaml
from pytest_copie.plugin import Copie

from tests.helpers import dependency_specs, imported_modules, rendered, requirement_name

PACKAGE = "stock_keeper"
CACHE_DEPENDENCIES = ("cachetools", "types-cachetools", "redis")

BACKEND_MODULES = {"memory": ["memory.py", "generations.py"], "redis": ["redis.py"]}

README_PARAGRAPHS = {
    "none": "There is **no response cache**: every read goes to the database.",
    "memory": "The cache is **in-process** and **coherent across the workers of one `serve`**:",
    "redis": "The cache is **shared in Redis** (`REDIS_URL`): every worker of every instance",
}


def dependency_matches(specs: list[str], name: str) -> list[str]:
    return [spec for spec in specs if requirement_name(spec) == name]


def test_none_renders_no_cache_code_dependency_or_import(
    copie: Copie,
) -> None:
    project = rendered(copie, cache_backend="none")
    assert not (project / "src" / PACKAGE / "cache").exists()
    assert not (project / "src" / PACKAGE / "services" / "cached_items.py").exists()
    specs = dependency_specs(project, extras=True)
    for name in CACHE_DEPENDENCIES:
        assert not dependency_matches(specs, name), specs
    python_files = [*(project / "src").rglob("*.py"), *(project / "tests").rglob("*.py")]
    assert len(python_files) > 20
    for path in python_files:
        for module in imported_modules(path, project / "src" if "src" in path.parts else project):
            first = module.split(".")[0]
            assert first not in {"cachetools", "redis"}, f"{path} imports {module}"
            assert f"{PACKAGE}.cache" not in module, f"{path} imports {module}"
            assert "cached_items" not in module, f"{path} imports {module}"


@pytest.mark.parametrize(
    ("backend", "present", "absent"),
    [("memory", "cachetools", "redis"), ("redis", "redis", "cachetools")],
)
def test_only_the_chosen_backend_and_its_dependency_render(
    copie: Copie, backend: str, present: str, absent: str
) -> None:
    project = rendered(copie, cache_backend=backend)
    cache = project / "src" / PACKAGE / "cache"
    assert {path.name for path in cache.glob("*.py")} == {
        "__init__.py",
        "base.py",
        "counting.py",
        "singleflight.py",
        *BACKEND_MODULES[backend],
    }
    specs = dependency_specs(project, extras=True)
    assert dependency_matches(specs, present)
    assert not dependency_matches(specs, absent)
    if backend == "redis":
        assert [spec.split(">")[0] for spec in dependency_matches(specs, "redis")] == [
            "redis[hiredis]"
        ]
    imports = imported_modules(project / "src" / PACKAGE / "main.py", project / "src")
    assert f"{PACKAGE}.cache.{backend}" in imports


@pytest.mark.parametrize("backend", sorted(README_PARAGRAPHS))
def test_readme_states_what_the_chosen_backend_guarantees(copie: Copie, backend: str) -> None:
    project = rendered(copie, cache_backend=backend)
    readme = " ".join((project / "README.md").read_text(encoding="utf-8").split())
    for other, paragraph in README_PARAGRAPHS.items():
        assert (paragraph in readme) == (other == backend), other
    if backend == "memory":
        assert "no worker answers with an older item, list page or 304" in readme
        assert "**Instances do not share anything**" in readme
    if backend == "redis":
        assert '`/health/ready` reports `"cache": "degraded"` (still 200' in readme
        assert "the service answers from the database" in readme
        assert "`REDIS_URL`" in readme


@pytest.mark.parametrize("backend", ["none", "memory", "redis"])
def test_compose_runs_redis_only_for_the_redis_backend(copie: Copie, backend: str) -> None:
    project = rendered(copie, cache_backend=backend)
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    app = compose["services"]["app"]
    assert ("redis" in compose["services"]) == (backend == "redis")
    assert ("REDIS_URL" in app["environment"]) == (backend == "redis")
    assert ("redis" in app["depends_on"]) == (backend == "redis")
