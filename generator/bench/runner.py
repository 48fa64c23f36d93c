"""`slipstream bench`: render combinations, seed them, serve them, and load them with wrk.

Each combination is rendered and installed (uv, like the matrix), migrated and seeded with a
fixed data set, then started with its real `<project> serve` command and measured scenario
by scenario, each after a warm-up. The baselines run in the same project environment under
the same server code and settings, so every ratio compares like with like within one run.
With `taskset` available, the server is pinned to the first core(s) and wrk to the last.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from generator.bench import report
from generator.bench.report import BurstResult, RunResult, ScenarioResult
from generator.bench.wrk import parse_wrk_output, request_script, wrk_executable
from generator.checks import build_venv, project_env
from generator.errors import SlipstreamError, UnknownChoiceError
from generator.matrix import Combination
from generator.questions import AXES, axis_choices
from generator.render import render
from generator.start import service_command
from generator.template_source import working_tree_ref

HERE = Path(__file__).resolve().parent
BASELINES_DIR = HERE / "baselines"
CLIENTS_DIR = HERE / "clients"
# One database per bench process on a shared server, dropped when its run ends.
BENCH_DATABASE = f"slipstream_bench_{os.getpid()}"
STARTUP_SECONDS = 90.0
STOP_SECONDS = 30.0
ITEM_BODY = '{"name": "bench item", "description": "created under load", "price": "12.34"}'
PATCH_BODY = '{"price": "10.50"}'
LIST_PAGES = 20

Progress = Callable[[str], None]


class BenchError(SlipstreamError):
    """A benchmark step failed (install, migrate, seed, a server that did not start)."""


@dataclass(frozen=True, slots=True)
class BenchSettings:
    duration: float = 10.0
    warmup: float = 2.0
    connections: int = 64
    workers: tuple[int, ...] = (1,)
    items: int = 10_000
    burst: int = 1000
    pin_cores: bool = True
    rounds: int = 3


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    method: str
    paths: tuple[str, ...]
    body: str | None = None
    note: str = ""

    def script(self) -> str:
        return request_script(self.method, self.paths, body=self.body)


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


def service_scenarios(ids: Sequence[int], words: Sequence[str]) -> list[Scenario]:
    """The service's scenarios, on the seeded ids and the words of their descriptions."""
    item_paths = tuple(f"/items/{item_id}" for item_id in ids)
    return [
        Scenario(report.CACHED_READ, "GET", (item_paths[0],), note="one id"),
        Scenario(
            report.LIST_FILTER,
            "GET",
            tuple(f"/items?is_active=true&page={n}&per_page=20" for n in range(1, LIST_PAGES + 1)),
            note=f"is_active, {LIST_PAGES} pages",
        ),
        Scenario(
            report.SEARCH,
            "GET",
            tuple(f"/items?q={word}&per_page=20" for word in words),
            note=f"{len(words)} terms",
        ),
        Scenario(report.CREATE, "POST", ("/items",), body=ITEM_BODY),
        Scenario(
            report.UPDATE,
            "PATCH",
            item_paths,
            body=PATCH_BODY,
            note="no If-Match, round-robin ids",
        ),
    ]


def uncached_scenario(ids: Sequence[int]) -> Scenario:
    return Scenario(
        report.UNCACHED_READ,
        "GET",
        tuple(f"/items/{item_id}" for item_id in ids),
        note=f"{len(ids)} ids round-robin",
    )


# The uncached read restarts the service with a cache that cannot keep what it loads:
# one entry in memory and a one-second TTL, so a round-robin over the data set misses.
UNCACHED_ENV = {"CACHE_MAX_ENTRIES": "1", "CACHE_TTL_SECONDS": "1"}


# --- processes -------------------------------------------------------------------------


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def core_plan(workers: int, *, pin: bool) -> tuple[str | None, str | None]:
    """taskset core lists (server, wrk): wrk on the last core, the server on the others."""
    cores = _cores()
    if not pin or shutil.which("taskset") is None or cores < 2:
        return None, None
    last = cores - 1
    server_cores = min(workers, last)
    server = "0" if server_cores == 1 else f"0-{server_cores - 1}"
    if workers > last:
        server = f"0-{last}"  # more workers than spare cores: they share all of them
    return server, str(last)


def _pinned(command: Sequence[str], cores: str | None) -> list[str]:
    taskset = shutil.which("taskset")
    if cores is None or taskset is None:
        return list(command)
    return [taskset, "-c", cores, *command]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local URL
            body: bytes = response.read()
            return int(response.status), body
    except urllib.error.HTTPError as error:
        return error.code, b""


