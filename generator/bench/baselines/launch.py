"""Serve a baseline app with the benchmarked project's own server code and settings.

    python launch.py <project package> <baseline module>

Run with the project's interpreter and this directory on PYTHONPATH (so that worker
processes, which import the app by name, find the baseline module too). The project's
`server.run` then starts its server exactly as `<project> serve` does (same loop, HTTP
parser, worker count, backlog and logging), only with the baseline's `create_app` as the
application factory.
"""

import importlib
import sys


def main():
    package, baseline = sys.argv[1], sys.argv[2]
    server = importlib.import_module(f"{package}.server")
    settings = importlib.import_module(f"{package}.core.settings").get_settings()
    factory = f"{baseline}:create_app"
    server.APP_FACTORY = factory
    try:
        gunicorn_conf = importlib.import_module(f"{package}.gunicorn_conf")
    except ModuleNotFoundError:
        gunicorn_conf = None
    if gunicorn_conf is not None:
        create_app = importlib.import_module(baseline).create_app
        gunicorn_conf.GunicornApplication.load = lambda _self: create_app()
    server.run(settings)


if __name__ == "__main__":
    main()
