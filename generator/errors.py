"""The one error hierarchy of slipstream: the CLI turns these into a message and an exit code."""

from __future__ import annotations

from collections.abc import Iterable


class SlipstreamError(Exception):
    """A failure the user can act on; its message is printed without a traceback."""

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class InvalidAnswerError(SlipstreamError):
    """An answer that the template's validator (or its type) rejects, or an unknown question."""

    exit_code = 2

    def __init__(
        self, message: str, *, question: str | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.question = question
        self.detail = message if detail is None else detail
        """What is wrong with the answer, without the question's name (the CLI puts the flag
        the answer was given with in front of it)."""


class DestinationError(SlipstreamError):
    """The destination cannot receive a rendered project (not empty, a file, not writable)."""

    exit_code = 2


class UnknownChoiceError(InvalidAnswerError):
    """An answer to a choice question that is not one of its values."""

    exit_code = 2

    def __init__(self, question: str, value: object, valid: Iterable[object]) -> None:
        self.value = value
        self.valid = [str(choice) for choice in valid]
        listed = ", ".join(self.valid)
        super().__init__(
            f"{value!r} is not a valid {question}; valid values: {listed}",
            question=question,
            detail=f"{value!r} is not one of {listed}",
        )


class TemplateError(SlipstreamError):
    """The template source is missing, unreadable or malformed."""

    exit_code = 1
