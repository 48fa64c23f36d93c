"""The security headers of every response: nosniff, Referrer-Policy, X-Frame-Options and a
Content-Security-Policy (API responses are JSON and never framed; the docs page needs the
Swagger UI assets)."""

from collections.abc import Iterable

API_CSP = b"default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    b"frame-ancestors 'none'"
)
_COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
Headers = tuple[tuple[bytes, bytes], ...]


class SecurityHeaders:
    def __init__(self, *, docs_paths: Iterable[str] = ()) -> None:
        self._docs_paths = frozenset(docs_paths)
        self._api = (*_COMMON_HEADERS, (b"content-security-policy", API_CSP))
        self._docs = (*_COMMON_HEADERS, (b"content-security-policy", DOCS_CSP))

    def for_path(self, path: str) -> Headers:
        return self._docs if path in self._docs_paths else self._api
