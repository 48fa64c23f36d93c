"""The `slipstream` command through Typer's CliRunner: flags, defaults, bad input, exit codes."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, cast

import copier
import pytest
from copier.errors import CopierAnswersInterrupt, UserMessageError
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner, Result

import generator.cli
from generator.bench.settings import BenchSettings
from generator.cli import ABORTED_EXIT_CODE, ANSWER_FLAGS, app
from generator.errors import SlipstreamError
from generator.questions import AXES, OPTIONS, Question, asked_questions, load_questions
from generator.render import STAGING_MARKER
from tests.conftest import build_file_tree, tree_snapshot
from tests.helpers import read_answers

runner = CliRunner()


def invoke(*args: str | Path, stdin: str | None = None) -> Result:
    return runner.invoke(app, [str(arg) for arg in args], input=stdin)


def assert_clean_error(result: Result, exit_code: int) -> str:
    """The failure is one `error:` line on stderr, with no traceback and nothing on stdout."""
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def is_literal_default(question: Question) -> bool:
    return not (isinstance(question.default, str) and "{{" in question.default)


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"slipstream \S+\n", result.stdout)


def test_choices_lists_every_axis_value_and_marks_the_default(template_snapshot: Path) -> None:
    questions = load_questions(template_snapshot)
    result = invoke("choices", "--template", template_snapshot)
    assert result.exit_code == 0, result.output
    for axis in (*AXES, *OPTIONS):
        # The axis's own lines: values such as `none` belong to several questions.
        section = re.search(rf"^{axis}: .*\n((?:  .*\n)+)", result.stdout, re.MULTILINE)
        assert section, result.stdout
        question = questions[axis]
        for value in question.choice_values:
            line = next(
                line
                for line in section.group(1).splitlines()
                if re.match(rf"  . {re.escape(str(value))} ", line)
            )
            is_default = value == question.default
            assert line.startswith("  * ") == is_default
            assert line.endswith("(default)") == is_default


def test_choices_json_for_scripts(template_snapshot: Path) -> None:
    questions = load_questions(template_snapshot)
    result = invoke("choices", "--json", "--template", template_snapshot)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        axis: {
            "default": questions[axis].default,
            "choices": [str(value) for value in questions[axis].choice_values],
        }
        for axis in (*AXES, *OPTIONS)
    }


def test_choices_default_template_is_the_checkout() -> None:
    result = invoke("choices", "--json")
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {*AXES, *OPTIONS}


def test_every_copier_question_has_a_flag(template_snapshot: Path) -> None:
    assert sorted(ANSWER_FLAGS) == sorted(asked_questions(load_questions(template_snapshot)))
    command = get_command(app)
    assert isinstance(command, TyperGroup)
    declared = {
        "/".join((*param.opts, *param.secondary_opts)): param.name
        for param in command.commands["new"].params
    }
    for question, flag in ANSWER_FLAGS.items():
        assert declared[flag.declaration] == question, "`new` names each parameter after it"


def test_flags_keep_the_spellings_the_readme_documents() -> None:
    assert [flag.declaration for flag in ANSWER_FLAGS.values()] == [
        "--name",
        "--package",
        "--description",
        "--author-name",
        "--author-email",
        "--python-version",
        "--workers",
        "--docker/--no-docker",
        "--db-driver",
        "--cache",
        "--server",
        "--auth",
        "--tracing",
    ]


def test_new_with_defaults(template_snapshot: Path, tmp_path: Path) -> None:
    dest = tmp_path / "service"
    result = invoke("new", dest, "--defaults", "--template", template_snapshot)
    assert result.exit_code == 0, result.output
    assert f"cd {dest}" in result.stdout
    answers = read_answers(dest)
    for name, question in asked_questions(load_questions(template_snapshot)).items():
        if is_literal_default(question):
            assert answers[name] == question.default, name
        else:
            assert answers[name], name
    assert answers["_src_path"] == str(template_snapshot)


def non_default_choice(question: Question) -> object:
    values = question.choice_values
    return next((value for value in values if value != question.default), values[0])


def test_flags_land_in_the_answers(template_snapshot: Path, tmp_path: Path) -> None:
    questions = load_questions(template_snapshot)
    expected: dict[str, object] = {
        "project_name": "Stock Keeper",
        "package_name": "stockkeeper",
        "description": "Counts boxes.",
        "author_name": "Warehouse Team",
        "author_email": "boxes@warehouse.example",
        "workers": 4,
        "include_docker": not questions["include_docker"].default,
    }
    for name in ("python_version", *AXES, *OPTIONS):
        expected[name] = non_default_choice(questions[name])
    args: list[str] = []
    for name, value in expected.items():
        if isinstance(value, bool):
            yes, no = ANSWER_FLAGS[name].declaration.split("/")
            args.append(yes if value else no)
        else:
            args += [ANSWER_FLAGS[name].name, str(value)]
    dest = tmp_path / "service"
    result = invoke("new", dest, "--defaults", "--template", template_snapshot, *args)
    assert result.exit_code == 0, result.output
    assert expected.items() <= read_answers(dest).items()


def test_unknown_choice_lists_the_valid_values(template_snapshot: Path, tmp_path: Path) -> None:
    dest = tmp_path / "service"
    result = invoke(
        "new", dest, "--defaults", "--template", template_snapshot, "--db-driver", "nope"
    )
    line = assert_clean_error(result, 2)
    assert "'nope'" in line
    for value in load_questions(template_snapshot)["db_driver"].choice_values:
        assert str(value) in line
    assert not dest.exists()


def test_invalid_package_name(template_snapshot: Path, tmp_path: Path) -> None:
    dest = tmp_path / "service"
    result = invoke(
        "new", dest, "--defaults", "--template", template_snapshot, "--package", "class"
    )
    line = assert_clean_error(result, 2)
    assert line.startswith("error: --package: ")
    assert "keyword" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        ("1service", "starting with a letter"),
        ("Service", "lowercase"),
        ("my-service", "underscores"),
    ],
)
def test_package_names_that_python_cannot_import(
    template_snapshot: Path, tmp_path: Path, package: str, expected: str
) -> None:
    result = invoke(
        "new",
        tmp_path / "service",
        "--defaults",
        "--template",
        template_snapshot,
        "--package",
        package,
    )
    line = assert_clean_error(result, 2)
    assert line.startswith("error: --package: ")
    assert expected in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_project_name(template_snapshot: Path, tmp_path: Path, name: str) -> None:
    result = invoke(
        "new", tmp_path / "service", "--defaults", "--template", template_snapshot, "--name", name
    )
    line = assert_clean_error(result, 2)
    assert line.startswith("error: --name: ")
    assert "must not be empty" in line
    assert list(tmp_path.iterdir()) == []


def test_unwritable_destination_is_one_clean_error(
    template_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent refuses new entries (as a read-only directory does, even for root here)."""
    parent = tmp_path / "read-only"
    parent.mkdir()
    real_mkdir = Path.mkdir

    def refusing_mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.parent == parent:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refusing_mkdir)
    result = invoke("new", parent / "service", "--defaults", "--template", template_snapshot)
    line = assert_clean_error(result, 2)
    assert "Permission denied" in line
    assert list(parent.iterdir()) == []


