"""Render every combination of the axes and run each one's own checks, in parallel.

Used by this repository's tests and by `slipstream matrix`, so that whoever customises the
template can check it the same way. Every combination runs its own test suite; ruff and
mypy run on every combination too, or, with `static="pairs"`, on a covering set that holds
every pair of axis values (the rendered code varies per axis value and per pair of them,
so a static problem shows up in some combination of that set). A rule that counts across a
function (ruff's statement and branch limits) can fail only when three answers each add to
it: `tests/test_rendered_lint.py` runs ruff on a set holding every triple (`covering`).
"""

from __future__ import annotations

import itertools
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from generator.checks import CheckReport, StepResult, check_project
from generator.errors import SlipstreamError, UnknownChoiceError
from generator.questions import AXES, FLAGS, axis_choices, spread_choices
from generator.render import render
from generator.template_source import working_tree_ref


class StaticChecks(StrEnum):
    """Which combinations also get ruff and mypy."""

    ALL = "all"
    PAIRS = "pairs"
    NONE = "none"


_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


@dataclass(frozen=True, slots=True)
class Combination:
    answers: tuple[tuple[str, str], ...]
    at_default: frozenset[str] = field(default=frozenset(), compare=False)
    """Spread questions (options, flags) at their default value, left out of the id."""

    @property
    def id(self) -> str:
        return "-".join(
            _id_part(name, value) for name, value in self.answers if name not in self.at_default
        )

    def as_dict(self) -> dict[str, str]:
        return dict(self.answers)


def _id_part(name: str, value: str) -> str:
    """A value as the id names it: a flag by its question (`no-include_docker`)."""
    if name in FLAGS:
        return name if value == "true" else f"no-{name}"
    return value


@dataclass(frozen=True, slots=True)
class PytestCounts:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0

    @classmethod
    def from_pytest(cls, output: str) -> PytestCounts:
        """The counts on pytest's closing summary line (the last line that has any)."""
        for line in reversed(output.splitlines()):
            found = {kind.rstrip("s"): int(number) for number, kind in _COUNT.findall(line)}
            if found:
                return cls(
                    passed=found.get("passed", 0),
                    failed=found.get("failed", 0),
                    errors=found.get("error", 0),
                    skipped=found.get("skipped", 0),
                )
        return cls()


@dataclass(frozen=True, slots=True)
class CombinationResult:
    combination: Combination
    report: CheckReport | None
    error: str | None
    seconds: float

    @property
    def tests(self) -> PytestCounts:
        step = self.step("pytest")
        return PytestCounts() if step is None else PytestCounts.from_pytest(step.output)

    @property
    def ok(self) -> bool:
        """Rendered, installed, every check passed, and the tests ran with none skipped."""
        if self.error is not None or self.report is None or not self.report.ok:
            return False
        tests = self.tests
        return tests.passed > 0 and tests.skipped == 0

    def step(self, name: str) -> StepResult | None:
        steps = self.report.steps if self.report is not None else []
        return next((step for step in steps if step.name == name), None)

    def describe(self) -> str:
        if self.error is not None:
            return f"{self.combination.id}: {self.error}"
        if self.report is not None and not self.report.ok:
            return f"{self.combination.id}: {self.report.describe()}"
        tests = self.tests
        if tests.skipped:
            return f"{self.combination.id}: {tests.skipped} test(s) skipped"
        if not tests.passed:
            return f"{self.combination.id}: no test ran"
        return f"{self.combination.id}: passed"


def combinations(
    template: Path, selection: Mapping[str, Sequence[str]] | None = None
) -> list[Combination]:
    """Every combination of the axes, optionally narrowed to the selected values per axis,
    with the values of the options and flags spread over them pairwise (`with_options`)."""
    axes = axis_choices(template)
    options = spread_choices(template)
    chosen = {name: _selected(name, values, selection) for name, values in axes.items()}
    base = [tuple(zip(AXES, values, strict=True)) for values in itertools.product(*chosen.values())]
    return with_options(
        base,
        {name: _selected(name, values, selection) for name, (_, values) in options.items()},
        defaults={name: default for name, (default, _) in options.items()},
    )


def _selected(
    name: str, values: Sequence[str], selection: Mapping[str, Sequence[str]] | None
) -> list[str]:
    wanted = list((selection or {}).get(name) or values)
    for value in wanted:
        if value not in values:
            raise UnknownChoiceError(name, value, values)
    return wanted


Answers = tuple[tuple[str, str], ...]


