"""Each cache backend renders only its own code, dependencies and documentation."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
import yaml

from generator.render import render

PACKAGE = "stock_keeper"
CACHE_DEPENDENCIES = ("cachetools", "types-cachetools", "redis")

README_PARAGRAPHS = {
    "none": "There is **no response cache**: every read goes to the database.",
    "memory": "The cache is **in-process**: with several workers each worker has its own copy.",
    "redis": "The cache is **shared in Redis** (`REDIS_URL`): every worker of every instance",
}


def rendered(template_snapshot: Path, tmp_path: Path, cache_backend: str) -> Path:
    return render(
        tmp_path / "svc",
        answers={"project_name": "Stock Keeper", "cache_backend": cache_backend},
        template=template_snapshot,
    )


def dependency_names(project: Path) -> set[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    specs = list(pyproject["project"]["dependencies"])
    for extra in pyproject["project"].get("optional-dependencies", {}).values():
        specs += extra
    return set(specs)


def dependency_matches(specs: set[str], name: str) -> list[str]:
    return [spec for spec in specs if spec.split(">")[0].split("[")[0].split(";")[0] == name]


def imported_modules(path: Path, package_root: Path) -> set[str]:
    """Absolute names of the modules a Python file imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = list(path.relative_to(package_root).with_suffix("").parts)
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = parts[: len(parts) - node.level] if node.level else []
            name = ".".join([*base, *([node.module] if node.module else [])])
            modules.add(name)
            modules.update(f"{name}.{alias.name}" for alias in node.names)
    return modules


def test_none_renders_no_cache_code_dependency_or_import(
    template_snapshot: Path, tmp_path: Path
) -> None:
    project = rendered(template_snapshot, tmp_path, "none")
    assert not (project / "src" / PACKAGE / "cache").exists()
    assert not (project / "src" / PACKAGE / "services" / "cached_items.py").exists()
    specs = dependency_names(project)
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
    template_snapshot: Path, tmp_path: Path, backend: str, present: str, absent: str
) -> None:
    project = rendered(template_snapshot, tmp_path, backend)
    cache = project / "src" / PACKAGE / "cache"
    assert {path.name for path in cache.glob("*.py")} == {
        "__init__.py",
        "base.py",
        "counting.py",
        "singleflight.py",
        f"{backend}.py",
    }
    specs = dependency_names(project)
    assert dependency_matches(specs, present)
    assert not dependency_matches(specs, absent)
    if backend == "redis":
        assert [spec.split(">")[0] for spec in dependency_matches(specs, "redis")] == [
            "redis[hiredis]"
        ]
    imports = imported_modules(project / "src" / PACKAGE / "main.py", project / "src")
    assert f"{PACKAGE}.cache.{backend}" in imports


@pytest.mark.parametrize("backend", sorted(README_PARAGRAPHS))
def test_readme_states_what_the_chosen_backend_guarantees(
    template_snapshot: Path, tmp_path: Path, backend: str
) -> None:
    project = rendered(template_snapshot, tmp_path, backend)
    readme = " ".join((project / "README.md").read_text(encoding="utf-8").split())
    for other, paragraph in README_PARAGRAPHS.items():
        assert (paragraph in readme) == (other == backend), other
    if backend == "memory":
        assert "The TTL is the bound on staleness between workers." in readme
    if backend == "redis":
        assert '`/health/ready` reports `"cache": "degraded"` (still 200' in readme
        assert "the service answers from the database" in readme
        assert "`REDIS_URL`" in readme


@pytest.mark.parametrize("backend", ["none", "memory", "redis"])
def test_compose_runs_redis_only_for_the_redis_backend(
    template_snapshot: Path, tmp_path: Path, backend: str
) -> None:
    project = rendered(template_snapshot, tmp_path, backend)
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    app = compose["services"]["app"]
    assert ("redis" in compose["services"]) == (backend == "redis")
    assert ("REDIS_URL" in app["environment"]) == (backend == "redis")
    assert ("redis" in app["depends_on"]) == (backend == "redis")
