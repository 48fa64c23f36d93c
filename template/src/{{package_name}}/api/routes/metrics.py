"""Prometheus scrape endpoint."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ...core.metrics import Metrics

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """A plain `def`: merging every worker's files is blocking work for the thread pool."""
    current: Metrics = request.app.state.metrics
    return Response(current.exposition(), media_type=CONTENT_TYPE_LATEST)
