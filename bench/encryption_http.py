"""What encryption at rest costs a client: creates and lists over HTTP, a server encrypting and one not, one run.

    python -m bench.encryption_http [--seconds 10] [--clients 8] [--rounds 2] [--database-url postgresql://…]

Each round starts ``msgstore serve`` twice on a fresh SQLite file (or a fresh database of the PostgreSQL
server given), with ``MSGSTORE_ENCRYPTION`` true and false in alternating order, and runs ``--clients``
threads with keep-alive connections: creates for ``--seconds``, then pages of 20 messages of the thread
they wrote for ``--seconds``; the server's CPU per request is read from /proc. Medians of the rounds;
the cost is how many times fewer requests, or more CPU, encrypted takes (1.10: 10%).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.history_bytes import postgres_database
from bench.servers import API_KEY, Server, cpu_seconds

BODY = {"role": "user", "content": "A message of ordinary length, about as long as a user's question. " * 4}


Act = Callable[[httpx.Client, str], None]


def hammer(server: Server, clients: int, seconds: float, act: Act) -> tuple[float, float]:
    """Requests per second of ``clients`` threads calling ``act`` for ``seconds``, and the server's CPU per request.

    The CPU microseconds per request are steadier than the rate on a machine doing other work.
    """
    base = server.url
    done = [0] * clients
    headers = {"Authorization": f"Bearer {API_KEY}", "OpenAI-Beta": "assistants=v2"}

    def client(n: int, thread_id: str) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                act(http, thread_id)
                done[n] += 1

    with httpx.Client(base_url=base, headers=headers) as http:
        threads_ = [http.post("/v1/threads", json={}).json()["id"] for _ in range(clients)]
        for t in threads_:
            for _ in range(40):
                http.post(f"/v1/threads/{t}/messages", json=BODY).raise_for_status()
    workers = [threading.Thread(target=client, args=(n, t)) for n, t in enumerate(threads_)]
    started, cpu = time.monotonic(), cpu_seconds(server.pids())
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    requests = sum(done)
    return requests / (time.monotonic() - started), (cpu_seconds(server.pids()) - cpu) * 1e6 / requests


def create(http: httpx.Client, thread_id: str) -> None:
    http.post(f"/v1/threads/{thread_id}/messages", json=BODY).raise_for_status()


def page(http: httpx.Client, thread_id: str) -> None:
    http.get(f"/v1/threads/{thread_id}/messages", params={"limit": 20}).raise_for_status()


def measure(url: str, encrypt: bool, args: argparse.Namespace, folder: Path) -> dict[str, float]:
    """Creates and pages per second of one server, and its CPU per request."""
    server = Server.store(url, folder, MSGSTORE_ENCRYPTION=str(encrypt).lower()).start()
    try:
        creates, create_cpu = hammer(server, args.clients, args.seconds, create)
        pages, page_cpu = hammer(server, args.clients, args.seconds, page)
        return {
            "creates/s": creates,
            "pages of 20/s": pages,
            "CPU µs/create": create_cpu,
            "CPU µs/page": page_cpu,
        }
    finally:
        server.stop()


def main() -> None:
    """Print the medians and the cost of encryption."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="a temporary database on the local server")
    args = parser.parse_args()
    found: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for n in range(args.rounds):
        for encrypt in (False, True) if n % 2 == 0 else (True, False):
            with tempfile.TemporaryDirectory() as folder:
                if args.postgres:
                    with postgres_database() as url:
                        found[encrypt].append(measure(url, encrypt, args, Path(folder)))
                else:
                    found[encrypt].append(measure(f"sqlite:///{folder}/bench.db", encrypt, args, Path(folder)))
    print(f"\n{'postgres' if args.postgres else 'sqlite'}: {args.clients} clients, {args.seconds:g} s each, "
          f"median of {args.rounds} rounds")
    print(f"{'':16}{'plain':>10}{'encrypted':>11}{'cost':>7}")
    for k in found[False][0]:
        plain = statistics.median(r[k] for r in found[False])
        encrypted = statistics.median(r[k] for r in found[True])
        cost = encrypted / plain if k.startswith("CPU") else plain / encrypted
        print(f"{k:16}{plain:10,.0f}{encrypted:11,.0f}{cost:7.2f}")


if __name__ == "__main__":
    main()
