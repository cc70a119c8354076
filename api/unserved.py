"""OpenAI routes this server does not serve (runs, assistants, responses…): one clear 404, before the router.

Without it ``POST /v1/threads/runs`` (``client.beta.threads.create_and_run``) would be taken for a
change to a thread called ``runs``, and ``GET /v1/threads/runs/messages`` for that thread's messages.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import APIError, error_response

UNSERVED = re.compile(
    r"/v1/(?:threads/(?:[^/]+/)?runs|assistants|responses|chat/completions|completions|embeddings)(?:/.*)?"
)
NOT_A_MODEL_SERVER = (
    "Invalid URL ({method} {path}): this server stores threads, messages and conversations and does not run"
    " models (no runs, assistants, responses or completions). Use /v1/threads and /v1/conversations."
)


def unserved(method: str, path: str) -> APIError | None:
    """The 404 for a path of an OpenAI API this server does not offer, else None."""
    if UNSERVED.fullmatch(path) is None:
        return None
    return APIError(404, NOT_A_MODEL_SERVER.format(method=method, path=path))


class UnservedPaths:
    """Answers the paths of APIs that run models with the 404 saying what this server is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = unserved(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if error is None:
            await self.app(scope, receive, send)
            return
        await error_response(error)(scope, receive, send)
