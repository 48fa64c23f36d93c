"""Request ids: taken from the request's `X-Request-ID` when well-formed, made otherwise."""

import itertools
import os
import re
from collections.abc import Iterable

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


class RequestIds:
    """A made id is a random per-process prefix and a counter (32 hex digits): unique without
    a uuid4 per request."""

    def __init__(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count(1)

    def of(self, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
        """The id of a request with these `headers`: its own if valid, else a new one."""
        for name, value in headers:
            if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value):
                return value
        return f"{self._prefix}{next(self._counter):016x}".encode()
