"""The console's sign-in: an HttpOnly session cookie naming the API key by a keyed fingerprint, never the key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Annotated

from fastapi import Depends, Request

from api.auth import KeyRing, Principal

COOKIE = "msgstore_console"
PATH = "/console"
LIFETIME_SECONDS = 8 * 3600  # a working day; the cookie also ends with the browser session
_PURPOSE = b"msgstore console session v1"


class LoginRequired(Exception):
    """The request carries no valid console session: sign in first."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class ConsoleSessions:
    """Issues and checks session cookies for the configured keys.

    The cookie holds a fingerprint of the key (an HMAC, so it says nothing of the key), the time it was
    issued and a signature, both under a secret derived from the key-id secret, which every server
    process of a data directory or configuration shares: a session works on any worker and survives
    a restart, and ends when its key is removed from ``MSGSTORE_API_KEYS``, after ``LIFETIME_SECONDS``,
    at sign-out, or when the browser closes.
    """

    def __init__(self, keys: KeyRing, key_id_secret: bytes, lifetime: float = LIFETIME_SECONDS) -> None:
        self._secret = hmac.new(key_id_secret, _PURPOSE, hashlib.sha256).digest()
        self._lifetime = lifetime
        self._keys = keys
        self._principals = {self._fingerprint(key): principal for key, principal in keys}

    def _fingerprint(self, key: str) -> str:
        return _b64(hmac.new(self._secret, b"key:" + key.encode(), hashlib.sha256).digest()[:18])

    def _signature(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, b"cookie:" + payload.encode(), hashlib.sha256).digest())

    def sign_in(self, key: str, now: float | None = None) -> tuple[str, Principal] | None:
        """The cookie value of a new session for ``key``, and its principal; None for an unknown key."""
        principal = self._keys.lookup(key.strip()) if key.strip() else None
        if principal is None:
            return None
        payload = f"{self._fingerprint(key.strip())}.{int(time.time() if now is None else now)}"
        return f"{payload}.{self._signature(payload)}", principal

    def principal(self, cookie: str | None, now: float | None = None) -> Principal | None:
        """Whose session a cookie is, if it is genuine, current and its key still configured."""
        if not cookie or cookie.count(".") != 2:
            return None
        fingerprint, issued, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._signature(f"{fingerprint}.{issued}")):
            return None
        if not issued.isdigit() or (time.time() if now is None else now) - int(issued) > self._lifetime:
            return None
        return self._principals.get(fingerprint)


def console_user(request: Request) -> Principal:
    """The signed-in caller of a console page (else the page answers with the sign-in form)."""
    sessions: ConsoleSessions = request.app.state.console_sessions
    principal = sessions.principal(request.cookies.get(COOKIE))
    if principal is None:
        raise LoginRequired
    request.scope.setdefault("state", {})["principal"] = principal  # the request log names the tenant
    return principal


ConsoleUser = Annotated[Principal, Depends(console_user)]