def test_read_only_parent_directory(template_snapshot: Path, tmp_path: Path) -> None:
    """A parent the kernel refuses: a read-only directory, or sysfs when running as root
    (root may write into any ordinary directory, but not there)."""
    as_root = os.geteuid() == 0
    parent = Path("/sys") if as_root else tmp_path / "read-only"
    if not as_root:
        parent.mkdir()
        parent.chmod(0o555)
    before = sorted(parent.iterdir())
    try:
        result = invoke("new", parent / "service", "--defaults", "--template", template_snapshot)
        assert "cannot write" in assert_clean_error(result, 2)
        assert sorted(parent.iterdir()) == before
    finally:
        if not as_root:
            parent.chmod(0o755)


def test_non_empty_destination_is_refused_then_forced(
    template_snapshot: Path, tmp_path: Path
) -> None:
    dest = build_file_tree(tmp_path / "service", {"NOTES.md": "mine\n", "data/keep.txt": "x\n"})
    before = tree_snapshot(dest)
    result = invoke("new", dest, "--defaults", "--template", template_snapshot)
    assert "not empty" in assert_clean_error(result, 2)
    assert tree_snapshot(dest) == before

    result = invoke("new", dest, "--defaults", "--force", "--template", template_snapshot)
    assert result.exit_code == 0, result.output
    assert (dest / "NOTES.md").read_text(encoding="utf-8") == "mine\n"
    assert (dest / ".copier-answers.yml").is_file()


