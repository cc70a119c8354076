"""The Conversations API scenarios: items created and listed, each beside the thread-message figure measured first."""

from __future__ import annotations

import httpx
from rich.console import Console
from rich.table import Table

from bench.report import Report, Row, Target
from bench.scenarios import HEADERS, Bench, System
from bench.seed_conversations import BATCH, BATCH_BODY, ITEM_BODY

CLIENTS = 16
MESSAGE_CREATE = "messages: create"
ITEM_CREATE = "items: create 1/request"
BATCH_CREATE = f"items: create {BATCH}/request"
MESSAGE_HEAD, ITEM_HEAD = "messages: list head page", "items: list head page"
MESSAGE_DEEP, ITEM_DEEP = "messages: list deep page", "items: list deep page"
COMPARED = (  # (items' scenario, the thread messages' scenario it is held against, items per request)
    (ITEM_CREATE, MESSAGE_CREATE, 1),
    (BATCH_CREATE, MESSAGE_CREATE, BATCH),
    (ITEM_HEAD, MESSAGE_HEAD, 1),
    (ITEM_DEEP, MESSAGE_DEEP, 1),
)
WITHIN = 0.9  # items within 10% of the thread messages
console = Console(stderr=True)


def conversation_items(bench: Bench) -> None:
    """Items created 1 and 20 per request over many conversations, pages of 20 at the head and deep in a long one.

    16 clients. Each item figure follows the thread-message figure it is compared with, on the same
    system, so that a drift of the machine's load between scenarios does not move their ratio.
    """
    for system in bench.systems():
        if not served(system):
            console.print(f"[yellow]{system.name} does not serve /v1/conversations yet: its item rows are skipped[/]")
            continue
        seeded = system.seeded
        threads = [f"/v1/threads/{t}/messages" for t in seeded.threads]
        conversations = [_items_path(c) for c in seeded.conversations]
        bench.measure(MESSAGE_CREATE, system, bench.http(system, "post", threads), CLIENTS)
        bench.measure(ITEM_CREATE, system, bench.http(system, "post", conversations, body=ITEM_BODY), CLIENTS)
        bench.measure(BATCH_CREATE, system, bench.http(system, "post", conversations, body=BATCH_BODY), CLIENTS)
        messages = f"/v1/threads/{seeded.deep}/messages?limit=20"
        items = _items_path(seeded.deep_conversation) + "?limit=20"
        middle_message = seeded.deep_messages[len(seeded.deep_messages) // 2]
        middle_item = seeded.deep_items[len(seeded.deep_items) // 2]
        for scenario, path in (
            (MESSAGE_HEAD, messages),
            (ITEM_HEAD, items),
            (MESSAGE_DEEP, f"{messages}&after={middle_message}"),
            (ITEM_DEEP, f"{items}&after={middle_item}"),
        ):
            bench.measure(scenario, system, bench.http(system, "get", [path]), CLIENTS)


def served(system: System) -> bool:
    """Whether the system answers the Conversations API's item list (the store's routes may not be there yet)."""
    path = _items_path(system.seeded.deep_conversation) + "?limit=1"
    try:
        reply = httpx.get(system.server.url + path, headers=HEADERS, timeout=30)
    except httpx.HTTPError:
        return False
    return reply.status_code == 200


def _items_path(conversation_id: str) -> str:
    return f"/v1/conversations/{conversation_id}/items"


def _per_second(row: Row | None, per_request: int) -> float | None:
    return row.rate * per_request if row is not None and row.count else None


def _median(row: Row | None) -> float | None:
    return row.median_ms if row is not None and row.count else None


def _divided(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def comparison(report: Report) -> list[list[str]]:
    """Rows of the side-by-side table: each item figure, and its ratios to the baseline and to thread messages."""
    found = []
    for items, messages, per_request in COMPARED:
        rates = {
            target: (
                _per_second(report.find(items, target, CLIENTS), per_request),
                _per_second(report.find(messages, target, CLIENTS), 1),
            )
            for target in ("store", "baseline")
        }
        (store, store_messages), (base, base_messages) = rates["store"], rates["baseline"]
        unit = "items/s" if per_request > 1 else "req/s"
        found.append(
            [
                f"{items} ({unit})",
                _cell(store, ",.0f"),
                _cell(base, ",.0f"),
                _cell(_divided(store, base), ".2f", "x"),
                _cell(_divided(store, store_messages), ".2f", "x"),
                _cell(_divided(base, base_messages), ".2f", "x"),
            ]
        )
    return found


HEADS = ("figure (16 clients)", "store", "baseline", "store ÷ baseline", "store ÷ messages", "baseline ÷ messages")
NOTE = (
    f"Items ÷ messages: each item figure over the thread-message figure measured just before it on the same"
    f" system ({ITEM_CREATE} and {BATCH_CREATE} ÷ {MESSAGE_CREATE}, per item; list pages ÷ the same page of a"
    " thread of as many messages)."
)


def _cell(value: float | None, spec: str, suffix: str = "") -> str:
    return "" if value is None else f"{value:{spec}}{suffix}"


def render_comparison(report: Report, console: Console) -> None:
    """Print the side-by-side table of conversation items and thread messages."""
    table = Table(title="Conversation items beside thread messages (same run)")
    for head in HEADS:
        table.add_column(head, justify="left" if head.startswith("figure") else "right")
    for row in comparison(report):
        table.add_row(*row)
    console.print(table)
    console.print(NOTE)


def markdown_comparison(report: Report) -> str:
    """The same table in Markdown."""
    lines = ["| " + " | ".join(HEADS) + " |", "|:--|" + "--:|" * (len(HEADS) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in comparison(report)]
    return "\n".join([*lines, "", NOTE]) + "\n"


def targets(report: Report, deep_items: int) -> list[Target]:
    """The issue's conversation targets, from the store's rows of this run."""
    found = []
    for items, messages, per_request in COMPARED:
        item_rate = _per_second(report.find(items, "store", CLIENTS), per_request)
        message_rate = _per_second(report.find(messages, "store", CLIENTS), 1)
        basis = "items/s ÷ messages/s" if per_request > 1 else "req/s"
        name = f"{items} ÷ {messages}, {basis}, 16 clients (store)"
        found.append(Target(name, _divided(item_rate, message_rate), WITHIN, True))
    head, deep = (_median(report.find(page, "store", CLIENTS)) for page in (ITEM_HEAD, ITEM_DEEP))
    name = f"items: deep page ÷ head page median, {deep_items:,}-item conversation (store)"
    found.append(Target(name, _divided(deep, head), 1.2, False))
    return found
