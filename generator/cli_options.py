"""Options of the `slipstream` commands, built from the facts they stand for.

The answer flags come from the questions of copier.yml (names, types, choices, help), the
bench flags from the fields of BenchSettings (names, types, defaults, and the flag, help
and bound in each field's metadata), so that neither list is written out a second time in a
command's parameters. Typer reads a command's parameters
with `inspect.signature`, which honours `__signature__`: `extend_signature` adds the built
parameters to a command whose function takes them as `**kwargs`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import GenericAlias
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

import typer

from generator.questions import Question

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

FLAG_NAMES: dict[str, str] = {
    "project_name": "name",
    "package_name": "package",
    "include_docker": "docker",
    "cache_backend": "cache",
    "server_mode": "server",
}
"""Questions whose flag is not the question's name with dashes (README.md uses these)."""

_VALUE_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
"""Copier question types as the Python types Typer converts a flag's value to."""

Command = TypeVar("Command", bound=Callable[..., Any])
Settings = TypeVar("Settings", bound="DataclassInstance")


@dataclass(frozen=True, slots=True)
class AnswerFlag:
    """The flag that answers one question of copier.yml."""

    question: Question

    @property
    def name(self) -> str:
        """`--cache`; a yes/no question's flag also has a `--no-` form."""
        question = self.question.name
        return "--" + FLAG_NAMES.get(question, question).replace("_", "-")

    @property
    def is_switch(self) -> bool:
        return self.question.type == "bool"

    @property
    def declaration(self) -> str:
        return f"{self.name}/--no-{self.name[2:]}" if self.is_switch else self.name

    @property
    def value_type(self) -> type:
        return _VALUE_TYPES.get(self.question.type, str)

    @property
    def help(self) -> str:
        """The question's help from copier.yml, then a choice question's values."""
        text = self.question.help.rstrip(".")
        if self.question.choices is None:
            return f"{text}."
        return f"{text}. One of: {', '.join(str(v) for v in self.question.choice_values)}."

    def as_typed(self, value: object) -> str:
        """The flag as the user typed it for `value` (`--no-docker` for a no)."""
        if self.is_switch and value is False:
            return f"--no-{self.name[2:]}"
        return self.name


def answer_flags(questions: Mapping[str, Question]) -> dict[str, AnswerFlag]:
    """One flag per question a user answers, keyed by question name, in copier.yml's order."""
    return {name: AnswerFlag(question) for name, question in questions.items() if question.asked}


def answer_parameters(
    flags: Iterable[AnswerFlag],
    *,
    panel: str,
    help_format: str = "{}",
    repeatable: bool = False,
) -> list[inspect.Parameter]:
    """Keyword parameters named after the questions: None (or []) when the flag is not given.

    `help_format` words the flag's help for the command around the question's help.
    """
    parameters = []
    for flag in flags:
        value_type = GenericAlias(list, (flag.value_type,)) if repeatable else flag.value_type
        option = typer.Option(
            flag.declaration,
            help=help_format.format(flag.help),
            rich_help_panel=panel,
            show_default=False,
        )
        parameters.append(
            inspect.Parameter(
                flag.question.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[value_type | None, option],
            )
        )
    return parameters


def _option_type(annotation: Any) -> Any:
    """A tuple field is a repeatable option, which Typer collects into a list."""
    if get_origin(annotation) is tuple:
        return GenericAlias(list, get_args(annotation)[:1])
    return annotation


def settings_parameters(settings: type[DataclassInstance]) -> list[inspect.Parameter]:
    """One option per field of a dataclass, with the field's type and default.

    Each field's `metadata` holds its flag, help and lower bound ("flag", "help", "min");
    a field without a flag is a KeyError, so a new setting cannot silently miss its option.
    """
    hints = get_type_hints(settings)
    parameters = []
    for field in dataclasses.fields(settings):
        default = field.default
        hint = hints[field.name]
        repeated = get_args(hint)[0] if get_origin(hint) is tuple else None
        option = typer.Option(
            field.metadata["flag"],
            help=field.metadata["help"],
            min=field.metadata.get("min"),
            # Shown once per value (`--workers 1 --workers 2`), not as `<list[int]>`.
            metavar=None if repeated is None else f"<{repeated.__name__}>",
        )
        parameters.append(
            inspect.Parameter(
                field.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=list(default) if isinstance(default, tuple) else default,
                annotation=Annotated[_option_type(hint), option],
            )
        )
    return parameters


def settings_from_options(settings: type[Settings], values: Mapping[str, Any]) -> Settings:
    """The dataclass built from the options `settings_parameters` declared for it."""
    hints = get_type_hints(settings)
    return settings(
        **{
            field.name: tuple(values[field.name])
            if get_origin(hints[field.name]) is tuple
            else values[field.name]
            for field in dataclasses.fields(settings)
        }
    )


def extend_signature(extra: Sequence[inspect.Parameter]) -> Callable[[Command], Command]:
    """Add `extra` to a command's signature; its function receives them through `**kwargs`."""

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        own = [
            parameter
            for parameter in signature.parameters.values()
            if parameter.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        command.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*own, *extra]
        )
        return command

    return decorate
