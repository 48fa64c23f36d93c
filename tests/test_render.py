"""render() and the copier.yml reader as plain functions, on a tiny fixture template."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from copier.errors import UnsupportedVersionError

import generator.render
from generator.errors import (
    DestinationError,
    InvalidAnswerError,
    SlipstreamError,
    TemplateError,
    UnknownChoiceError,
)
from generator.questions import AXES, axis_choices, load_questions
from generator.render import STAGING_MARKER, render
from generator.template_source import default_template_source
from tests.conftest import REPO_ROOT, build_file_tree, tree_snapshot
from tests.helpers import read_answers


def no_staging_left(parent: Path) -> bool:
    return not [path for path in parent.iterdir() if STAGING_MARKER in path.name]


def test_questions_are_read_in_order_with_both_choice_forms(tiny_template: Path) -> None:
    questions = load_questions(tiny_template)
    assert list(questions) == ["name", "flavour", "size", "slug"]
    flavour = questions["flavour"]
    assert flavour.choice_values == ["vanilla", "chocolate"]
    assert [choice.label for choice in flavour.choices or ()] == ["Vanilla ice", "Dark chocolate"]
    assert questions["size"].choice_values == [1, 2, 3]
    assert questions["size"].type == "int"
    assert questions["name"].validator
    assert questions["name"].choices is None
    assert not questions["slug"].asked
    assert all(questions[name].asked for name in ("name", "flavour", "size"))


def test_axis_choices_match_copier_yml(template_snapshot: Path) -> None:
    raw = yaml.safe_load((template_snapshot / "copier.yml").read_text(encoding="utf-8"))
    axes = axis_choices(template_snapshot)
    assert list(axes) == list(AXES)
    for axis, values in axes.items():
        choices = raw[axis]["choices"]
        expected = list(choices.values()) if isinstance(choices, dict) else choices
        assert values == [str(value) for value in expected]


def test_default_template_source_is_the_absolute_checkout() -> None:
    source = default_template_source()
    assert source.is_absolute()
    assert source == REPO_ROOT
    assert (source / "copier.yml").is_file()


def test_render_into_a_missing_directory(tiny_template: Path, tmp_path: Path) -> None:
    dest = render(
        tmp_path / "out" / "widget", answers={"name": "Big Widget"}, template=tiny_template
    )
    assert dest == tmp_path / "out" / "widget"
    assert (dest / "README.md").read_text(encoding="utf-8") == "# Big Widget\n\nvanilla / 2\n"
    assert (dest / "src" / "big-widget" / "__init__.py").is_file()
    assert (dest / "docs" / "guide.md").is_file()
    answers = read_answers(dest)
    assert answers["name"] == "Big Widget"
    assert answers["flavour"] == "vanilla"
    assert Path(answers["_src_path"]).is_absolute()
    assert no_staging_left(dest.parent)


def test_rendered_directory_gets_the_usual_permissions(tiny_template: Path, tmp_path: Path) -> None:
    reference = tmp_path / "made-by-mkdir"
    reference.mkdir()
    dest = render(tmp_path / "widget", answers={}, template=tiny_template)
    assert stat.S_IMODE(dest.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)


def test_relative_template_path_is_recorded_absolute(
    tiny_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tiny_template.parent)
    dest = render(Path("widget"), answers={}, template=tiny_template.name)
    assert dest == tmp_path / "widget"
    assert read_answers(dest)["_src_path"] == str(tiny_template)


@pytest.mark.parametrize(
    ("answers", "recorded"),
    [
        ({"flavour": "chocolate"}, {"flavour": "chocolate"}),
        ({"size": 3}, {"size": 3}),
        ({"size": "1"}, {"size": 1}),
    ],
)
def test_choice_answers_by_value(
    tiny_template: Path, tmp_path: Path, answers: dict[str, object], recorded: dict[str, object]
) -> None:
    dest = render(tmp_path / "widget", answers=answers, template=tiny_template)
    assert recorded.items() <= read_answers(dest).items()


@pytest.mark.parametrize(
    ("question", "value", "valid"),
    [("flavour", "Dark chocolate", "vanilla, chocolate"), ("size", 5, "1, 2, 3")],
)
def test_unknown_choice_lists_the_valid_values(
    tiny_template: Path, tmp_path: Path, question: str, value: object, valid: str
) -> None:
    with pytest.raises(UnknownChoiceError) as caught:
        render(tmp_path / "widget", answers={question: value}, template=tiny_template)
    assert caught.value.exit_code == 2
    assert str(caught.value).endswith(f"valid values: {valid}")
    assert list(tmp_path.iterdir()) == [tiny_template]


def test_unknown_question_names_the_valid_ones(tiny_template: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidAnswerError, match="colour.*valid questions: name, flavour, size"):
        render(tmp_path / "widget", answers={"colour": "red"}, template=tiny_template)


def test_validator_message_becomes_one_line(tiny_template: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidAnswerError) as caught:
        render(tmp_path / "widget", answers={"name": "  "}, template=tiny_template)
    assert str(caught.value) == "name: The name must not be empty."
    assert caught.value.question == "name"
    assert caught.value.exit_code == 2


def test_missing_template_source(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not found") as caught:
        render(tmp_path / "widget", answers={}, template=tmp_path / "nowhere")
    assert caught.value.exit_code == 1
    build_file_tree(tmp_path / "not-a-template", {"README.md": "hello\n"})
    with pytest.raises(TemplateError, match=r"no copier\.yml"):
        render(tmp_path / "widget", answers={}, template=tmp_path / "not-a-template")
    assert not (tmp_path / "widget").exists()


def test_destination_that_is_a_file(tiny_template: Path, tmp_path: Path) -> None:
    dest = tmp_path / "widget"
    dest.write_text("mine\n", encoding="utf-8")
    with pytest.raises(DestinationError, match="not a directory"):
        render(dest, answers={}, template=tiny_template, force=True)
    assert dest.read_text(encoding="utf-8") == "mine\n"


def test_destination_below_a_file(tiny_template: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("mine\n", encoding="utf-8")
    with pytest.raises(DestinationError, match="not a directory"):
        render(tmp_path / "file" / "widget", answers={}, template=tiny_template)


def test_empty_destination_directory_is_used(tiny_template: Path, tmp_path: Path) -> None:
    dest = tmp_path / "widget"
    dest.mkdir()
    render(dest, answers={}, template=tiny_template)
    assert (dest / "README.md").is_file()
    assert no_staging_left(tmp_path)


def test_non_empty_destination_needs_force(tiny_template: Path, tmp_path: Path) -> None:
    dest = build_file_tree(
        tmp_path / "widget", {"README.md": "my notes\n", "notes/todo.txt": "keep me\n"}
    )
    before = tree_snapshot(dest)
    with pytest.raises(DestinationError, match="not empty"):
        render(dest, answers={}, template=tiny_template)
    assert tree_snapshot(dest) == before

    render(dest, answers={"name": "Forced"}, template=tiny_template, force=True)
    assert (dest / "README.md").read_text(encoding="utf-8").startswith("# Forced")
    assert (dest / "notes" / "todo.txt").read_text(encoding="utf-8") == "keep me\n"
    assert read_answers(dest)["name"] == "Forced"
    assert no_staging_left(tmp_path)


def test_file_and_directory_collision_with_force_changes_nothing(
    tiny_template: Path, tmp_path: Path
) -> None:
    dest = build_file_tree(tmp_path / "widget", {"docs": "a file where the template has a dir\n"})
    before = tree_snapshot(dest)
    with pytest.raises(DestinationError, match="collide"):
        render(dest, answers={}, template=tiny_template, force=True)
    assert tree_snapshot(dest) == before
    assert no_staging_left(tmp_path)


@pytest.mark.parametrize("failure", [RuntimeError("copier broke"), KeyboardInterrupt()])
def test_failure_while_rendering_leaves_nothing(
    tiny_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    def half_render(_src: str, dst: str, *_args: object, **_kwargs: object) -> None:
        build_file_tree(Path(dst), {"half.txt": "written before the failure\n"})
        raise failure

    monkeypatch.setattr(copier, "run_copy", half_render)
    parent = tmp_path / "new-parent"
    with pytest.raises(type(failure)):
        render(parent / "widget", answers={}, template=tiny_template)
    assert not parent.exists()
    assert sorted(tmp_path.iterdir()) == [tiny_template]


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_failure_while_merging_restores_the_destination(
    tiny_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    dest = build_file_tree(
        tmp_path / "widget", {"README.md": "my notes\n", "docs/mine.md": "my doc\n"}
    )
    before = tree_snapshot(dest)
    real_merge = generator.render._merge

    def merge_then_fail(*args: Any) -> None:
        real_merge(*args)
        raise failure

    monkeypatch.setattr(generator.render, "_merge", merge_then_fail)
    with pytest.raises(type(failure)):
        render(dest, answers={}, template=tiny_template, force=True)
    assert tree_snapshot(dest) == before
    assert no_staging_left(tmp_path)


def test_dirty_git_template_renders_without_warning(tiny_template: Path, tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tiny_template, check=True, capture_output=True)

    git("init", "--quiet")
    git("add", "--all")
    git("commit", "--quiet", "--message", "tiny template")
    git("tag", "v1.0.0")
    (tiny_template / "template" / "docs" / "guide.md").write_text("edited\n", encoding="utf-8")
    # -W error turns Copier's DirtyLocalWarning into a failure unless render() expects it.
    dest = render(tmp_path / "widget", answers={}, template=tiny_template, vcs_ref="HEAD")
    assert (dest / "docs" / "guide.md").read_text(encoding="utf-8") == "edited\n"
    answers = read_answers(dest)
    assert answers["_src_path"] == str(tiny_template)
    assert answers["_commit"].startswith("v1.0.0")


def test_copier_errors_are_translated(
    tiny_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(*_args: object, **_kwargs: object) -> None:
        raise UnsupportedVersionError("Template requires Copier version >= 99")

    monkeypatch.setattr(copier, "run_copy", unsupported)
    with pytest.raises(TemplateError, match="Copier version >= 99"):
        render(tmp_path / "widget", answers={}, template=tiny_template)
    assert sorted(tmp_path.iterdir()) == [tiny_template]


def test_slipstream_errors_carry_exit_codes() -> None:
    assert SlipstreamError("x").exit_code == 1
    assert SlipstreamError("x", exit_code=3).exit_code == 3
    assert issubclass(UnknownChoiceError, InvalidAnswerError)
