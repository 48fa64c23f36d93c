"""The questions of copier.yml as typed data: the single source of truth for names and choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import InvalidAnswerError, TemplateError, UnknownChoiceError
from generator.template_source import config_file

AXES: tuple[str, ...] = ("db_driver", "cache_backend", "server_mode")
"""The questions whose every combination the test matrix renders (question names, not values)."""
OPTIONS: tuple[str, ...] = ("auth", "tracing")
"""Opt-in questions: each adds an optional part to the service (`none`, the default, leaves it
out). The matrix spreads their values over the combinations of `AXES` so that every pair of
values of all these questions runs together at least once (pairwise), instead of multiplying
the matrix; the `choices` command lists them after the axes. An option a template's
copier.yml lacks is left out."""

FLAGS: tuple[str, ...] = ("include_docker",)
"""Yes/no questions the matrix spreads pairwise like the options: `include_docker` decides
whether the deploy files, and the generated tests that check them, are rendered at all.
`python_version` and `workers` only set values in files every combination has (the
supported Python, the default worker count); tests/test_answers.py renders each once."""

COPIER_DEFAULT_TYPE = "yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """One value of a choice question and the label Copier shows for it."""

    label: str
    value: object


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """One entry of copier.yml's question section."""

    name: str
    type: str
    help: str
    default: object
    has_default: bool
    choices: list[Choice] | None = field(default=None)
    """None when the question has no choices, or when they are computed by Jinja at render time."""
    multiselect: bool = False
    validator: str | None = None
    asked: bool = True
    """False for `when: false` questions: computed values, never prompted for."""

    @property
    def choice_values(self) -> list[object]:
        return [choice.value for choice in self.choices or ()]


def _parse_choices(name: str, raw: object) -> list[Choice] | None:
    if raw is None or isinstance(raw, str):
        return None
    items: Sequence[Any]
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, Sequence):
        items = raw
    else:
        raise TemplateError(f"copier.yml: choices of {name!r} must be a list or a mapping")
    choices: list[Choice] = []
    for item in items:
        if isinstance(item, list | tuple):
            if len(item) != 2:  # Copier's tuple form: (label, value)
                raise TemplateError(f"copier.yml: malformed choice {item!r} of {name!r}")
            label, value = item
        else:
            label = value = item
        if isinstance(value, Mapping):  # Copier's extended form {value: ..., validator: ...}
            if "value" not in value:
                raise TemplateError(f"copier.yml: choice {label!r} of {name!r} has no value")
            value = value["value"]
        choices.append(Choice(label=str(label), value=value))
    return choices


def _is_false(when: object) -> bool:
    if isinstance(when, bool):
        return not when
    return isinstance(when, str) and when.strip().lower() in {"false", "no", "off", "0"}


def _parse_question(name: str, raw: object) -> Question:
    if not isinstance(raw, Mapping):  # Copier's short form `name: default`
        return Question(
            name=name,
            type=type(raw).__name__ if isinstance(raw, bool | int | float | str) else "yaml",
            help="",
            default=raw,
            has_default=True,
        )
    validator = raw.get("validator")
    return Question(
        name=name,
        type=str(raw.get("type", COPIER_DEFAULT_TYPE)),
        help=str(raw.get("help") or ""),
        default=raw.get("default"),
        has_default="default" in raw,
        choices=_parse_choices(name, raw.get("choices")),
        multiselect=bool(raw.get("multiselect", False)),
        validator=str(validator) if validator else None,
        asked=not _is_false(raw.get("when", True)),
    )


def load_copier_config(template: Path) -> dict[str, Any]:
    """copier.yml of a local template, parsed (settings and questions)."""
    path = config_file(template)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(f"cannot read {path}: {error}") from error
    except yaml.YAMLError as error:
        raise TemplateError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise TemplateError(f"{path} must be a mapping of settings and questions")
    return data


def load_questions(template: Path) -> dict[str, Question]:
    """Every question of copier.yml, in file order, keyed by name (computed ones included)."""
    config = load_copier_config(template)
    return {
        name: _parse_question(name, raw)
        for name, raw in config.items()
        if isinstance(name, str) and not name.startswith("_")
    }


def asked_questions(questions: Mapping[str, Question]) -> dict[str, Question]:
    """The questions a user answers (those with `when: false` are computed, not asked)."""
    return {name: question for name, question in questions.items() if question.asked}


def _matches_choice(value: object, choices: list[object]) -> bool:
    return value in choices or str(value) in {str(choice) for choice in choices}


def check_answers(questions: Mapping[str, Question], answers: Mapping[str, object]) -> None:
    """Reject answers to unknown questions and values outside a choice question's choices."""
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise InvalidAnswerError(
            f"unknown question{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"valid questions: {', '.join(questions)}"
        )
    for name, value in answers.items():
        question = questions[name]
        if question.choices is None:
            continue
        valid = question.choice_values
        given = value if question.multiselect and isinstance(value, list | tuple) else [value]
        for item in given:
            if not _matches_choice(item, valid):
                raise UnknownChoiceError(name, item, valid)


def _choices_of(questions: Mapping[str, Question], names: Sequence[str]) -> dict[str, list[str]]:
    choices: dict[str, list[str]] = {}
    for name in names:
        question = questions.get(name)
        if question is None or not question.choices:
            raise TemplateError(f"copier.yml: question {name!r} must exist and have choices")
        choices[name] = [str(value) for value in question.choice_values]
    return choices


def axis_choices(template: Path) -> dict[str, list[str]]:
    """The values of each axis (db_driver, cache_backend, server_mode), read from copier.yml."""
    return _choices_of(load_questions(template), AXES)


def option_choices(template: Path) -> dict[str, tuple[str, list[str]]]:
    """The default and the values of each option question copier.yml has."""
    return _options_of(load_questions(template))


def _options_of(questions: Mapping[str, Question]) -> dict[str, tuple[str, list[str]]]:
    return {
        name: (str(question.default), [str(value) for value in question.choice_values])
        for name in OPTIONS
        if (question := questions.get(name)) is not None and question.choices
    }


def spread_choices(template: Path) -> dict[str, tuple[str, list[str]]]:
    """The default and the values of each question the matrix spreads over the axes: the
    options, then the flags (as "true" and "false", which Copier casts back to booleans)."""
    questions = load_questions(template)
    flags = {
        name: (str(question.default).lower(), ["true", "false"])
        for name in FLAGS
        if (question := questions.get(name)) is not None and question.type == "bool"
    }
    return {**_options_of(questions), **flags}


@dataclass(frozen=True, slots=True, kw_only=True)
class AxisInfo:
    """One axis as the `choices` command shows it."""

    name: str
    help: str
    default: str
    values: tuple[str, ...]
    labels: tuple[str, ...]


def describe_axes(template: Path) -> dict[str, AxisInfo]:
    """Each axis, then each option, with its values, labels and default, from copier.yml."""
    questions = load_questions(template)
    values = _choices_of(questions, (*AXES, *(name for name in OPTIONS if name in questions)))
    return {
        axis: AxisInfo(
            name=axis,
            help=questions[axis].help,
            default=str(questions[axis].default),
            values=tuple(values[axis]),
            labels=tuple(choice.label for choice in questions[axis].choices or ()),
        )
        for axis in values
    }
