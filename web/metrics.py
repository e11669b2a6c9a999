"""/metrics for Prometheus: the counters and histograms of core/metrics.py (every worker process's, when there are
several), and the depths of the inbox and the outbox read from the database as it asks. Only with the bearer token
ANTREAN_METRICS_TOKEN: the same app serves Telegram's webhook to the world, and a queue's depth is nobody's business."""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable, Iterable

from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# How many rows wait: read when Prometheus asks (each a count over a partial index).
Depths = Callable[[], Awaitable[dict[str, int]]]


class _Read(Collector):
    """Metrics read once for this answer."""

    def __init__(self, depths: dict[str, int]) -> None:
        self._depths = depths

    def collect(self) -> Iterable[Metric]:
        for name, value in self._depths.items():
            yield GaugeMetricFamily(f"antrean_{name}_depth", f"Rows waiting in the {name}", value=value)


class _Own(Collector):
    """This process's own metrics (a single process: nothing in files)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def metrics_router(token: str | None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    async def scrape(request: Request, authorization: str | None = Header(default=None)) -> Response:
        if token is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "metrics are off: set ANTREAN_METRICS_TOKEN")
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is needed")
        depths: Depths | None = getattr(request.app.state, "depths", None)
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # every process
        else:
            registry.register(_Own())
        if depths is not None:
            registry.register(_Read(await depths()))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
