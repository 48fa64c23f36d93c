"""`slipstream bench`: render combinations, seed them, serve them, and load them with wrk.

Each combination is rendered and installed (uv, like the matrix), migrated and seeded with a
fixed data set, then started with its real `<project> serve` command and measured scenario
by scenario, each after a warm-up (see `project_run`). The baselines run in the same project
environment under the same server code and settings, so every ratio compares like with like
within one run. With `taskset` available, the server is pinned to the first core(s) and wrk
to the last. This module holds the whole run: every project, then the recorded settings.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.bench import report
from generator.bench.cores import available_cores, core_plan
from generator.bench.measurement import WRK_THREADS, wrk_version
from generator.bench.project import Progress, Project, prepare_project, project_versions
from generator.bench.project_run import bench_project
from generator.bench.report import RunResult
from generator.bench.settings import BenchSettings
from generator.bench.wrk import wrk_executable
from generator.matrix import Combination
from generator.render import render
from generator.template_source import working_tree_ref


def _load_average() -> str:
    """1, 5 and 15 minute load averages: how busy the (shared) machine was."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def rendered_projects(
    combos: Sequence[Combination], root: Path, template: Path | str, progress: Progress
) -> list[Project]:
    """Each combination rendered under `root` (unless it is there already) and installed."""
    prepared: list[Project] = []
    for combination in combos:
        progress(f"rendering {combination.id}")
        destination = root / combination.id
        if not destination.exists():
            render(
                destination,
                answers=combination.as_dict(),
                template=template,
                vcs_ref=working_tree_ref(template),
            )
        prepared.append(prepare_project(destination, progress, Path(template)))
    return prepared


def recorded_settings(
    settings: BenchSettings, projects: Sequence[Project], *, started: str, load_before: str
) -> dict[str, Any]:
    """What the report records beside the numbers: the settings, the machine, the versions."""
    plan = {workers: core_plan(workers, pin=settings.pin_cores) for workers in settings.workers}
    return {
        "duration_seconds": settings.duration,
        "warmup_seconds": settings.warmup,
        "connections": settings.connections,
        "wrk_threads": WRK_THREADS,
        "rounds": settings.rounds,
        "load_average_before": load_before,
        "load_average_after": _load_average(),
        "workers": list(settings.workers),
        "items": settings.items,
        "burst": settings.burst,
        "cores": available_cores(),
        "taskset": {
            f"{workers} worker(s)": (
                f"server on {server}, wrk on {client}" if server else "not pinned"
            )
            for workers, (server, client) in plan.items()
        },
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "wrk": wrk_version(),
        "generator_python": sys.version.split()[0],
        "started": started,
        "versions": {project.combination: project_versions(project) for project in projects},
    }


def run_bench(
    *,
    combos: Sequence[Combination],
    projects: Sequence[Path],
    settings: BenchSettings,
    out: Path,
    template: Path | str,
    workdir: Path | None = None,
    progress: Progress = lambda _message: None,
) -> tuple[list[RunResult], dict[str, Any], dict[str, Path]]:
    """Bench every combination (rendered) and every given project; write the results."""
    wrk_executable()  # fail before any rendering when wrk is missing
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    load_before = _load_average()
    with tempfile.TemporaryDirectory(prefix="slipstream-bench-") as scratch:
        root = workdir or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        prepared = rendered_projects(combos, root, template, progress)
        prepared += [prepare_project(path.resolve(), progress, Path(template)) for path in projects]
        runs = [
            bench_project(project, workers=w, settings=settings, workdir=root, progress=progress)
            for project in prepared
            for w in settings.workers
        ]
        recorded = recorded_settings(settings, prepared, started=started, load_before=load_before)
    paths = report.write_results(runs, recorded, out)
    return runs, recorded, paths
