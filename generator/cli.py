"""The `slipstream` command: parses arguments, calls plain functions, prints, sets exit codes."""

from __future__ import annotations

import json
import os
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

from generator import __version__
from generator.bench import report as bench_report
from generator.bench.report import RunResult
from generator.bench.runner import run_bench
from generator.bench.settings import BenchSettings, parse_combination
from generator.bench.wrk import wrk_executable
from generator.errors import SlipstreamError
from generator.matrix import CombinationResult, StaticChecks, combinations, run_matrix
from generator.questions import AXES, AxisInfo, describe_axes
from generator.render import render, resolve_template
from generator.start import service_command, start
from generator.update import ConflictMode, update

QUESTION_FLAGS: dict[str, str] = {
    "--name": "project_name",
    "--package": "package_name",
    "--description": "description",
    "--author-name": "author_name",
    "--author-email": "author_email",
    "--python-version": "python_version",
    "--workers": "workers",
    "--docker/--no-docker": "include_docker",
    "--db-driver": "db_driver",
    "--cache": "cache_backend",
    "--server": "server_mode",
}
"""Every copier question the user answers has exactly one flag; `new` names its parameters
after the questions, so an answer goes from flag to Copier without a second list."""

ABORTED_EXIT_CODE = 130

app = typer.Typer(
    name="slipstream",
    help="Generate a layered, performance-tuned FastAPI item service from a Copier template.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _flag(question: str) -> str:
    (flag,) = (flag for flag, name in QUESTION_FLAGS.items() if name == question)
    return flag


def _answer_option(question: str) -> Any:
    return typer.Option(
        _flag(question),
        help=f"Answer to the '{question}' question of copier.yml.",
        rich_help_panel="Answers",
        show_default=False,
    )


def _fail(error: SlipstreamError) -> NoReturn:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def _abort() -> NoReturn:
    typer.echo("aborted", err=True)
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


@app.command()
def new(
    dest: Annotated[Path, typer.Argument(help="Directory to create the service in.")],
    project_name: Annotated[str | None, _answer_option("project_name")] = None,
    package_name: Annotated[str | None, _answer_option("package_name")] = None,
    description: Annotated[str | None, _answer_option("description")] = None,
    author_name: Annotated[str | None, _answer_option("author_name")] = None,
    author_email: Annotated[str | None, _answer_option("author_email")] = None,
    python_version: Annotated[str | None, _answer_option("python_version")] = None,
    workers: Annotated[int | None, _answer_option("workers")] = None,
    include_docker: Annotated[bool | None, _answer_option("include_docker")] = None,
    db_driver: Annotated[str | None, _answer_option("db_driver")] = None,
    cache_backend: Annotated[str | None, _answer_option("cache_backend")] = None,
    server_mode: Annotated[str | None, _answer_option("server_mode")] = None,
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
) -> None:
    """Generate a new service in DEST, asking the questions not answered by flags."""
    given = locals()  # the answer parameters are named after their questions
    answers = {
        question: given[question]
        for question in QUESTION_FLAGS.values()
        if given[question] is not None
    }
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
        _fail(error)
    except KeyboardInterrupt:
        _abort()
    typer.echo(f"Created {created}")
    if start_service:
        try:
            start(created, progress=lambda message: typer.echo(f"... {message}"))
        except SlipstreamError as error:
            _fail(error)
        except KeyboardInterrupt:
            _abort()
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


@app.command()
def choices(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: {axis: {default, choices}}.")
    ] = False,
    template: Annotated[
        str | None,
        typer.Option("--template", help="Local template directory to read copier.yml from."),
    ] = None,
) -> None:
    """List the values of each axis (database driver, cache, server); * marks the default."""
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


def _parse_answers(pairs: list[str]) -> dict[str, object]:
    answers: dict[str, object] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            _fail(SlipstreamError(f"--answer takes NAME=VALUE, not {pair!r}", exit_code=2))
        answers[name] = value
    return answers


