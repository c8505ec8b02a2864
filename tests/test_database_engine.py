"""The engine the bot and its commands open PostgreSQL with."""

from __future__ import annotations

from sqlalchemy import text

from bot.database import make_engine
from tests.test_clear_errors import PG


def test_postgresql_connections_never_compile_queries_to_machine_code() -> None:
    """PostgreSQL's JIT compiler spent about 1.3 s of both cores compiling the partnership
    report's main query, which runs in 0.3 s, while `/dispute` requests waited for a core.
    Every connection of the pool is made without it, the first and any opened after."""
    engine = make_engine(f"{PG}/postgres", pool_size=1, max_overflow=1)
    try:
        with engine.connect() as first, engine.connect() as second:
            settings = [c.execute(text("SHOW jit")).scalar() for c in (first, second)]
            # the session setting holds inside transactions, and after one is rolled back
            first.rollback()
            settings.append(first.execute(text("SHOW jit")).scalar())
    finally:
        engine.dispose()
    assert settings == ["off", "off", "off"]
