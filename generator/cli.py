"""The `slipstream` command: parses arguments, calls plain functions, prints, sets exit codes."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from typer.core import TyperCommand, TyperGroup, TyperOption

from generator import __version__
from generator.bench import report as bench_report
from generator.bench.report import RunResult
from generator.bench.runner import run_bench
from generator.bench.settings import BenchSettings, parse_combination
from generator.bench.wrk import wrk_executable
from generator.cli_options import (
    AnswerFlag,
    answer_flags,
    answer_parameters,
    extend_signature,
    settings_from_options,
    settings_parameters,
)
from generator.errors import InvalidAnswerError, SlipstreamError
from generator.matrix import CombinationResult, StaticChecks, combinations, run_matrix
from generator.questions import AXES, OPTIONS, AxisInfo, describe_axes, load_questions
from generator.render import render, resolve_template
from generator.start import service_command, start
from generator.template_source import default_template_source
from generator.update import ConflictMode, update

ANSWER_FLAGS: dict[str, AnswerFlag] = answer_flags(load_questions(default_template_source()))
"""One flag per question of the shipped template's copier.yml, keyed by question name."""

AXIS_FLAGS: list[AnswerFlag] = [ANSWER_FLAGS[axis] for axis in AXES]

MATRIX_FLAGS: list[AnswerFlag] = AXIS_FLAGS + [
    ANSWER_FLAGS[option] for option in OPTIONS if option in ANSWER_FLAGS
]
"""The questions `matrix` narrows: the axes, and the option questions spread over them."""

ABORTED_EXIT_CODE = 130

CheckedTemplate = Annotated[
    str | None, typer.Option("--template", help="Template directory (default: this one).")
]
"""The template `matrix` and `bench` check: a local directory, as it stands."""


def _without_switch_metavars(params: list[Any]) -> list[Any]:
    """A flag that takes no value shows no `<bool>` in the help."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""
    return params


class _Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _without_switch_metavars(super().get_params(ctx))


class _Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _without_switch_metavars(super().get_params(ctx))


app = typer.Typer(
    name="slipstream",
    help="Generate a layered, performance-tuned FastAPI item service from a Copier template.",
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _message(error: SlipstreamError, typed: Mapping[str, str]) -> str:
    """An answer's error names the flag the answer was given with, as the user typed it."""
    if isinstance(error, InvalidAnswerError) and error.question in typed:
        return f"{typed[str(error.question)]}: {error.detail}"
    return str(error)


def _fail(error: SlipstreamError, typed: Mapping[str, str] | None = None) -> NoReturn:
    typer.echo(f"error: {_message(error, typed or {})}", err=True)
    raise typer.Exit(error.exit_code)


def _abort(*, then: Sequence[str] = ()) -> NoReturn:
    """Ctrl-C: exit 130, saying what to type to go on when the work done so far is kept."""
    typer.echo("aborted", err=True)
    for line in then:
        typer.echo(line, err=True)
    raise typer.Exit(ABORTED_EXIT_CODE)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"slipstream {__version__}")
        raise typer.Exit


