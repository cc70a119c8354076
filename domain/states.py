"""The states of a thread's messages and items, and who acts on a thread."""

from __future__ import annotations

Actor = dict[str, str]
"""Who caused an event: ``{"tenant": …, "key_id": …}`` (never the key itself)."""

DELETED = "deleted"
COMPLETED = "completed"
IN_PROGRESS = "in_progress"
INCOMPLETE = "incomplete"
HIDDEN = "hidden"  # a message item the Assistants API cannot show (role system or developer)
ITEM = "item:"  # + its type: a conversation item other than a message (a function call, reasoning…)
MESSAGE_STATES = (IN_PROGRESS, COMPLETED, INCOMPLETE)
INCOMPLETE_REASONS = ("content_filter", "max_tokens", "run_cancelled", "run_expired", "run_failed")
