"""``claimdesk db …``: the workspace database's schema by hand (upgrade, current, the SQL, a new revision).

Opening a workspace already upgrades its database (:mod:`claims.store.migrations`); these commands
are for a team that upgrades once, before starting the new version's app processes, or whose DBA
wants the SQL first. pyproject.toml registers :data:`db_group` under the ``claimdesk.commands``
entry points, like the lab's groups. Each command reads the settings (``--db`` / ``CLAIMDESK_DB``),
calls one function of the migrations module and prints; errors become ``Error: ...`` and exit 1.
"""

from __future__ import annotations

import click

from claims.cli import CliContext, fail_cleanly, pass_ctx
from claims.store import migrations
from claims.store.database import database_errors, open_engine, safe_url

__all__ = ["db_group"]


@click.group("db")
def db_group() -> None:
    """The workspace database's schema: upgrade it, say where it stands."""


@db_group.command("current")
@pass_ctx
@fail_cleanly
def db_current_cmd(state: CliContext) -> None:
    """Print where the database's schema stands and the newest revision this claimdesk knows (head)."""
    url = state.settings.db_url
    engine = open_engine(url)
    try:
        with database_errors(url), engine.connect() as conn:
            schema = migrations.schema_state(conn)
    finally:
        engine.dispose()
    click.echo(f"database: {safe_url(url)}")
    click.echo(f"schema: {schema.describe()}")
    click.echo(f"head: {migrations.HEAD}")


@db_group.command("upgrade")
@click.option("--sql", "as_sql", is_flag=True,
              help="Print the SQL that upgrades a database of --db's kind to head, instead of running it.")
@click.option("--since", metavar="REVISION", help="With --sql: the revision the database is at now "
                                                  "(default: an empty database).")
@pass_ctx
@fail_cleanly
def db_upgrade_cmd(state: CliContext, as_sql: bool, since: str | None) -> None:
    """Bring the database to the newest schema: create it, adopt one made before migrations, or migrate it.

    Safe while other processes use the same database: the upgrade holds a lock and runs in one
    transaction. A database already upgraded by a newer claimdesk is refused.
    """
    url = state.settings.db_url
    if since and not as_sql:
        raise click.UsageError("--since goes with --sql")
    if as_sql:
        with database_errors(url):
            click.echo(migrations.upgrade_sql(url, since=since), nl=False)
        return
    engine = open_engine(url)
    try:
        with database_errors(url):
            before, after = migrations.upgrade(engine, where=safe_url(url))
    finally:
        engine.dispose()
    if before.revision == after.revision:
        click.echo(f"{safe_url(url)}: already at revision {after.revision} (head)")
    else:
        click.echo(f"{safe_url(url)}: was {before.describe()}; now at revision {after.revision} (head)")


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the schema change is, in a few words.")
@pass_ctx
@fail_cleanly
def db_revision_cmd(state: CliContext, message: str) -> None:
    """For developers: draft a new revision from the difference between --db (at head) and schema.py.

    Point --db at a scratch database (it is upgraded first). Read and edit the file it writes
    before committing it, and move HEAD in claims/store/migrations/__init__.py to its id.
    """
    url = state.settings.db_url
    engine = open_engine(url)
    try:
        with database_errors(url):
            path = migrations.new_revision(engine, message)
    finally:
        engine.dispose()
    click.echo(f"wrote {path}")