def test_destination_that_is_a_file(template_snapshot: Path, tmp_path: Path) -> None:
    dest = tmp_path / "service"
    dest.write_text("mine\n", encoding="utf-8")
    result = invoke("new", dest, "--defaults", "--template", template_snapshot)
    assert "not a directory" in assert_clean_error(result, 2)
    assert dest.read_text(encoding="utf-8") == "mine\n"


def test_missing_template(tmp_path: Path) -> None:
    result = invoke("new", tmp_path / "service", "--defaults", "--template", tmp_path / "none")
    assert "not found" in assert_clean_error(result, 1)


def half_render_then(failure: BaseException) -> Any:
    def half_render(_src: str, dst: str, *_args: object, **_kwargs: object) -> None:
        build_file_tree(Path(dst), {"half.txt": "written before the failure\n"})
        raise failure

    return half_render


def test_failure_in_the_middle_leaves_nothing_behind(
    template_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(copier, "run_copy", half_render_then(UserMessageError("render broke")))
    result = invoke("new", tmp_path / "service", "--defaults", "--template", template_snapshot)
    assert assert_clean_error(result, 1) == "error: render broke"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "interrupt",
    [
        KeyboardInterrupt(),
        # What Copier raises for Ctrl-C at a prompt: a KeyboardInterrupt that is a CopierError too.
        CopierAnswersInterrupt(cast(Any, None), cast(Any, None), cast(Any, None)),
    ],
    ids=["KeyboardInterrupt", "CopierAnswersInterrupt"],
)
def test_interrupt_in_the_middle_aborts_and_leaves_nothing_behind(
    template_snapshot: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    interrupt: BaseException,
) -> None:
    monkeypatch.setattr(copier, "run_copy", half_render_then(interrupt))
    result = invoke("new", tmp_path / "service", "--defaults", "--template", template_snapshot)
    assert result.exit_code == ABORTED_EXIT_CODE
    assert result.stderr.strip() == "aborted"
    assert list(tmp_path.iterdir()) == []


def test_prompting_without_a_terminal_says_how_to_avoid_it(
    template_snapshot: Path, tmp_path: Path
) -> None:
    result = invoke("new", tmp_path / "service", "--template", template_snapshot, stdin="")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error: no terminal" in result.stderr
    assert "--defaults" in result.stderr
    assert list(tmp_path.iterdir()) == []


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    "inherited",
    # A background job of a non-interactive shell starts with SIGINT ignored; the
    # interrupt must still end the render.
    [None, ignore_sigint],
    ids=["sigint-default", "sigint-ignored-by-the-parent"],
)
def test_real_ctrl_c_while_rendering_leaves_nothing(
    tmp_path: Path, inherited: Callable[[], None] | None
) -> None:
    """SIGINT to a real `slipstream new` while Copier writes: exit 130, no directory left."""
    many_files = {f"template/part{n:04d}/file.txt.jinja": "{{ name }}\n" * 50 for n in range(3000)}
    template = build_file_tree(
        tmp_path / "slow-template",
        {"copier.yml": "_subdirectory: template\nname:\n  type: str\n  default: x\n", **many_files},
    )
    destination = tmp_path / "out" / "service"
    destination.parent.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "new", str(destination), "--defaults",
         "--template", str(template)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=inherited,
    )  # fmt: skip

    def files_written() -> int:
        staging = [p for p in destination.parent.iterdir() if STAGING_MARKER in p.name]
        return sum(1 for root in staging for p in root.rglob("file.txt"))

    deadline = time.monotonic() + 60
    while files_written() < 100:  # Copier is now writing files into the staging directory
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "rendering never started"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, (process.returncode, stderr)
    assert b"aborted" in stderr
    assert b"Traceback" not in stderr
    assert list(destination.parent.iterdir()) == []


