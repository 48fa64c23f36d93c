"""The bench's keys in Redis, deleted when its run ends.

Every service a run starts takes a key prefix of its own under the run's
(`<CACHE_KEY_PREFIX>-<label>`, project_run.py). Cache entries expire with the cache's TTL,
but the list-generation counters live for days: without this, each run would leave them
in the Redis the project points at.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.bench.project import Project


def drop_bench_keys(project: Project, env: Mapping[str, str]) -> None:
    """Delete the keys of every service started with `env` (nothing without Redis)."""
    if project.cache_backend != "redis":
        return
    url = project.setting("redis_url", env=env)
    prefix = f"{env['CACHE_KEY_PREFIX']}-"
    project.run(
        project.client("redis_keys", url, prefix), env=env, what="deleting the bench's Redis keys"
    )
