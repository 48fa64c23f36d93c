"""The bench database: the project's default database URL pointed at a database of its
own, and its drop when the run ends.

Both run `clients/database.py` with the project's interpreter, which reads the project's
settings and speaks its driver. `_admin_command` is the one place that names that client.
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.bench.project import Project

# One database per bench process on a shared server, dropped when its run ends.
BENCH_DATABASE = f"slipstream_bench_{os.getpid()}"


def _admin_command(project: Project, *args: str) -> list[str]:
    return project.client("database", "--package", project.package, *args)


def bench_database_url(project: Project, workdir: Path) -> str:
    """The project's default database URL, pointed at a bench database (or SQLite file)."""
    sqlite_file = workdir / f"{project.combination}.db"
    out = project.run(
        _admin_command(project, "url", str(sqlite_file), BENCH_DATABASE),
        env=project.env({}),
        what="reading the default database URL",
    )
    return out.strip()


def drop_bench_database(project: Project, url: str) -> None:
    """Drop the bench database on a database server (a SQLite file goes with its directory)."""
    project.run(
        _admin_command(project, "drop", url),
        env=project.env({}),
        what="dropping the bench database",
    )
