"""The bench database, from inside the benchmarked project's environment.

    python database.py --package PKG url SQLITE_FILE DBNAME
    python database.py --package PKG drop URL

`url` prints the project's default DATABASE_URL pointed at SQLITE_FILE (SQLite) or at the
database DBNAME on the same server. `drop` drops URL's database on its server (PostgreSQL,
MySQL/MariaDB); a SQLite file needs nothing, it goes with the bench's directory.

`drop_database` speaks to the server the way the service's own database creation does
(the `postgres` maintenance database, or no database on MySQL). Once the generated
service has a database-admin module, `main`'s drop branch calls that instead:
`admin = importlib.import_module(f"{args.package}.db.admin")` and
`asyncio.run(admin.drop_database(args.url))`, and `drop_database` here goes.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


def bench_url(package: str, sqlite_file: str, database: str) -> URL:
    settings = importlib.import_module(f"{package}.core.settings").Settings
    url = make_url(settings.model_fields["database_url"].default)
    if url.get_backend_name() == "sqlite":
        return url.set(database=sqlite_file)
    return url.set(database=database)


async def drop_database(url: URL) -> None:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return
    quote = '"' if backend == "postgresql" else "`"
    server = url.set(database="postgres" if backend == "postgresql" else "")
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {quote}{url.database}{quote}"))
    finally:
        await engine.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="The bench database of a generated project.")
    parser.add_argument("--package", required=True, help="The project's package name.")
    commands = parser.add_subparsers(dest="command", required=True)
    url = commands.add_parser("url", help="Print the bench database's URL.")
    url.add_argument("sqlite_file")
    url.add_argument("database")
    drop = commands.add_parser("drop", help="Drop the database of URL.")
    drop.add_argument("url")
    return parser


def main() -> None:
    args = _parser().parse_args()
    if args.command == "url":
        url = bench_url(args.package, args.sqlite_file, args.database)
        print(url.render_as_string(hide_password=False))  # noqa: T201 - the command's output
    else:
        asyncio.run(drop_database(make_url(args.url)))


if __name__ == "__main__":
    main()
