"""Install a rendered service into its own virtual environment, migrate it and serve it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import venv
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from generator.errors import SlipstreamError

Progress = Callable[[str], None]


class StartError(SlipstreamError):
    """The generated service could not be installed or started."""


def service_command(project: Path) -> str:
    """The console script the project declares (its `[project.scripts]` entry)."""
    try:
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        scripts: dict[str, str] = pyproject["project"]["scripts"]
        return next(iter(scripts))
    except (OSError, tomllib.TOMLDecodeError, KeyError, StopIteration) as error:
        raise StartError(f"{project} has no console script in pyproject.toml") from error


def _run(command: list[str], *, cwd: Path, what: str) -> None:
    completed = subprocess.run(  # noqa: S603 - fixed programs, no shell
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    if completed.returncode != 0:
        raise StartError(f"{what} failed (exit {completed.returncode}):\n{completed.stdout}")


def install(project: Path, progress: Progress) -> Path:
    """Create `project/.venv` with the project installed; return its bin directory."""
    environment = project / ".venv"
    bin_dir = environment / "bin"
    if not (bin_dir / "python").exists():
        progress(f"Creating a virtual environment in {environment}")
        venv.create(environment, with_pip=True)
    progress("Installing the service and its dependencies (this can take a minute)")
    _run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "-e", "."],
        cwd=project,
        what="pip install",
    )
    return bin_dir


def start(project: Path, progress: Progress) -> NoReturn:
    """Install, migrate, then replace this process with the service's `serve` command."""
    command = service_command(project)
    bin_dir = install(project, progress)
    script = bin_dir / command
    progress("Creating the database schema")
    _run([str(script), "migrate"], cwd=project, what=f"{command} migrate")
    progress(f"Starting {command} serve (Ctrl-C stops it)")
    sys.stdout.flush()
    os.chdir(project)
    os.execv(script, [str(script), "serve"])  # noqa: S606 - the service's own console script
