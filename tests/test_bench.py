"""`slipstream bench`: the pure parts (wrk results, ratios, tables) in the quick tier, and one
short real run of the default combination in the matrix tier. No test asserts a speed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import cast

import pytest
from typer.testing import CliRunner

from generator.bench import measurement, report
from generator.bench.backing import Server, local_server, pinned_beside_wrk
from generator.bench.cache_keys import drop_bench_keys
from generator.bench.cores import core_plan
from generator.bench.measurement import cache_hits, hit_ratio
from generator.bench.project import Project, load_project
from generator.bench.project_run import Seeded, Servers, targets
from generator.bench.report import BurstResult, RunResult, ScenarioResult
from generator.bench.scenarios import (
    ROUND_ROBIN_IDS,
    SCALE_PAGE_SIZES,
    scale_scenarios,
    service_scenarios,
    spread,
)
from generator.bench.settings import BenchSettings, parse_combination
from generator.bench.wrk import (
    RESULT_MARKER,
    WrkMissingError,
    WrkOutputError,
    parse_wrk_output,
    request_script,
    wrk_executable,
)
from generator.cli import app
from generator.errors import SlipstreamError, UnknownChoiceError
from tests.conftest import REPO_ROOT
from tests.helpers import missing

WRK_OUTPUT = (
    "Running 1s test @ http://127.0.0.1:8000\n"
    "  1 threads and 64 connections\n"
    "  10000 requests in 2.00s, 2.00MB read\n"
    "Requests/sec:   5000.00\n"
    f'{RESULT_MARKER}{{"requests": 10000, "duration_us": 2000000, "bytes": 2000000, '
    '"connect": 1, "read": 2, "write": 0, "timeout": 3, "status": 7, "p50_us": 1500, '
    '"p95_us": 4000, "p99_us": 9000, "max_us": 20000, "mean_us": 1800.5}\n'
)


def test_wrk_result_line_is_parsed() -> None:
    result = parse_wrk_output(WRK_OUTPUT)
    assert result.requests == 10000
    assert result.requests_per_second == pytest.approx(5000.0)
    assert result.non_2xx == 7
    assert result.socket_errors == 6
    assert result.errors == 13
    assert (result.p50_us, result.p99_us) == (1500.0, 9000.0)


@pytest.mark.parametrize(
    "output",
    ["Requests/sec: 5000\n", f"{RESULT_MARKER}{{not json}}\n", f'{RESULT_MARKER}{{"x": 1}}\n'],
)
def test_wrk_output_without_a_readable_result_line_is_an_error(output: str) -> None:
    with pytest.raises(WrkOutputError):
        parse_wrk_output(output)


def test_request_script_rotates_paths_and_sends_bodies() -> None:
    single = request_script("GET", ["/items/1"])
    assert '"/items/1"' in single and "function done" in single
    rotating = request_script("PATCH", ["/items/1", "/items/2"], body='{"price": "1.00"}')
    assert '{"/items/1", "/items/2"}' in rotating
    assert "next_index(#paths)" in rotating
    assert '"{\\"price\\": \\"1.00\\"}"' in rotating
    assert 'wrk.headers["Content-Type"] = "application/json"' in rotating
    with pytest.raises(ValueError, match="at least one path"):
        request_script("GET", [])


def test_missing_wrk_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(WrkMissingError, match="wrk is not installed") as raised:
        wrk_executable()
    assert isinstance(raised.value, SlipstreamError)
    result = CliRunner().invoke(app, ["bench", "--duration", "1"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "wrk is not installed" in result.stderr


def test_combination_names_are_checked_against_copier_yml() -> None:
    combination = parse_combination("asyncpg-redis-granian", REPO_ROOT)
    assert combination.as_dict() == {
        "db_driver": "asyncpg",
        "cache_backend": "redis",
        "server_mode": "granian",
    }
    with pytest.raises(UnknownChoiceError):
        parse_combination("sqlite-memory-uvicorn", REPO_ROOT)
    with pytest.raises(SlipstreamError, match="one value per axis"):
        parse_combination("aiosqlite-memory", REPO_ROOT)


def test_combinations_may_name_option_values_after_the_axes() -> None:
    combination = parse_combination("asyncpg-memory-uvicorn-jwt-otlp", REPO_ROOT)
    assert combination.as_dict() == {
        "db_driver": "asyncpg",
        "cache_backend": "memory",
        "server_mode": "uvicorn",
        "auth": "jwt",
        "tracing": "otlp",
    }
    assert combination.id == "asyncpg-memory-uvicorn-jwt-otlp"  # as the matrix names it
    assert parse_combination("asyncpg-memory-uvicorn-otlp", REPO_ROOT).as_dict()["tracing"]
    for text, message in [
        ("asyncpg-memory-uvicorn-oauth", "'oauth' is not a value of an option"),
        ("asyncpg-memory-uvicorn-none", "'none' is not a value of an option"),
        ("asyncpg-memory-uvicorn-jwt-api_key", "names two values of auth: jwt and api_key"),
    ]:
        with pytest.raises(SlipstreamError, match=message) as raised:
            parse_combination(text, REPO_ROOT)
        assert raised.value.exit_code == 2


def test_scenarios_cover_reads_filters_search_and_writes() -> None:
    scenarios = service_scenarios([5, 6, 7], ["alpha", "bravo"])
    by_name = {scenario.name: scenario for scenario in scenarios}
    assert by_name[report.CACHED_READ].paths == ("/items/5",)
    assert by_name[report.UPDATE].paths == ("/items/5", "/items/6", "/items/7")
    assert by_name[report.SEARCH].paths == (
        "/items?q=alpha&per_page=20",
        "/items?q=bravo&per_page=20",
    )
    assert by_name[report.CREATE].method == "POST" and by_name[report.CREATE].body
    assert all("is_active=true" in path for path in by_name[report.LIST_FILTER].paths)


def test_scale_scenarios_miss_the_cache_and_go_deep() -> None:
    ids = list(range(101, 201))
    by_name = {scenario.name: scenario for scenario in scale_scenarios(ids, "zircon", "alpha")}
    assert tuple(by_name) == report.SCALE_SCENARIOS
    for scenario in by_name.values():
        assert len(set(scenario.paths)) == len(SCALE_PAGE_SIZES) > 1  # one cache entry misses
    assert by_name[report.LIST_FIRST].paths[0] == "/items?per_page=11"
    assert by_name[report.DEEP_KEYSET].paths[0] == "/items?after=191&per_page=11"
    assert by_name[report.SEARCH_RARE].paths[0] == "/items?q=zircon&per_page=11"
    assert by_name[report.SEARCH_COMMON].paths[0] == "/items?q=alpha&per_page=11"
    assert all("is_active=true&" in path for path in by_name[report.LIST_ACTIVE].paths)


def test_reads_come_before_writes_and_baselines_are_kept_apart() -> None:
    servers = Servers("ceiling", "floor", "tutorial", "uncached", "service")
    reads, writes = targets(servers, Seeded([5, 6], ["alpha"], rare="zircon", common="alpha"))
    assert [(t.scenario.name, t.base, t.is_baseline) for t in reads] == [
        (report.RAW_ASGI, "ceiling", True),
        (report.FRAMEWORK_FLOOR, "floor", True),
        (report.TUTORIAL_READ, "tutorial", True),
        (report.TUTORIAL_LIST, "tutorial", True),
        (report.TUTORIAL_LIST_ACTIVE, "tutorial", True),
        (report.UNCACHED_READ, "uncached", False),
        *((name, "uncached", False) for name in report.SCALE_SCENARIOS),
        (report.CACHED_READ, "service", False),
        (report.LIST_FILTER, "service", False),
        (report.SEARCH, "service", False),
    ]
    assert [(t.scenario.name, t.base, t.is_baseline) for t in writes] == [
        (report.TUTORIAL_CREATE, "tutorial", True),
        (report.CREATE, "service", False),
        (report.UPDATE, "service", False),
    ]
    assert reads[2].scenario.paths == ("/items/5", "/items/6")
    by_name = {t.scenario.name: t.scenario for t in reads}
    assert by_name[report.TUTORIAL_LIST].paths == by_name[report.LIST_FIRST].paths
    assert by_name[report.TUTORIAL_LIST_ACTIVE].paths == by_name[report.LIST_ACTIVE].paths


def test_options_are_measured_on_servers_of_their_own_and_writes_carry_the_credential() -> None:
    servers = Servers(
        "ceiling", "floor", "tutorial", "uncached", "service",
        authenticated="authenticated", traced="traced", traced_uncached="traced-uncached",
    )  # fmt: skip
    headers = {"X-API-Key": "secret"}
    seeded = Seeded([5, 6], ["alpha"], rare="zircon", common="alpha")
    reads, writes = targets(servers, seeded, headers)
    plain, _ = targets(Servers("ceiling", "floor", "tutorial", "uncached", "service"), seeded)
    assert [t.scenario for t in reads[: len(plain)]] == [t.scenario for t in plain]
    assert [(t.scenario.name, t.base) for t in reads[len(plain) :]] == [
        (report.AUTHENTICATED_READ, "authenticated"),
        (report.TRACED_READ, "traced"),
        (report.TRACED_UNCACHED_READ, "traced-uncached"),
    ]
    by_name = {t.scenario.name: t.scenario for t in reads}
    assert by_name[report.AUTHENTICATED_READ].headers == (("X-API-Key", "secret"),)
    assert "X-API-Key" in by_name[report.AUTHENTICATED_READ].script()
    assert by_name[report.TRACED_READ].paths == by_name[report.CACHED_READ].paths
    assert by_name[report.TRACED_UNCACHED_READ].paths == by_name[report.UNCACHED_READ].paths
    # Reads are public; the service's writes (not the tutorial's) carry the credential.
    assert all(not t.scenario.headers for t in plain)
    assert [(t.scenario.name, t.scenario.headers) for t in writes] == [
        (report.TUTORIAL_CREATE, ()),
        (report.CREATE, (("X-API-Key", "secret"),)),
        (report.UPDATE, (("X-API-Key", "secret"),)),
    ]


def test_round_robins_reach_the_whole_of_a_large_table() -> None:
    ids = list(range(7, 7 + 1_000_000 * 3, 3))
    chosen = spread(ids)
    assert len(chosen) == ROUND_ROBIN_IDS == len(set(chosen))
    assert chosen[0] == ids[0] and chosen[-1] == ids[-1] and chosen == sorted(chosen)
    gaps = {later - earlier for earlier, later in zip(chosen, chosen[1:], strict=False)}
    assert max(gaps) - min(gaps) <= 3  # evenly spaced, to within one id
    assert spread([4, 9]) == [4, 9]
    servers = Servers("ceiling", "floor", "tutorial", "uncached", "service")
    reads, _ = targets(servers, Seeded(ids, ["alpha"], rare="zircon", common="alpha"))
    uncached = next(t.scenario for t in reads if t.scenario.name == report.UNCACHED_READ)
    assert len(uncached.paths) == ROUND_ROBIN_IDS
    deep = next(t.scenario for t in reads if t.scenario.name == report.DEEP_KEYSET)
    assert deep.paths[0] == f"/items?after={ids[900_000]}&per_page=11"


def test_hit_ratio_counts_only_the_lookups_between_two_readings() -> None:
    assert hit_ratio((10.0, 5.0), (13.0, 14.0)) == pytest.approx(0.25)
    assert hit_ratio((2.0, 2.0), (2.0, 2.0)) is None


def test_cache_hits_reads_each_kind_from_one_scrape(monkeypatch: pytest.MonkeyPatch) -> None:
    scrapes: list[tuple[str, float]] = []
    metrics = (
        "# TYPE cache_lookups_total counter\n"
        'cache_lookups_total{kind="item",result="hit"} 7.0\n'
        'cache_lookups_total{kind="item",result="miss"} 3.0\n'
        'cache_lookups_total{kind="list",result="miss"} 5.0\n'
        'cache_lookups_created{kind="item",result="hit"} 1.7e+09\n'
    )
    answer = (200, metrics.encode())

    def scrape(url: str, timeout: float) -> tuple[int, bytes]:
        scrapes.append((url, timeout))
        return answer

    monkeypatch.setattr(measurement, "http_get", scrape)
    assert cache_hits("http://service") == {"item": (7.0, 3.0), "list": (0.0, 5.0)}
    assert [url for url, _ in scrapes] == ["http://service/metrics"]
    assert all(0 < timeout <= 10 for _, timeout in scrapes)
    answer = (503, b"")
    assert cache_hits("http://service") == {"item": (0.0, 0.0), "list": (0.0, 0.0)}


def test_every_bench_setting_names_its_flag_and_help() -> None:
    for setting in fields(BenchSettings):
        assert str(setting.metadata["flag"]).startswith("--")
        assert setting.metadata["help"]


def test_core_plan_keeps_wrk_off_the_server_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.bench.cores.available_cores", lambda: 4)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    assert core_plan(1, pin=True) == ("0", "3")
    assert core_plan(2, pin=True) == ("0-1", "3")
    assert core_plan(8, pin=True) == ("0-3", "3")
    assert core_plan(1, pin=False) == (None, None)


def test_only_servers_on_this_machine_are_pinned() -> None:
    assert local_server("database", "postgresql+asyncpg://u@127.0.0.1:5433/db") == Server(
        "database", 5433
    )
    assert local_server("database", "mariadb+asyncmy://root@localhost/db") == Server(
        "database", 3306
    )
    assert local_server("redis", "redis://127.0.0.1/0") == Server("redis", 6379)
    assert local_server("database", "sqlite+aiosqlite:///./service.db") is None
    assert local_server("database", "postgresql+psycopg://u@db.example.com:5432/db") is None


# A server of the test's own: it listens on a free port and has a child process, as
# PostgreSQL has its backends.
LISTENER = """
import socket, subprocess, sys, time
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(server.getsockname()[1], child.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux and two cores to move a process between",
)
def test_a_server_and_its_children_run_beside_wrk_for_the_run_then_as_before() -> None:
    command = [sys.executable, "-c", LISTENER]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        assert server.stdout is not None
        port, child = map(int, server.stdout.readline().split())
        try:
            before = os.sched_getaffinity(server.pid)
            last = max(before)
            with pinned_beside_wrk([Server("test server", port)], str(last)) as pinning:
                assert pinning is not None
                assert pinning.pinned == [f"test server (:{port})"]
                assert os.sched_getaffinity(server.pid) == {last}
                assert os.sched_getaffinity(child) == {last}
            assert os.sched_getaffinity(server.pid) == before
            assert os.sched_getaffinity(child) == before
        finally:
            os.kill(child, 9)
            server.kill()


