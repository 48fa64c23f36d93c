"""How a search reads: `q`, folded as domain/search.py says, looked up in the stored folded
text through each database's own index, in id order."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, Integer, Select, Text, bindparam, column, false, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import FromClause, Join

from ..db.models import items
from ..domain.search import can_match, fold

# The SQLite FTS5 table (trigram tokenizer, case-sensitive) over items.search_text, kept by
# triggers (migration 0002). It answers GLOB through its index when the pattern holds a run
# of at least three characters, and LIKE never, being case-sensitive.
SQLITE_SEARCH_TABLE = "items_search"
_SQLITE_SEARCH = table(
    SQLITE_SEARCH_TABLE, column("rowid", Integer()), column("search_text", Text())
)
TRIGRAM = 3
# The databases whose search reads every row (see `read_for_search`), by dialect name.
_SCANNING_DIALECTS = ("mysql", "mariadb")
_GLOB_SPECIAL = frozenset("*?[")
# The names the search term is bound under, in each form a database looks for it.
_TERM_VALUE, _LIKE_VALUE, _GLOB_VALUE = "search_term", "search_like", "search_glob"


@dataclass(frozen=True)
class Reading:
    """How a read of `items` finds its rows: from `source`, under `conditions`, in the order
    of `key` (the item id, whichever table holds it there); `searching` when it is a search,
    which some databases run with a hint (`read_for_search`).

    The search term is in `values`, bound by name: readings of one `shape` differ in nothing
    else, so a statement built from one serves them all once compiled."""

    source: FromClause
    conditions: tuple[ColumnElement[bool], ...]
    key: ColumnElement[int]
    searching: bool = False
    shape: str = "every item"
    values: Mapping[str, Any] = field(default_factory=dict)

    def read(self, statement: Select[Any]) -> Select[Any]:
        """`statement`, a read of this reading's rows, as the database should run it."""
        return read_for_search(statement) if self.searching else statement


EVERY_ITEM = Reading(items, (), items.c.id)


class _Contains(FunctionElement[bool]):
    """search_text holds the folded term: (search_text, term, LIKE and GLOB patterns).

    Compiled per database: each its index (see `search_reading`) and the patterns it needs.
    """

    type = Boolean()
    inherit_cache = True
    name = "search_contains"
    # A condition as it stands, like a comparison: without this, databases lacking a boolean
    # type get `... = 1` appended.
    _is_implicitly_boolean = True


class _ContainsIndexed(_Contains):
    """The same test, for terms the trigram index can serve."""

    inherit_cache = True
    name = "search_contains_indexed"


class _LeadingJoin(Join):
    """A join SQLite runs in the order written (its CROSS JOIN): the FTS5 table first."""

    inherit_cache = True


def search_reading(q: str, dialect: str) -> Reading:
    """The items whose name or description matches `q`, both folded (domain/search.py), as
    the database named `dialect` finds them best.

    PostgreSQL: LIKE, which the pg_trgm GIN index serves for terms of 3+ characters; shorter
    ones scan with strpos (a trigram index cannot narrow them, and reading all of it is
    slower than the table). MySQL/MariaDB: LIKE on the binary-collated column, a scan.

    SQLite: for terms of 3+ characters, the FTS5 table joined to `items` and read in rowid
    order, which is id order. A page then stops after its last row: a term in 15% of a
    million items costs 1.4 ms, where `id IN (SELECT rowid ... GLOB ...)` collected every
    match and sorted them first (540 ms), and a rare term costs what it did (0.1 ms). Left
    to itself, SQLite's planner walked `items` and asked the FTS5 table about each row (over
    a minute), hence the fixed join order. Shorter terms: GLOB on the column, a scan.
    """
    term = fold(q)
    if not can_match(term):
        return Reading(items, (false(),), items.c.id, searching=True, shape="nothing")
    glob = "*" + "".join(f"[{char}]" if char in _GLOB_SPECIAL else char for char in term) + "*"
    if dialect == "sqlite" and _has_trigram(term):
        fts = _SQLITE_SEARCH
        matches = fts.c.search_text.op("GLOB", is_comparison=True)(bindparam(_GLOB_VALUE, glob))
        source = _LeadingJoin(fts, items, items.c.id == fts.c.rowid)
        return Reading(
            source, (matches,), fts.c.rowid, searching=True, shape="fts", values={_GLOB_VALUE: glob}
        )
    like = "%" + term.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    indexed = _ContainsIndexed if _has_trigram(term) else _Contains
    values = {_TERM_VALUE: term, _LIKE_VALUE: like, _GLOB_VALUE: glob}
    bound: list[ColumnElement[Any]] = [bindparam(name, value) for name, value in values.items()]
    condition = indexed(items.c.search_text, *bound)
    return Reading(
        items, (condition,), items.c.id, searching=True, shape=indexed.name, values=values
    )


def read_for_search(statement: Select[Any]) -> Select[Any]:
    """`statement`, a read of `items` with a search condition, as each database should run
    it. MySQL and MariaDB have no index that serves a substring search, so the search reads
    the rows one by one; their planner walked the `(is_deleted, id)` index and looked each
    row up in the table (4.3 s for a rare term at a million rows on MariaDB), where reading
    the table itself in its primary key's order, which is id order, takes a third of that.
    Other databases ignore the hint."""
    for dialect in _SCANNING_DIALECTS:
        statement = statement.with_hint(items, "FORCE INDEX (PRIMARY)", dialect_name=dialect)
    return statement


def _has_trigram(term: str) -> bool:
    """True when `term` has three consecutive characters no wildcard needs to escape."""
    run = 0
    for char in term:
        run = 0 if char in _GLOB_SPECIAL else run + 1
        if run >= TRIGRAM:
            return True
    return False


def _compiled(
    element: _Contains, compiler: SQLCompiler, *wanted: int, **kw: Any
) -> tuple[str, ...]:
    """The `wanted` arguments of `element`, compiled. Only these: each compiled bind
    parameter is sent with the statement."""
    clauses = list(element.clauses)
    return tuple(compiler.process(clauses[index], **kw) for index in wanted)


_COLUMN, _TERM, _LIKE, _GLOB = range(4)


@compiles(_Contains)
def _like(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    column, like = _compiled(element, compiler, _COLUMN, _LIKE, **kw)
    return f"{column} LIKE {like} ESCAPE '/'"


@compiles(_Contains, "postgresql")
def _strpos(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    column, term = _compiled(element, compiler, _COLUMN, _TERM, **kw)
    return f"strpos({column}, {term}) > 0"


@compiles(_ContainsIndexed, "postgresql")
def _trigram_like(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    # The pattern goes into the statement as a quoted literal, so PostgreSQL plans each search
    # for its own term. A prepared statement's generic plan cannot tell a rare term from a
    # common one and, after five runs, walked the primary key instead of the trigram index:
    # 525 ms instead of 2 ms at 300,000 rows.
    return _like(element, compiler, **{**kw, "literal_execute": True})


@compiles(_Contains, "sqlite")
def _glob(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    column, glob = _compiled(element, compiler, _COLUMN, _GLOB, **kw)
    return f"{column} GLOB {glob}"


@compiles(_LeadingJoin, "sqlite")
def _cross_join(element: _LeadingJoin, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy's own join, with the keyword that fixes the order: its left side is the FTS5
    # table, a bare name, so the first " JOIN " is the join's keyword.
    visit_join: Callable[..., str] = compiler.visit_join
    table, _, joined = visit_join(element, **kw).partition(" JOIN ")
    return f"{table} CROSS JOIN {joined}"
