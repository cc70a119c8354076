"""What a fault must leave true: each acknowledged write once, each refused one absent, projections as fresh builds."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from domain.thread import Thread
from projections.analytics.view import daily_for_all
from projections.projection import ASYNC
from projections.registry import PROJECTIONS
from projections.runners.heartbeat import RUNNING
from projections.runners.status import projection_status
from projections.runners.verify import verify_with_head
from projections.storage.events import EventReader
from projections.store import MessageStore
from tests.faults.writers import Write, sdk_client
from tests.support.sdk import text_of
from tests.support.servers import Server
from tests.support.stores import opened as opened  # the fault tests take it from here
from tests.support.waiting import seconds_until as eventually

TENANT = "alpha"
PAGE = 10_000
AFTER_THE_FAULT = "a write after the fault"  # the write that shows every projection still advancing


@dataclass
class EventLog:
    """The messages the event log holds, by content, and whether every thread's events run 1, 2, … n."""

    contents: Counter[str] = field(default_factory=Counter)
    message_ids: dict[str, str] = field(default_factory=dict)
    messages_created: int = 0
    gaps: list[str] = field(default_factory=list)


def read_log(store: MessageStore) -> EventLog:
    """Read the whole event log (not a projection of it)."""
    log = EventLog()
    versions: dict[str, list[int]] = defaultdict(list)
    for page in EventReader(store.app).pages(0, PAGE):
        for event in page.events:
            versions[str(event.originator_id)].append(event.originator_version)
            if isinstance(event, Thread.MessageCreated):
                text = event.content[0]["text"]["value"] if event.content else ""
                log.contents[text] += 1
                log.message_ids[text] = event.message_id
                log.messages_created += 1
    for stream, numbers in versions.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            log.gaps.append(f"thread {stream}: versions {sorted(numbers)[:5]}… are not 1..{len(numbers)}")
    return log


def listed(base_url: str, thread_ids: Iterable[str]) -> Counter[str]:
    """The messages the API lists in these threads, by content (every page)."""
    found: Counter[str] = Counter()
    with sdk_client(base_url) as client:
        for thread_id in thread_ids:
            for message in client.beta.threads.messages.list(thread_id, limit=100, order="asc"):
                found[text_of(message)] += 1
    return found


def write_problems(writes: list[Write], api: Counter[str], log: EventLog) -> list[str]:
    """Each acknowledged write present once (its id), each refused one absent, each in doubt at most once."""
    problems = []
    for w in writes:
        counts = (api[w.content], log.contents[w.content])
        if w.unexpected:
            problems.append(f"{w.content!r}: the SDK raised {w.error}")
        if w.acknowledged and (counts != (1, 1) or log.message_ids.get(w.content) != w.message_id):
            problems.append(f"acknowledged {w.content!r} ({w.message_id}) is listed/logged {counts} times")
        elif w.refused and counts != (0, 0):
            problems.append(f"refused {w.content!r} ({w.error}) is listed/logged {counts} times")
        elif w.in_doubt and (counts[0] != counts[1] or counts[0] > 1):
            problems.append(f"in doubt {w.content!r} ({w.error}) is listed/logged {counts} times")
    known = {w.content for w in writes}
    tokens = {w.content.split()[0] for w in writes}
    strays = [c for c in log.contents if c.split(" ", 1)[0] in tokens and c not in known]
    problems += [f"{content!r} was recorded but never sent" for content in strays]
    return problems


def projection_problems(store: MessageStore) -> list[str]:
    """Every registered projection equal to a fresh build from the whole log (what ``projections verify`` says)."""
    problems = []
    for target in PROJECTIONS:
        found = verify_with_head(store.database, store.app, target, patience=30)
        if not found.ok:
            problems.append(f"{target.name}: {found.behind} events behind, differs in {found.differences}")
    return problems


def analytics_problems(store: MessageStore, log: EventLog) -> list[str]:
    """The analytics count each message created exactly once."""
    with store.database.read() as curs:
        counted = sum(row["messages_created"] for row in daily_for_all(store.database.dialect, curs, TENANT))
    if counted == log.messages_created:
        return []
    return [f"analytics count {counted} messages, the log holds {log.messages_created}"]


def integrity_problems(store: MessageStore) -> list[str]:
    """SQLite's own check of its file (torn pages, broken indexes); PostgreSQL's WAL leaves nothing to check."""
    if store.database.dialect.name != "sqlite":
        return []
    with store.database.read() as curs:
        found = [row[0] for row in curs.execute("PRAGMA integrity_check").fetchall()]
    return [] if found == ["ok"] else [f"integrity_check: {found[:5]}"]


def caught_up(store: MessageStore) -> bool:
    """Every projection at the log's head, and the worker running."""
    statuses = projection_status(store.database, store.app)
    return all(s.lag_events == 0 and (s.mode != ASYNC or s.runner == RUNNING) for s in statuses)


def advancing(server: Server, store: MessageStore, thread_id: str) -> None:
    """A new write is answered, reaches every projection (the worker applies it), and /readyz says ready."""
    eventually(lambda: httpx.get(server.root + "/readyz", timeout=10).status_code == 200, "/readyz answers 200")
    with sdk_client(server.base_url) as client:
        client.beta.threads.messages.create(thread_id, role="user", content=AFTER_THE_FAULT)
    eventually(lambda: caught_up(store), "every projection applies the write made after the fault")


def check_everything(server: Server, store: MessageStore, writes: list[Write], thread_ids: list[str]) -> EventLog:
    """All of the above, every problem in one failure; returns the log as it was checked."""
    advancing(server, store, thread_ids[0])
    log = read_log(store)
    problems = log.gaps + write_problems(writes, listed(server.base_url, thread_ids), log)
    problems += projection_problems(store) + analytics_problems(store, log) + integrity_problems(store)
    assert not problems, "\n".join(problems[:40])
    return log