def with_options(
    base: Sequence[Answers], options: Mapping[str, Sequence[str]], defaults: Mapping[str, str]
) -> list[Combination]:
    """`base` (combinations of the axes) with values of the option questions assigned so that
    every pair of values that involves an option occurs in some combination.

    Greedy and deterministic: the first combination takes the defaults, each next one the
    option values that cover the most pairs still missing (defaults on a tie, so combinations
    left over once everything is covered keep the defaults). A base too small to hold every
    pair gets extra combinations. Each option value thus runs beside every axis value and
    every value of the other options, at no cost in combinations.
    """
    names = tuple(options)
    options = {  # defaults first: they win ties
        name: [value for value in values if value == defaults.get(name)]
        + [value for value in values if value != defaults.get(name)]
        for name, values in options.items()
    }
    candidates = [
        tuple(zip(names, values, strict=True)) for values in itertools.product(*options.values())
    ]

    def pairs(answers: Answers) -> set[tuple[tuple[str, str], tuple[str, str]]]:
        return {
            pair
            for pair in itertools.combinations(answers, 2)
            if pair[0][0] in options or pair[1][0] in options
        }

    def combination(answers: Answers) -> Combination:
        at_default = {
            name for name, value in answers if name in options and defaults.get(name) == value
        }
        return Combination(answers, frozenset(at_default))

    if not names:
        return [Combination(answers) for answers in base]
    uncovered = set().union(*(pairs(answers + extra) for answers in base for extra in candidates))
    chosen: list[Answers] = []
    for answers in base:
        best = max(candidates, key=lambda extra: len(pairs(answers + extra) & uncovered))
        chosen.append(answers + best)
        uncovered -= pairs(answers + best)
    while uncovered:
        more = max(
            (answers + extra for answers in base for extra in candidates),
            key=lambda answers: len(pairs(answers) & uncovered),
        )
        chosen.append(more)
        uncovered -= pairs(more)
    return [combination(answers) for answers in chosen]


def covering_pairs(combos: Sequence[Combination]) -> list[Combination]:
    """A small subset of `combos` in which every pair of answers occurs (greedy)."""
    return covering(combos, strength=2)


def covering(combos: Sequence[Combination], *, strength: int) -> list[Combination]:
    """A small subset of `combos` in which every `strength` answers that occur together in
    one of them occur together again (greedy)."""

    def groups(combination: Combination) -> set[tuple[tuple[str, str], ...]]:
        return set(itertools.combinations(combination.answers, strength))

    uncovered = set().union(*(groups(combination) for combination in combos)) if combos else set()
    chosen: list[Combination] = []
    while uncovered:
        best = max(combos, key=lambda combination: len(groups(combination) & uncovered))
        chosen.append(best)
        uncovered -= groups(best)
    return chosen


def every_answer_set(template: Path) -> list[Combination]:
    """Every combination of the axes with every combination of the option values (the
    matrix spreads the options instead; this is for checks cheap enough to reach all)."""
    choices = {**axis_choices(template)}
    choices.update({name: values for name, (_, values) in spread_choices(template).items()})
    return [
        Combination(tuple(zip(choices, values, strict=True)))
        for values in itertools.product(*choices.values())
    ]


def run_combination(
    combination: Combination,
    *,
    template: Path | str,
    workdir: Path,
    static: bool = True,
    answers: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> CombinationResult:
    """Render one combination under `workdir` and run its own checks."""
    started = time.monotonic()
    destination = workdir / combination.id
    try:
        project = render(
            destination,
            answers={**(answers or {}), **combination.as_dict()},
            template=template,
            vcs_ref=working_tree_ref(template),
        )
    except SlipstreamError as error:
        return CombinationResult(combination, None, f"render failed: {error}", 0.0)
    report = check_project(project, static=static, env=env)
    return CombinationResult(combination, report, None, time.monotonic() - started)


def run_matrix(
    combos: Sequence[Combination],
    *,
    template: Path | str,
    jobs: int,
    static: StaticChecks = StaticChecks.ALL,
    workdir: Path | None = None,
    answers: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    on_result: Callable[[CombinationResult], None] | None = None,
) -> list[CombinationResult]:
    """Run `combos` on `jobs` parallel workers; results come back in `combos` order."""
    with_static = {
        StaticChecks.ALL: set(combos),
        StaticChecks.PAIRS: set(covering_pairs(combos)),
        StaticChecks.NONE: set(),
    }[static]
    with tempfile.TemporaryDirectory(prefix="slipstream-matrix-") as scratch:
        root = workdir or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        results: dict[Combination, CombinationResult] = {}
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {
                pool.submit(
                    run_combination,
                    combination,
                    template=template,
                    workdir=root,
                    static=combination in with_static,
                    answers=answers,
                    env=env,
                ): combination
                for combination in combos
            }
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                if on_result is not None:
                    on_result(result)
    return [results[combination] for combination in combos]
