"""The application factory: settings in, a FastAPI app serving /v1 out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from api.auth import key_id_secret, keyring_for
from api.console import install_console
from api.docs import install_docs
from api.errors import install_error_handlers
from api.fastpath import FastPath, route_templates
from api.metrics import RequestMetrics, watch_view_reads
from api.middleware import AnswerFailures, Authenticate, ConversationPaths, LimitBody, RequestLog
from api.openapi.document import install_openapi
from api.request_text import check_request_text
from api.responses import JSONBody
from api.routes import analytics, conversations, erasure, history, items, messages, metrics, runtime, stream, threads
from api.settings import Settings
from api.shards import check_placements, combined_readiness, open_shards, open_single
from api.unserved import UnservedPaths
from api.worker import start_in_process_worker
from projections.async_reads import async_reads_for
from projections.shards import Shards
from projections.store import MessageStore

DESCRIPTION = (
    "An event-sourced message store that speaks the OpenAI Assistants Threads and Messages API and the"
    " Conversations API over the same event log. Point the official `openai` SDK at `/v1`."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the store opens when the app starts and closes when it stops."""
    settings = settings or Settings()
    keys = keyring_for(settings)

    shard_map = settings.shard_map()
    if shard_map is not None:
        check_placements(shard_map, keys)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if shard_map is None:
            store = await run_in_threadpool(open_single, settings)
            stores = [store]
        else:  # a store per shard, each with its own reads and worker; requests go by their key's tenant
            shards = await run_in_threadpool(open_shards, settings, shard_map)
            app.state.shards = shards
            store = shards.default()
            stores = [opened for _, opened in shards]
        app.state.store = store
        stops: list[Callable[[], None]] = []
        try:
            for opened in stores:
                reads = async_reads_for(opened.database, opened.view, opened.items, sharded=opened.sharded)
                if reads is not None:  # PostgreSQL: the hottest reads on this event loop, not in threads
                    await reads.open()
                    opened.async_reads = reads
                watch_view_reads(opened)  # msgstore_view_reads{served_by}: where replicas are read
                # The asynchronous projections' worker; with several processes one works, the others stand by.
                if settings.worker:
                    stops.append(start_in_process_worker(opened, settings))
            yield
        finally:
            for stop_worker in stops:
                await run_in_threadpool(stop_worker)
            for opened in stores:
                if opened.async_reads is not None:
                    reads, opened.async_reads = opened.async_reads, None
                    await reads.close()
                await run_in_threadpool(opened.close)

    app = FastAPI(
        title="msgstore",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JSONBody,
        strict_content_type=False,  # a JSON body without a Content-Type header is read as JSON
        dependencies=[Depends(check_request_text)],
        redirect_slashes=False,  # /v1/threads/ is an unknown route (404 with an error body), not a redirect
        docs_url=None,  # /docs and /redoc: install_docs, with their assets served here, not from a CDN
        redoc_url=None,
    )
    app.state.write_settings = settings
    app.state.shards = None  # one database; else the Shards the lifespan opens
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    app.include_router(history.router)  # first: it takes only the point-in-time reads of its paths
    app.include_router(threads.router)
    app.include_router(messages.router)
    app.include_router(runtime.router)
    app.include_router(stream.router)
    app.include_router(conversations.router)
    app.include_router(items.router)
    app.include_router(erasure.router)
    app.include_router(analytics.router)
    app.include_router(metrics.router)
    if settings.console:
        install_console(app, keys, key_id_secret(settings))

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Readiness")
    async def readyz(request: Request) -> JSONBody:
        """The database answers and the views are caught up with the event log."""
        shards: Shards | None = request.app.state.shards
        if shards is None:
            store: MessageStore = request.app.state.store
            report: dict[str, Any] = await run_in_threadpool(store.readiness, settings.ready_max_lag)
        else:  # ready when every shard is
            each = {shard.name: await run_in_threadpool(s.readiness, settings.ready_max_lag) for shard, s in shards}
            report = combined_readiness(each)
        return JSONBody(report, status_code=200 if report["ready"] else 503)

    # Added last, runs first: log everything, then authenticate, then bound the body, then answer failures.
    app.add_middleware(FastPath, routes=route_templates(app))  # innermost: plain hot requests skip the router
    app.add_middleware(ConversationPaths)  # /v1/threads/conv_X… is /v1/threads/thread_X…, fast path included
    app.add_middleware(UnservedPaths)  # runs, assistants, responses…: one clear 404, never a thread called 'runs'
    app.add_middleware(AnswerFailures)
    app.add_middleware(LimitBody, max_bytes=settings.max_body_bytes)
    app.add_middleware(Authenticate, keys=keys)
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestLog)
    return app
