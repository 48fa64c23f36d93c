"""Print, as JSON, the versions of Python and of the packages that decide a bench's numbers.

    python versions.py

Run with the benchmarked project's interpreter; a package it lacks is left out.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys

PACKAGES = (
    "fastapi", "starlette", "pydantic", "pydantic-core", "sqlalchemy", "uvicorn", "granian",
    "gunicorn", "uvloop", "httptools", "aiosqlite", "asyncpg", "psycopg", "asyncmy",
    "aiomysql", "redis", "cachetools", "pyjwt", "cryptography", "opentelemetry-sdk",
    "opentelemetry-exporter-otlp-proto-http",
)  # fmt: skip


def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def main() -> None:
    print(json.dumps(versions()))  # noqa: T201 - the command's output


if __name__ == "__main__":
    main()
