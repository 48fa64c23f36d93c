"""One project at one worker count: seed it, start its servers and the baselines beside
it, measure every scenario in alternating rounds, then the burst; drop its database."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from generator.bench.backing import Server, local_server, pinned_beside_wrk
from generator.bench.cache_keys import drop_bench_keys
from generator.bench.cores import core_plan, pinned
from generator.bench.database import bench_database_url, drop_bench_database
from generator.bench.measurement import (
    Target,
    Wrk,
    cache_hits,
    hit_ratio,
    measure_rounds,
)
from generator.bench.project import Progress, Project
from generator.bench.report import BurstResult, RunResult, ScenarioResult
from generator.bench.scenarios import (
    UNCACHED_ENV,
    authenticated_read_scenario,
    ceiling_scenario,
    floor_scenario,
    scale_scenarios,
    service_scenarios,
    spread,
    traced_scenarios,
    tutorial_create_scenario,
    tutorial_list_scenarios,
    tutorial_read_scenario,
    uncached_scenario,
    with_headers,
)
from generator.bench.server import free_port, serving
from generator.bench.settings import BenchSettings

BASELINES_DIR = Path(__file__).resolve().parent / "baselines"
# A traced service samples every request and exports to the bench's own OTLP sink.
TRACED_ENV = {"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_SAMPLER": "always_on"}


@dataclass(frozen=True, slots=True)
class Seeded:
    """The ids the database gave the seeded items, the words of their descriptions, and a
    search term only one item holds and one many do."""

    ids: list[int]
    words: list[str]
    rare: str
    common: str


@dataclass(frozen=True, slots=True)
class Servers:
    """The base URL of every server one measurement runs at once."""

    ceiling: str
    floor: str
    tutorial: str
    uncached: str
    service: str
    # Servers of the options the project was rendered with (None without the option).
    authenticated: str | None = None
    traced: str | None = None
    traced_uncached: str | None = None


@dataclass(frozen=True, slots=True)
class Credential:
    """What a project with `auth` accepts: the settings (`env`) and the headers carrying it."""

    env: Mapping[str, str]
    headers: Mapping[str, str]


def project_credential(project: Project) -> Credential | None:
    """A full-scope credential made by the project's own test helper; None without `auth`."""
    if project.option("auth") is None:
        return None
    out = project.run(project.client("credentials"), env=project.env({}), what="a credential")
    made = json.loads(out)
    return Credential(made["env"], made["headers"])


@dataclass(frozen=True, slots=True)
class Launcher:
    """Starts a project's servers (and the baselines beside them) on the server cores, in
    the service's environment; each one is stopped when `stack` closes."""

    project: Project
    env: Mapping[str, str]
    stack: ExitStack
    cores: str | None
    log: Path
    progress: Progress
    client_cores: str | None = None

    def start(
        self, command: Sequence[str], env: Mapping[str, str], *, beside_wrk: bool = False
    ) -> str:
        """Start `command` on the server cores (on wrk's with `beside_wrk`, as the database
        shares them); its base URL."""
        port = free_port()
        return self.stack.enter_context(
            serving(
                pinned(command, self.client_cores if beside_wrk else self.cores),
                env={**env, "PORT": str(port)},
                port=port,
                cwd=self.project.path,
                log=self.log,
            )
        )

    def baseline(self, module: str) -> str:
        """A baseline app of `baselines/`, served by the project's own server code."""
        self.progress(f"starting the {module} baseline")
        launch = [str(self.project.python), str(BASELINES_DIR / "launch.py"), self.project.package]
        return self.start([*launch, module], {**self.env, "PYTHONPATH": str(BASELINES_DIR)})

    def service(self, extra_env: Mapping[str, str], label: str) -> str:
        """`<project> serve` with `extra_env`; `label` names its cache keys (Redis) apart."""
        self.progress(f"starting {self.project.command.name} serve ({label})")
        prefix = f"{self.env['CACHE_KEY_PREFIX']}-{label}"
        return self.start(
            [str(self.project.command), "serve"],
            {**self.env, **extra_env, "CACHE_KEY_PREFIX": prefix},
        )

    def otlp_sink(self) -> str:
        """An OTLP receiver that keeps nothing (`clients/otlp_sink.py`), beside wrk."""
        self.progress("starting the OTLP sink")
        return self.start(self.project.client("otlp_sink"), self.env, beside_wrk=True)


