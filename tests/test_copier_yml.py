"""copier.yml: well-formed, every question explained and defaulted, every validator effective."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pytest_copie.plugin import Copie

from generator.errors import InvalidAnswerError
from generator.questions import AXES, OPTIONS, load_copier_config, load_questions
from generator.render import render
from tests.helpers import read_answers

BAD_ANSWERS: list[tuple[str, object]] = [
    ("project_name", ""),
    ("project_name", "   "),
    ("project_name", "Two\nlines"),
    ("project_name", "x" * 65),
    ("package_name", "import"),
    ("package_name", "_"),
    ("package_name", "a" * 33),
    ("package_name", "class"),
    ("package_name", "1abc"),
    ("package_name", "my-pkg"),
    ("package_name", "Caps"),
    ("package_name", "fastapi"),
    ("description", "first line\nsecond line"),
    ("author_name", ""),
    ("author_email", "nope"),
    ("author_email", "a@b"),
    ("workers", 0),
    ("workers", 65),
]

GOOD_ANSWERS: dict[str, object] = {
    "project_name": "S" * 64,
    "package_name": "stock_keeper2",
    "description": "Keeps stock, one line.",
    "author_name": "Ops Team",
    "author_email": "ops@stock.example.org",
    "workers": 64,
}


def test_copier_yml_is_a_yaml_mapping_with_the_template_settings(template_snapshot: Path) -> None:
    raw = yaml.safe_load((template_snapshot / "copier.yml").read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    config = load_copier_config(template_snapshot)
    assert config["_subdirectory"] == "template"
    assert config["_answers_file"] == ".copier-answers.yml"
    assert "_tasks" not in config, "the template must not need --trust"


def test_every_asked_question_has_help_and_a_default(template_snapshot: Path) -> None:
    questions = load_questions(template_snapshot)
    asked = [question for question in questions.values() if question.asked]
    assert asked
    for question in asked:
        assert question.help.strip(), f"{question.name} has no help"
        assert question.has_default, f"{question.name} has no default"
        assert question.default is not None, f"{question.name} has a null default"


@pytest.mark.parametrize("axis", [*AXES, *OPTIONS])
def test_each_axis_has_its_default_among_its_choices(template_snapshot: Path, axis: str) -> None:
    question = load_questions(template_snapshot)[axis]
    assert question.choices, f"{axis} has no choices"
    values = question.choice_values
    assert len(values) == len(set(values)), f"{axis} repeats a value"
    assert question.default in values


@pytest.mark.parametrize("feature", OPTIONS)
def test_each_optional_part_is_left_out_by_default(template_snapshot: Path, feature: str) -> None:
    question = load_questions(template_snapshot)[feature]
    assert question.default == "none"
    assert "none" in question.choice_values
    assert len(question.choice_values) > 1, f"{feature} offers nothing but none"


def test_every_validated_question_is_covered_by_a_bad_answer(template_snapshot: Path) -> None:
    validated = {name for name, q in load_questions(template_snapshot).items() if q.validator}
    assert validated == {name for name, _ in BAD_ANSWERS}


@pytest.mark.parametrize(
    ("question", "bad_value"), BAD_ANSWERS, ids=[f"{q}={v!r}" for q, v in BAD_ANSWERS]
)
def test_validator_rejects_a_bad_answer(
    template_snapshot: Path, tmp_path: Path, question: str, bad_value: object
) -> None:
    dest = tmp_path / "service"
    with pytest.raises(InvalidAnswerError) as caught:
        render(dest, answers={question: bad_value}, template=template_snapshot)
    message = str(caught.value)
    assert message.startswith(f"{question}: ")
    assert "\n" not in message
    assert "Traceback" not in message
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_good_answers_render(copie: Copie, template_snapshot: Path) -> None:
    result = copie.copy(extra_answers=GOOD_ANSWERS)
    assert result.exception is None, result.exception
    assert result.project_dir is not None
    recorded = read_answers(result.project_dir)
    assert recorded["_src_path"] == str(template_snapshot), "copie renders the working tree"
    for question, value in GOOD_ANSWERS.items():
        assert recorded[question] == value
