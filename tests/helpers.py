"""Helpers the repository's tests share: rendering through pytest-copie, reading what rendered."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml
from pytest_copie.plugin import Copie

from generator.checks import REQUIRE_SERVICES

ANSWERS_FILE = ".copier-answers.yml"
PROJECT_NAME = "Stock Keeper"
"""The project name the rendering tests use; its package is `stock_keeper`."""

_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9._-]+")


def rendered(copie: Copie, **answers: object) -> Path:
    """The template rendered by pytest-copie with `answers` (and PROJECT_NAME) over the defaults."""
    result = copie.copy(extra_answers={"project_name": PROJECT_NAME, **answers})
    assert result.exception is None, result.exception
    assert result.project_dir is not None
    return result.project_dir


def read_answers(project: Path) -> dict[str, Any]:
    """The answers Copier recorded in a rendered project."""
    loaded = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def dependency_specs(project: Path, *, extras: bool) -> list[str]:
    """The requirement strings of pyproject.toml: the dependencies, and the extras' if asked."""
    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(metadata["dependencies"])
    if extras:
        for extra in metadata.get("optional-dependencies", {}).values():
            specs += extra
    return specs


def requirement_name(spec: str) -> str:
    """The normalised distribution name of a requirement string (`redis[hiredis]>=5` -> redis)."""
    match = _REQUIREMENT_NAME.match(spec)
    assert match is not None, spec
    return match.group(0).lower().replace("_", "-")


def dependency_names(project: Path, *, extras: bool = False) -> set[str]:
    return {requirement_name(spec) for spec in dependency_specs(project, extras=extras)}


def imported_modules(path: Path, package_root: Path) -> set[str]:
    """Absolute names of what a Python file imports, relative imports resolved against
    `package_root` (the directory the top-level package sits in); `from a import b` gives
    both `a` and `a.b`."""
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


def top_level_imports(package: Path) -> set[str]:
    """The top-level names every module of a package imports (its own name included)."""
    return {
        module.split(".")[0]
        for path in package.rglob("*.py")
        for module in imported_modules(path, package.parent)
    }


def no_conflict_leftovers(project: Path) -> None:
    """No `.rej` file and no conflict marker anywhere in the project (outside .git, .venv)."""
    assert not list(project.rglob("*.rej"))
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts and ".venv" not in path.parts:
            text = path.read_bytes()
            assert b"<<<<<<< " not in text, path
            assert b">>>>>>> " not in text, path


def git(cwd: Path, *args: str) -> str:
    """Run git in cwd (the tests' isolated git identity and config); its standard output."""
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def commit_all(cwd: Path, message: str, tag: str | None = None) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "--quiet", "-m", message)
    if tag:
        git(cwd, "tag", tag)


def missing(message: str) -> NoReturn:
    """A skip naming what a test needs and did not find; a failure when
    SLIPSTREAM_REQUIRE_SERVICES=1, as in CI, where nothing may be skipped for it."""
    if os.environ.get(REQUIRE_SERVICES) == "1":
        pytest.fail(message)
    pytest.skip(message)


def promtool() -> str:
    """The path of Prometheus's promtool (.ci/run installs it); `missing` without it."""
    found = shutil.which("promtool")
    if found is None:
        missing("promtool is not installed (Debian: apt-get install prometheus)")
    return found
