"""Alembic's environment for claimdesk: run migrations on the connection claimdesk hands over.

claimdesk runs Alembic programmatically (:mod:`claims.store.migrations`), so there is no
``alembic.ini``: the caller puts an open connection, already inside the transaction and holding the
migration lock, into ``config.attributes["connection"]``. Offline mode (``claimdesk db upgrade --sql``)
renders the SQL for the URL in ``sqlalchemy.url`` instead of running it.
"""

from __future__ import annotations

from alembic import context

from claims.store.schema import metadata

config = context.config


def _include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    # A PostgreSQL database may hold other applications' tables beside claimdesk's: compare only ours.
    return not (type_ == "table" and reflected and compare_to is None and name not in metadata.tables)


def _skip_empty(context_, revision, directives) -> None:  # noqa: ANN001
    # ``claimdesk db revision`` with schema.py and head in agreement: write no empty draft.
    if directives and directives[0].upgrade_ops.is_empty():
        directives[:] = []


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"}, include_object=_include_object)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata, include_object=_include_object,
                      process_revision_directives=_skip_empty,
                      # SQLite alters a table by copying it: later revisions use op.batch_alter_table.
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
