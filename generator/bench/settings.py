"""What a bench run is asked to do: its settings, and the combinations named on the command line.

Each field of `BenchSettings` carries its command-line flag, its help text and its lower
bound in `metadata` ("flag", "help", "min"), so the CLI can derive its options from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import SlipstreamError, UnknownChoiceError
from generator.matrix import Combination
from generator.questions import AXES, axis_choices, option_choices


def _option(default: Any, flag: str, help_text: str, minimum: float | None = None) -> Any:
    """A settings field with its flag, help and lower bound in `metadata`."""
    metadata: dict[str, Any] = {"flag": flag, "help": help_text}
    if minimum is not None:
        metadata["min"] = minimum
    return field(default=default, metadata=metadata)


@dataclass(frozen=True, slots=True)
class BenchSettings:
    duration: float = _option(10.0, "--duration", "Seconds of load per scenario.", 1)
    warmup: float = _option(2.0, "--warmup", "Seconds of warm-up before each scenario.", 0)
    connections: int = _option(64, "--connections", "Open connections wrk keeps busy.", 1)
    workers: tuple[int, ...] = _option((1,), "--workers", "Server workers; repeat to compare.", 1)
    items: int = _option(
        10_000,
        "--items",
        "Items in the seeded data set; above --scale-reference, the list and search scenarios "
        "are also measured at that size and reported side by side.",
        1,
    )
    scale_reference: int = _option(
        10_000, "--scale-reference", "Items of the smaller data set --items is compared with.", 1
    )
    burst: int = _option(1000, "--burst", "Concurrent POST /items in the burst.", 1)
    pin_cores: bool = _option(True, "--pin/--no-pin", "taskset: server and wrk on separate cores.")
    pin_servers: bool = _option(
        True,
        "--pin-servers/--no-pin-servers",
        "With --pin: the database and Redis servers on this machine run on wrk's cores for the "
        "run (their own cores are restored after).",
    )
    rounds: int = _option(
        3, "--rounds", "Measure each scenario this often, alternating; keep the median.", 1
    )


def parse_combination(text: str, template: Path) -> Combination:
    """`aiosqlite-memory-uvicorn` (values of the axes in order) as a Combination, optionally
    followed by values of option questions, as the matrix names its combinations:
    `asyncpg-memory-uvicorn-jwt-otlp`. An option not named keeps its default."""
    values = text.split("-")
    if len(values) < len(AXES):
        raise SlipstreamError(
            f"{text!r} is not a combination: give one value per axis, "
            f"{'-'.join(AXES)} (e.g. aiosqlite-memory-uvicorn), then any option values",
            exit_code=2,
        )
    axes = axis_choices(template)
    for axis, value in zip(AXES, values, strict=False):
        if value not in axes[axis]:
            raise UnknownChoiceError(axis, value, axes[axis])
    options = option_choices(template)
    chosen: dict[str, str] = {}
    for value in values[len(AXES) :]:
        name = _option_of(value, options)
        if name in chosen:
            raise SlipstreamError(
                f"{text!r} names two values of {name}: {chosen[name]} and {value}", exit_code=2
            )
        chosen[name] = value
    return Combination((*zip(AXES, values, strict=False), *chosen.items()))


def _option_of(value: str, options: dict[str, tuple[str, list[str]]]) -> str:
    """The option question `value` is a non-default value of."""
    for name, (default, values) in options.items():
        if value in values and value != default:
            return name
    offered = ", ".join(
        f"{name}: {'|'.join(v for v in values if v != default)}"
        for name, (default, values) in options.items()
    )
    raise SlipstreamError(
        f"{value!r} is not a value of an option question after the axes ({offered})",
        exit_code=2,
    )