def test_a_server_that_cannot_be_found_is_reported_as_left_alone() -> None:
    with contextlib.closing(socket.socket()) as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, not listening
    with pinned_beside_wrk([Server("nothing", port)], "0") as pinning:
        if pinning is not None:
            assert pinning.pinned == []
            assert pinning.left_alone == [f"nothing (:{port}): no process of it visible"]


def _result(name: str, rps: float) -> ScenarioResult:
    return ScenarioResult(name, rps, 1.0, 2.0, 3.0, int(rps), 0, 0)


def _run(workers: int = 1, cache: str = "memory", scale: float = 1.0) -> RunResult:
    return RunResult(
        combination=f"aiosqlite-{cache}-uvicorn",
        cache_backend=cache,
        workers=workers,
        scenarios=[
            _result(report.CACHED_READ, 9000 * scale),
            _result(report.UNCACHED_READ, 3000),
            _result(report.LIST_FILTER, 9500),
            _result(report.LIST_FIRST, 2000),
            _result(report.CREATE, 1200),
        ],
        baselines=[
            _result(report.RAW_ASGI, 40000),
            _result(report.FRAMEWORK_FLOOR, 10000),
            _result(report.TUTORIAL_READ, 1000),
            _result(report.TUTORIAL_LIST, 500),
            _result(report.TUTORIAL_CREATE, 1000),
        ],
        burst=BurstResult(1000, 2.0, 500.0, 50.0, 120.0, 150.0, 3, 0, {"503": 3}, []),
    )


