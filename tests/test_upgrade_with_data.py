"""The upgrade path with data: a project generated from the first release, with rows in its
database and the user's edits, reaches the current template with plain `copier update` and
`<project> migrate`, and keeps every row, on SQLite, PostgreSQL and MariaDB.

The first release is the commit tagged v0.1.0 where the repository was released; a clone of
this repository holds it, and the working tree's template becomes the next version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from generator.bench.server import free_port, serving
from generator.checks import build_venv, project_env, uv_executable
from tests.conftest import REPO_ROOT, TEMPLATE_PATHS
from tests.helpers import commit_all, git, no_conflict_leftovers, read_answers

FIRST_RELEASE = "c70b41f"
"""The commit released as v0.1.0 (CHANGELOG.md)."""
OLD, NEW = "v0.1.0", "v0.2.0"
COMMAND = "stock-keeper"
README_NOTE = "\nBackups run nightly at 02:00.\n"
USER_TEST = '''"""Our own rule: prices round half to even."""

from decimal import Decimal


def test_our_rounding() -> None:
    assert Decimal("12.345").quantize(Decimal("0.01")) == Decimal("12.34")
'''
ITEMS = [
    {
        "name": f"Ärmel {number} – 長袖",
        "description": "x" * number,
        "price": f"{number}.{number % 100:02d}",
    }
    for number in range(1, 41)
]


@pytest.fixture
def released_template(template_snapshot: Path, tmp_path: Path) -> Path:
    """This repository at its first release (OLD), then the working tree's template (NEW)."""
    repo = tmp_path / "template-repo"
    git(tmp_path, "clone", "--quiet", "--no-checkout", str(REPO_ROOT), str(repo))
    git(repo, "checkout", "--quiet", "-B", "release", FIRST_RELEASE)
    git(repo, "tag", "--force", OLD)
    for name in TEMPLATE_PATHS:
        target = repo / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
        source = template_snapshot / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    commit_all(repo, "The working tree's template")
    git(repo, "tag", "--force", NEW)
    return repo


