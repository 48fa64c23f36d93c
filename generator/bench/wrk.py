"""wrk: the Lua scripts that shape each scenario's requests, and the parsing of its results.

Every script ends with the same `done` hook, which prints one line of JSON (prefixed by
`RESULT_MARKER`) with the exact counts and percentiles, so nothing depends on wrk's
human-readable summary and its units.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from generator.errors import SlipstreamError

RESULT_MARKER = "SLIPSTREAM-WRK "

DONE_HOOK = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "status": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "mean_us": %f}\\n',
    "RESULT_MARKER", summary.requests, summary.duration, summary.bytes, e.connect, e.read,
    e.write, e.timeout, e.status, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
""".replace("RESULT_MARKER", RESULT_MARKER)

# Each wrk thread has its own Lua state; `setup` hands each a distinct starting offset so
# threads walk the ids (or paths) in different places. The clock moves every run's start,
# so a measurement does not begin on the ids its own warm-up has just read (and cached).
ROUND_ROBIN = """
local counter = 0
local thread_number = 0
local run_offset = os.time() * 7907
function setup(thread)
  thread:set("offset", run_offset + thread_number * 7919)
  thread_number = thread_number + 1
end
function init(args)
  counter = tonumber(offset) or 0
end
local function next_index(n)
  counter = counter + 1
  return (counter % n) + 1
end
"""


class WrkMissingError(SlipstreamError):
    """wrk, the load generator, is not installed."""


class WrkOutputError(SlipstreamError):
    """wrk ran but did not print the result line its script writes."""


def wrk_executable() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissingError(
            "wrk is not installed (it drives the load): apt-get install wrk, "
            "brew install wrk, or build it from https://github.com/wg/wrk"
        )
    return found


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def _lua_list(values: Sequence[str]) -> str:
    return "{" + ", ".join(_lua_string(value) for value in values) + "}"


def request_script(
    method: str,
    paths: Sequence[str],
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """A script sending `method` to `paths` in turn (round-robin), with an optional body."""
    if not paths:
        raise ValueError("a scenario needs at least one path")
    header_lines = "".join(
        f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}\n"
        for name, value in (headers or {}).items()
    )
    if body is not None:
        header_lines += 'wrk.headers["Content-Type"] = "application/json"\n'
    body_lua = "nil" if body is None else _lua_string(body)
    if len(paths) == 1:
        request = (
            f"local request_bytes = wrk.format({_lua_string(method)}, "
            f"{_lua_string(paths[0])}, nil, {body_lua})\n"
            "function request()\n  return request_bytes\nend\n"
        )
        return header_lines + request + DONE_HOOK
    request = (
        f"local paths = {_lua_list(paths)}\n"
        "function request()\n"
        f"  return wrk.format({_lua_string(method)}, paths[next_index(#paths)], nil, {body_lua})\n"
        "end\n"
    )
    return header_lines + ROUND_ROBIN + request + DONE_HOOK


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run: counts, its real duration, and latency percentiles in microseconds."""

    requests: int
    duration_us: int
    non_2xx: int
    socket_errors: int
    p50_us: float
    p95_us: float
    p99_us: float
    max_us: float
    mean_us: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def parse_wrk_output(output: str) -> WrkResult:
    """The result line written by the script's `done` hook (see `DONE_HOOK`)."""
    for line in reversed(output.splitlines()):
        if line.startswith(RESULT_MARKER):
            try:
                data = json.loads(line[len(RESULT_MARKER) :])
                return WrkResult(
                    requests=int(data["requests"]),
                    duration_us=int(data["duration_us"]),
                    # wrk counts any status >= 400 here ("Non-2xx or 3xx responses").
                    non_2xx=int(data["status"]),
                    socket_errors=sum(
                        int(data[kind]) for kind in ("connect", "read", "write", "timeout")
                    ),
                    p50_us=float(data["p50_us"]),
                    p95_us=float(data["p95_us"]),
                    p99_us=float(data["p99_us"]),
                    max_us=float(data["max_us"]),
                    mean_us=float(data["mean_us"]),
                )
            except (ValueError, KeyError, TypeError) as error:
                raise WrkOutputError(f"unreadable wrk result line: {line!r}") from error
    tail = output.strip()[-2000:]
    raise WrkOutputError(f"wrk printed no result line; its output was:\n{tail}")
