"""Updating generated projects: new template versions, kept edits, switched answers, conflicts.

A throwaway git repository holds the working tree's template in two tagged versions;
the second one changes a file users also edit (settings) and one they rarely do (README).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.checks import check_project
from generator.cli import app
from generator.render import render
from generator.update import DirtyTreeError, update
from tests.helpers import read_answers

OLD, NEW = "v0.1.0", "v0.2.0"
SETTINGS = "src/stock_keeper/core/settings.py"
TEMPLATE_SETTINGS = "template/src/{{package_name}}/core/settings.py.jinja"
POOL_OLD = "    pool_size: PositiveInt = 10\n"
POOL_NEW = "    pool_size: PositiveInt = 20\n"
README_ADDITION = "\n## Operations\n\nRotate the logs daily.\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def commit_all(cwd: Path, message: str, tag: str | None = None) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "--quiet", "-m", message)
    if tag:
        git(cwd, "tag", tag)


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
    with (repo / "template/README.md.jinja").open("a", encoding="utf-8") as readme:
        readme.write(README_ADDITION)
    commit_all(repo, "A larger pool; operations notes", NEW)
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


def no_conflict_leftovers(project: Path) -> None:
    assert not list(project.rglob("*.rej"))
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts and ".venv" not in path.parts:
            text = path.read_bytes()
            assert b"<<<<<<< " not in text, path
            assert b">>>>>>> " not in text, path


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
    assert set(result.changed) == {".copier-answers.yml", "README.md", SETTINGS}
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


USER_MODULE = "src/stock_keeper/services/pricing.py"
USER_CODE = '''"""Our own pricing rule."""

from decimal import Decimal


def with_vat(price: Decimal) -> Decimal:
    return (price * Decimal("1.2")).quantize(Decimal("0.01"))
'''


@pytest.mark.matrix
@pytest.mark.parametrize(
    ("before", "after", "gone", "arrived", "dependencies"),
    [
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
def test_switching_answers_during_an_update(
    template_repo: Path,
    tmp_path: Path,
    before: dict[str, str],
    after: dict[str, str],
    gone: list[str],
    arrived: list[str],
    dependencies: tuple[set[str], set[str]],
) -> None:
    """The switched project holds exactly the files a fresh render of the new answers holds,
    plus the user's own, and passes its own tests."""
    project = generate(template_repo, tmp_path, **before)
    (project / USER_MODULE).write_text(USER_CODE, encoding="utf-8")
    commit_all(project, "Our pricing rule")

    result = update(project, to=NEW, answers=after)

    assert result.conflicts == []
    no_conflict_leftovers(project)
    assert {key: read_answers(project)[key] for key in after} == after
    fresh = render(
        tmp_path / "fresh" / "stock-keeper",
        answers={"project_name": "Stock Keeper", **before, **after},
        template=str(template_repo),
        vcs_ref=NEW,
    )
    assert project_files(project) == project_files(fresh) | {USER_MODULE}
    for relative in gone:
        assert not (project / relative).exists(), relative
    for relative in arrived:
        assert (project / relative).is_file(), relative
    assert (project / USER_MODULE).read_text(encoding="utf-8") == USER_CODE
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    present, absent = dependencies
    for name in present:
        assert name in pyproject, name
    for name in absent:
        assert name not in pyproject, name
    report = check_project(project, env={"REQUIRE_SERVICES": "1"})
    assert report.ok, report.describe()
