"""The first pass of an import: every line checked, and its ids against the file and the store, before any write."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api.cli.import_lines import entry_ids, parse_line
from api.cli.transfer import BadLine
from api.errors import APIError
from projections.messages.inventory import Inventory

if TYPE_CHECKING:
    from projections.store import MessageStore

CHECK_EVERY = 1000  # lines whose ids are looked up in the store together
MAX_ERRORS = 20  # lines at fault reported before the check stops


@dataclass
class Survey:
    """What the check found: lines, messages and items, the threads already in the store, and the lines at fault."""

    lines: int = 0
    entries: int = 0
    present: set[str] = field(default_factory=set)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """Whether enough lines at fault were found to stop looking."""
        return len(self.errors) >= MAX_ERRORS


class FileCheck:
    """Checks lines one by one: each as a request would be checked, then its ids.

    A thread id may appear once in a file, a message or item id once in the file and nowhere in the store
    (ids are unique store-wide). A thread already in the store, for the same tenant, is noted as present:
    the import skips it. For another tenant it is a fault.
    """

    def __init__(self, store: MessageStore, tenant: str | None, default_tenant: str) -> None:
        self.store = store
        self.tenant = tenant
        self.default_tenant = default_tenant
        self.inventory = Inventory(store.tables)
        self.survey = Survey()
        self._threads: dict[str, int] = {}  # thread id -> the line it is on
        self._ids: set[str] = set()
        self._pending: list[tuple[int, str, str, list[str]]] = []

    def line(self, number: int, value: Any) -> None:
        """Check one line (``value`` decoded, or a ``BadLine``)."""
        self.survey.lines += 1
        if isinstance(value, BadLine):
            self._fail(number, str(value))
            return
        try:
            thread = parse_line(value, self.tenant, self.default_tenant)
        except APIError as e:
            self._fail(number, e.message)
            return
        first = self._threads.setdefault(thread.thread_id, number)
        if first != number:
            self._fail(number, f"thread '{thread.thread_id}' is on line {first} too (conv_X and thread_X are one).")
            return
        ids = entry_ids(thread)
        repeated = next((i for i in ids if i in self._ids), None)
        if repeated is not None:
            self._fail(number, f"'{repeated}' is already the id of a message or item on an earlier line.")
            return
        self._ids.update(ids)
        self.survey.entries += len(ids)
        self._pending.append((number, thread.thread_id, thread.tenant, ids))
        if len(self._pending) >= CHECK_EVERY:
            self.flush()

    def flush(self) -> Survey:
        """Check the ids of the lines read since the last flush against the store; return the survey so far."""
        pending, self._pending = self._pending, []
        if not pending:
            return self.survey
        with self.store.database.read() as curs:
            owners = self.inventory.owners(curs, [thread_id for _, thread_id, _, _ in pending])
        new: list[tuple[int, list[str]]] = []
        for number, thread_id, tenant, ids in pending:
            owner = owners.get(thread_id)
            if owner is None:
                new.append((number, ids))
            elif owner == tenant:
                self.survey.present.add(thread_id)
            else:
                self._fail(
                    number,
                    f"thread '{thread_id}' is already in this store, for tenant '{owner}': leave the line out,"
                    f" or import it with --tenant {owner}.",
                )
        known = self.store.known_items([i for _, ids in new for i in ids])
        for number, ids in new:
            taken = next((i for i in ids if i in known), None)
            if taken is not None:
                self._fail(number, f"'{taken}' is already the id of a message or item in this store (ids are unique).")
        return self.survey

    def _fail(self, number: int, message: str) -> None:
        self.survey.errors.append((number, message))
