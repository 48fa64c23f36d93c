"""Print, as JSON, a credential the benchmarked project accepts: the settings that make the
service accept it (`env`) and the request headers that carry it (`headers`).

    python credentials.py

Run with the project's interpreter in the project's directory (a project rendered with an
`auth` option). The credential is the one the project's own tests make at import
(`tests/credentials.py`, full scope), so the bench and the tests agree on how a credential
is made; it lives only in this run's environment.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path.cwd()))
    credentials = importlib.import_module("tests.credentials")  # the project's, from its directory

    print(json.dumps({"env": credentials.auth_env(), "headers": credentials.AUTH_HEADERS}))  # noqa: T201


if __name__ == "__main__":
    main()