def test_ctrl_c_after_rendering_keeps_the_project_and_says_how_to_go_on(
    template_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted_install(_project: Path, progress: Callable[[str], None]) -> NoReturn:
        progress("Installing the service and its dependencies (this can take a minute)")
        raise KeyboardInterrupt

    monkeypatch.setattr(generator.cli, "start", interrupted_install)
    dest = tmp_path / "service"
    result = invoke("new", dest, "--defaults", "--start", "--template", template_snapshot)
    assert result.exit_code == ABORTED_EXIT_CODE, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[:2] == ["aborted", f"{dest} is complete; to go on:"]
    assert f"  cd {dest}" in lines
    assert any(".venv/bin/item-service migrate" in line for line in lines), lines
    assert read_answers(dest)["package_name"] == "item_service"
    assert (dest / "src" / "item_service" / "main.py").is_file()


def generated_project(template: Path, dest: Path) -> Path:
    """A project rendered from a local template and committed, as `update` expects it."""
    result = invoke("new", dest, "--defaults", "--template", template)
    assert result.exit_code == 0, result.output
    for args in (["init", "--quiet"], ["add", "-A"], ["commit", "--quiet", "-m", "Generate"]):
        subprocess.run(["git", *args], cwd=dest, check=True)
    return dest


AXIS_VALUES = "none, memory, redis"


@pytest.mark.parametrize("command", ["new", "update", "matrix"])
def test_a_bad_choice_names_the_flag_as_typed(
    template_snapshot: Path, tmp_path: Path, command: str
) -> None:
    values = ", ".join(
        str(v) for v in load_questions(template_snapshot)["cache_backend"].choice_values
    )
    assert values == AXIS_VALUES
    args: list[str | Path] = [command, "--template", template_snapshot]
    if command == "new":
        args = [command, tmp_path / "service", "--defaults", "--template", template_snapshot]
    elif command == "update":
        args = [command, generated_project(template_snapshot, tmp_path / "service")]
    line = assert_clean_error(invoke(*args, "--cache", "memcached"), 2)
    assert line == f"error: --cache: 'memcached' is not one of {values}"


def test_update_names_an_answer_given_by_name(template_snapshot: Path, tmp_path: Path) -> None:
    project = generated_project(template_snapshot, tmp_path / "service")
    result = invoke("update", project, "--answer", "cache_backend=memcached")
    line = assert_clean_error(result, 2)
    assert line == f"error: --answer cache_backend: 'memcached' is not one of {AXIS_VALUES}"


def test_a_bad_choice_is_one_line_in_a_real_terminal_session(
    template_snapshot: Path, tmp_path: Path
) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "generator.cli", "new", str(tmp_path / "x"), "--defaults",
         "--template", str(template_snapshot), "--cache", "memcached"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == f"error: --cache: 'memcached' is not one of {AXIS_VALUES}\n"
    assert list(tmp_path.iterdir()) == []


def help_text(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", [[], ["new"], ["update"], ["matrix"], ["bench"], ["choices"]])
def test_switches_show_no_value_in_the_help(command: list[str]) -> None:
    text = help_text(*command)
    assert "--help" in text
    assert "<bool>" not in text


@pytest.mark.parametrize("command", ["new", "update", "matrix"])
def test_each_choice_flag_lists_its_values_in_the_help(
    template_snapshot: Path, command: str
) -> None:
    lines = help_text(command).splitlines()
    questions = load_questions(template_snapshot)
    shown = AXES if command != "new" else [q for q in ANSWER_FLAGS if questions[q].choices]
    for question in shown:
        flag = ANSWER_FLAGS[question].name
        (line,) = (line for line in lines if re.search(rf"\s{flag}\s", line))
        values = ", ".join(str(value) for value in questions[question].choice_values)
        assert f"One of: {values}." in line, line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], BenchSettings()),
        (
            ["--duration", "3", "--warmup", "0", "--connections", "8", "--workers", "1",
             "--workers", "4", "--items", "50", "--burst", "5", "--no-pin", "--rounds", "1"],
            BenchSettings(duration=3.0, warmup=0.0, connections=8, workers=(1, 4), items=50,
                          burst=5, pin_cores=False, rounds=1),
        ),
    ],
    ids=["defaults", "every-flag"],
)  # fmt: skip
def test_bench_flags_are_the_fields_of_its_settings(
    monkeypatch: pytest.MonkeyPatch, args: list[str], expected: BenchSettings
) -> None:
    received: list[BenchSettings] = []

    def capture(**kwargs: Any) -> NoReturn:
        received.append(kwargs["settings"])
        raise SlipstreamError("captured")

    monkeypatch.setattr(generator.cli, "wrk_executable", lambda: "wrk")
    monkeypatch.setattr(generator.cli, "run_bench", capture)
    result = invoke("bench", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().endswith("error: captured")  # after the progress line
    assert received == [expected]