@app.callback()
def main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Generate a layered, performance-tuned FastAPI item service from a Copier template."""
    # A process started with SIGINT ignored (a background job of a non-interactive shell)
    # inherits that, and Python then never raises KeyboardInterrupt: an interrupt would be
    # lost, and a half-done render finish as if nothing had happened. Every command here
    # cleans up after Ctrl-C, so take it whatever the parent left.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def next_steps(dest: Path) -> list[str]:
    """What to type after generating, shown to the user (the service README's commands)."""
    try:
        shown = dest.relative_to(Path.cwd())
    except ValueError:
        shown = dest
    try:
        command = service_command(dest)
    except SlipstreamError:
        return [f"cd {shown}", "then follow README.md"]
    return [
        f"cd {shown}",
        "python -m venv .venv && .venv/bin/pip install -e '.[dev]'",
        f".venv/bin/{command} migrate && .venv/bin/{command} serve",
        "(README.md has the details; `slipstream new --start` does all of this)",
    ]


def _given(
    answers: Mapping[str, object], flags: Mapping[str, AnswerFlag]
) -> tuple[dict[str, object], dict[str, str]]:
    """The answers given on the command line, and the flag as typed for each of them."""
    given = {question: value for question, value in answers.items() if value is not None}
    return given, {question: flags[question].as_typed(value) for question, value in given.items()}


@app.command(cls=_Command)
@extend_signature(answer_parameters(ANSWER_FLAGS.values(), panel="Answers"))
def new(
    dest: Annotated[
        Path, typer.Argument(metavar="DEST", help="Directory to create the service in.")
    ],
    *,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults",
            help="Ask nothing: questions without a flag take their default answers.",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Render into a non-empty directory, overwriting files."),
    ] = False,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Template path or git URL (default: the template shipped with slipstream).",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Git ref of the template to render (tag, branch, commit)."),
    ] = None,
    start_service: Annotated[
        bool,
        typer.Option(
            "--start",
            help="Then install the service in DEST/.venv, create its database and serve it.",
        ),
    ] = False,
    **answer_options: object,
) -> None:
    """Generate a new service in DEST, asking the questions not answered by flags."""
    answers, typed = _given(answer_options, ANSWER_FLAGS)
    try:
        created = render(
            dest,
            answers=answers,
            template=template,
            vcs_ref=vcs_ref,
            defaults=defaults,
            force=force,
        )
    except SlipstreamError as error:
        _fail(error, typed)
    except KeyboardInterrupt:
        _abort()
    try:
        typer.echo(f"Created {created}")
        if start_service:
            start(created, progress=lambda message: typer.echo(f"... {message}"))
    except SlipstreamError as error:
        _fail(error)
    except KeyboardInterrupt:
        # Rendering had finished: the project is complete, only installing or serving stopped.
        _abort(
            then=[
                f"{created} is complete; to go on:",
                *(f"  {step}" for step in next_steps(created)),
            ]
        )
    typer.echo("Next steps:")
    for step in next_steps(created):
        typer.echo(f"  {step}")


def _local_template(template: str | None, command: str) -> Path:
    """The template directory a command reads copier.yml from (URLs cannot be read here)."""
    source = resolve_template(template)
    if source.local_path is None:
        raise SlipstreamError(f"{command} needs a local template directory, not a URL")
    return source.local_path


def _format_axes(axes: dict[str, AxisInfo]) -> list[str]:
    lines: list[str] = []
    for info in axes.values():
        lines.append(f"{info.name}: {info.help}")
        width = max(len(value) for value in info.values)
        for value, label in zip(info.values, info.labels, strict=True):
            marker = "*" if value == info.default else " "
            suffix = "  (default)" if value == info.default else ""
            lines.append(f"  {marker} {value:<{width}}  {label}{suffix}".rstrip())
    return lines


