"""The matrix runner: combinations from copier.yml, pairwise coverage, and failures that name
themselves, shown on a small fixture template with one driver broken on purpose."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app
from generator.errors import UnknownChoiceError
from generator.matrix import (
    Combination,
    PytestCounts,
    StaticChecks,
    combinations,
    covering,
    covering_pairs,
    run_matrix,
    with_options,
)
from generator.render import render
from generator.template_source import working_tree_ref
from tests.conftest import build_file_tree

FIXTURE_COPIER_YML = """\
_subdirectory: template
_answers_file: .copier-answers.yml

project_name:
  type: str
  help: Name
  default: Fixture
db_driver:
  type: str
  help: Driver
  default: good
  choices: [good, broken]
cache_backend:
  type: str
  help: Cache
  default: none
  choices: [none, memory]
server_mode:
  type: str
  help: Server
  default: solo
  choices: [solo]
"""

FIXTURE_PYPROJECT = """\
[project]
name = "fixture"
version = "0"
requires-python = ">=3.11"
[project.optional-dependencies]
dev = ["pytest>=8"]
[tool.setuptools]
py-modules = []
"""

FIXTURE_TEST = """\
DRIVER = "{{ db_driver }}"


def test_driver_module_imports():
    {% if db_driver == 'broken' %}import missing_driver_module  # the broken driver{% endif %}
    assert DRIVER


def test_cache():
    assert "{{ cache_backend }}" in {"none", "memory"}
