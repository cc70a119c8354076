"""Retention: threads whose last activity is older than their tenant's period are erased, by the worker's process."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from projections.crypto.keyring import DATA_KEYS_TABLE
from projections.messages.tables import ViewTables
from projections.storage.database import Database
from projections.storage.locks import try_lock
from projections.write.erasures import operator_of

if TYPE_CHECKING:
    from projections.store import MessageStore

log = logging.getLogger("msgstore.retention")

RETENTION_TABLE = "retention_runs"
DEFAULT_TENANT = "default"  # the rule for every tenant not named
UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
PER_PASS = 500  # threads erased per pass at most: a huge backlog is worked off over several passes


class BadRetention(ValueError):
    """MSGSTORE_RETENTION is not a list of ``tenant:period`` rules."""


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each tenant's threads live after their last activity (seconds); ``default`` for the others."""

    periods: dict[str, int]
    default: int | None = None

    @classmethod
    def parse(cls, text: str) -> RetentionPolicy:
        """Read ``acme:90d,default:365d`` (units d, h, m, s)."""
        periods: dict[str, int] = {}
        for rule in filter(None, (part.strip() for part in text.split(","))):
            tenant, _, period = rule.rpartition(":")
            found = re.fullmatch(r"(\d+)([dhms])", period.strip())
            if not tenant or found is None or int(found[1]) == 0:
                raise BadRetention(f"MSGSTORE_RETENTION: {rule!r} is not tenant:period (a period like 90d, 12h, 30m)")
            periods[tenant.strip()] = int(found[1]) * UNITS[found[2]]
        default = periods.pop(DEFAULT_TENANT, None)
        return cls(periods, default)

    def __bool__(self) -> bool:
        return bool(self.periods) or self.default is not None

    def describe(self) -> str:
        """The policy as it was configured."""
        rules = {**self.periods, **({DEFAULT_TENANT: self.default} if self.default is not None else {})}
        return ",".join(f"{t}:{s // 86_400}d" if s % 86_400 == 0 else f"{t}:{s}s" for t, s in rules.items())


def retention_ddl(database: Database) -> str:
    """The table holding the last pass's report."""
    big = database.dialect.bigint
    return (
        f"CREATE TABLE IF NOT EXISTS {RETENTION_TABLE} (name TEXT PRIMARY KEY, policy TEXT NOT NULL,"
        f" last_run_at {big} NOT NULL, last_erased {big} NOT NULL, total_erased {big} NOT NULL)"
    )


class Retention:
    """Erases expired threads, one pass at a time and one process at a time (a lock), reporting each pass."""

    def __init__(self, store: MessageStore, policy: RetentionPolicy, *, interval: float = 3600.0) -> None:
        self.store = store
        self.policy = policy
        self.interval = interval
        with store.database.transaction() as curs:
            curs.execute(retention_ddl(store.database))

    def expired(self, now: int, limit: int = PER_PASS) -> list[tuple[str, str]]:
        """(thread, tenant) of threads past their period and not erased yet, oldest first."""
        database = self.store.database
        q, threads = database.dialect.q, ViewTables(database.dialect).threads
        # Not erased yet: live, or deleted with data keys left (an erased thread is deleted and has none).
        left = f"(deleted_at IS NULL OR EXISTS (SELECT 1 FROM {DATA_KEYS_TABLE} k WHERE k.thread_id = t.thread_id))"
        rules: list[tuple[str, list[Any]]] = [
            ("tenant = %s", [tenant]) for tenant in self.policy.periods
        ]
        found: list[tuple[str, str]] = []
        with database.read() as curs:
            for (where, params), period in zip(rules, self.policy.periods.values(), strict=True):
                sql = f"SELECT thread_id, tenant FROM {threads} t WHERE {where} AND modified_at < %s AND {left}"
                curs.execute(q(sql + " ORDER BY modified_at LIMIT %s"), [*params, now - period, limit])
                found += [(r["thread_id"], r["tenant"]) for r in curs.fetchall()]
            if self.policy.default is not None:
                named = list(self.policy.periods)
                others = f"tenant NOT IN ({', '.join('%s' for _ in named)}) AND " if named else ""
                sql = f"SELECT thread_id, tenant FROM {threads} t WHERE {others}modified_at < %s AND {left}"
                curs.execute(q(sql + " ORDER BY modified_at LIMIT %s"), [*named, now - self.policy.default, limit])
                found += [(r["thread_id"], r["tenant"]) for r in curs.fetchall()]
        return found[:limit]

    def run_once(self, now: int | None = None) -> int | None:
        """Erase what has expired; return how many threads (None if another process is running a pass)."""
        held = try_lock(self.store.database, "retention")
        if held is None:
            return None
        try:
            moment = int(time.time()) if now is None else now
            futures = [
                self.store.erase_thread(operator_of(tenant), thread_id, f"retention ({self.policy.describe()})")
                for thread_id, tenant in self.expired(moment)
            ]
            erased = 0
            for future in futures:
                try:
                    future.result(300)
                    erased += 1
                except Exception as e:  # erased meanwhile, or refused: the next pass sees it again if not
                    log.info("retention: a thread was not erased (%s)", e)
            if erased:
                self.store.flush_erased()
            self._report(moment, erased)
            return erased
        finally:
            held.release()

    def run(self, stopping: threading.Event) -> None:
        """Run a pass every ``interval`` seconds until ``stopping`` is set (errors are logged and retried)."""
        while not stopping.is_set():
            try:
                erased = self.run_once()
                if erased:
                    log.info("retention: erased %d threads", erased)
            except Exception:
                log.exception("retention pass failed")
            stopping.wait(self.interval)

    def _report(self, now: int, erased: int) -> None:
        database = self.store.database
        with database.transaction() as curs:
            curs.execute(
                database.dialect.q(
                    f"INSERT INTO {RETENTION_TABLE} (name, policy, last_run_at, last_erased, total_erased)"
                    " VALUES ('retention', %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET policy = excluded.policy,"
                    f" last_run_at = excluded.last_run_at, last_erased = excluded.last_erased,"
                    f" total_erased = {RETENTION_TABLE}.total_erased + excluded.last_erased"
                ),
                (self.policy.describe(), now, erased, erased),
            )


def retention_status(database: Database) -> dict[str, Any] | None:
    """The last pass's report (policy, when, how many erased, in all), or None if none ran."""
    with database.read() as curs:
        try:
            curs.execute(f"SELECT policy, last_run_at, last_erased, total_erased FROM {RETENTION_TABLE}")
        except Exception:  # no pass ever ran here: the table does not exist
            return None
        row = curs.fetchone()
    return None if row is None else {k: row[k] for k in ("policy", "last_run_at", "last_erased", "total_erased")}