def labelled(progress: Progress, label: str) -> Progress:
    """`progress` for messages about one run, each prefixed with its label."""
    return lambda message: progress(f"{label}: {message}")


def service_env(
    project: Project, url: str, workers: int, credential: Credential | None = None
) -> dict[str, str]:
    """The service's production settings on the bench database, with `workers` workers,
    accepting `credential`. Tracing is off but on the servers that measure its cost."""
    return project.env(
        {
            "DATABASE_URL": url,
            "ENVIRONMENT": "production",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(workers),
            "HOST": "127.0.0.1",
            "CACHE_KEY_PREFIX": f"slipstream-bench-{os.getpid()}",
            **({"OTEL_SDK_DISABLED": "true"} if project.option("tracing") else {}),
            **(credential.env if credential else {}),
        }
    )


def backing_servers(project: Project, env: Mapping[str, str]) -> list[Server]:
    """The database and Redis servers the service reaches on this machine."""
    found = [local_server("database", env["DATABASE_URL"])]
    if project.cache_backend == "redis":
        found.append(local_server("redis", project.setting("redis_url", env=env)))
    return [server for server in found if server is not None]


def migrate_and_seed(
    project: Project, env: Mapping[str, str], items: int, progress: Progress
) -> Seeded:
    """Migrate, then replace the items with `items` seeded ones, reporting the seeding."""
    project.run([str(project.command), "migrate"], env=env, what="migrate")
    seed = project.client("seed", project.package, str(items))
    seeded = json.loads(project.run_reporting(seed, env=env, what="seeding", progress=progress))
    return Seeded(seeded["ids"], seeded["words"], seeded["rare"], seeded["common"])


def start_servers(launcher: Launcher) -> Servers:
    """Every server runs for the whole measurement (an idle one costs nothing), so the
    rounds can alternate between them."""
    ceiling = launcher.baseline("raw_asgi")
    floor = launcher.baseline("bare_fastapi")
    tutorial = launcher.baseline("tutorial_orm")
    uncached = launcher.service(UNCACHED_ENV, "uncached")
    servers = Servers(ceiling, floor, tutorial, uncached, launcher.service({}, "service"))
    project = launcher.project
    if project.option("auth"):
        authenticated = launcher.service({"AUTH_REQUIRED_FOR_READS": "true"}, "authenticated")
        servers = replace(servers, authenticated=authenticated)
    if project.option("tracing"):
        traced = {**TRACED_ENV, "OTEL_EXPORTER_OTLP_ENDPOINT": launcher.otlp_sink()}
        servers = replace(
            servers,
            traced=launcher.service(traced, "traced"),
            traced_uncached=launcher.service({**UNCACHED_ENV, **traced}, "traced-uncached"),
        )
    return servers


def option_targets(
    servers: Servers, ids: Sequence[int], headers: Mapping[str, str]
) -> list[Target]:
    """The reads that measure what the project's options cost, on their own servers."""
    found: list[Target] = []
    if servers.authenticated is not None:
        found.append(Target(authenticated_read_scenario(ids[0], headers), servers.authenticated))
    cached, uncached = traced_scenarios(ids)
    if servers.traced is not None:
        found.append(Target(cached, servers.traced))
    if servers.traced_uncached is not None:
        found.append(Target(uncached, servers.traced_uncached))
    return found


def targets(
    servers: Servers, seeded: Seeded, headers: Mapping[str, str] | None = None
) -> tuple[list[Target], list[Target]]:
    """(reads, writes). Reads first, writes last: writes grow the table (and SQLite's WAL),
    which would make whatever reads after them slower. The service's writes carry `headers`
    (a credential, when the project has `auth`); its reads are public."""
    headers = headers or {}
    ids = spread(seeded.ids)
    scenarios = service_scenarios(ids, seeded.words)
    reads = [
        Target(ceiling_scenario(ids[0]), servers.ceiling, is_baseline=True),
        Target(floor_scenario(ids[0]), servers.floor, is_baseline=True),
        Target(tutorial_read_scenario(ids), servers.tutorial, is_baseline=True),
        *(
            Target(scenario, servers.tutorial, is_baseline=True)
            for scenario in tutorial_list_scenarios(ids)
        ),
        Target(uncached_scenario(ids), servers.uncached),
        *(
            Target(scenario, servers.uncached)
            for scenario in scale_scenarios(seeded.ids, seeded.rare, seeded.common)
        ),
        *(Target(scenario, servers.service) for scenario in scenarios if scenario.method == "GET"),
        *option_targets(servers, ids, headers),
    ]
    writes = [
        Target(tutorial_create_scenario(), servers.tutorial, is_baseline=True),
        *(
            Target(with_headers(scenario, headers), servers.service)
            for scenario in scenarios
            if scenario.method != "GET"
        ),
    ]
    return reads, writes