def test_uncached_list_ratios_have_a_target_only_when_their_pages_missed() -> None:
    missed, found = _run(cache="redis"), _run(cache="redis")
    missed.uncached_list_hit_ratio, found.uncached_list_hit_ratio = 0.0, 0.97
    name = "uncached list / tutorial list"
    assert {item.name: item for item in report.run_ratios(missed)}[name].target == 3.0
    assert {item.name: item for item in report.run_ratios(found)}[name].target is None
    assert "measured cached pages" in report.render_markdown([found], {})
    assert "measured cached pages" not in report.render_markdown([missed], {})


def test_ratios_compare_with_the_baselines_of_the_same_run() -> None:
    ratios = {item.name: item for item in report.run_ratios(_run())}
    cached = ratios["cached read / floor"]
    assert cached.value == pytest.approx(0.9) and cached.target == 1.0 and not cached.met
    assert ratios["uncached read / tutorial read"].value == pytest.approx(3.0)
    assert ratios["uncached read / tutorial read"].met
    assert ratios["uncached list / tutorial list"].value == pytest.approx(4.0)
    assert ratios["cached list page / floor"].value == pytest.approx(0.95)
    assert ratios["cached list page / floor"].met
    # A baseline the run did not measure gives no ratio, and no verdict.
    assert ratios["uncached list is_active / tutorial list is_active"].met is None
    assert ratios["create / tutorial create"].value == pytest.approx(1.2)
    assert ratios["create / tutorial create"].met is False
    assert ratios["cached read / ceiling"].target is None
    assert ratios["cached read / ceiling"].met is None
    redis = {item.name: item for item in report.run_ratios(_run(cache="redis"))}
    assert redis["cached read / floor"].target == 0.7
    assert "authenticated cached read / cached read" not in ratios  # not measured
    with_options = _run()
    with_options.scenarios += [
        _result(report.AUTHENTICATED_READ, 8100),
        _result(report.TRACED_UNCACHED_READ, 1500),
    ]
    costs = {item.name: item for item in report.run_ratios(with_options)}
    assert costs["authenticated cached read / cached read"].value == pytest.approx(0.9)
    assert costs["traced uncached read / uncached read"].value == pytest.approx(0.5)
    assert costs["traced uncached read / uncached read"].target is None
    assert "traced cached read / cached read" not in costs
    none = {item.name: item for item in report.run_ratios(_run(cache="none"))}
    assert none["cached read / floor"].target is None
    assert none["cached list page / floor"].target is None


