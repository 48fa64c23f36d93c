"""An OTLP/HTTP trace receiver that accepts every export and keeps nothing: the collector of
a traced service under bench, so the exporter's work (encoding, sending) is measured and no
collector's is.

    PORT=4318 python otlp_sink.py

`POST /v1/traces` is answered 200 with an empty ExportTraceServiceResponse (an empty protobuf
message is zero bytes); any other request 404. HTTP/1.1 with keep-alive, as the exporter's
session expects. It runs until it is sent SIGTERM.
"""

from __future__ import annotations

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRACES_PATH = "/v1/traces"


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(200 if self.path == TRACES_PATH else 404)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._answer(404)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Exports come dozens a second; nothing of them is worth a log line."""


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Sink)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
