"""A generated project under bench: where it is, its package, interpreter and environment."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.bench.commands import run_command, run_reporting
from generator.bench.errors import BenchError
from generator.checks import build_venv, project_env
from generator.questions import AXES, option_choices
from generator.start import service_command
from generator.template_source import default_template_source

CLIENTS_DIR = Path(__file__).resolve().parent / "clients"

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Project:
    path: Path
    package: str
    command: Path
    python: Path
    answers: Mapping[str, Any]
    options: Mapping[str, str] = field(default_factory=dict)
    """The option questions answered other than by their default, in `OPTIONS` order."""

    @property
    def combination(self) -> str:
        """As the matrix names it: the axes' values, then the options' (see `options`)."""
        axes = [str(self.answers.get(axis, "?")) for axis in AXES]
        return "-".join([*axes, *self.options.values()])

    def option(self, name: str) -> str | None:
        """The value of option question `name` if it is not the default, else None."""
        return self.options.get(name)

    @property
    def cache_backend(self) -> str:
        return str(self.answers.get("cache_backend", "none"))

    def env(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The project's own environment (as its checks get it), minus an inherited metrics
        directory, which several servers would otherwise share."""
        env = project_env(self.path / ".venv")
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(extra)
        return env

    def client(self, name: str, *args: str) -> list[str]:
        """The command running `clients/<name>.py` with the project's interpreter."""
        return [str(self.python), str(CLIENTS_DIR / f"{name}.py"), *args]

    def setting(self, name: str, *, env: Mapping[str, str]) -> str:
        """The value the project's own settings give `name` in `env`."""
        code = (
            "import importlib, sys; "
            "settings = importlib.import_module(sys.argv[1] + '.core.settings').get_settings(); "
            "print(getattr(settings, sys.argv[2]))"
        )
        command = [str(self.python), "-c", code, self.package, name]
        return self.run(command, env=env, what=f"reading the setting {name}").strip()

    def run(self, command: Sequence[str], *, env: Mapping[str, str], what: str) -> str:
        """Run `command` in the project's directory; its standard output."""
        return run_command(command, env=env, cwd=self.path, what=what)

    def run_reporting(
        self, command: Sequence[str], *, env: Mapping[str, str], what: str, progress: Progress
    ) -> str:
        """`run`, with each line of the command's standard error passed to `progress`."""
        return run_reporting(command, env=env, cwd=self.path, what=what, progress=progress)


def load_project(path: Path, template: Path | None = None) -> Project:
    """The project at `path`; its options' defaults are read from `template` (by default the
    template this generator carries)."""
    answers_file = path / ".copier-answers.yml"
    if not answers_file.is_file():
        raise BenchError(f"{path} is not a generated project (no .copier-answers.yml)")
    answers = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
    bin_dir = path / ".venv" / "bin"
    defaults = option_choices(template or default_template_source())
    options = {
        name: str(answers[name])
        for name, (default, _values) in defaults.items()
        if name in answers and str(answers[name]) != default
    }
    return Project(
        path=path,
        package=str(answers["package_name"]),
        command=bin_dir / service_command(path),
        python=bin_dir / "python",
        answers=answers,
        options=options,
    )


def prepare_project(path: Path, progress: Progress, template: Path | None = None) -> Project:
    """Install the project into its own .venv (uv) unless that was done already."""
    if not (path / ".venv" / "bin" / "python").exists():
        progress(f"installing {path.name}")
        step = build_venv(path)
        if not step.ok:
            raise BenchError(step.describe())
    return load_project(path, template)


def project_versions(project: Project) -> dict[str, str]:
    """The versions of Python and the packages that decide the numbers, in the project."""
    out = project.run(project.client("versions"), env=project.env({}), what="reading versions")
    versions: dict[str, str] = json.loads(out)
    return versions