@app.command("update")
def update_command(
    path: Annotated[Path, typer.Argument(help="The generated project.")] = Path(),
    to: Annotated[
        str | None, typer.Option("--to", help="Template version (git tag or ref); default newest.")
    ] = None,
    db_driver: Annotated[str | None, typer.Option("--db-driver", help="Switch the driver.")] = None,
    cache_backend: Annotated[str | None, typer.Option("--cache", help="Switch the cache.")] = None,
    server_mode: Annotated[str | None, typer.Option("--server", help="Switch the server.")] = None,
    answer: Annotated[
        list[str] | None,
        typer.Option("--answer", help="Change another answer: NAME=VALUE (repeatable)."),
    ] = None,
    conflict: Annotated[
        ConflictMode,
        typer.Option("--conflict", help="Leave conflicts as inline markers or as .rej files."),
    ] = ConflictMode.INLINE,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
) -> None:
    """Update a generated project to a newer template version, keeping your edits."""
    answers = _parse_answers(answer or [])
    for question, value in (
        ("db_driver", db_driver),
        ("cache_backend", cache_backend),
        ("server_mode", server_mode),
    ):
        if value is not None:
            answers[question] = value
    try:
        result = update(path, to=to, answers=answers, conflict=conflict, dry_run=dry_run)
    except SlipstreamError as error:
        _fail(error)
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


@app.command()
def matrix(
    db_driver: Annotated[
        list[str] | None, typer.Option("--db-driver", help="Only these drivers (repeatable).")
    ] = None,
    cache_backend: Annotated[
        list[str] | None, typer.Option("--cache", help="Only these caches (repeatable).")
    ] = None,
    server_mode: Annotated[
        list[str] | None, typer.Option("--server", help="Only these servers (repeatable).")
    ] = None,
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
    template: Annotated[
        str | None, typer.Option("--template", help="Template directory (default: this one).")
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Render into this directory and keep the projects."),
    ] = None,
) -> None:
    """Render every combination and run its own tests, ruff and mypy; exit 1 if any fails."""
    try:
        local = _local_template(template, "matrix")
        combos = combinations(
            local,
            {"db_driver": db_driver or [], "cache_backend": cache_backend or [],
             "server_mode": server_mode or []},
        )  # fmt: skip
    except SlipstreamError as error:
        _fail(error)
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


@app.command()
def bench(
    combination: Annotated[
        list[str] | None,
        typer.Argument(
            help="Combinations as driver-cache-server, e.g. aiosqlite-memory-uvicorn "
            "(default: the template's defaults, unless --project is given).",
            show_default=False,
        ),
    ] = None,
    project: Annotated[
        list[Path] | None,
        typer.Option("--project", help="Bench this generated project too (repeatable)."),
    ] = None,
    duration: Annotated[
        float, typer.Option("--duration", min=1, help="Seconds of load per scenario.")
    ] = 10.0,
    warmup: Annotated[
        float, typer.Option("--warmup", min=0, help="Seconds of warm-up before each scenario.")
    ] = 2.0,
    connections: Annotated[
        int, typer.Option("--connections", min=1, help="Open connections wrk keeps busy.")
    ] = 64,
    workers: Annotated[
        list[int] | None,
        typer.Option("--workers", min=1, help="Server workers; repeat to compare (default 1)."),
    ] = None,
    items: Annotated[
        int, typer.Option("--items", min=1, help="Items in the seeded data set.")
    ] = 10_000,
    burst: Annotated[
        int, typer.Option("--burst", min=1, help="Concurrent POST /items in the burst.")
    ] = 1000,
    rounds: Annotated[
        int,
        typer.Option(
            "--rounds",
            min=1,
            help="Measure each scenario this often, alternating; keep the median.",
        ),
    ] = 3,
    pin: Annotated[
        bool, typer.Option("--pin/--no-pin", help="taskset: server and wrk on separate cores.")
    ] = True,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for results.md, results.json, results.png.")
    ] = Path("bench-results"),
    template: Annotated[
        str | None, typer.Option("--template", help="Template directory (default: this one).")
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Render, install and log into this directory and keep it."),
    ] = None,
) -> None:
    """Load-test combinations with wrk beside raw ASGI, bare FastAPI and ORM-tutorial baselines."""
    settings = BenchSettings(
        duration=duration,
        warmup=warmup,
        connections=connections,
        workers=tuple(workers or [1]),
        items=items,
        burst=burst,
        pin_cores=pin,
        rounds=rounds,
    )
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
