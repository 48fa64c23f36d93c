"""The bench database: the project's default database URL pointed at a database of its
own, and its drop when the run ends.

Both are the generated project's own `<package>.db.admin` commands, run with the project's
interpreter: the bench creates and drops databases exactly as the service and its tests do,
speaking the project's driver.
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.bench.commands import run_command
from generator.bench.errors import BenchError
from generator.bench.project import Project

# One database per bench process on a shared server, dropped when its run ends.
BENCH_DATABASE = f"slipstream_bench_{os.getpid()}"


def _admin_command(project: Project, *args: str) -> list[str]:
    module = project.path / "src" / project.package / "db" / "admin.py"
    if not module.is_file():
        raise BenchError(
            f"{project.path} has no {project.package}.db.admin module, which the bench uses "
            "to create and drop its database; update the project to this template version "
            "first (`copier update`)"
        )
    return [str(project.python), "-m", f"{project.package}.db.admin", *args]


def bench_database_url(project: Project, workdir: Path) -> str:
    """The project's default database URL, pointed at a bench database of this project.

    Run in `workdir`, so that on SQLite the name becomes a file there.
    """
    name = f"{BENCH_DATABASE}_{project.combination.replace('-', '_')}"
    out = run_command(
        _admin_command(project, "url", name),
        env=project.env({}),
        cwd=workdir,
        what="reading the default database URL",
    )
    return out.strip()


def drop_bench_database(project: Project, url: str) -> None:
    """Drop the bench database (on SQLite, its file and write-ahead log)."""
    project.run(
        _admin_command(project, "drop", url),
        env=project.env({}),
        what="dropping the bench database",
    )
