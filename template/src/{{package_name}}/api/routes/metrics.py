"""Prometheus scrape endpoint, open by default or behind a bearer token (METRICS_TOKEN)."""

import hmac

from fastapi import APIRouter, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST

from ...core.metrics import Metrics
from ..errors import problem_response

router = APIRouter(tags=["metrics"])


def scrape_allowed(authorization: str | None, token: str | None) -> bool:
    """Without a token every scrape is allowed; with one, only `Bearer <token>`."""
    if token is None:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("latin-1", "replace"), token.encode()
    )


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """A plain `def`: merging every worker's files is blocking work for the thread pool."""
    secret = request.app.state.settings.metrics_token
    token = None if secret is None else secret.get_secret_value()
    if not scrape_allowed(request.headers.get("authorization"), token):
        return problem_response(
            request.scope,
            status.HTTP_401_UNAUTHORIZED,
            "Send METRICS_TOKEN as a bearer token",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    current: Metrics = request.app.state.metrics
    return Response(current.exposition(), media_type=CONTENT_TYPE_LATEST)
