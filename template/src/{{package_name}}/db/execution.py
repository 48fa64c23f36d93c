"""Statements run straight on the pool's DBAPI connections, one greenlet per call.

SQLAlchemy builds and compiles each statement (`Prepared`, once per statement shape) and its
pool lends the connections (checkout events, recycling, invalidation, the pool gauge); the
statements themselves go to the driver's cursor, all those of one call inside one greenlet,
without SQLAlchemy's `Connection` and `Result` around them. Profiled on an uncached point
read (one worker under load, asyncpg), the async `Connection` (a greenlet for each checkout,
execute and close, an execution context, events, result objects) cost three times what the
driver itself spent: a read took 420 µs of CPU through it and 100-130 µs here, on every
driver alike (aiosqlite 257 → 75-87 µs, MariaDB 440 → 133-172 µs).

Connections run in autocommit (the engine's isolation level): a read, or a write of one
statement, is that one statement and one round trip, with no BEGIN, COMMIT or ROLLBACK
around it. `Database.transaction` brackets several statements with BEGIN and COMMIT itself.
The pool does not roll connections back as they return (`pool_reset_on_return=None`):
every call ends what it began, and a call that fails half-way, runs out of time or is
cancelled invalidates its connection (closed without a word to the server) instead of
giving it back, so a database that stopped answering never holds a request.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.util import await_, greenlet_spawn

from ..core.deadlines import Deadline
from ..domain.items import ServiceUnavailableError

T = TypeVar("T")
Row = Sequence[Any]
Observer = Callable[[str, Any], AbstractContextManager[object]]
"""Wraps each statement sent (its SQL and parameters): tracing spans, tests that watch."""

# What an unreachable, restarting or saturated database raises. Constraint violations and
# programming errors are not among them: those stay errors (500) and get fixed.
UNAVAILABLE = (
    exc.TimeoutError,  # no pooled connection within pool_timeout
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    OSError,
    TimeoutError,
)
# A call held up past its deadline is cancelled once more this much later. psycopg answers a
# cancellation by asking the server to cancel the query and waiting up to 10 s for it; a
# second one makes it close the connection at once.
INSIST_AFTER_SECONDS = 1.0
# SQLSTATE of a statement the server cancelled (PostgreSQL's statement_timeout).
QUERY_CANCELED = "57014"
# How each database opens a transaction of several statements; SQLite takes its write lock
# at once, so two writers never both hold a read lock they cannot upgrade.
_BEGIN = {"sqlite": "BEGIN IMMEDIATE", "mysql": "START TRANSACTION", "mariadb": "START TRANSACTION"}
NO_VALUES: Mapping[str, Any] = {}
# Key in a pooled connection's `info` (cleared when the connection is invalidated): its cursor.
_CURSOR = "statement_cursor"


class Prepared:
    """A Core statement compiled once for one dialect.

    Values are bound by name at each run, through the column types' own bind processors;
    parameters rendered into the SQL itself (`literal_execute`) are rendered then. Rows are
    read through the types' result processors, chosen once from the first result's
    description (the driver's type codes, which some dialects need to choose).
    """

    __slots__ = (
        "_binders",
        "_compiled",
        "_dialect",
        "_expands",
        "_positional",
        "_readers",
        "_types",
    )

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        # A statement (SELECT, INSERT, UPDATE, DELETE) compiles to an SQLCompiler.
        self._compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self._dialect = dialect
        self._positional = dialect.positional
        binders = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in self._compiled.binds.items()
        }
        self._binders = {name: binder for name, binder in binders.items() if binder is not None}
        # Parameters rendered into the SQL at each run (a search's pattern): SQLAlchemy then
        # rewrites the statement for the values; others skip that (a regex pass each time).
        self._expands = bool(
            self._compiled.literal_execute_params or self._compiled.post_compile_params
        )
        columns = getattr(statement, "exported_columns", ())  # what it returns, if anything
        self._types = tuple(column.type for column in columns)
        self._readers: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None

    def bound(self, values: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL and the parameters as the driver takes them."""
        compiled = self._compiled
        processors = self._binders
        if self._expands:
            state = compiled.construct_expanded_state(values)
            sql, parameters, order = state.statement, state.parameters, state.positiontup
            # The expanded state knows the processors of the parameters it expanded only.
            processors = {**processors, **state.processors}
        else:
            sql, parameters = compiled.string, compiled.construct_params(values)
            order = compiled.positiontup
        if processors:
            parameters = {
                name: processors[name](value) if name in processors else value
                for name, value in parameters.items()
            }
        if self._positional:
            return sql, tuple(parameters[name] for name in order or ())
        return sql, parameters

    def read(self, rows: Sequence[Row], cursor: Any) -> Sequence[Row]:
        """`rows` through the result processors. The first time only, they are chosen from
        the description of `cursor` (None: no description): psycopg builds a new one at
        each ask, which was 4% of an uncached read."""
        readers = self._readers
        if readers is None:
            readers = self._readers = self._readers_for(
                None if cursor is None else cursor.description
            )
        if not readers:
            return rows
        read: list[Row] = []
        for row in rows:
            values = list(row)
            for index, reader in readers:
                values[index] = reader(values[index])
            read.append(values)
        return read

    def _readers_for(self, description: Any) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        found = []
        codes = [column[1] for column in description] if description else [None] * len(self._types)
        for index, (kind, code) in enumerate(zip(self._types, codes, strict=False)):
            reader = kind.dialect_impl(self._dialect).result_processor(self._dialect, code)
            if reader is not None:
                found.append((index, reader))
        return tuple(found)


class Call:
    """The statements of one call, on its pooled connection, inside its greenlet."""

    __slots__ = ("_connection", "_database")

    def __init__(self, database: "Database", connection: PoolProxiedConnection) -> None:
        self._database = database
        self._connection = connection

    def rows(self, prepared: Prepared, values: Mapping[str, Any] = NO_VALUES) -> Sequence[Row]:
        rows, cursor = self._send(self._fetch, *prepared.bound(values))
        return prepared.read(rows, cursor)

    def first(self, prepared: Prepared, values: Mapping[str, Any] = NO_VALUES) -> Row | None:
        rows = self.rows(prepared, values)
        return rows[0] if rows else None

    def scalar(self, prepared: Prepared, values: Mapping[str, Any] = NO_VALUES) -> Any:
        row = self.first(prepared, values)
        return None if row is None else row[0]

    def execute(self, prepared: Prepared, values: Mapping[str, Any] = NO_VALUES) -> int:
        """The number of rows the statement matched."""
        return int(self._send(self._run, *prepared.bound(values)).rowcount)

    def insert(self, prepared: Prepared, values: Mapping[str, Any] = NO_VALUES) -> int:
        """The id of the row inserted (where INSERT cannot return it)."""
        return int(self._send(self._run, *prepared.bound(values)).lastrowid)

    def statement(self, sql: str) -> None:
        """A statement without parameters or rows (BEGIN, COMMIT, ROLLBACK)."""
        self._send(self._run, sql, None)

    def _send(self, send: Callable[[str, Any], T], sql: str, parameters: Any) -> T:
        database = self._database
        try:
            if not database.observers:
                return send(sql, parameters)
            with ExitStack() as observed:
                for observer in database.observers:
                    observed.enter_context(observer(sql, parameters))
                return send(sql, parameters)
        except database.dbapi_error as error:
            cursor = self._connection.info.get(_CURSOR)
            raise database.wrapped(error, sql, parameters, self._connection, cursor) from error

    def _run(self, sql: str, parameters: Any) -> Any:
        """`sql` sent; what tells its rowcount and lastrowid."""
        cursor = self._cursor()
        cursor.execute(sql, parameters)
        return cursor

    def _fetch(self, sql: str, parameters: Any) -> tuple[Sequence[Row], Any]:
        """The rows of `sql`, and the cursor that has their description."""
        cursor = self._run(sql, parameters)
        return cursor.fetchall(), cursor

    def _cursor(self) -> DBAPICursor:
        """The connection's cursor, kept from one call to the next: making and closing one
        costs work on every driver (and a round trip to aiosqlite's thread each)."""
        cursor: DBAPICursor | None = self._connection.info.get(_CURSOR)
        if cursor is None:
            cursor = self._connection.info[_CURSOR] = self._connection.cursor()
        return cursor


class SQLiteCall(Call):
    """On aiosqlite each statement takes one round trip to the connection's thread, where
    its DBAPI cursor's execute and fetch take one each. The rows of a SQLite result need no
    description: SQLite's column types do not depend on one."""

    __slots__ = ()

    def _run(self, sql: str, parameters: Any) -> Any:
        return await_(self._aiosqlite().execute(sql, parameters or ()))

    def _fetch(self, sql: str, parameters: Any) -> tuple[Sequence[Row], Any]:
        return await_(self._aiosqlite().execute_fetchall(sql, parameters or ())), None

    def _aiosqlite(self) -> Any:
        connection = self._connection.driver_connection
        assert connection is not None  # noqa: S101 - a checked-out connection is connected
        return connection


class Database:
    """Runs calls on `engine`'s pooled connections, each within `call_timeout` seconds
    (None: no deadline), as autocommit statements or as one transaction."""

    def __init__(self, engine: AsyncEngine, *, call_timeout: float | None = None) -> None:
        # Its statements commit by themselves only on autocommit connections: on others a
        # write would be rolled back as its connection went back to the pool.
        if getattr(engine.dialect, "_on_connect_isolation_level", "AUTOCOMMIT") != "AUTOCOMMIT":
            raise ValueError("statements need an engine of db.session.create_statement_engine")
        self.engine = engine
        self._sync_engine = engine.sync_engine
        self.dialect = engine.dialect
        self.dbapi_error: type[Exception] = self.dialect.loaded_dbapi.Error
        self._begin = _BEGIN.get(self.dialect.name, "BEGIN")
        self._call_class = SQLiteCall if self.dialect.driver == "aiosqlite" else Call
        self.call_timeout = call_timeout
        self.observers: list[Observer] = []
        # SQLite has one writer at a time. Writers queue here, in order, for at most the pool
        # timeout; left to the database they would poll its lock with growing sleeps
        # (busy_timeout), which cut the create rate and put seconds on the slowest writes.
        self._write_turn = asyncio.Lock() if self.dialect.name == "sqlite" else None
        pool_timeout = getattr(engine.pool, "timeout", None)
        self._write_wait = pool_timeout() if callable(pool_timeout) else None

    def prepare(self, statement: ClauseElement) -> Prepared:
        return Prepared(statement, self.dialect)

    async def run(self, work: Callable[[Call], T], *, write: bool = False) -> T:
        """`work`'s result, each of its statements committed by itself."""
        return await self._call(work, write=write, transaction=False)

    async def transaction(self, work: Callable[[Call], T]) -> T:
        """`work`'s result, its statements committed together, or none of them."""
        return await self._call(work, write=True, transaction=True)

    async def _call(self, work: Callable[[Call], T], *, write: bool, transaction: bool) -> T:
        """Outages, pool exhaustion and a call past its deadline become
        ServiceUnavailableError, which the API answers with 503 and Retry-After; dead
        connections are replaced (db/liveness.py), so the service recovers by itself once
        the database is back."""
        try:
            if self.call_timeout is None:
                return await self._bounded_call(work, write=write, transaction=transaction)
            async with Deadline(self.call_timeout, insist_after=INSIST_AFTER_SECONDS):
                return await self._bounded_call(work, write=write, transaction=transaction)
        except UNAVAILABLE as error:
            raise ServiceUnavailableError("the database") from error
        except exc.DBAPIError as error:
            if not _is_unavailable(error):
                raise
            raise ServiceUnavailableError("the database") from error

    async def _bounded_call(
        self, work: Callable[[Call], T], *, write: bool, transaction: bool
    ) -> T:
        if write and self._write_turn is not None:
            async with self._turn():
                return await greenlet_spawn(self._in_greenlet, work, transaction)
        return await greenlet_spawn(self._in_greenlet, work, transaction)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """The SQLite writer's turn."""
        assert self._write_turn is not None  # noqa: S101 - only called with a turn to take
        async with asyncio.timeout(self._write_wait):
            await self._write_turn.acquire()
        try:
            yield
        finally:
            self._write_turn.release()

    def _in_greenlet(self, work: Callable[[Call], T], transaction: bool) -> T:
        connection = self._checkout()
        try:
            call = self._call_class(self, connection)
            if transaction:
                call.statement(self._begin)
            result = work(call)
            if transaction:
                call.statement("COMMIT")
        except BaseException as error:
            kept = not _must_discard(error) and self._cleaned_up(connection, transaction)
            self._give_back(connection, discard=not kept)
            raise
        # Back to the pool as it is: nothing is left open on it but its cursor, kept for the
        # next call.
        connection.close()
        return result

    def _checkout(self) -> PoolProxiedConnection:
        try:
            return self._sync_engine.raw_connection()
        except self.dbapi_error as error:
            raise self.wrapped(error, None, None, None, None) from error

    def _cleaned_up(self, connection: PoolProxiedConnection, transaction: bool) -> bool:
        """After an error that left the connection usable (a constraint, a bug): its
        transaction rolled back and its cursor closed (the next call makes a new one). False
        if that failed too."""
        try:
            if transaction:
                self._call_class(self, connection).statement("ROLLBACK")
            cursor = connection.info.pop(_CURSOR, None)
            if cursor is not None:
                cursor.close()
        except BaseException:  # noqa: BLE001 - whatever it was, the connection is not trusted
            return False
        return True

    def _give_back(self, connection: PoolProxiedConnection, *, discard: bool) -> None:
        try:
            if discard and connection.is_valid:  # a dropped one was invalidated already
                connection.invalidate()
        finally:
            connection.close()  # after invalidate() no round trip: it only frees the slot

    def wrapped(
        self,
        error: Exception,
        sql: str | None,
        parameters: Any,
        connection: PoolProxiedConnection | None,
        cursor: DBAPICursor | None,
    ) -> exc.StatementError:
        """`error`, a DBAPI error, as SQLAlchemy raises it; a dropped connection also
        invalidates the pool (as SQLAlchemy does), so that after a restart of the database
        every pooled connection is replaced, not only the one that found out."""
        dbapi_connection = None if connection is None else connection.dbapi_connection
        disconnect = dbapi_connection is not None and self.dialect.is_disconnect(
            error,  # type: ignore[arg-type]  # a DBAPI error: the caller caught dbapi_error
            dbapi_connection,
            cursor,
        )
        if disconnect and connection is not None:
            self._sync_engine.pool._invalidate(connection, error)  # noqa: SLF001
        return exc.DBAPIError.instance(
            sql,
            parameters,
            error,
            self.dbapi_error,
            connection_invalidated=disconnect,
            dialect=self.dialect,
        )


def _is_unavailable(error: exc.DBAPIError) -> bool:
    """A statement the server cancelled (statement timeout), or a connection that broke."""
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return sqlstate == QUERY_CANCELED


def _must_discard(error: BaseException) -> bool:
    if isinstance(error, (asyncio.CancelledError, *UNAVAILABLE)):
        return True
    if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit, GeneratorExit
        return True
    return isinstance(error, exc.DBAPIError) and _is_unavailable(error)