@contextmanager
def serving(
    command: Sequence[str], *, env: Mapping[str, str], port: int, cwd: Path, log: Path
) -> Iterator[str]:
    """Start a server, wait until it answers, yield its base URL, then stop it (SIGTERM)."""
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as log_file:
        process = subprocess.Popen(  # noqa: S603 - the project's own commands
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    raise BenchError(
                        f"{' '.join(command)} exited with {process.returncode} before "
                        f"answering; see {log}:\n{log.read_text(errors='replace')[-2000:]}"
                    )
                try:
                    status, _ = _get(f"{base}/items/1", timeout=1.0)
                    if status < 500:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"{' '.join(command)} did not answer within "
                        f"{STARTUP_SECONDS:.0f}s; see {log}"
                    )
                time.sleep(0.2)
            yield base
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _run(command: Sequence[str], *, env: Mapping[str, str], cwd: Path, what: str) -> str:
    completed = subprocess.run(  # noqa: S603 - fixed programs, no shell
        list(command), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BenchError(
            f"{what} failed (exit {completed.returncode}):\n"
            f"{(completed.stdout + completed.stderr)[-3000:]}"
        )
    return completed.stdout


# --- one project -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Project:
    path: Path
    package: str
    command: Path
    python: Path
    answers: Mapping[str, Any]

    @property
    def combination(self) -> str:
        return "-".join(str(self.answers.get(axis, "?")) for axis in AXES)

    @property
    def cache_backend(self) -> str:
        return str(self.answers.get("cache_backend", "none"))


def load_project(path: Path) -> Project:
    answers_file = path / ".copier-answers.yml"
    if not answers_file.is_file():
        raise BenchError(f"{path} is not a generated project (no .copier-answers.yml)")
    answers = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
    bin_dir = path / ".venv" / "bin"
    return Project(
        path=path,
        package=str(answers["package_name"]),
        command=bin_dir / service_command(path),
        python=bin_dir / "python",
        answers=answers,
    )


def prepare_project(path: Path, progress: Progress) -> Project:
    """Install the project into its own .venv (uv) unless that was done already."""
    if not (path / ".venv" / "bin" / "python").exists():
        progress(f"installing {path.name}")
        step = build_venv(path)
        if not step.ok:
            raise BenchError(step.describe())
    return load_project(path)


_URL_SNIPPET = """
import sys
from sqlalchemy.engine import make_url
from {package}.core.settings import Settings
url = make_url(Settings.model_fields["database_url"].default)
if url.get_backend_name() == "sqlite":
    url = url.set(database=sys.argv[1])
else:
    url = url.set(database=sys.argv[2])
print(url.render_as_string(hide_password=False))
"""


_DROP_SNIPPET = """
import asyncio
import sys
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

url = make_url(sys.argv[1])
backend = url.get_backend_name()
if backend != "sqlite":
    quote = '"' if backend == "postgresql" else "`"
    server = url.set(database="postgres" if backend == "postgresql" else "")

    async def drop():
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text(f"DROP DATABASE IF EXISTS {quote}{url.database}{quote}"))
        finally:
            await engine.dispose()

    asyncio.run(drop())
"""


def drop_database(project: Project, url: str) -> None:
    """Drop the bench database on a database server (a SQLite file goes with its directory)."""
    _run(
        [str(project.python), "-c", _DROP_SNIPPET, url],
        env=_base_env(project, {}),
        cwd=project.path,
        what="dropping the bench database",
    )


def database_url(project: Project, workdir: Path) -> str:
    """The project's default database URL, pointed at a bench database (or SQLite file)."""
    sqlite_file = workdir / f"{project.combination}.db"
    snippet = _URL_SNIPPET.format(package=project.package)
    out = _run(
        [str(project.python), "-c", snippet, str(sqlite_file), BENCH_DATABASE],
        env=_base_env(project, {}),
        cwd=project.path,
        what="reading the default database URL",
    )
    return out.strip()


def _base_env(project: Project, extra: Mapping[str, str]) -> dict[str, str]:
    """The project's own environment (as its checks get it), minus an inherited metrics
    directory, which several servers would otherwise share."""
    env = project_env(project.path / ".venv")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


def _wrk(
    scenario: Scenario,
    base: str,
    *,
    settings: BenchSettings,
    seconds: float,
    wrk_cores: str | None,
    scripts: Path,
) -> ScenarioResult:
    script = scripts / f"{abs(hash((scenario.name, scenario.paths)))}.lua"
    script.write_text(scenario.script(), encoding="utf-8")
    command = [
        wrk_executable(),
        "-t1",
        f"-c{settings.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
    ]
    completed = subprocess.run(  # noqa: S603 - wrk with a generated script
        _pinned(command, wrk_cores), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"wrk failed (exit {completed.returncode}): {completed.stderr[-1000:]}")
    return ScenarioResult.from_wrk(
        scenario.name, parse_wrk_output(completed.stdout), note=scenario.note
    )


def measure(
    scenario: Scenario,
    base: str,
    *,
    settings: BenchSettings,
    wrk_cores: str | None,
    scripts: Path,
) -> ScenarioResult:
    """A warm-up run (discarded), then the measured run."""
    if settings.warmup > 0:
        _wrk(
            scenario,
            base,
            settings=settings,
            seconds=settings.warmup,
            wrk_cores=wrk_cores,
            scripts=scripts,
        )
    return _wrk(
        scenario,
        base,
        settings=settings,
        seconds=settings.duration,
        wrk_cores=wrk_cores,
        scripts=scripts,
    )


def cache_hits(base: str) -> tuple[float, float]:
    """(hits, misses) of item lookups so far, from the service's /metrics."""
    status, body = _get(f"{base}/metrics", timeout=5.0)
    hits = misses = 0.0
    if status != 200:
        return hits, misses
    for line in body.decode(errors="replace").splitlines():
        if line.startswith("cache_lookups_total{") and 'kind="item"' in line:
            value = float(line.rsplit(" ", 1)[1])
            if 'result="hit"' in line:
                hits += value
            elif 'result="miss"' in line:
                misses += value
    return hits, misses


def bench_project(
    project: Project,
    *,
    workers: int,
    settings: BenchSettings,
    workdir: Path,
    progress: Progress,
) -> RunResult:
    """Seed, then measure the baselines and the service's scenarios at `workers` workers."""
    server_cores, wrk_cores = core_plan(workers, pin=settings.pin_cores)
    scripts = workdir / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{project.combination}-{workers}w.log"
    url = database_url(project, workdir)
    env = _base_env(
        project,
        {
            "DATABASE_URL": url,
            "ENVIRONMENT": "production",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(workers),
            "HOST": "127.0.0.1",
            "CACHE_KEY_PREFIX": f"slipstream-bench-{os.getpid()}",
        },
    )
    try:
        progress(f"{project.combination}: migrating and seeding {settings.items} items")
        _run([str(project.command), "migrate"], env=env, cwd=project.path, what="migrate")
        seeded = json.loads(
            _run(
                [
                    str(project.python),
                    str(CLIENTS_DIR / "seed.py"),
                    project.package,
                    str(settings.items),
                ],
                env=env,
                cwd=project.path,
                what="seeding",
            )
        )
        ids: list[int] = seeded["ids"]
        words: list[str] = seeded["words"]
        result = RunResult(project.combination, project.cache_backend, workers)
        baseline_env = {**env, "PYTHONPATH": str(BASELINES_DIR)}
        item_path = f"/items/{ids[0]}"

        with ExitStack() as servers:

            def start(command: Sequence[str], extra_env: Mapping[str, str]) -> str:
                port = free_port()
                return servers.enter_context(
                    serving(
                        _pinned(command, server_cores),
                        env={**extra_env, "PORT": str(port)},
                        port=port,
                        cwd=project.path,
                        log=log,
                    )
                )

            def baseline(module: str) -> str:
                progress(f"{result.label}: starting the {module} baseline")
                launch = [str(project.python), str(BASELINES_DIR / "launch.py"), project.package]
                return start([*launch, module], baseline_env)

            def service(extra_env: Mapping[str, str]) -> str:
                progress(f"{result.label}: starting {project.command.name} serve")
                return start([str(project.command), "serve"], {**env, **extra_env})

            # Every server runs for the whole measurement (an idle one costs nothing), so the
            # rounds can alternate between them: a slow spell on this shared machine then falls
            # on every scenario of a round alike instead of on one of them.
            raw, floor, tutorial = (
                baseline("raw_asgi"),
                baseline("bare_fastapi"),
                baseline("tutorial_orm"),
            )
            uncached_prefix = {"CACHE_KEY_PREFIX": f"{env['CACHE_KEY_PREFIX']}-uncached"}
            uncached = service({**UNCACHED_ENV, **uncached_prefix})
            served = service({})
            scenarios = service_scenarios(ids, words)
            reads: list[tuple[Scenario, str, bool]] = [
                (Scenario(report.RAW_ASGI, "GET", (item_path,)), raw, True),
                (Scenario(report.FRAMEWORK_FLOOR, "GET", (item_path,)), floor, True),
                (replace(uncached_scenario(ids), name=report.TUTORIAL_READ), tutorial, True),
                (uncached_scenario(ids), uncached, False),
                *((scenario, served, False) for scenario in scenarios if scenario.method == "GET"),
            ]
            # Reads first, writes last: writes grow the table (and SQLite's WAL), which would
            # make whatever reads after them slower.
            writes: list[tuple[Scenario, str, bool]] = [
                (
                    Scenario(report.TUTORIAL_CREATE, "POST", ("/items",), body=ITEM_BODY),
                    tutorial,
                    True,
                ),
                *((scenario, served, False) for scenario in scenarios if scenario.method != "GET"),
            ]
            before = cache_hits(uncached)
            for group in (reads, writes):
                rounds: dict[str, list[ScenarioResult]] = {}
                for number in range(1, settings.rounds + 1):
                    for scenario, base, _ in group:
                        progress(f"{result.label}: {scenario.name} (round {number})")
                        rounds.setdefault(scenario.name, []).append(
                            measure(
                                scenario,
                                base,
                                settings=settings,
                                wrk_cores=wrk_cores,
                                scripts=scripts,
                            )
                        )
                for scenario, _, is_baseline in group:
                    chosen = report.median_round(rounds[scenario.name])
                    (result.baselines if is_baseline else result.scenarios).append(chosen)
            after = cache_hits(uncached)
            lookups = (after[0] - before[0]) + (after[1] - before[1])
            if project.cache_backend != "none" and lookups > 0:
                result.uncached_hit_ratio = (after[0] - before[0]) / lookups
            progress(f"{result.label}: burst of {settings.burst} concurrent POST /items")
            burst = _run(
                _pinned(
                    [
                        str(project.python),
                        str(CLIENTS_DIR / "burst.py"),
                        served,
                        str(settings.burst),
                    ],
                    wrk_cores,
                ),
                env=env,
                cwd=project.path,
                what="the burst client",
            )
            result.burst = BurstResult.from_json(json.loads(burst))
    finally:
        drop_database(project, url)
    return result


# --- versions and the whole run ----------------------------------------------------------

_VERSION_SNIPPET = """
import importlib.metadata as m, json, sys
names = ["fastapi", "starlette", "pydantic", "pydantic-core", "sqlalchemy", "uvicorn",
         "granian", "gunicorn", "uvloop", "httptools", "aiosqlite", "asyncpg", "psycopg",
         "asyncmy", "aiomysql", "redis", "cachetools"]
found = {"python": sys.version.split()[0]}
for name in names:
    try:
        found[name] = m.version(name)
    except m.PackageNotFoundError:
        pass
print(json.dumps(found))
"""


def project_versions(project: Project) -> dict[str, str]:
    out = _run(
        [str(project.python), "-c", _VERSION_SNIPPET],
        env=_base_env(project, {}),
        cwd=project.path,
        what="reading versions",
    )
    versions: dict[str, str] = json.loads(out)
    return versions


def wrk_version() -> str:
    completed = subprocess.run(  # noqa: S603 - wrk prints its version with -v
        [wrk_executable(), "-v"], capture_output=True, text=True, check=False
    )
    first = (completed.stdout + completed.stderr).strip().splitlines()
    return first[0] if first else "unknown"


def _load_average() -> str:
    """1, 5 and 15 minute load averages: how busy the (shared) machine was."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


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
            prepared.append(prepare_project(destination, progress))
        prepared += [prepare_project(path.resolve(), progress) for path in projects]
        runs = [
            bench_project(project, workers=w, settings=settings, workdir=root, progress=progress)
            for project in prepared
            for w in settings.workers
        ]
        plan = {workers: core_plan(workers, pin=settings.pin_cores) for workers in settings.workers}
        recorded: dict[str, Any] = {
            "duration_seconds": settings.duration,
            "warmup_seconds": settings.warmup,
            "connections": settings.connections,
            "wrk_threads": 1,
            "rounds": settings.rounds,
            "load_average_before": load_before,
            "load_average_after": _load_average(),
            "workers": list(settings.workers),
            "items": settings.items,
            "burst": settings.burst,
            "cores": _cores(),
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
            "versions": {project.combination: project_versions(project) for project in prepared},
        }
    paths = report.write_results(runs, recorded, out)
    return runs, recorded, paths
