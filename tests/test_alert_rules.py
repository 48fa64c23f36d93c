"""The generated alert rules fire where the generated README says, and stay quiet below that:
`promtool test rules` evaluates them on synthetic series, an hour at one sample a minute.

The annotations are left out of the copy under test: promtool compares them word for word,
and they are prose for people; the expressions, `for` durations and labels are what fire.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from pytest_copie.plugin import Copie

from tests.helpers import promtool, rendered

JOB = "stock-keeper"  # the project slug of tests.helpers.PROJECT_NAME
MINUTES = 60
POOL_CAPACITY = 20  # WEB_CONCURRENCY 1 x (POOL_SIZE 20 + MAX_OVERFLOW 0)


def counter(name: str, per_second: float, **labels: str) -> dict[str, str]:
    """A counter growing at `per_second` for the whole hour."""
    selector = ",".join(f'{key}="{value}"' for key, value in {"job": JOB, **labels}.items())
    return {"series": f"{name}{{{selector}}}", "values": f"0+{per_second * 60:g}x{MINUTES}"}


def gauge(name: str, value: float, **labels: str) -> dict[str, str]:
    selector = ",".join(f'{key}="{value}"' for key, value in {"job": JOB, **labels}.items())
    return {"series": f"{name}{{{selector}}}", "values": f"{value:g}x{MINUTES}"}


def requests(status: str, per_second: float) -> dict[str, str]:
    return counter("http_requests_total", per_second, method="GET", route="/items", status=status)


def latency(per_second_under: dict[str, float]) -> list[dict[str, str]]:
    """Histogram buckets of /items from the requests per second below each bound."""
    name = "http_request_duration_seconds_bucket"
    return [
        counter(name, rate, method="GET", route="/items", status="200", le=bound)
        for bound, rate in per_second_under.items()
    ]


def lookups(hits: float, misses: float) -> list[dict[str, str]]:
    return [
        counter("cache_lookups_total", hits, kind="item", result="hit"),
        counter("cache_lookups_total", misses, kind="item", result="miss"),
    ]


def scenario(
    alert: str, at_minute: int, series: list[dict[str, str]], fires: dict[str, str] | None
) -> dict[str, Any]:
    expected = [] if fires is None else [{"exp_labels": {"job": JOB, **fires}}]
    return {
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [
            {"eval_time": f"{at_minute}m", "alertname": alert, "exp_alerts": expected}
        ],
    }


SCENARIOS = [
    # 9% of the answers are 5xx: fires; 2%: quiet.
    scenario(
        "HighServerErrorRate",
        20,
        [requests("200", 1.0), requests("500", 0.1)],
        {"severity": "critical"},
    ),
    scenario("HighServerErrorRate", 20, [requests("200", 1.0), requests("500", 0.02)], None),
    # 10% of the requests take 0.5 s to 1 s: the p99 is above 0.5 s; all under 0.25 s: quiet.
    scenario(
        "HighLatencyP99",
        20,
        latency({"0.25": 9.0, "0.5": 9.0, "1.0": 10.0, "+Inf": 10.0}),
        {"severity": "warning"},
    ),
    scenario("HighLatencyP99", 20, latency({"0.25": 10.0, "0.5": 10.0, "+Inf": 10.0}), None),
    # 17 of 20 connections in use: above 80%; 16: not above.
    scenario(
        "DatabasePoolNearlyExhausted",
        10,
        [gauge("db_pool_connections_checked_out", 0.85 * POOL_CAPACITY, instance="a:8000")],
        {"severity": "warning", "instance": "a:8000"},
    ),
    scenario(
        "DatabasePoolNearlyExhausted",
        10,
        [gauge("db_pool_connections_checked_out", 0.8 * POOL_CAPACITY, instance="a:8000")],
        None,
    ),
    # A sixth of the requests refused with 429: fires; a twentieth: quiet.
    scenario(
        "ManyRateLimitRefusals",
        25,
        [requests("200", 1.0), requests("429", 0.2)],
        {"severity": "warning"},
    ),
    scenario("ManyRateLimitRefusals", 25, [requests("200", 1.0), requests("429", 0.05)], None),
    # A quarter of 2 lookups/s are hits: fires; three quarters, or a quiet cache: quiet.
    scenario("LowCacheHitRatio", 50, lookups(0.5, 1.5), {"severity": "info"}),
    scenario("LowCacheHitRatio", 50, lookups(1.5, 0.5), None),
    scenario("LowCacheHitRatio", 50, lookups(0.1, 0.4), None),
]


def test_alerts_fire_at_their_documented_thresholds(copie_session: Copie, tmp_path: Path) -> None:
    project = rendered(copie_session, cache_backend="memory", include_docker=True)
    rules = yaml.safe_load(
        (project / "deploy" / "prometheus" / "alerts.yaml").read_text(encoding="utf-8")
    )
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert alerts == {test["alert_rule_test"][0]["alertname"] for test in SCENARIOS}
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations")
    (tmp_path / "alerts.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    tests = {"rule_files": ["alerts.yaml"], "evaluation_interval": "1m", "tests": SCENARIOS}
    (tmp_path / "alerts_test.yaml").write_text(yaml.safe_dump(tests), encoding="utf-8")
    checked = subprocess.run(
        [promtool(), "test", "rules", "alerts_test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def setting_default(settings_module: Path, name: str) -> int:
    """The default of a field of the rendered `Settings` (`name: T = 10`, `Field(default=10)`)."""
    for node in ast.walk(ast.parse(settings_module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name:
            value = node.value
            if isinstance(value, ast.Call):
                value = next(kw.value for kw in value.keywords if kw.arg == "default")
            assert isinstance(value, ast.Constant), ast.dump(node)
            assert isinstance(value.value, int), ast.dump(node)
            return value.value
    raise AssertionError(f"no field {name} in {settings_module}")


def test_the_pool_alert_is_at_80_percent_of_the_rendered_default_pools(
    copie_session: Copie,
) -> None:
    # Checked here, against the template's own defaults, rather than in the generated suite,
    # where a user's own pool size would make it fail.
    project = rendered(copie_session, workers=3, include_docker=True)
    settings = next((project / "src").glob("*/core/settings.py"))
    capacity = setting_default(settings, "web_concurrency") * (
        setting_default(settings, "pool_size") + setting_default(settings, "max_overflow")
    )
    rules = yaml.safe_load(
        (project / "deploy" / "prometheus" / "alerts.yaml").read_text(encoding="utf-8")
    )
    (expr,) = [
        rule["expr"]
        for group in rules["groups"]
        for rule in group["rules"]
        if rule["alert"] == "DatabasePoolNearlyExhausted"
    ]
    threshold = re.search(r"> 0\.8 \* (\d+)\s*$", expr)
    assert threshold, expr
    assert int(threshold.group(1)) == capacity
