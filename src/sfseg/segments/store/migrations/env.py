"""Alembic environment of the segments store.

`Store.migrate()` runs Alembic programmatically and hands over its open connection in
`config.attributes["connection"]`; there is no alembic.ini.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from sfseg.segments.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        msg = "the sfseg store migrations run through Store.migrate(), which passes a connection"
        raise RuntimeError(msg)
    _run(connection)


_main()
