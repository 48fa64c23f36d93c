"""Measuring: wrk runs of a scenario (a warm-up, then the measured run), rounds that
alternate between servers, and the cache's hit counts from a service's /metrics."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.bench import report
from generator.bench.cores import pinned
from generator.bench.errors import BenchError
from generator.bench.report import ScenarioResult
from generator.bench.scenarios import Scenario
from generator.bench.server import http_get
from generator.bench.settings import BenchSettings
from generator.bench.wrk import parse_wrk_output, wrk_executable

WRK_THREADS = 1


@dataclass(frozen=True, slots=True)
class Target:
    """A scenario against the server at `base`; a baseline's result is kept apart."""

    scenario: Scenario
    base: str
    is_baseline: bool = False


@dataclass(frozen=True, slots=True)
class Wrk:
    """How wrk runs in one measurement: its connections, its cores, where its scripts go."""

    connections: int
    cores: str | None
    scripts: Path

    def run(self, scenario: Scenario, base: str, seconds: float) -> ScenarioResult:
        script = self.scripts / f"{abs(hash((scenario.name, scenario.paths)))}.lua"
        script.write_text(scenario.script(), encoding="utf-8")
        command = [
            wrk_executable(),
            f"-t{WRK_THREADS}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base,
        ]
        completed = subprocess.run(  # noqa: S603 - wrk with a generated script
            pinned(command, self.cores), capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            raise BenchError(
                f"wrk failed (exit {completed.returncode}): {completed.stderr[-1000:]}"
            )
        return ScenarioResult.from_wrk(
            scenario.name, parse_wrk_output(completed.stdout), note=scenario.note
        )


def measure(wrk: Wrk, target: Target, settings: BenchSettings) -> ScenarioResult:
    """A warm-up run (discarded), then the measured run."""
    if settings.warmup > 0:
        wrk.run(target.scenario, target.base, settings.warmup)
    return wrk.run(target.scenario, target.base, settings.duration)


def measure_rounds(
    wrk: Wrk,
    targets: Sequence[Target],
    settings: BenchSettings,
    progress: Callable[[str], None],
) -> list[tuple[Target, ScenarioResult]]:
    """Every target once per round, round after round; each target's median round.

    The rounds alternate between the servers, so a slow spell on a shared machine falls
    on every scenario of a round alike instead of on one of them.
    """
    rounds: dict[str, list[ScenarioResult]] = {}
    for number in range(1, settings.rounds + 1):
        for target in targets:
            progress(f"{target.scenario.name} (round {number})")
            rounds.setdefault(target.scenario.name, []).append(measure(wrk, target, settings))
    return [(target, report.median_round(rounds[target.scenario.name])) for target in targets]


LOOKUP_KINDS = ("item", "list")


def cache_hits(base: str) -> dict[str, tuple[float, float]]:
    """(hits, misses) so far of each kind of lookup (`LOOKUP_KINDS`), from one read of the
    service's /metrics."""
    counts = {kind: [0.0, 0.0] for kind in LOOKUP_KINDS}
    status, body = http_get(f"{base}/metrics", timeout=5.0)
    lines = body.decode(errors="replace").splitlines() if status == 200 else []
    for line in lines:
        if not line.startswith("cache_lookups_total{"):
            continue
        kind = next((kind for kind in counts if f'kind="{kind}"' in line), None)
        result = 0 if 'result="hit"' in line else 1 if 'result="miss"' in line else None
        if kind is not None and result is not None:
            counts[kind][result] += float(line.rsplit(" ", 1)[1])
    return {kind: (hits, misses) for kind, (hits, misses) in counts.items()}


def hit_ratio(before: tuple[float, float], after: tuple[float, float]) -> float | None:
    """The share of hits among the lookups between two `cache_hits` readings."""
    hits = after[0] - before[0]
    lookups = hits + (after[1] - before[1])
    return hits / lookups if lookups > 0 else None


def wrk_version() -> str:
    completed = subprocess.run(  # noqa: S603 - wrk prints its version with -v
        [wrk_executable(), "-v"], capture_output=True, text=True, check=False
    )
    first = (completed.stdout + completed.stderr).strip().splitlines()
    return first[0] if first else "unknown"
