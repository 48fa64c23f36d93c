"""The directory prometheus_client's multiprocess mode keeps each worker's values in.

Nothing here imports prometheus_client: `PROMETHEUS_MULTIPROC_DIR` has to be set before the
workers import it, and with forked workers what the server process imported is what they
have.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
PACKAGE = __name__.partition(".")[0]


def prepare_metrics_dir() -> Path | None:
    """Point prometheus_client's multiprocess mode at an empty directory.

    An existing `PROMETHEUS_MULTIPROC_DIR` is emptied (values of an earlier run would be added
    to this run's); without one a temporary directory is made, and returned for removal.
    """
    configured = os.environ.get(MULTIPROCESS_DIR_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink(missing_ok=True)
        return None
    created = Path(tempfile.mkdtemp(prefix=f"{PACKAGE}-metrics-"))
    os.environ[MULTIPROCESS_DIR_ENV] = str(created)
    return created


@contextmanager
def metrics_dir(*, needed: bool) -> Iterator[None]:
    """Multiprocess metrics for the server's lifetime, if `needed` or configured."""
    owner = os.getpid()
    created = prepare_metrics_dir() if needed or os.environ.get(MULTIPROCESS_DIR_ENV) else None
    try:
        yield
    finally:
        # Forked workers unwind through here as well; only the process that made it removes it.
        if created is not None and os.getpid() == owner:
            shutil.rmtree(created, ignore_errors=True)
