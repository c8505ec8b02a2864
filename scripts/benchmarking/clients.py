"""Several clients asking at once, as people opening their Home tabs at nine o'clock do:
the requests a second the process serves, each client a thread as in `resolve run`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

CLIENTS = 8


def requests_per_second(work: Callable[[], Any], *, clients: int, each: int) -> float:
    """`clients` threads doing `work` `each` times, started together; requests a second."""
    start = threading.Barrier(clients + 1)

    def client() -> None:
        start.wait()
        for _ in range(each):
            work()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return clients * each / (time.perf_counter() - began)


def replayed(engine: Engine, statements: list[tuple[str, Any]]) -> Callable[[], None]:
    """The captured SELECTs replayed bare on a pooled connection: the floor's unit of work."""
    reads = [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]

    def work() -> None:
        with engine.connect() as connection:
            for statement, parameters in reads:
                connection.exec_driver_sql(statement, parameters).fetchall()
            connection.rollback()

    return work
