"""The scenarios wrk runs: the service's, and the baselines' on the same paths and bodies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from generator.bench import report
from generator.bench.wrk import request_script

ITEM_BODY = '{"name": "bench item", "description": "created under load", "price": "12.34"}'
PATCH_BODY = '{"price": "10.50"}'
LIST_PAGES = 20

# The uncached read restarts the service with a cache that cannot keep what it loads:
# one entry in memory and a one-second TTL, so a round-robin over the data set misses.
UNCACHED_ENV = {"CACHE_MAX_ENTRIES": "1", "CACHE_TTL_SECONDS": "1"}
# The most ids a round-robin goes through: wrk holds every path of its script in memory, and a
# million of them would cost more to load than the scenario measures.
ROUND_ROBIN_IDS = 10_000


def spread(ids: Sequence[int], most: int = ROUND_ROBIN_IDS) -> list[int]:
    """At most `most` of the ids, evenly spaced from the first to the last, so a round-robin
    still reaches every part of the table."""
    if len(ids) <= most:
        return list(ids)
    step = (len(ids) - 1) / (most - 1)
    return [ids[round(index * step)] for index in range(most)]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    method: str
    paths: tuple[str, ...]
    body: str | None = None
    note: str = ""
    headers: tuple[tuple[str, str], ...] = ()

    def script(self) -> str:
        return request_script(self.method, self.paths, body=self.body, headers=dict(self.headers))


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


# Page sizes the scale scenarios rotate through: distinct list keys, so the uncached service
# (one cache entry) misses, and every request reaches the database.
SCALE_PAGE_SIZES = range(11, 31)
# How deep the keyset page starts: after this share of the seeded ids.
DEEP_SHARE = 0.9


def scale_scenarios(ids: Sequence[int], rare: str, common: str) -> list[Scenario]:
    """The reads whose cost could grow with the table, measured at two sizes of it."""
    deep = ids[int(len(ids) * DEEP_SHARE)] if ids else 0

    def rotating(name: str, query: str, note: str) -> Scenario:
        paths = tuple(f"/items?{query}per_page={size}" for size in SCALE_PAGE_SIZES)
        return Scenario(name, "GET", paths, note=note)

    return [
        rotating(report.LIST_FIRST, "", "counted"),
        rotating(report.LIST_ACTIVE, "is_active=true&", "counted"),
        rotating(report.DEEP_KEYSET, f"after={deep}&", f"after {DEEP_SHARE:.0%} of the ids"),
        rotating(report.SEARCH_RARE, f"q={rare}&", "one item"),
        rotating(report.SEARCH_COMMON, f"q={common}&", "about 15% of the items"),
    ]


def uncached_scenario(ids: Sequence[int]) -> Scenario:
    return Scenario(
        report.UNCACHED_READ,
        "GET",
        tuple(f"/items/{item_id}" for item_id in ids),
        note=f"{len(ids)} ids round-robin",
    )


def ceiling_scenario(item_id: int) -> Scenario:
    return Scenario(report.RAW_ASGI, "GET", (f"/items/{item_id}",))


def floor_scenario(item_id: int) -> Scenario:
    return Scenario(report.FRAMEWORK_FLOOR, "GET", (f"/items/{item_id}",))


def tutorial_read_scenario(ids: Sequence[int]) -> Scenario:
    """The uncached read's round-robin, against the tutorial app."""
    return replace(uncached_scenario(ids), name=report.TUTORIAL_READ)


def tutorial_list_scenarios(ids: Sequence[int]) -> list[Scenario]:
    """The two uncached list scenarios' paths, against the tutorial's list endpoint."""
    by_name = {scenario.name: scenario for scenario in scale_scenarios(ids, "", "")}
    return [
        replace(by_name[report.LIST_FIRST], name=report.TUTORIAL_LIST, note=""),
        replace(by_name[report.LIST_ACTIVE], name=report.TUTORIAL_LIST_ACTIVE, note=""),
    ]


def tutorial_create_scenario() -> Scenario:
    return Scenario(report.TUTORIAL_CREATE, "POST", ("/items",), body=ITEM_BODY)


def authenticated_read_scenario(item_id: int, headers: Mapping[str, str]) -> Scenario:
    """The cached read with the credential, against a service whose reads need one."""
    return Scenario(
        report.AUTHENTICATED_READ,
        "GET",
        (f"/items/{item_id}",),
        note="one id, reads need items:read, one credential repeated",
        headers=tuple(headers.items()),
    )


def traced_scenarios(ids: Sequence[int]) -> tuple[Scenario, Scenario]:
    """(cached, uncached) item reads, against services that sample every request."""
    cached = Scenario(
        report.TRACED_READ, "GET", (f"/items/{ids[0]}",), note="one id, every request"
    )
    uncached = replace(
        uncached_scenario(ids), name=report.TRACED_UNCACHED_READ, note="every request sampled"
    )
    return cached, uncached


def with_headers(scenario: Scenario, headers: Mapping[str, str]) -> Scenario:
    return replace(scenario, headers=tuple(headers.items()))