def test_worker_scaling_is_cached_reads_over_one_worker() -> None:
    (scaling,) = report.scaling_ratios([_run(), _run(workers=2, scale=1.5)])
    assert scaling.value == pytest.approx(1.5)
    assert scaling.met is False
    assert report.ratio(1.0, 0.0) is None and report.ratio(None, 2.0) is None


def test_markdown_report_has_the_tables_and_the_settings() -> None:
    text = report.render_markdown([_run()], {"duration_seconds": 5, "versions": {}})
    assert "- duration_seconds: 5" in text
    assert "| scenario | req/s | p50 ms | p99 ms | errors | × floor | rounds, req/s |" in text
    assert "| cached item read | 9,000 | 1.00 | 3.00 | 0 | 0.90 |  |" in text
    missed = "| create / tutorial create | 1.20 | ≥ 2 | **missed** |"
    assert f"| aiosqlite-memory-uvicorn, 1 worker {missed}" in text
    assert "Burst of 1000 concurrent POST /items: 500 req/s" in text and "503: 3" in text


def test_scale_table_sets_each_size_side_by_side() -> None:
    run = _run()
    run.items, run.reference_items = 1_000_000, 10_000
    run.scenarios.append(_result(report.LIST_FIRST, 400))
    run.scenarios.append(_result(report.SEARCH_RARE, 50))
    run.reference = [_result(report.LIST_FIRST, 500), _result(report.SEARCH_RARE, 1000)]
    assert report.scale_rows(run) == [
        [report.LIST_FIRST, "500", "400", "1.00", "1.00", "0.80"],
        [report.SEARCH_RARE, "1,000", "50", "1.00", "1.00", "0.05"],
    ]
    text = report.render_markdown([run], {})
    assert "### aiosqlite-memory-uvicorn, 1 worker: at 10,000 and at 1,000,000 items" in text
    assert "| req/s at 1,000,000 / at 10,000 |" in text
    assert "at 10,000 and at" not in report.render_markdown([_run()], {})