def database_url(dialect: str, driver: str, workdir: Path) -> str:
    name = f"upgrade_{uuid.uuid4().hex[:10]}"
    if dialect == "sqlite":
        return f"sqlite+{driver}:///{workdir / name}.db"
    variable, default = {
        "postgresql": ("TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        "mariadb": ("TEST_MYSQL_URL", "mariadb://root@127.0.0.1:3306/"),
    }[dialect]
    server = make_url(os.environ.get(variable, default))
    url = server.set(drivername=f"{server.get_backend_name()}+{driver}", database=name)
    return url.render_as_string(hide_password=False)


def run(project: Path, env: dict[str, str], *command: str) -> str:
    result = subprocess.run(
        list(command), cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def database(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(driver, URL) of a database of the test's own, dropped afterwards with the project's
    own `db.admin` (the first release has none, the updated project has)."""
    dialect, driver = request.param
    url = database_url(dialect, driver, tmp_path)
    yield driver, url
    project = tmp_path / "stock-keeper"
    python = project / ".venv/bin/python"
    if (project / "src/stock_keeper/db/admin.py").is_file() and python.is_file():
        subprocess.run(
            [str(python), "-m", "stock_keeper.db.admin", "drop", url],
            cwd=project,
            env=project_env(project / ".venv"),
            capture_output=True,
            check=False,
        )


def served(project: Path, env: dict[str, str]) -> Any:
    port = free_port()
    return serving(
        [COMMAND, "serve", "--port", str(port)],
        env=env,
        port=port,
        cwd=project,
        log=project.parent / "serve.log",
    )


def snapshot(base: str) -> dict[int, tuple[Any, str]]:
    """Every item as the service answers it: body and ETag, by id."""
    with httpx.Client(base_url=base, timeout=10) as http:
        listed = http.get("/items", params={"per_page": 100}).json()["items"]
        return {
            item["id"]: (response.json(), response.headers["etag"])
            for item in listed
            if (response := http.get(f"/items/{item['id']}")).status_code == 200
        }


def fill(base: str) -> tuple[dict[int, tuple[Any, str]], int]:
    """Create ITEMS, update one, delete one; return the stored items and the deleted id."""
    with httpx.Client(base_url=base, timeout=10) as http:
        ids = []
        for item in ITEMS:
            response = http.post("/items", json=item)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        changed = http.patch(
            f"/items/{ids[0]}", json={"price": "99.99"}, headers={"If-Match": f'"{ids[0]}-1"'}
        )
        assert changed.status_code == 200, changed.text
        assert http.delete(f"/items/{ids[-1]}").status_code == 204
    stored = snapshot(base)
    assert len(stored) == len(ITEMS) - 1
    return stored, ids[-1]


@pytest.mark.matrix
@pytest.mark.parametrize(
    "database",
    [("sqlite", "aiosqlite"), ("postgresql", "psycopg"), ("mariadb", "aiomysql")],
    ids=["sqlite", "postgresql", "mariadb"],
    indirect=True,
)
def test_an_update_from_the_first_release_keeps_every_row(
    released_template: Path, tmp_path: Path, database: tuple[str, str]
) -> None:
    driver, url = database
    project = tmp_path / "stock-keeper"
    env = project_env(project / ".venv", {"DATABASE_URL": url})
    run(
        tmp_path,
        env,
        sys.executable,
        "-m",
        "copier",
        "copy",
        "--defaults",
        "--quiet",
        "--vcs-ref",
        OLD,
        "--data",
        "project_name=Stock Keeper",
        "--data",
        f"db_driver={driver}",
        str(released_template),
        str(project),
    )
    git(project, "init", "--quiet")
    commit_all(project, "Generate")
    install = build_venv(project)
    assert install.ok, install.output
    run(project, env, COMMAND, "migrate", *([] if driver == "aiosqlite" else ["--create"]))
    with served(project, env) as base:
        before, deleted = fill(base)
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(README_NOTE)
    (project / "tests/test_our_rule.py").write_text(USER_TEST, encoding="utf-8")
    commit_all(project, "Our note and test")

    run(project, env, sys.executable, "-m", "copier", "update", "--defaults")

    assert read_answers(project)["_commit"] == NEW
    no_conflict_leftovers(project)
    assert (project / "README.md").read_text(encoding="utf-8").endswith(README_NOTE)
    assert (project / "tests/test_our_rule.py").read_text(encoding="utf-8") == USER_TEST
    venv_python = str(project / ".venv/bin/python")
    run(
        project,
        env,
        uv_executable(),
        "pip",
        "install",
        "--quiet",
        "--python",
        venv_python,
        "-e",
        ".[dev]",
    )
    run(project, env, COMMAND, "migrate")
    with served(project, env) as base:
        after = snapshot(base)
        with httpx.Client(base_url=base, timeout=10) as http:
            assert http.get(f"/items/{deleted}").status_code == 404
            searched = http.get("/items", params={"q": "ARMEL 1", "per_page": 100})
            created = http.post("/items", json=ITEMS[1])
    assert after == before
    # The rows the first release stored are found as the search rule says ("Ärmel 1", 10-19).
    assert searched.status_code == 200, searched.text
    found = {item["id"] for item in searched.json()["items"]}
    assert found == {key for key, (item, _) in before.items() if item["name"].startswith("Ärmel 1")}
    assert len(found) == 11
    assert created.status_code == 201, created.text
    assert created.json()["id"] > max(before)
    run(
        project,
        env,
        venv_python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_our_rule.py",
    )


def test_released_migrations_are_never_rewritten() -> None:
    """Every revision the first release shipped is still there, byte for byte."""
    versions = "template/src/{{package_name}}/migrations/versions/"
    released = git(REPO_ROOT, "ls-tree", "--name-only", f"{FIRST_RELEASE}:{versions}").split()
    assert released, "the first release ships at least one revision"
    for name in released:
        shipped = subprocess.run(
            ["git", "show", f"{FIRST_RELEASE}:{versions}{name}"],
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        ).stdout
        assert (REPO_ROOT / versions / name).read_bytes() == shipped, name
