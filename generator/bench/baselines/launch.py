"""Serve a baseline app with the benchmarked project's own server code and settings.

    python launch.py <project package> <baseline module>

Run with the project's interpreter and this directory on PYTHONPATH (so that worker
processes, which import the app by name, find the baseline module too). The project's
`server.run` then starts its server exactly as `<project> serve` does (same loop, HTTP
parser, worker count, backlog and logging), only with the baseline's `create_app` as the
application factory. The package name goes to the workers in `PACKAGE_ENV`, for a baseline
that maps the project's table (tutorial_orm).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

PACKAGE_ENV = "SLIPSTREAM_BENCH_PACKAGE"


def main() -> None:
    package, baseline = sys.argv[1], sys.argv[2]
    os.environ[PACKAGE_ENV] = package
    server: Any = importlib.import_module(f"{package}.server")
    settings = importlib.import_module(f"{package}.core.settings").get_settings()
    server.APP_FACTORY = f"{baseline}:create_app"
    try:
        gunicorn_conf = importlib.import_module(f"{package}.gunicorn_conf")
    except ModuleNotFoundError:
        gunicorn_conf = None
    if gunicorn_conf is not None:
        create_app = importlib.import_module(baseline).create_app

        def load(_self: Any) -> Any:
            return create_app()

        gunicorn_conf.GunicornApplication.load = load
    server.run(settings)


if __name__ == "__main__":
    main()