@app.command(cls=_Command)
def choices(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: {axis: {default, choices}}.")
    ] = False,
    template: Annotated[
        str | None,
        typer.Option("--template", help="Local template directory to read copier.yml from."),
    ] = None,
) -> None:
    """List the values of each axis (database driver, cache, server) and of each optional part
    (tracing); * marks the default."""
    try:
        axes = describe_axes(_local_template(template, "choices"))
    except SlipstreamError as error:
        _fail(error)
    if as_json:
        payload = {
            name: {"default": info.default, "choices": list(info.values)}
            for name, info in axes.items()
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    for line in _format_axes(axes):
        typer.echo(line)


def _parse_answers(pairs: list[str]) -> tuple[dict[str, object], dict[str, str]]:
    """`--answer NAME=VALUE` pairs, and the flag as typed for each answer."""
    answers: dict[str, object] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            _fail(SlipstreamError(f"--answer takes NAME=VALUE, not {pair!r}", exit_code=2))
        answers[name] = value
    return answers, {name: f"--answer {name}" for name in answers}


@app.command("update", cls=_Command)
@extend_signature(
    answer_parameters(AXIS_FLAGS, panel="Switch answers", help_format="Switch to another value: {}")
)
def update_command(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="The generated project.")] = Path(),
    *,
    to: Annotated[
        str | None, typer.Option("--to", help="Template version (git tag or ref); default newest.")
    ] = None,
    answer: Annotated[
        list[str] | None,
        typer.Option(
            "--answer",
            help="Change another answer: NAME=VALUE (repeatable).",
            rich_help_panel="Switch answers",
        ),
    ] = None,
    conflict: Annotated[
        ConflictMode,
        typer.Option("--conflict", help="Leave conflicts as inline markers or as .rej files."),
    ] = ConflictMode.INLINE,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
    **axis_options: object,
) -> None:
    """Update a generated project to a newer template version, keeping your edits."""
    answers, typed = _parse_answers(answer or [])
    switched, switched_typed = _given(axis_options, ANSWER_FLAGS)
    answers |= switched
    typed |= switched_typed
    try:
        result = update(path, to=to, answers=answers, conflict=conflict, dry_run=dry_run)
    except SlipstreamError as error:
        _fail(error, typed)
    except KeyboardInterrupt:
        _abort()
    verb = "would change" if result.dry_run else "changed"
    typer.echo(f"Template {result.old_commit} -> {result.new_commit}")
    if not result.changed:
        typer.echo("Nothing to update." if not result.dry_run else "Nothing would change.")
    else:
        typer.echo(f"Files {verb}:")
        for name in result.changed:
            typer.echo(f"  {name}")
    if result.conflicts:
        typer.echo("Conflicts to resolve (your edit and the template's overlap):", err=True)
        for name in result.conflicts:
            typer.echo(f"  {name}", err=True)
        raise typer.Exit(1)
    if result.changed and not result.dry_run:
        typer.echo("Review with `git diff`, run the tests, then commit.")


def _result_table(results: list[CombinationResult]) -> Table:
    table = Table(title="slipstream matrix")
    for column in ("combination", "result", "tests", "ruff+mypy", "seconds"):
        table.add_column(column, justify="right" if column in {"tests", "seconds"} else "left")
    for result in results:
        tests = result.tests
        static = result.step("mypy") is not None
        table.add_row(
            result.combination.id,
            "[green]passed[/green]" if result.ok else "[red]FAILED[/red]",
            f"{tests.passed}/{tests.passed + tests.failed + tests.errors + tests.skipped}",
            "yes" if static else "-",
            f"{result.seconds:.0f}",
        )
    return table


@app.command(cls=_Command)
@extend_signature(
    answer_parameters(
        MATRIX_FLAGS,
        help_format="Only these values (repeatable): {}",
        panel="Combinations",
        repeatable=True,
    )
)
def matrix(
    *,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Combinations checked at once.")
    ] = max(1, os.cpu_count() or 1),
    static: Annotated[
        StaticChecks,
        typer.Option(
            "--static",
            help="ruff and mypy on all combinations, on a set covering every pair of axis "
            "values, or on none.",
        ),
    ] = StaticChecks.ALL,
    template: CheckedTemplate = None,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Render into this directory and keep the projects."),
    ] = None,
    **axis_options: list[str] | None,
) -> None:
    """Render every combination and run its own tests, ruff and mypy; exit 1 if any fails."""
    selection = {
        flag.question.name: axis_options[flag.question.name] or [] for flag in MATRIX_FLAGS
    }
    typed = {flag.question.name: flag.name for flag in MATRIX_FLAGS}
    try:
        local = _local_template(template, "matrix")
        combos = combinations(local, selection)
    except SlipstreamError as error:
        _fail(error, typed)
    console = Console(stderr=True)
    tally = {"passed": 0, "failed": 0}
    failures: list[CombinationResult] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("checking combinations", total=len(combos))

        def report(result: CombinationResult) -> None:
            tally["passed" if result.ok else "failed"] += 1
            if not result.ok:
                failures.append(result)
                progress.console.print(f"[red]FAILED[/red] {result.combination.id}")
            progress.update(
                task,
                advance=1,
                description=f"passed {tally['passed']}, failed {tally['failed']}",
            )

        try:
            results = run_matrix(
                combos,
                template=str(local),
                jobs=jobs,
                static=static,
                workdir=keep.resolve() if keep else None,
                on_result=report,
            )
        except KeyboardInterrupt:
            _abort()
    Console().print(_result_table(results))
    for failure in failures:
        console.print(f"\n[bold red]{failure.combination.id}[/bold red]")
        console.print(failure.describe(), markup=False, highlight=False)
    if failures:
        raise typer.Exit(1)


