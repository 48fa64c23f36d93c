"""Shared fixtures: the working tree's template as a plain folder, isolated git/Copier state."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_xdist_auto_num_workers() -> int:
    """`-n auto`: one worker more than there are cores. A combination's own suite waits on
    its servers, timeouts and sleeps for about a third of its time (65 s of wall time for
    46 s of CPU on an idle machine), so two workers on two cores left them partly idle."""
    return (os.cpu_count() or 1) + 1


TEMPLATE_PATHS = ("copier.yml", "template")

TINY_COPIER_YML = """\
_subdirectory: template
_answers_file: .copier-answers.yml

name:
  type: str
  help: Name of the widget
  default: Widget
  validator: "{% if not (name | trim) %}The name must not be empty.{% endif %}"

flavour:
  type: str
  help: Flavour of the widget
  default: vanilla
  choices:
    Vanilla ice: vanilla
    Dark chocolate: chocolate

size:
  type: int
  help: Size of the widget
  default: 2
  choices: [1, 2, 3]

slug:
  type: str
  default: "{{ name | lower | replace(' ', '-') }}"
  when: false
"""


def build_file_tree(root: Path, spec: Mapping[str, str | bytes]) -> Path:
    """Write {relative path: content} under root (parents created); return root."""
    for relpath, content in spec.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def build_tiny_template(root: Path) -> Path:
    """A three-question template with a mapping choice, a list choice and a computed value."""
    return build_file_tree(
        root,
        {
            "copier.yml": TINY_COPIER_YML,
            "template/{{ _copier_conf.answers_file }}.jinja": (
                "# Changes here will be overwritten by Copier\n"
                "{{ _copier_answers | to_nice_yaml -}}\n"
            ),
            "template/README.md.jinja": "# {{ name }}\n\n{{ flavour }} / {{ size }}\n",
            "template/src/{{ slug }}/__init__.py.jinja": '"""{{ name }}."""\n',
            "template/docs/guide.md": "Plain file, copied as is.\n",
        },
    )


def tree_snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under root with its bytes (None for a directory), to compare before/after."""
    return {
        path.relative_to(root).as_posix(): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


def git_listed_files(repo: Path, *pathspecs: str) -> list[str]:
    """Tracked plus untracked-but-not-ignored files: what the working tree would commit."""
    result = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *pathspecs],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    return [name for name in result.stdout.decode().split("\0") if name]


@pytest.fixture(scope="session")
def template_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """copier.yml and template/ of the working tree, copied into a plain folder (no .git).

    Rendering the checkout itself would render its last tag, or warn about a dirty tree.
    """
    snapshot = tmp_path_factory.mktemp("template-snapshot")
    for name in git_listed_files(REPO_ROOT, *TEMPLATE_PATHS):
        source = REPO_ROOT / name
        if not source.is_file():  # deleted in the working tree but still in the index
            continue
        target = snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    (snapshot / "template").mkdir(exist_ok=True)
    return snapshot


def _rendering_the_snapshot(copie: Copie, template_snapshot: Path) -> Copie:
    """pytest-copie renders its --template directory at git HEAD, here the checkout's last
    commit: the same helper rendering the working tree's snapshot instead."""
    return Copie(
        default_template_dir=template_snapshot,
        test_dir=copie.test_dir,
        config_file=copie.config_file,
    )


@pytest.fixture
def copie(copie: Copie, template_snapshot: Path) -> Copie:
    return _rendering_the_snapshot(copie, template_snapshot)


@pytest.fixture(scope="session")
def copie_session(copie_session: Copie, template_snapshot: Path) -> Copie:
    return _rendering_the_snapshot(copie_session, template_snapshot)


@pytest.fixture
def tiny_template(tmp_path: Path) -> Path:
    return build_tiny_template(tmp_path / "tiny-template")


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the user's git config, Copier settings or Copier's git cache."""
    state = tmp_path_factory.mktemp("isolated-state")
    gitconfig = state / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Slipstream Tests\n\temail = tests@slipstream.invalid\n"
        "[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    settings = state / "copier-settings.yml"
    settings.write_text("defaults: {}\ntrust: []\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Slipstream Tests")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tests@slipstream.invalid")
    monkeypatch.setenv("COPIER_CACHE_DIR", str(state / "copier-cache"))
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