"""


def fixture_template(root: Path) -> Path:
    return build_file_tree(
        root,
        {
            "copier.yml": FIXTURE_COPIER_YML,
            "template/pyproject.toml": FIXTURE_PYPROJECT,
            "template/tests/test_fixture.py.jinja": FIXTURE_TEST,
            "template/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
        },
    )


def test_combinations_follow_copier_yml(tmp_path: Path) -> None:
    template = fixture_template(tmp_path / "tpl")
    ids = [combination.id for combination in combinations(template)]
    assert ids == ["good-none-solo", "good-memory-solo", "broken-none-solo", "broken-memory-solo"]
    only = combinations(template, {"db_driver": ["broken"]})
    assert [combination.id for combination in only] == ["broken-none-solo", "broken-memory-solo"]
    with pytest.raises(UnknownChoiceError, match="good, broken"):
        combinations(template, {"db_driver": ["nope"]})


def test_option_values_are_spread_pairwise_over_the_axes() -> None:
    axes = {"db_driver": "12345", "cache_backend": "xyz", "server_mode": "pqr"}
    base = [tuple(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]
    options = {"auth": ["none", "key", "jwt"], "tracing": ["none", "otlp"]}
    spread = with_options(base, options, defaults={"auth": "none", "tracing": "none"})
    assert len(spread) == len(base)  # no combination more
    assert [combination.answers[:3] for combination in spread] == base
    questions = {**axes, **{name: "".join(values) for name, values in options.items()}}
    wanted = {
        ((first, a), (second, b))
        for first, second in itertools.combinations(questions, 2)
        if {first, second} & set(options)
        for a in (axes.get(first) or options[first])
        for b in (axes.get(second) or options[second])
    }
    covered = {
        pair
        for combination in spread
        for pair in itertools.combinations(combination.answers, 2)
        if pair[0][0] in options or pair[1][0] in options
    }
    assert covered == wanted
    assert spread[0].as_dict() | {"auth": "none", "tracing": "none"} == spread[0].as_dict()
    assert spread[0].id == "1-x-p"  # defaults are left out of the id
    assert len({combination.id for combination in spread}) == len(spread)


def test_a_base_too_small_for_every_pair_gets_more_combinations() -> None:
    base = [(("db_driver", "only"), ("cache_backend", "one"), ("server_mode", "solo"))]
    spread = with_options(base, {"auth": ["none", "key", "jwt"]}, defaults={"auth": "none"})
    assert [combination.id for combination in spread] == [
        "only-one-solo",
        "only-one-solo-key",
        "only-one-solo-jwt",
    ]


def test_options_in_copier_yml_are_spread_and_selectable(tmp_path: Path) -> None:
    template = fixture_template(tmp_path / "tpl")
    copier_yml = template / "copier.yml"
    copier_yml.write_text(
        copier_yml.read_text()
        + "auth:\n  type: str\n  help: Auth\n  default: none\n  choices: [token, none]\n"
    )
    ids = [combination.id for combination in combinations(template)]
    assert ids == [
        "good-none-solo",
        "good-memory-solo-token",
        "broken-none-solo-token",
        "broken-memory-solo",
    ]
    only = combinations(template, {"auth": ["token"], "db_driver": ["good"]})
    assert [combination.id for combination in only] == [
        "good-none-solo-token",
        "good-memory-solo-token",
    ]
    with pytest.raises(UnknownChoiceError, match="token, none"):
        combinations(template, {"auth": ["nope"]})


def test_flags_are_spread_like_options_and_reach_copier_as_booleans(tmp_path: Path) -> None:
    template = fixture_template(tmp_path / "tpl")
    copier_yml = template / "copier.yml"
    copier_yml.write_text(
        copier_yml.read_text() + "include_docker:\n  type: bool\n  help: Docker\n  default: true\n"
    )
    (template / "template" / "{% if include_docker %}Dockerfile{% endif %}.jinja").write_text("")
    spread = combinations(template)
    assert [combination.id for combination in spread] == [
        "good-none-solo",
        "good-memory-solo-no-include_docker",
        "broken-none-solo-no-include_docker",
        "broken-memory-solo",
    ]
    for combination in spread[:2]:
        project = render(
            tmp_path / combination.id,
            answers=combination.as_dict(),
            template=template,
            vcs_ref=working_tree_ref(template),
        )
        wanted = combination.as_dict()["include_docker"] == "true"
        assert (project / "Dockerfile").exists() == wanted


def test_covering_pairs_covers_every_pair_with_fewer_combinations() -> None:
    axes = {"a": "12345", "b": "xyz", "c": "pqr"}
    every = [
        Combination(tuple(zip(axes, values, strict=True)))
        for values in itertools.product(*axes.values())
    ]
    chosen = covering_pairs(every)
    wanted = {
        pair for combination in every for pair in itertools.combinations(combination.answers, 2)
    }
    covered = {
        pair for combination in chosen for pair in itertools.combinations(combination.answers, 2)
    }
    assert covered == wanted
    assert len(chosen) == 15  # 5 x 3 pairs need at least 15 combinations


def test_covering_triples_covers_every_triple() -> None:
    axes = {"a": "123", "b": "xy", "c": "pq", "d": "uv"}
    every = [
        Combination(tuple(zip(axes, values, strict=True)))
        for values in itertools.product(*axes.values())
    ]
    chosen = covering(every, strength=3)
    wanted = {
        triple for combination in every for triple in itertools.combinations(combination.answers, 3)
    }
    covered = {
        triple
        for combination in chosen
        for triple in itertools.combinations(combination.answers, 3)
    }
    assert covered == wanted
    assert 12 <= len(chosen) < len(every)  # 3 x 2 x 2 triples need at least 12


def test_pytest_summary_is_counted() -> None:
    output = "....\n=== 3 passed, 1 failed, 2 skipped, 1 error in 2.0s ===\n"
    assert PytestCounts.from_pytest(output) == PytestCounts(passed=3, failed=1, errors=1, skipped=2)
    assert PytestCounts.from_pytest("no summary") == PytestCounts()


@pytest.mark.matrix
def test_breaking_one_driver_fails_exactly_its_combinations(tmp_path: Path) -> None:
    template = fixture_template(tmp_path / "tpl")
    results = run_matrix(
        combinations(template),
        template=template,
        jobs=2,
        static=StaticChecks.NONE,
        workdir=tmp_path / "work",
    )
    outcome = {result.combination.id: result.ok for result in results}
    assert outcome == {
        "good-none-solo": True,
        "good-memory-solo": True,
        "broken-none-solo": False,
        "broken-memory-solo": False,
    }
    for result in results:
        if not result.ok:
            reason = result.describe()
            assert reason.startswith(result.combination.id)
            assert "missing_driver_module" in reason  # the project's own pytest output
            assert result.tests == PytestCounts(passed=1, failed=1)


@pytest.mark.matrix
def test_matrix_command_reports_a_table_and_fails(tmp_path: Path) -> None:
    template = fixture_template(tmp_path / "tpl")
    result = CliRunner().invoke(
        app, ["matrix", "--template", str(template), "--static", "none", "--jobs", "2"]
    )
    assert result.exit_code == 1, result.output
    assert "good-none-solo" in result.stdout
    assert "broken-memory-solo" in result.stdout
    assert result.stdout.count("FAILED") == 2
    assert "passed 2, failed 2" in result.stderr
    assert "missing_driver_module" in result.stderr


def test_a_tagged_git_template_is_checked_as_it_stands(tiny_template: Path, tmp_path: Path) -> None:
    """Copier renders a git template's newest tag by default; checks take the working tree."""
    for args in (["init", "--quiet"], ["add", "-A"], ["commit", "--quiet", "-m", "v1"],
                 ["tag", "v1.0.0"]):  # fmt: skip
        subprocess.run(["git", *args], cwd=tiny_template, check=True)
    readme = tiny_template / "template/README.md.jinja"
    readme.write_text("# {{ name }}\n\nedited, not committed\n", encoding="utf-8")

    assert working_tree_ref(tiny_template) == "HEAD"
    assert working_tree_ref(tmp_path) is None
    checked = render(tmp_path / "checked", answers={}, template=tiny_template,
                     vcs_ref=working_tree_ref(tiny_template))  # fmt: skip
    released = render(tmp_path / "released", answers={}, template=tiny_template)
    assert "edited, not committed" in (checked / "README.md").read_text(encoding="utf-8")
    assert "edited" not in (released / "README.md").read_text(encoding="utf-8")
