"""Alembic environment: always run programmatically with a live connection.

`frameline.store.migrate.upgrade` passes the connection in `config.attributes`,
so the same migrations serve SQLite workspaces and PostgreSQL servers.
"""

from alembic import context

from frameline.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
