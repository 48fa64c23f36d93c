"""A deadline for one awaited call: `asyncio.timeout` in one timer.

The database calls and the Redis commands each run under one, so it is on the path of
nearly every request. `asyncio.timeout` (and, for the database, a second timer to insist)
profiled at 4% of an uncached read; this keeps to one timer handle per call and to a class
(a generator-based context manager costs more). What it raises and uncancels is
`asyncio.timeout`'s: TimeoutError when its own cancellation ended the block, the
cancellation itself when the task was also cancelled from elsewhere.
"""

import asyncio
from typing import Any


class Deadline:
    """`async with Deadline(seconds)`: the block is cancelled after `seconds`, and once more
    `insist_after` seconds later if it has not ended by then (None: once only)."""

    __slots__ = ("_cancelling", "_fired", "_handle", "_insist_after", "_seconds", "_task")

    def __init__(self, seconds: float, *, insist_after: float | None = None) -> None:
        self._seconds = seconds
        self._insist_after = insist_after
        self._fired = 0

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - awaited, so inside a task
        self._task = task
        self._cancelling = task.cancelling()
        self._handle = asyncio.get_running_loop().call_later(self._seconds, self._expire)

    def _expire(self) -> None:
        self._fired += 1
        self._task.cancel()
        if self._fired == 1 and self._insist_after is not None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(self._insist_after, self._expire)

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: Any
    ) -> None:
        self._handle.cancel()
        if not self._fired:
            return
        remaining = self._task.cancelling()
        for _ in range(self._fired):
            remaining = self._task.uncancel()
        if remaining <= self._cancelling and kind is not None:
            if issubclass(kind, asyncio.CancelledError):
                raise TimeoutError from error