def _bench_table(runs: list[RunResult]) -> list[Table]:
    tables = []
    for run in runs:
        table = Table(title=run.label)
        for column in bench_report.SCENARIO_HEADER:
            table.add_column(column, justify="left" if column == "scenario" else "right")
        for row in bench_report.scenario_rows(run):
            table.add_row(*row)
        tables.append(table)
    ratios = Table(title="ratios (same run, same server settings)")
    for column in ("run", "ratio", "measured", "target", ""):
        ratios.add_column(column, justify="right" if column == "measured" else "left")
    for row in bench_report.ratio_rows(bench_report.all_ratios(runs)):
        ratios.add_row(*row)
    tables.append(ratios)
    return tables


@app.command(cls=_Command)
@extend_signature(settings_parameters(BenchSettings))
def bench(
    combination: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="COMBINATION",
            help="Combinations as driver-cache-server, e.g. aiosqlite-memory-uvicorn "
            "(default: the template's defaults, unless --project is given).",
            show_default=False,
        ),
    ] = None,
    *,
    project: Annotated[
        list[Path] | None,
        typer.Option("--project", help="Bench this generated project too (repeatable)."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for results.md, results.json, results.png.")
    ] = Path("bench-results"),
    template: CheckedTemplate = None,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Render, install and log into this directory and keep it."),
    ] = None,
    **setting_options: object,
) -> None:
    """Load-test combinations with wrk beside raw ASGI, bare FastAPI and ORM-tutorial baselines."""
    settings = settings_from_options(BenchSettings, setting_options)
    console = Console(stderr=True)
    try:
        wrk_executable()
        local = _local_template(template, "bench")
        names = combination or ([] if project else [_default_combination(local)])
        combos = [parse_combination(name, local) for name in names]
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("starting")
            runs, recorded, paths = run_bench(
                combos=combos,
                projects=project or [],
                settings=settings,
                out=out,
                template=str(local),
                workdir=keep.resolve() if keep else None,
                progress=lambda message: progress.update(task, description=message),
            )
    except SlipstreamError as error:
        _fail(error)
    except KeyboardInterrupt:
        _abort()
    shown = Console()
    for name, value in recorded.items():
        if name != "versions":
            shown.print(f"{name}: {value}", markup=False, highlight=False)
    for name, versions in recorded["versions"].items():
        listed = ", ".join(f"{package} {version}" for package, version in versions.items())
        shown.print(f"versions ({name}): {listed}", markup=False, highlight=False)
    for table in _bench_table(runs):
        shown.print(table)
    for run in runs:
        if run.burst is not None:
            shown.print(f"{run.label}: {bench_report.burst_summary(run.burst)}", markup=False)
    for path in paths.values():
        typer.echo(f"wrote {path}")


def _default_combination(template: Path) -> str:
    axes = describe_axes(template)
    return "-".join(axes[axis].default for axis in AXES)


if __name__ == "__main__":
    app()
