"""Log lines in one schema, as JSON objects or as text, for the server, uvicorn and the worker alike.

Every line has ``event``, ``time`` (UTC, RFC 3339), ``level`` and ``logger``. A structured message (the
request log, the worker's outages: a JSON object) gives its own ``event`` and fields; any other message
is ``event: "log"`` with its text in ``message``; an exception adds ``exception`` (its traceback).
"""

from __future__ import annotations

import logging
import logging.config
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

FORMATS = ("json", "text")
PLAIN = "log"  # the event of a message that is only text
RESERVED = ("time", "level", "logger", "event")


def resolve(log_format: str, stream: TextIO | None = None) -> str:
    """``json`` or ``text``: ``auto`` is text on a terminal and JSON anywhere else (files, pipes, containers)."""
    if log_format in FORMATS:
        return log_format
    if log_format != "auto":
        msg = f"Unknown log format {log_format!r}: use json, text or auto."
        raise ValueError(msg)
    return "text" if (stream or sys.stderr).isatty() else "json"


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The line's fields: event, time, level, logger, then the message's own (or its text), then any exception."""
    line: dict[str, Any] = {
        "event": PLAIN,  # first, so that `grep '^{"event":"request"'` finds a kind of line
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "logger": "uvicorn" if record.name == "uvicorn.error" else record.name,  # its every line, errors or not
    }
    text = record.getMessage()
    structured = _object(text)
    if structured is not None and isinstance(structured.get("event"), str):
        line["event"] = structured["event"]
        line.update({k: v for k, v in structured.items() if k not in RESERVED})
    else:
        line["message"] = text
    if record.exc_info:
        line["exception"] = logging.Formatter().formatException(record.exc_info)
    return line


def _object(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        found = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, dict) else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        return orjson.dumps(fields(record), default=str).decode()


class TextFormatter(logging.Formatter):
    """``time level logger event key=value …`` for people; the same fields as the JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        line = fields(record)
        head = f"{line.pop('time')} {line.pop('level').upper():<7} {line.pop('logger')}"
        event = line.pop("event")
        exception = line.pop("exception", None)
        text = f"{head}  {line.pop('message') if event == PLAIN else event}"
        text += "".join(f" {key}={_text(value)}" for key, value in line.items())
        return text + (f"\n{exception}" if exception else "")


def _text(value: Any) -> str:
    return value if isinstance(value, str) and value and " " not in value else orjson.dumps(value).decode()


def config(level: str, log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for standard error: the root logger and uvicorn's, in one format.

    uvicorn applies it in every server process it starts (``log_config``), so each logs alike.
    """
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    handler = {"class": "logging.StreamHandler", "formatter": "msgstore", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"msgstore": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {"stderr": handler},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {  # uvicorn's own handlers replaced: its lines reach the root's, once
            name: {"handlers": [], "level": level.upper(), "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure(level: str, log_format: str) -> dict[str, Any]:
    """Send this process's logs to standard error in ``log_format``; return the configuration for uvicorn."""
    found = config(level, log_format)
    logging.config.dictConfig(found)
    return found
