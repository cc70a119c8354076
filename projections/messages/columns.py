"""A message row's own columns, shared by the live message view and the history's message versions."""

from __future__ import annotations

from projections.storage.sql import Dialect

# In table order, after each table's keys (the message id, its thread, and the view's tenant).
MESSAGE_BODY = (
    "seq",
    "created_at",
    "role",
    "content",
    "attachments",
    "metadata",
    "status",
    "assistant_id",
    "run_id",
    "completed_at",
    "incomplete_at",
    "incomplete_details",
)


def message_body_ddl(dialect: Dialect) -> str:
    """The column definitions of ``MESSAGE_BODY``, each followed by a comma."""
    big, js = dialect.bigint, dialect.json_type
    types = {"seq": f"{big} NOT NULL", "created_at": f"{big} NOT NULL", "role": "TEXT NOT NULL"}
    types |= {c: f"{js} NOT NULL" for c in ("content", "attachments", "metadata")}
    types |= {"status": "TEXT NOT NULL", "assistant_id": "TEXT", "run_id": "TEXT"}
    types |= {"completed_at": big, "incomplete_at": big, "incomplete_details": js}
    return "".join(f" {column} {types[column]}," for column in MESSAGE_BODY)
