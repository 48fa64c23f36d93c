"""Probes and cross-cutting HTTP behaviour."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_liveness(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"


async def test_request_id_is_echoed_or_created(client: httpx.AsyncClient) -> None:
    given = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["x-request-id"] not in {"", "bad id\twith spaces"}
    assert len(made.headers["x-request-id"]) == 32


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    huge = b'{"name": "' + b"x" * (128 * 1024) + b'", "price": "1.00"}'
    response = await client.post(
        "/items", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_openapi_lists_endpoints(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert set(paths) >= {"/health", "/health/ready", "/items", "/items/{item_id}"}
    assert set(paths["/items/{item_id}"]) == {"get", "put", "patch", "delete"}


async def test_metrics_count_requests_cache_lookups_and_pool(client: httpx.AsyncClient) -> None:
    created = await client.post("/items", json={"name": "Counted", "price": "1.00"})
    item_id = created.json()["id"]
    for _ in range(3):
        assert (await client.get(f"/items/{item_id}")).status_code == 200
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert 'http_requests_total{method="GET",route="/items/{item_id}",status="200"} 3.0' in lines
    assert 'http_requests_total{method="POST",route="/items",status="201"} 1.0' in lines
    assert 'cache_lookups_total{kind="item",result="miss"} 1.0' in lines
    assert 'cache_lookups_total{kind="item",result="hit"} 2.0' in lines
    assert "db_pool_connections_checked_out 0.0" in lines
