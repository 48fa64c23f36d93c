"""Updating generated projects: new template versions, kept edits, switched answers, conflicts.

A throwaway git repository holds the working tree's template in two tagged versions; the
second one changes a settings default, adds a README section, changes `main.py` next to the
lines that wire in the extension points, and rewrites an extension module's template (which
must not reach a project that already has the module).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.checks import check_project, project_env
from generator.cli import app
from generator.render import render
from generator.update import DirtyTreeError, update
from tests.helpers import commit_all, git, no_conflict_leftovers, read_answers

OLD, NEW = "v0.1.0", "v0.2.0"
SETTINGS = "src/stock_keeper/core/settings.py"
TEMPLATE_SETTINGS = "template/src/{{package_name}}/core/settings.py.jinja"
POOL_OLD = "    pool_size: PositiveInt = 20\n"
POOL_NEW = "    pool_size: PositiveInt = 30\n"
README_ADDITION = "\n## Operations\n\nRotate the logs daily.\n"
MAIN = "src/stock_keeper/main.py"
TEMPLATE_MAIN = "template/src/{{package_name}}/main.py.jinja"
ROUTES_WIRING = "    app.include_router(own_routes.router)\n"
ROUTES_WIRING_NEW = "    # Routes of the project's own, after the service's.\n" + ROUTES_WIRING
TEMPLATE_ROUTES = "template/src/{{package_name}}/extensions/routes.py"


@pytest.fixture
def template_repo(template_snapshot: Path, tmp_path: Path) -> Path:
    """The template at OLD, then NEW with a settings default and a README section changed."""
    repo = tmp_path / "template-repo"
    subprocess.run(["cp", "-r", str(template_snapshot), str(repo)], check=True)
    git(repo, "init", "--quiet")
    commit_all(repo, "First release", OLD)
    settings = repo / TEMPLATE_SETTINGS
    text = settings.read_text(encoding="utf-8")
    assert POOL_OLD in text
    settings.write_text(text.replace(POOL_OLD, POOL_NEW), encoding="utf-8")
    readme = repo / "template/README.md.jinja"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("\n## Notes\n", README_ADDITION + "\n## Notes\n"), "utf-8")
    main = repo / TEMPLATE_MAIN
    text = main.read_text(encoding="utf-8")
    assert ROUTES_WIRING in text
    main.write_text(text.replace(ROUTES_WIRING, ROUTES_WIRING_NEW), encoding="utf-8")
    routes = repo / TEMPLATE_ROUTES
    routes.write_text(routes.read_text(encoding="utf-8") + "# A newer stub.\n", encoding="utf-8")
    commit_all(repo, "A larger pool; operations notes; a comment in main", NEW)
    return repo


def generate(template_repo: Path, tmp_path: Path, **answers: object) -> Path:
    project = render(
        tmp_path / "stock-keeper",
        answers={"project_name": "Stock Keeper", **answers},
        template=str(template_repo),
        vcs_ref=OLD,
    )
    git(project, "init", "--quiet")
    commit_all(project, "Generate")
    return project


def test_update_keeps_user_edits_and_brings_the_template_change(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generate(template_repo, tmp_path)
    assert read_answers(project)["_commit"] == OLD
    settings = project / SETTINGS
    user_setting = "    feature_flag_new_checkout: bool = False\n"
    text = settings.read_text(encoding="utf-8")
    anchor = "    log_level:"
    settings.write_text(text.replace(anchor, user_setting + anchor, 1), encoding="utf-8")
    user_test = "\n\ndef test_users_own_rule() -> None:\n    assert make_item().version == 4\n"
    domain_test = project / "tests/unit/test_domain.py"
    domain_test.write_text(domain_test.read_text(encoding="utf-8") + user_test, encoding="utf-8")
    commit_all(project, "Our own setting and test")

    result = update(project, to=NEW)

    assert result.conflicts == []
    assert (result.old_commit, result.new_commit) == (OLD, NEW)
    assert set(result.changed) == {".copier-answers.yml", "README.md", MAIN, SETTINGS}
    no_conflict_leftovers(project)
    updated = settings.read_text(encoding="utf-8")
    assert user_setting in updated
    assert POOL_NEW in updated
    assert user_test in domain_test.read_text(encoding="utf-8")
    assert README_ADDITION in (project / "README.md").read_text(encoding="utf-8")
    assert read_answers(project)["_commit"] == NEW


def test_update_with_nothing_new_changes_nothing(template_repo: Path, tmp_path: Path) -> None:
    project = generate(template_repo, tmp_path)
    update(project, to=NEW)
    commit_all(project, "Update")
    result = update(project, to=NEW)
    assert result.changed == []
    assert git(project, "status", "--porcelain") == ""


def test_dirty_tree_is_refused(template_repo: Path, tmp_path: Path) -> None:
    project = generate(template_repo, tmp_path)
    (project / "notes.txt").write_text("uncommitted", encoding="utf-8")
    with pytest.raises(DirtyTreeError, match=r"notes\.txt"):
        update(project, to=NEW)
    result = CliRunner().invoke(app, ["update", str(project), "--to", NEW])
    assert result.exit_code == 2
    assert "uncommitted changes" in result.stderr
    assert read_answers(project)["_commit"] == OLD


def test_dry_run_lists_changes_and_leaves_the_project_alone(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generate(template_repo, tmp_path)
    result = CliRunner().invoke(app, ["update", str(project), "--to", NEW, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Files would change:" in result.stdout
    assert "README.md" in result.stdout
    assert git(project, "status", "--porcelain") == ""
    assert read_answers(project)["_commit"] == OLD


@pytest.mark.parametrize("mode", ["inline", "rej"])
def test_a_real_conflict_is_reported_with_its_file(
    template_repo: Path, tmp_path: Path, mode: str
) -> None:
    project = generate(template_repo, tmp_path)
    settings = project / SETTINGS
    mine = "    pool_size: PositiveInt = 5\n"
    settings.write_text(settings.read_text(encoding="utf-8").replace(POOL_OLD, mine))
    commit_all(project, "A smaller pool for our database")

    result = CliRunner().invoke(app, ["update", str(project), "--to", NEW, "--conflict", mode])

    assert result.exit_code == 1, result.output
    assert "Conflicts to resolve" in result.stderr
    assert SETTINGS in result.stderr


def project_files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


USER_FILES = {
    "src/stock_keeper/services/pricing.py": '''"""Our own pricing rule."""

from decimal import Decimal


def with_vat(price: Decimal) -> Decimal:
    return (price * Decimal("1.2")).quantize(Decimal("0.01"))
''',
    "src/stock_keeper/extensions/routes.py": '''"""Our routes."""

from fastapi import APIRouter, Request

router = APIRouter()


@router.get("/hello")
async def hello(request: Request) -> dict[str, str]:
    return {"greeting": request.app.state.settings.greeting}
''',
    "src/stock_keeper/extensions/settings.py": '''"""Our settings."""

from pydantic_settings import BaseSettings


class ExtensionSettings(BaseSettings):
    greeting: str = "moin"
''',
    "tests/extensions/test_hello.py": '''"""Our route, with our setting."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_hello_greets_with_our_setting(client: httpx.AsyncClient) -> None:
    response = await client.get("/hello")
    assert response.status_code == 200
    assert response.json() == {"greeting": "moin"}
