"""SQLAlchemy's aiosqlite dialect, with the bot's short statements run on the event loop.

aiosqlite runs each sqlite3 call in the connection's own thread and hands the result back to
the event loop. SQLAlchemy's adapter makes four such trips per statement (open a cursor,
execute, fetch the rows, close the cursor); each trip is a queue put, a thread switch and a
wake-up of the event loop, and together they cost far more CPU than SQLite's own work on the
bot's small statements (bench/README.md). Here a statement is one function, `_run`: cursor,
execute, rows, close; and it runs right on the loop (an indexed SELECT takes SQLite some tens
of microseconds, less than one trip), as do commit and rollback:

- a statement that once took longer than INLINE_LIMIT (planning a broadcast to every
  member, an export) runs in aiosqlite's thread from then on, in one trip, so the loop is not
  held up by it again; `in_thread()` sends a block's statements there from the start;
- a lock held by another connection (another update's write, the broadcaster process) is
  waited for asynchronously: connections have no busy timeout of their own (SQLite's would
  sleep on the loop, and the connection holding the lock could never finish), SQLITE_BUSY is
  retried with short pauses for up to BUSY_WAIT seconds, as busy_timeout did before.

Connecting and closing stay aiosqlite's, in its thread; `create_engine` (db/engine.py) picks
this dialect for `sqlite+aiosqlite` URLs.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

DRIVER = "aiosqlite_onehop"
INLINE_LIMIT = 0.025  # CPU seconds a statement may hold the loop; longer ones go to the thread
BUSY_WAIT = 10.0  # seconds to wait for another connection's lock (was busy_timeout)
FIRST_PAUSE, MAX_PAUSE = 0.001, 0.05

_slow: set[str] = set()  # statements that took longer than INLINE_LIMIT on the loop
_in_thread: ContextVar[bool] = ContextVar("sqlite_in_thread", default=False)


@contextlib.contextmanager
def in_thread() -> Iterator[None]:
    """Statements in this block run in aiosqlite's thread (known long work)."""
    token = _in_thread.set(True)
    try:
        yield
    finally:
        _in_thread.reset(token)


class _Ended:
    """A transaction of this process ended (commit or rollback): what a statement that found
    the lock taken waits for, besides its pause (the lock may be another process's)."""

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def signal(self) -> None:
        future, self._future = self._future, None
        if future is None or future.done():
            return
        with contextlib.suppress(RuntimeError):  # a loop of an earlier run (tests): no waiter
            if future.get_loop() is asyncio.get_running_loop():
                future.set_result(None)

    async def wait(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        if self._future is None or self._future.get_loop() is not loop:
            self._future = loop.create_future()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._future), timeout)


_ended = _Ended()


class _Waiting:
    """How long to pause before trying a statement (or commit) again that found the lock
    taken: 1 ms, doubling to MAX_PAUSE, for BUSY_WAIT seconds in all; any other error, or
    the lock still taken after that, is raised."""

    def __init__(self) -> None:
        self._deadline = 0.0
        self._next = FIRST_PAUSE

    def pause(self, exc: sqlite3.OperationalError) -> float:
        if not _busy(exc):
            raise exc
        now = time.monotonic()
        self._deadline = self._deadline or now + BUSY_WAIT
        if now >= self._deadline:
            raise exc
        pause, self._next = self._next, min(self._next * 2, MAX_PAUSE)
        return pause


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Another connection holds the lock: worth waiting for. Not SQLITE_BUSY_SNAPSHOT (a read
    transaction that cannot become a write one: waiting would not help; busy_timeout did not
    wait for it either)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "database is locked" in str(exc)
    return code & 0xFF == sqlite3.SQLITE_BUSY and code != 517  # SQLITE_BUSY_SNAPSHOT


_Outcome = tuple[Any, list[Any] | None, int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """In the database thread: the whole statement, cursor opened and closed here."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A DBAPI cursor whose statements each take one trip to aiosqlite's thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor: nothing is opened until a statement runs.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = {}
        self._rows: deque[Any] = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        return None  # the cursor was closed in the thread already

    def close(self) -> None:
        self._rows.clear()

    def _outcome(self, outcome: _Outcome) -> None:
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = deque(rows or ())

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        async with self._adapt_connection._execute_mutex:
            self._outcome(await self._statement(operation, parameters, False))

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        async with self._adapt_connection._execute_mutex:
            self._outcome(await self._statement(operation, seq_of_parameters, True))

    async def _statement(self, operation: Any, parameters: Any, many: bool) -> _Outcome:
        """Run it, waiting (without holding the loop) while another connection has the lock."""
        waiting = _Waiting()
        while True:
            try:
                return await self._once(operation, parameters, many)
            except sqlite3.OperationalError as exc:
                pause = waiting.pause(exc)
            await _ended.wait(pause)  # woken when one of ours commits or rolls back

    async def _once(self, operation: Any, parameters: Any, many: bool) -> _Outcome:
        connection = self._connection
        if operation in _slow or _in_thread.get():
            return await connection._execute(  # type: ignore[no-any-return]
                _run, connection._conn, operation, parameters, many
            )
        started = time.thread_time()  # CPU time: a busy machine's preemption does not count
        try:
            return _run(connection._conn, operation, parameters, many)
        finally:
            if time.thread_time() - started > INLINE_LIMIT:
                _slow.add(operation)

    def nextset(self) -> None:
        raise NotImplementedError("sqlite3 has no further result sets")

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """Commit and rollback on the loop, and nothing to do when sqlite3 has no transaction
    open: it opens one only before a write, yet the pool rolls back every connection it gets
    back (after each commit), and a read-only unit of work commits too. SQLAlchemy uses a
    connection from one task at a time, so no statement of it runs in aiosqlite's thread
    meanwhile."""

    __slots__ = ()
    _cursor_cls = OneHopCursor

    def _end(self, how: str) -> None:
        inner = self._connection._connection  # the sqlite3 connection (None once closed)
        if inner is None:
            getattr(super(), how)()  # aiosqlite's own error for a closed connection
            return
        waiting = _Waiting()
        while inner.in_transaction:
            try:
                getattr(inner, how)()
                _ended.signal()
                return
            except sqlite3.OperationalError as exc:
                pause = waiting.pause(exc)
            await_(asyncio.sleep(pause))

    def rollback(self) -> None:
        self._end("rollback")

    def commit(self) -> None:
        self._end("commit")


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


class OneHopDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True
    supports_server_side_cursors = False  # every result is fetched in its one trip

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), sqlite3)


registry.register(f"sqlite.{DRIVER}", __name__, "OneHopDialect")

__all__ = ["DRIVER", "OneHopDialect", "in_thread"]