def run_burst(  # noqa: PLR0913 - each is one thing the burst client is given
    project: Project,
    env: Mapping[str, str],
    base: str,
    count: int,
    cores: str | None,
    headers: Mapping[str, str],
) -> BurstResult:
    client = project.client("burst", base, str(count), json.dumps(dict(headers)))
    out = project.run(pinned(client, cores), env=env, what="the burst client")
    return BurstResult.from_json(json.loads(out))


def measure_servers(
    result: RunResult,
    servers: Servers,
    seeded: Seeded,
    wrk: Wrk,
    settings: BenchSettings,
    progress: Progress,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Every scenario in rounds, reads then writes, into `result`; the uncached service's
    hit ratio over them. `progress` takes messages about this run."""
    before = cache_hits(servers.uncached)
    for group in targets(servers, seeded, headers):
        measured = measure_rounds(wrk, group, settings, progress)
        for target, chosen in measured:
            (result.baselines if target.is_baseline else result.scenarios).append(chosen)
    if result.cache_backend != "none":
        after = cache_hits(servers.uncached)
        result.uncached_hit_ratio = hit_ratio(before["item"], after["item"])
        result.uncached_list_hit_ratio = hit_ratio(before["list"], after["list"])


def measure_reference(
    launcher: Launcher, wrk: Wrk, items: int, settings: BenchSettings
) -> list[ScenarioResult]:
    """The scale scenarios at `items` items, on an uncached service of their own (stopped
    when the launcher's stack closes), to set beside the same scenarios at full size."""
    launcher.progress(f"seeding {items:,} items, the reference size")
    seeded = migrate_and_seed(launcher.project, launcher.env, items, launcher.progress)
    base = launcher.service(UNCACHED_ENV, "reference")
    group = [
        Target(scenario, base)
        for scenario in scale_scenarios(seeded.ids, seeded.rare, seeded.common)
    ]
    return [chosen for _target, chosen in measure_rounds(wrk, group, settings, launcher.progress)]


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
    url = bench_database_url(project, workdir)
    credential = project_credential(project)
    env = service_env(project, url, workers, credential)
    headers = credential.headers if credential else {}
    wrk = Wrk(settings.connections, wrk_cores, scripts)
    log = workdir / f"{project.combination}-{workers}w.log"
    backing = backing_servers(project, env) if settings.pin_servers else []
    try:
        result = RunResult(project.combination, project.cache_backend, workers)
        result.items = settings.items
        about_run = labelled(progress, result.label)
        with pinned_beside_wrk(backing, wrk_cores) as pinning:
            if pinning is not None:
                result.servers_pinned = [f"{name}, core(s) {wrk_cores}" for name in pinning.pinned]
                result.servers_left_alone = pinning.left_alone
            if settings.items > settings.scale_reference:
                with ExitStack() as stack:
                    launcher = Launcher(
                        project, env, stack, server_cores, log, about_run, wrk_cores
                    )
                    result.reference = measure_reference(
                        launcher, wrk, settings.scale_reference, settings
                    )
                    result.reference_items = settings.scale_reference
            about_run(f"migrating and seeding {settings.items:,} items")
            seeded = migrate_and_seed(project, env, settings.items, about_run)
            with ExitStack() as stack:
                launcher = Launcher(project, env, stack, server_cores, log, about_run, wrk_cores)
                servers = start_servers(launcher)
                measure_servers(result, servers, seeded, wrk, settings, about_run, headers)
                about_run(f"burst of {settings.burst} concurrent POST /items")
                result.burst = run_burst(
                    project, env, servers.service, settings.burst, wrk_cores, headers
                )
    finally:
        try:
            drop_bench_keys(project, env)
        finally:
            drop_bench_database(project, url)
    return result