''',
}
"""The typical edits: a module of their own, a route and a setting in the extension points,
and a test of their own."""
README_NOTE = "\nOur on-call rota is in the wiki.\n"


def make_typical_edits(project: Path) -> None:
    for relative, text in USER_FILES.items():
        (project / relative).write_text(text, encoding="utf-8")
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(README_NOTE)
    commit_all(project, "Our route, setting, test, pricing rule and README note")


def copier_update(project: Path, answers: dict[str, str]) -> None:
    """Plain `copier update`, as a user runs it: the newest tag, the recorded answers."""
    data = [f"--data={key}={value}" for key, value in answers.items()]
    result = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", *data],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def user_test_passes(project: Path) -> str:
    result = subprocess.run(
        [
            str(project / ".venv/bin/python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/extensions/test_hello.py",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=project_env(project / ".venv", {"REQUIRE_SERVICES": "1"}),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.matrix
@pytest.mark.parametrize(
    ("before", "after", "gone", "arrived", "dependencies"),
    [
        pytest.param({}, {}, [], [], (set(), set()), id="new-template-version"),
        pytest.param(
            {},
            {"db_driver": "asyncpg"},
            [],
            ["tests/db/test_create_database.py"],
            ({'"asyncpg>='}, {"aiosqlite"}),
            id="aiosqlite-to-asyncpg",
        ),
        pytest.param(
            {},
            {"cache_backend": "redis", "server_mode": "granian"},
            ["src/stock_keeper/cache/memory.py", "tests/unit/test_memory_cache.py"],
            ["src/stock_keeper/cache/redis.py", "tests/api/test_redis_cache.py"],
            ({'"redis[hiredis]>=', '"granian['}, {'"uvicorn>=', "cachetools"}),
            id="memory-to-redis-uvicorn-to-granian",
        ),
        pytest.param(
            {"db_driver": "asyncmy", "cache_backend": "redis", "server_mode": "gunicorn"},
            {"db_driver": "psycopg", "cache_backend": "none", "server_mode": "uvicorn"},
            ["src/stock_keeper/cache/base.py", "src/stock_keeper/gunicorn_conf.py"],
            ["tests/api/test_uncached_reads.py"],
            ({'"psycopg[binary]>=', '"uvicorn>='}, {"asyncmy", "redis", "gunicorn"}),
            id="asyncmy-redis-gunicorn-to-psycopg-none-uvicorn",
        ),
    ],
)
def test_user_edits_survive_a_plain_copier_update(
    template_repo: Path,
    tmp_path: Path,
    before: dict[str, str],
    after: dict[str, str],
    gone: list[str],
    arrived: list[str],
    dependencies: tuple[set[str], set[str]],
) -> None:
    """A new template version, or a switch of each axis, with plain `copier update`: the
    project holds exactly a fresh render's files plus the user's, every edit kept, no conflict
    left, the user's route served with the user's setting, and every test passes."""
    project = generate(template_repo, tmp_path, **before)
    stub = (project / "src/stock_keeper/extensions/middleware.py").read_bytes()
    make_typical_edits(project)

    copier_update(project, after)

    no_conflict_leftovers(project)
    answers = read_answers(project)
    assert answers["_commit"] == NEW
    assert {key: answers[key] for key in after} == after
    fresh = render(
        tmp_path / "fresh" / "stock-keeper",
        answers={"project_name": "Stock Keeper", **before, **after},
        template=str(template_repo),
        vcs_ref=NEW,
    )
    assert project_files(project) == project_files(fresh) | set(USER_FILES)
    for relative, text in USER_FILES.items():
        assert (project / relative).read_text(encoding="utf-8") == text, relative
    # An extension module the user left alone is theirs too: the newer stub does not arrive.
    assert (project / "src/stock_keeper/extensions/middleware.py").read_bytes() == stub
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert readme.endswith(README_NOTE)
    assert README_ADDITION in readme
    assert ROUTES_WIRING_NEW in (project / MAIN).read_text(encoding="utf-8")
    assert POOL_NEW in (project / SETTINGS).read_text(encoding="utf-8")
    for relative in gone:
        assert not (project / relative).exists(), relative
    for relative in arrived:
        assert (project / relative).is_file(), relative
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    present, absent = dependencies
    for name in present:
        assert name in pyproject, name
    for name in absent:
        assert name not in pyproject, name
    report = check_project(project, env={"REQUIRE_SERVICES": "1"})
    assert report.ok, report.describe()
    assert "1 passed" in user_test_passes(project)
