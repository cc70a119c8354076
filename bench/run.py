"""Run the benchmark: ``python -m bench.run`` (quick, a few minutes) or ``python -m bench.run --full``.

Starts the store (``msgstore serve`` plus ``msgstore worker``), the CRUD baseline (uvicorn) and, with
``--sqlite``, the store on SQLite, on scratch databases of one PostgreSQL server; seeds them with the
same data (threads and messages, conversations and items); drives them with the same load generator;
prints one table of every figure with its ratio to the baseline and to PostgreSQL measured in the same
run, conversation items beside thread messages, and whether the issues' targets hold.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console

from bench import conversations, scenarios, streaming
from bench.load import LoadGenerator
from bench.report import Report, Row, markdown, render
from bench.scenarios import Bench, System
from bench.seed import seed_baseline, seed_store
from bench.seed_conversations import seed_baseline_conversations, seed_store_conversations
from bench.servers import Databases, Server, server_version
from bench.targets import targets

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SCENARIOS = {
    "create": scenarios.create_throughput,
    "latency": scenarios.create_latency,
    "list": scenarios.list_pages,
    "retrieve": scenarios.retrieve_throughput,
    "ryw": scenarios.read_your_writes,
    "sqlite": scenarios.sqlite_store,
    "conversations": conversations.conversation_items,
    "streaming": streaming.streaming,
}
console = Console(stderr=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="longer runs, and the 1-million-message memory scenario")
    p.add_argument("--clients", default="1,16,64", help="client counts of the create scenarios (default 1,16,64)")
    p.add_argument("--duration", type=float, help="measured seconds per figure (quick 4, full 10)")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of load before each measurement (default 1)")
    p.add_argument("--only", default=",".join(SCENARIOS), help=f"scenarios to run, of {','.join(SCENARIOS)}")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("MSGSTORE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="server to create scratch databases on (env MSGSTORE_BENCH_POSTGRES_URL)",
    )
    p.add_argument("--deep-messages", type=int, default=100_000, help="messages of the thread listed (100,000)")
    p.add_argument("--long-messages", type=int, default=10_000, help="messages of the thread written to (10,000)")
    p.add_argument("--deep-items", type=int, default=100_000, help="items of the conversation listed (100,000)")
    p.add_argument("--threads", type=int, default=1000, help="short threads (and conversations) written to (1,000)")
    p.add_argument("--rss-messages", type=int, default=1_000_000, help="store size of the memory scenario (--full)")
    p.add_argument(
        "--store-worker",
        choices=("process", "inprocess", "none"),
        default="process",
        help="the projection worker: own process (as docker-compose runs it), inside serve, or none (to compare)",
    )
    p.add_argument("--server-workers", type=int, default=1, help="processes of the store and of the baseline (1)")
    p.add_argument("--repeat", type=int, default=1, help="runs of each scenario; each figure is the median (1)")
    p.add_argument("--generators", type=int, default=2, help="load generator processes (default 2)")
    p.add_argument("--keep", action="store_true", help="keep the scratch databases and logs")
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    p.add_argument("--markdown", type=Path, help="also write the tables to this Markdown file")
    args = p.parse_args(argv)
    args.duration = args.duration or (10.0 if args.full else 4.0)
    args.clients = [int(c) for c in args.clients.split(",") if c]
    args.only = [s for s in args.only.split(",") if s]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def machine(postgres_url: str) -> dict[str, str]:
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")),
        "0",
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "memory": f"{int(memory) / 1024 / 1024:.1f} GiB",
        "postgresql": server_version(postgres_url),
        "python": platform.python_version(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def start_store(url: str, log_dir: Path, mode: str, workers: int = 1) -> tuple[Server, list[Server]]:
    if mode == "inprocess":
        return Server.store(url, log_dir, workers=workers).start(), []
    if mode == "none":  # the asynchronous projections are not kept up to date: for comparison only
        return Server.store(url, log_dir, workers=workers, MSGSTORE_WORKER="false").start(), []
    server = Server.store(url, log_dir, workers=workers, MSGSTORE_WORKER="false").start()
    return server, [Server.projection_worker(url, log_dir).start()]


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    log_dir = Path(tempfile.mkdtemp(prefix="msgstore-bench-"))
    databases = Databases(args.postgres_url, keep=args.keep)
    report = Report(machine(args.postgres_url))
    started = time.monotonic()
    generator = LoadGenerator(args.generators)
    servers: list[Server] = []
    try:
        sizes = {"threads": args.threads, "per_thread": 5, "deep": args.deep_messages, "long": args.long_messages}
        store_url, base_url = databases.create("store"), databases.create("crud")
        console.print(f"Seeding {sizes} into the store and the baseline… (logs: {log_dir})")
        store_seed = seed_store(store_url, **sizes, progress=console.print)
        base_seed = seed_baseline(base_url, **sizes, progress=console.print)
        if "conversations" in args.only:
            items = {"conversations": args.threads, "per_conversation": 5, "deep": args.deep_items}
            console.print(f"Seeding {items} into the store and the baseline…")
            seed_store_conversations(store_url, store_seed, **items, progress=console.print)
            seed_baseline_conversations(base_url, base_seed, **items, progress=console.print)
        store_server, helpers = start_store(store_url, log_dir, args.store_worker, args.server_workers)
        servers += [store_server, *helpers]
        base_server = Server.baseline(base_url, log_dir, workers=args.server_workers).start()
        servers.append(base_server)
        scenarios.wait_caught_up(store_url)
        bench = Bench(
            store=System("store", store_server, store_url, store_seed, helpers),
            baseline=System("baseline", base_server, base_url, base_seed),
            generator=generator,
            report=report,
            warmup=args.warmup,
            duration=args.duration,
            clients=args.clients,
            log_dir=log_dir,
        )
        if "sqlite" in args.only:
            sqlite_url = f"sqlite:///{log_dir / 'sqlite' / 'msgstore.db'}"
            sqlite_seed = seed_store(sqlite_url, threads=200, per_thread=5, deep=0, long=0, progress=console.print)
            sqlite_server, sqlite_helpers = start_store(sqlite_url, log_dir, "inprocess")
            servers += [sqlite_server, *sqlite_helpers]
            bench.sqlite = System("store (SQLite)", sqlite_server, sqlite_url, sqlite_seed, sqlite_helpers)
        for name in args.only:
            for repeat in range(args.repeat):
                console.print(f"[bold]{name}[/] {repeat + 1}/{args.repeat} ({time.monotonic() - started:,.0f} s)")
                SCENARIOS[name](bench)
        if args.full:
            memory(bench, args, servers)
        else:
            scenarios.peak_rss(bench, "end of run")
    finally:
        for server in servers:
            server.stop()
        generator.close()
        databases.drop_all()
        if not args.keep:
            shutil.rmtree(log_dir, ignore_errors=True)
    report.machine["duration"] = f"{time.monotonic() - started:,.0f} s"
    report.machine["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = report.merged()
    checks = targets(report, args.deep_items)
    render(report, checks)
    conversations.render_comparison(report, Console(width=max(Console().width, 150)))
    Console().print("Machine: " + ", ".join(f"{k}: {v}" for k, v in report.machine.items()))
    if args.json:
        args.json.write_text(json.dumps(report.to_json(), indent=2))
    if args.markdown:
        args.markdown.write_text(markdown(report, checks) + "\n" + conversations.markdown_comparison(report))


def memory(bench: Bench, args: argparse.Namespace, servers: list[Server]) -> None:
    """Peak RSS of a fresh store server after the same mixed load, at half of ``--rss-messages`` and at all of it.

    Both stores hold more threads of 100 messages than the writer caches (2,000), so the second figure
    differs from the first only by the size of the store.
    """
    threads: list[str] = []

    def load_to(total: int) -> None:
        more = max(0, total - scenarios.count_messages(bench.store.database_url))
        console.print(f"Loading {more:,} more messages into the store (to {total:,}), 100 per thread…")
        extra = seed_store(
            bench.store.database_url, threads=more // 100, per_thread=100, deep=0, long=0, progress=console.print
        )
        threads.extend(extra.threads)

    def fresh_server_rss(label: str) -> None:
        bench.store.server.stop()
        for helper in bench.store.helpers:
            helper.stop()
        server, helpers = start_store(bench.store.database_url, bench.log_dir, args.store_worker, args.server_workers)
        servers.extend([server, *helpers])
        bench.store.server, bench.store.helpers = server, helpers
        scenarios.wait_caught_up(bench.store.database_url, timeout=3600)
        scenarios.mixed_load(bench, label, threads)
        row = bench.report.add(Row(f"server peak RSS ({label})", "store", value=server.peak_rss_mb(), unit="MB"))
        row.note = f"{scenarios.count_messages(bench.store.database_url):,} messages in the store"
        console.print(f"{row.scenario}: {row.value:,.1f} MB, {row.note}")

    load_to(args.rss_messages // 2)
    fresh_server_rss(f"{args.rss_messages // 2:,} messages")
    load_to(args.rss_messages)
    fresh_server_rss(f"{args.rss_messages:,} messages")


if __name__ == "__main__":
    main()
