"""Prometheus metrics of the server processes and the projections."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.metrics import render

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Request counts and latencies by route and status, write batch sizes, projection positions and lags."""
    shards = request.app.state.shards  # with MSGSTORE_SHARDS, every shard's projections, labelled
    named = [(shard.name, store) for shard, store in shards] if shards is not None else []
    body = await run_in_threadpool(render, request.app.state.store, named)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
