"""SQLAlchemy's aiosqlite dialect with one trip to the database thread per statement.

aiosqlite runs each sqlite3 call in the connection's own thread and hands the result back to
the event loop. SQLAlchemy's adapter makes four such trips per statement (open a cursor,
execute, fetch the rows, close the cursor); each trip is a queue put, a thread switch and a
wake-up of the event loop, and together they cost far more CPU than SQLite's own work on the
bot's small statements (measured: about 0.27 ms of 0.45 ms per indexed SELECT; see
bench/README.md). Here a statement is one function run in that thread: cursor, execute,
rows, close. Everything else (connecting, commit, rollback, the thread and the pool) is the
aiosqlite dialect's, unchanged; `create_engine` (db/engine.py) picks this dialect for
`sqlite+aiosqlite` URLs.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

DRIVER = "aiosqlite_onehop"

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
            self._outcome(await self._trip(operation, parameters, False))

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        async with self._adapt_connection._execute_mutex:
            self._outcome(await self._trip(operation, seq_of_parameters, True))

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> _Outcome:
        connection = self._connection
        return await connection._execute(  # type: ignore[no-any-return]
            _run, connection._conn, operation, parameters, many
        )

    def nextset(self) -> None:
        raise NotImplementedError("sqlite3 has no further result sets")

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """Commit and rollback skip the trip when sqlite3 has no transaction open. sqlite3 opens
    one only before a write, and its commit() and rollback() do nothing without one; yet the
    pool rolls back every connection it gets back (after each commit: a second trip), and a
    read-only unit of work commits too. aiosqlite's `in_transaction` reads the flag from the
    loop's thread, as aiosqlite itself allows; no statement of this connection is running
    then (SQLAlchemy uses a connection from one task at a time)."""

    __slots__ = ()
    _cursor_cls = OneHopCursor

    def _open(self) -> bool:
        inner = self._connection._connection  # the sqlite3 connection (None once closed)
        return inner is None or inner.in_transaction

    def rollback(self) -> None:
        if self._open():
            super().rollback()

    def commit(self) -> None:
        if self._open():
            super().commit()


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

__all__ = ["DRIVER", "OneHopDialect"]
