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
from generator.questions import AXES, axis_choices


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
    rounds: int = _option(
        3, "--rounds", "Measure each scenario this often, alternating; keep the median.", 1
    )


def parse_combination(text: str, template: Path) -> Combination:
    """`aiosqlite-memory-uvicorn` (values of the axes in order) as a Combination."""
    values = text.split("-")
    if len(values) != len(AXES):
        raise SlipstreamError(
            f"{text!r} is not a combination: give one value per axis, "
            f"{'-'.join(AXES)} (e.g. aiosqlite-memory-uvicorn)",
            exit_code=2,
        )
    axes = axis_choices(template)
    for axis, value in zip(AXES, values, strict=True):
        if value not in axes[axis]:
            raise UnknownChoiceError(axis, value, axes[axis])
    return Combination(tuple(zip(AXES, values, strict=True)))
