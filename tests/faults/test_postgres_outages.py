"""PostgreSQL stopped for 1, 10 and 60 s under eight SDK writers: nothing lost, nothing twice, nothing stopped."""

from __future__ import annotations

import time

import pytest

from tests.faults.checks import check_everything, opened
from tests.faults.processes import Servers
from tests.faults.writers import Writers
from tests.support.private_postgres import PrivatePostgres

pytestmark = pytest.mark.postgres

ANSWERS = {200, 503, None}  # acknowledged, refused with Retry-After, or no answer in time (a 500 is a bug)


@pytest.mark.parametrize("seconds", [1, 10, pytest.param(60, marks=pytest.mark.slow)])
def test_an_outage_under_load_loses_nothing_duplicates_nothing_and_stops_nothing(
    seconds: float, private_postgres: PrivatePostgres, servers: Servers
) -> None:
    url = private_postgres.create_database()
    server = servers.start(url)
    assert server.process is not None
    pid = server.process.pid
    writers = Writers(server.base_url).start()
    writers.wait_for(40)
    stopping = time.monotonic()
    private_postgres.stop()
    try:
        time.sleep(seconds)
    finally:
        private_postgres.start()
    restarted = time.monotonic()
    writers.wait_for(40, timeout=120)  # writes are acknowledged again
    writes = writers.stop()
    ledger = writers.ledger
    to_503, to_200 = ledger.first_answer(503, stopping), ledger.first_answer(200, restarted)
    print(  # the figures the README quotes (python -m bench.outage measures them on their own)
        f"{seconds} s outage: first 503 {to_503 if to_503 is None else round(to_503, 2)} s after the stop began,"
        f" first 200 {to_200 if to_200 is None else round(to_200, 2)} s after the restart; {ledger.summary()}"
    )
    assert set(ledger.statuses()) <= ANSWERS, ledger.summary()
    if seconds >= 10:  # the store answered (503) during the outage instead of holding every request
        assert to_503 is not None, ledger.summary()
    assert server.process.poll() is None and server.process.pid == pid  # no restart
    with opened(url) as store:
        check_everything(server, store, writes, writers.thread_ids)
