"""The caller a credential stands for, the scopes the item API knows, and the failures."""

from dataclasses import dataclass
from typing import Protocol

READ_SCOPE = "items:read"
WRITE_SCOPE = "items:write"
DEFAULT_SCOPES = (READ_SCOPE, WRITE_SCOPE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """A verified caller. `subject` names it in rate limiting and logs, never a secret."""

    subject: str
    scopes: frozenset[str]


class AuthenticationError(Exception):
    """A credential was given but is not valid (answered 401, `error="invalid_token"`).

    The message says what is wrong with it and never contains the credential.
    """


class MalformedCredentialsError(AuthenticationError):
    """The Authorization header is not `Bearer <token>` (answered 401, `invalid_request`)."""


class KeysUnavailableError(Exception):
    """The keys that could verify a credential cannot be fetched now (answered 503)."""

    def __init__(self, what: str, retry_after_seconds: int) -> None:
        super().__init__(f"{what} is unavailable; retry later")
        self.retry_after_seconds = retry_after_seconds


class Authenticator(Protocol):
    async def authenticate(self, credential: str) -> Principal:
        """The principal `credential` stands for; raises AuthenticationError or
        KeysUnavailableError."""
        ...

    async def close(self) -> None: ...


def parse_scopes(value: object) -> frozenset[str]:
    """Scopes from a space-separated string (`scope`) or a list of strings (`scp`)."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()
