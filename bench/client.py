"""A minimal HTTP/1.1 keep-alive client on asyncio streams: cheap enough not to be the bottleneck.

httpx costs several hundred microseconds of CPU per request; on a 2-core machine that would be taken
from the servers being measured. This client only writes a request and reads a Content-Length body.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import orjson


class HTTPFailure(Exception):
    """The connection failed or the server answered in a way this client does not understand."""


@dataclass(frozen=True)
class Reply:
    """Status and body of one response."""

    status: int
    body: bytes

    def json(self) -> object:
        return orjson.loads(self.body)


class Connection:
    """One keep-alive connection to a server; one request at a time."""

    def __init__(self, host: str, port: int, api_key: str) -> None:
        self.host = host
        self.port = port
        self.auth = f"Authorization: Bearer {api_key}\r\n".encode()
        self.head = f"Host: {host}:{port}\r\n".encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(self, method: str, path: str, body: bytes | None = None) -> Reply:
        """Send one request and return its response; reconnects once if the server closed the connection."""
        for attempt in (1, 2):
            try:
                return await self._exchange(method, path, body)
            except (ConnectionError, asyncio.IncompleteReadError, HTTPFailure):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, body: bytes | None) -> Reply:
        reader, writer = await self._connect()
        parts = [f"{method} {path} HTTP/1.1\r\n".encode(), self.head, self.auth]
        if body is not None:
            parts.append(f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode())
            parts.append(body)
        else:
            parts.append(b"\r\n")
        writer.write(b"".join(parts))
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value)
            elif lowered == b"connection" and value.strip().lower() == b"close":
                close = True
        if length is None:
            raise HTTPFailure(f"no Content-Length in response to {method} {path}")
        data = await reader.readexactly(length)
        if close:
            await self.close()
        return Reply(status, data)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None