def test_the_median_round_is_kept_with_every_round_rate() -> None:
    rounds = [_result(report.CACHED_READ, rate) for rate in (900.0, 500.0, 700.0, 100.0)]
    chosen = report.median_round(rounds)
    assert chosen.requests_per_second == 500.0
    assert chosen.rounds_rps == (900.0, 500.0, 700.0, 100.0)
    assert report.median_round(rounds[:3]).requests_per_second == 700.0
    with pytest.raises(ValueError, match="no rounds"):
        report.median_round([])


def test_markdown_table_aligns_numbers_right() -> None:
    table = report.markdown_table(["a", "b"], [["x", "1"]])
    assert table.splitlines() == ["| a | b |", "|---|---:|", "| x | 1 |"]


def test_written_results_hold_json_markdown_and_a_chart(tmp_path: Path) -> None:
    paths = report.write_results([_run(), _run(workers=2)], {"connections": 64}, tmp_path)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["settings"] == {"connections": 64}
    assert data["runs"][0]["scenarios"][0]["requests_per_second"] == 9000
    assert {item["name"] for item in data["ratios"]} >= {"cached read / floor"}
    assert paths["chart"].read_bytes().startswith(b"\x89PNG")


class _ProjectThatRecords:
    """Just enough of a Project for drop_bench_keys: it records the commands it is given."""

    def __init__(self, cache_backend: str) -> None:
        self.cache_backend = cache_backend
        self.commands: list[tuple[list[str], Mapping[str, str]]] = []

    def setting(self, name: str, *, env: Mapping[str, str]) -> str:
        return {"redis_url": f"redis://127.0.0.1:6390/{env['REDIS_DB']}"}[name]

    def client(self, name: str, *args: str) -> list[str]:
        return [name, *args]

    def run(self, command: Sequence[str], *, env: Mapping[str, str], what: str) -> str:
        assert what
        self.commands.append((list(command), env))
        return ""


