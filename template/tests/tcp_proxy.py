"""A TCP proxy the tests can cut, blackhole and restore, to make a real server unreachable
for a while.

It runs in a background thread with its own event loop, so both sync and async tests can
use it. `cut()` closes every open connection and refuses new ones (a prompt failure);
`blackhole()` keeps every connection open and accepts new ones but forwards nothing either
way (a server that stopped answering: the hard case); `restore()` drops what was
blackholed and forwards again. Nothing is mocked: the service talks to the real server
through a real socket.
"""

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

BUFFER_BYTES = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.host = "127.0.0.1"
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._blackholed = False
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]

    def start(self) -> "TcpProxy":
        self._thread.start()
        self.restore()
        return self

    def restore(self) -> None:
        """Forward again (idempotent); connections that were blackholed are dropped."""
        asyncio.run_coroutine_threadsafe(self._restore(), self._loop).result()

    def blackhole(self) -> None:
        """Keep accepting and keep connections open, but forward no byte either way."""
        asyncio.run_coroutine_threadsafe(self._blackhole(), self._loop).result()

    def cut(self) -> None:
        """Stop listening and drop every open connection."""
        asyncio.run_coroutine_threadsafe(self._cut(), self._loop).result()

    def stop(self) -> None:
        self.cut()
        # Connections still being set up or piped end here, inside the loop: a task left
        # pending when the loop closes would be destroyed later, in some other test, with a
        # "coroutine was never awaited" warning.
        asyncio.run_coroutine_threadsafe(self._finish_tasks(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, self.host, self.port, reuse_address=True
            )

    async def _restore(self) -> None:
        if self._blackholed:
            self._blackholed = False
            self._abort_all()
        await self._listen()

    async def _blackhole(self) -> None:
        self._blackholed = True
        await self._listen()

    def _abort_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._abort_all()

    async def _finish_tasks(self) -> None:
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._abort_all()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            if self._blackholed:
                with contextlib.suppress(OSError):
                    while await reader.read(BUFFER_BYTES):  # swallowed; never answered
                        pass
                return
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
            except OSError:
                return
            self._writers.add(upstream_writer)
            await asyncio.gather(
                self._pipe(reader, upstream_writer),
                self._pipe(upstream_reader, writer),
                return_exceptions=True,
            )
        finally:
            # Also when cancelled at stop, before the pipes ran (a connection that was still
            # being opened when the proxy was cut): no transport outlives the proxy, or its
            # writer warns "loop is closed" when collected, in whichever test runs then.
            for end in (writer, upstream_writer):
                if end is not None:
                    self._writers.discard(end)
                    end.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(BUFFER_BYTES):
                if self._blackholed:
                    continue
                writer.write(data)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            writer.transport.abort()


@contextlib.contextmanager
def tcp_proxy(target_host: str, target_port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target_host, target_port).start()
    try:
        yield proxy
    finally:
        proxy.stop()