def test_a_redis_run_deletes_the_keys_under_its_prefix_and_others_touch_nothing() -> None:
    env = {"CACHE_KEY_PREFIX": "slipstream-bench-42", "REDIS_DB": "3"}
    redis_project, memory_project = _ProjectThatRecords("redis"), _ProjectThatRecords("memory")
    drop_bench_keys(cast(Project, redis_project), env)
    drop_bench_keys(cast(Project, memory_project), env)
    command = ["redis_keys", "redis://127.0.0.1:6390/3", "slipstream-bench-42-"]
    assert redis_project.commands == [(command, env)]  # the Redis the services reached
    assert memory_project.commands == []


def test_the_bench_deletes_its_redis_keys_and_no_others() -> None:
    """The client the bench runs at the end of a Redis run: every key under the run's
    prefix goes, however many, and no other: not one with a digit more, nor one that the
    prefix's own brackets would match as a glob."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        missing(f"Redis at {url} is not reachable: {error!r}")
    run = f"slipstream-bench-[t]-{os.getpid()}"  # `[t]` would match `t` in a glob
    ours = [f"{run}-service:item:{n}" for n in range(1200)] + [f"{run}-uncached:gen"]
    others = [f"{run}0-service:gen", f"slipstream-bench-t-{os.getpid()}-service:gen"]
    with client:
        try:
            client.mset(dict.fromkeys(ours + others, b"1"))
            script = REPO_ROOT / "generator" / "bench" / "clients" / "redis_keys.py"
            done = subprocess.run(
                [sys.executable, str(script), url, f"{run}-"],
                capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            assert done.stdout.strip() == str(len(ours))
            assert client.exists(*ours) == 0
            assert client.exists(*others) == len(others)
        finally:
            client.delete(*ours, *others)


@pytest.mark.matrix
def test_bench_smoke_run_writes_numbers(tmp_path: Path) -> None:
    """One short run of the default combination with both options (the credential, the OTLP
    sink and their servers): files exist and hold numbers (any numbers), nothing refused."""
    if shutil.which("wrk") is None:
        missing("wrk is not installed; the bench smoke test needs it")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "bench", "aiosqlite-memory-uvicorn-jwt-otlp", "--duration", "2", "--warmup", "0",
            "--items", "200", "--scale-reference", "50", "--burst", "50", "--rounds", "1",
            "--out", str(out),
            "--keep", str(tmp_path / "work"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (run,) = data["runs"]
    names = {scenario["name"] for scenario in run["scenarios"]}
    assert names == {
        report.CACHED_READ, report.UNCACHED_READ, report.LIST_FILTER, report.SEARCH,
        report.CREATE, report.UPDATE, *report.SCALE_SCENARIOS,
        report.AUTHENTICATED_READ, report.TRACED_READ, report.TRACED_UNCACHED_READ,
    }  # fmt: skip
    assert (run["items"], run["reference_items"]) == (200, 50)
    assert {scenario["name"] for scenario in run["reference"]} == set(report.SCALE_SCENARIOS)
    assert {baseline["name"] for baseline in run["baselines"]} == set(report.BASELINES)
    for scenario in run["scenarios"] + run["baselines"] + run["reference"]:
        assert scenario["requests"] > 0
        assert scenario["requests_per_second"] > 0
        # Writes carry the credential, the authenticated read too: nothing is refused.
        assert scenario["non_2xx"] == 0, scenario["name"]
    assert run["burst"]["count"] == 50
    assert isinstance(run["burst"]["p95_ms"], float)
    assert data["settings"]["versions"]["aiosqlite-memory-uvicorn-jwt-otlp"]["pyjwt"]
    assert run["burst"]["non_2xx"] == 0
    markdown = (out / "results.md").read_text(encoding="utf-8")
    assert "| cached item read" in markdown and "cached read / floor" in markdown
    assert "traced uncached read / uncached read" in markdown
    assert "at 50 and at 200 items" in markdown and f"| {report.SEARCH_RARE} |" in markdown
    assert (out / "results.png").read_bytes().startswith(b"\x89PNG")

    # The seeder sets SQLite's search-index triggers aside and rebuilds the index once: it
    # must find exactly what a scan of the stored text finds, and the triggers be back.
    project = load_project(tmp_path / "work" / "aiosqlite-memory-uvicorn-jwt-otlp")
    database = tmp_path / "seeded.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    project.run([str(project.command), "migrate"], env=env, what="migrate")
    project.run(project.client("seed", project.package, "300"), env=env, what="seeding")
    with contextlib.closing(sqlite3.connect(database)) as db:
        common = ("*alpha*",)  # one of the seeder's words
        glob = "SELECT count(*) FROM {} WHERE search_text GLOB ?"
        (indexed,) = db.execute(glob.format("items_search"), common).fetchone()
        (scanned,) = db.execute(glob.format("items"), common).fetchone()
        triggers = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
        assert (indexed, triggers.fetchone()) == (scanned, (3,))
    assert scanned > 0
