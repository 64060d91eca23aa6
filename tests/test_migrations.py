"""Schema migrations (claims/store/migrations): new, legacy, older and newer databases, on SQLite and PostgreSQL.

The check that matters most for every later change: a database migrated to head has exactly the
schema of ``claims/store/schema.py`` (Alembic's ``compare_metadata`` finds no difference), so a change
to schema.py without a revision fails here.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from claims.cli import main
from claims.errors import StoreError
from claims.models import AuditKind
from claims.store import Store, migrations
from claims.store.schema import metadata
from conftest import PG_URL, TEST_USERS, add_test_users
from test_store import add_doc

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_url(request, tmp_path) -> Iterator[Callable[[], str]]:
    """Makes URLs of new, empty databases: SQLite files in tmp_path, or PostgreSQL schemas (dropped after)."""
    if request.param == "sqlite":
        yield lambda: f"sqlite:///{tmp_path / uuid.uuid4().hex[:8]}.db"
        return
    first = request.getfixturevalue("pg_url")  # skips when no server answers
    admin = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    made: list[str] = []

    def make() -> str:
        if not made:
            made.append("")
            return first
        schema = f"claimdesk_test_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        return f"{PG_URL}?options=-csearch_path%3D{schema}"

    yield make
    with admin.begin() as conn:
        for schema in made[1:]:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _differences(engine: sa.Engine, target: sa.MetaData = metadata) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), target)


def _revision(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return []
        return [r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))]


def _tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def _shape(engine: sa.Engine) -> dict[str, dict]:
    """Every table's columns, keys, indexes and foreign keys as the database reports them."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        return {
            table: {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
                "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in inspector.get_indexes(table)),
                "foreign keys": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                                        tuple(f["referred_columns"]), (f.get("options") or {}).get("ondelete"))
                                       for f in inspector.get_foreign_keys(table)),
            }
            for table in sorted(inspector.get_table_names()) if table != "alembic_version"
        }


def _make_legacy(url: str, *, without: tuple[str, ...] = ()) -> sa.Engine:
    """A workspace as claimdesk made it before migrations: ``create_all`` of the baseline's tables and
    the meta row (``without`` leaves out tables added later in that era)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    tables = [t for t in metadata.sorted_tables if t.name in migrations._BASELINE_TABLES and t.name not in without]
    metadata.create_all(engine, tables=tables)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO claimdesk_meta (key, value) VALUES ('schema_version', '1')"))
    return engine


def _set_revision(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


# -- the revisions -------------------------------------------------------------------------------


def test_head_and_baseline_are_alembics_own():
    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert script.get_heads() == [migrations.HEAD], "move HEAD in claims/store/migrations to the new revision"
    assert script.get_bases() == [migrations.BASELINE]


def test_the_migrations_ship_inside_the_package():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"claims.store.migrations"' in pyproject and '"claims.store.migrations.versions"' in pyproject
    assert not (Path.cwd() / "alembic.ini").exists()  # nothing is read from the working directory


# -- new databases -------------------------------------------------------------------------------


def test_a_new_database_gets_exactly_the_schema_of_schema_py(new_url):
    store = Store(new_url())
    try:
        assert _revision(store.engine) == [migrations.HEAD]
        # A change to schema.py without a revision that makes it shows up here.
        assert _differences(store.engine) == []
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT value FROM claimdesk_meta WHERE key = 'schema_version'")
                                ).scalar() == "1"
    finally:
        store.dispose()


def test_the_migrated_schema_is_the_one_create_all_makes(new_url):
    store = Store(new_url())
    made = sa.create_engine(new_url(), poolclass=sa.pool.NullPool)
    try:
        metadata.create_all(made)
        assert _shape(store.engine) == _shape(made)
        assert _differences(made) == []
    finally:
        store.dispose()
        made.dispose()


def test_the_comparison_would_see_a_schema_change(tmp_path):
    """The check above can fail: schema.py with one more column, or one more table, differs from head."""
    store = Store(f"sqlite:///{tmp_path / 'ws.db'}")
    try:
        changed = sa.MetaData()
        for table in metadata.sorted_tables:
            table.to_metadata(changed)
        changed.tables["statements"].append_column(sa.Column("language", sa.String(8)))
        sa.Table("notes", changed, sa.Column("id", sa.Integer, primary_key=True))
        kinds = sorted(d[0] for d in _differences(store.engine, changed))
        assert kinds == ["add_column", "add_table"]
    finally:
        store.dispose()


def test_opening_a_database_at_head_needs_no_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    Store(url).dispose()
    code = ("import sys; from claims.store import Store; s = Store(sys.argv[1]); "
            "print('alembic' in sys.modules, s.count_rows()['documents'])")
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "0"]


# -- databases made before migrations --------------------------------------------------------------


@pytest.mark.parametrize("without", [(), ("match_judgements",)], ids=["last", "before-judgements"])
def test_a_database_made_before_migrations_is_adopted(new_url, without):
    url = new_url()
    legacy = _make_legacy(url, without=without)
    assert _revision(legacy) == [] and _differences(legacy) != []
    store = Store(url)
    try:
        assert _revision(store.engine) == [migrations.HEAD]
        assert _differences(store.engine) == []
        add_test_users(store)  # and it works as a workspace
    finally:
        store.dispose()
        legacy.dispose()


def test_adoption_keeps_the_data_and_ends_at_head(new_url):
    url = new_url()
    legacy = _make_legacy(url, without=("match_judgements",))
    with legacy.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (name, role, password_hash, created_at) "
                             "VALUES ('old', 'admin', 'x', CURRENT_TIMESTAMP)"))
    store = Store(url)
    try:
        assert _revision(store.engine) == [migrations.HEAD]
        assert _differences(store.engine) == []  # match_judgements and every later table were added
        assert store.users.by_name("old") is not None
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM claimdesk_meta")).scalar() == 1
    finally:
        store.dispose()
        legacy.dispose()


def test_a_legacy_database_opened_without_create_is_refused_and_left_alone(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    legacy = _make_legacy(url)
    if migrations.BASELINE == migrations.HEAD:
        pytest.skip("with one revision a legacy database is current")
    with pytest.raises(StoreError, match=r"is from before migrations \(schema_version 1\): .* it was opened "
                                         r"without creating or upgrading anything: run `claimdesk db upgrade` first"):
        Store(url, create=False)
    assert _revision(legacy) == [] and "alembic_version" not in _tables(legacy)
    legacy.dispose()


def test_a_legacy_database_with_another_schema_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    legacy = _make_legacy(url)
    with legacy.begin() as conn:
        conn.execute(sa.text("UPDATE claimdesk_meta SET value = '7'"))
    with pytest.raises(StoreError, match="says schema_version '7'"):
        Store(url)
    assert "alembic_version" not in _tables(legacy)
    legacy.dispose()


# -- older, newer and foreign databases ----------------------------------------------------------------


def test_an_older_revision_is_upgraded(new_url):
    url = new_url()
    Store(url).dispose()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), migrations.BASELINE)
    assert _revision(engine) == [migrations.BASELINE]
    if migrations.BASELINE != migrations.HEAD:
        assert _differences(engine) != []
        with pytest.raises(StoreError, match=rf"is at revision {migrations.BASELINE} \(head is {migrations.HEAD}\)"):
            Store(url, create=False)
    Store(url).dispose()
    assert _revision(engine) == [migrations.HEAD] and _differences(engine) == []
    engine.dispose()


def test_0003_folds_per_claim_export_rows_into_one_row_per_export_and_back(new_url):
    url = new_url()
    store = Store(url)
    add_doc(store, *(f"Claim {i} is {i}." for i in range(6)))
    ids = [c.id for c in store.documents.list_claims()]
    with store.transaction() as conn:
        store.audit.record(conn, AuditKind.INGESTED, "ana", [(i, {}) for i in ids])
    store.dispose()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "0002")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    first, second = now + dt.timedelta(hours=1), now + dt.timedelta(hours=2)  # after the claims were added
    written = [(i, "ana", '{"format": "csv"}', first) for i in ids] + \
              [(i, "ben", '{"format": "jsonl"}', second) for i in ids[2:4]]
    with engine.begin() as conn:  # the rows claimdesk wrote before 0003, one per claim per export
        conn.execute(sa.text("INSERT INTO audit (claim_id, event, actor, detail, created_at) "
                             "VALUES (:c, 'exported', :a, :d, :t)"),
                     [{"c": c, "a": a, "d": d, "t": t} for c, a, d, t in written])
    store = Store(url)  # upgrades to head
    try:
        assert _revision(store.engine) == [migrations.HEAD] and _differences(store.engine) == []
        trail = [(k, a, d) for _, k, a, _, d in store.audit.for_claims([ids[2]])]
        assert trail == [(AuditKind.INGESTED, "ana", {}), (AuditKind.EXPORTED, "ana", {"format": "csv"}),
                         (AuditKind.EXPORTED, "ben", {"format": "jsonl"})]
        assert [(r.actor, r.format, r.claims, r.at) for r in store.audit.recent_exports()] == [
            ("ben", "jsonl", 2, second), ("ana", "csv", 6, first)]
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM audit WHERE event = 'exported'")).scalar() == 0
    finally:
        store.dispose()
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "0002")
    with engine.connect() as conn:
        back = conn.execute(sa.text("SELECT claim_id, actor, detail FROM audit WHERE event = 'exported' "
                                    "ORDER BY created_at, claim_id")).all()
        assert [tuple(r) for r in back] == [(c, a, d) for c, a, d, _ in written]
        assert not sa.inspect(conn).has_table("exports")
    engine.dispose()


@pytest.mark.parametrize("create", [True, False])
def test_a_database_from_a_newer_claimdesk_is_refused_naming_its_revision(new_url, create):
    url = new_url()
    Store(url).dispose()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    _set_revision(engine, "9f3e_from_the_future")
    with pytest.raises(StoreError, match=r"is at schema revision '9f3e_from_the_future', which this claimdesk "
                                         r"does not know .*Upgrade claimdesk to open it"):
        Store(url, create=create)
    assert _revision(engine) == ["9f3e_from_the_future"]
    engine.dispose()


def test_an_empty_database_opened_without_create_is_refused_and_left_empty(new_url):
    url = new_url()
    with pytest.raises(StoreError, match=r"is empty: an upgrade creates the schema .*run `claimdesk db upgrade` first"):
        Store(url, create=False)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    assert _tables(engine) == set()
    engine.dispose()


def test_a_database_with_our_table_names_but_not_ours_is_refused(new_url):
    url = new_url()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE documents (id INTEGER PRIMARY KEY, body TEXT)"))
        conn.execute(sa.text("CREATE TABLE inventory (id INTEGER PRIMARY KEY)"))
    with pytest.raises(StoreError, match="is not a claimdesk workspace: it has the tables documents but no "
                                         "claimdesk_meta"):
        Store(url)
    assert _tables(engine) == {"documents", "inventory"}
    engine.dispose()


def test_other_applications_tables_are_left_alone(new_url):
    url = new_url()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE inventory (id INTEGER PRIMARY KEY)"))
    Store(url).dispose()
    assert "inventory" in _tables(engine) and _revision(engine) == [migrations.HEAD]
    engine.dispose()


# -- several openers at once ---------------------------------------------------------------------

_OPENER = textwrap.dedent("""
    import json, sys, time
    from claims.store import Store
    url, start = sys.argv[1], float(sys.argv[2])
    time.sleep(max(0.0, start - time.time()))
    try:
        Store(url).dispose()
        print(json.dumps({"ok": True}))
    except Exception as exc:
        print(json.dumps({"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}))
""")


@pytest.mark.slow  # four interpreters start; no model
def test_several_processes_open_a_new_database_at_once(new_url):
    url = new_url()
    start = time.time() + 4.0  # every process has imported everything by then
    procs = [subprocess.Popen([sys.executable, "-c", _OPENER, url, str(start)], stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert results == [{"ok": True}] * 4, results
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    assert _revision(engine) == [migrations.HEAD] and _differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM claimdesk_meta")).scalar() == 1
    engine.dispose()


def test_several_threads_open_a_new_database_at_once(new_url):
    url = new_url()
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        barrier.wait()
        try:
            Store(url).dispose()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    assert _revision(engine) == [migrations.HEAD]
    engine.dispose()


# -- claimdesk db ------------------------------------------------------------------------------------


def _db(*args: str, db: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", db, "db", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_db_current_and_upgrade_adopt_a_legacy_workspace(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _make_legacy(url, without=("match_judgements",)).dispose()
    legacy = (f"from before migrations (schema_version 1): an upgrade adopts it at revision "
              f"{migrations.BASELINE}, then migrates it to head ({migrations.HEAD})")
    assert _db("current", db=url) == (0, f"database: {url}\nschema: {legacy}\nhead: {migrations.HEAD}\n")
    code, out = _db("upgrade", db=url)
    assert (code, out) == (0, f"{url}: was {legacy}; now at revision {migrations.HEAD} (head)\n")
    assert _db("upgrade", db=url) == (0, f"{url}: already at revision {migrations.HEAD} (head)\n")
    assert _db("current", db=url)[1].splitlines()[1] == f"schema: at revision {migrations.HEAD} (head)"
    store = Store(url, create=False)
    assert _differences(store.engine) == []
    store.dispose()


def test_db_upgrade_refuses_a_newer_database_with_exit_1(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    store = Store(url)
    _set_revision(store.engine, "ffff")
    store.dispose()
    code, out = _db("upgrade", db=url)
    assert code == 1 and out.startswith(f"Error: the workspace database {url} is at schema revision 'ffff'")
    assert _db("current", db=url) == (0, f"database: {url}\nschema: at revision ffff, unknown to this claimdesk "
                                         f"(its head is {migrations.HEAD})\nhead: {migrations.HEAD}\n")


def test_db_upgrade_sql_prints_the_schema_without_touching_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'none.db'}"
    code, out = _db("upgrade", "--sql", db=url)
    assert code == 0
    assert "CREATE TABLE alembic_version" in out and "CREATE TABLE match_judgements" in out
    assert f"UPDATE alembic_version SET version_num='{migrations.HEAD}'" in out or \
        f"INSERT INTO alembic_version (version_num) VALUES ('{migrations.HEAD}')" in out
    assert not (tmp_path / "none.db").exists()
    pg = _db("upgrade", "--sql", db="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert pg[0] == 0 and "SERIAL" in pg[1]  # rendered for PostgreSQL without a server
    since = _db("upgrade", "--sql", "--since", migrations.BASELINE, db=url)
    assert since[0] == 0 and "CREATE TABLE documents" not in since[1]
    code, out = _db("upgrade", "--sql", "--since", "zzz", db=url)
    assert code == 1 and out.startswith(f"Error: no schema revision 'zzz': this claimdesk knows {migrations.BASELINE}, ")
    assert out.endswith(f"{migrations.HEAD}\n")


def test_db_commands_say_what_is_wrong(tmp_path):
    assert _db("upgrade", "--since", "0001", db=f"sqlite:///{tmp_path / 'x.db'}")[0] == 2
    code, out = _db("current", db="not a url")
    assert code == 1 and out.startswith("Error: bad database URL 'not a url'")
    code, out = _db("upgrade", db="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert code == 1 and out.startswith("Error: cannot open the workspace database postgresql+psycopg://")
    for name in ("current", "upgrade", "revision"):
        result = CliRunner().invoke(main, ["db", name, "--help"])
        assert result.exit_code == 0 and len(result.output.split("\n\n")[1].strip()) > 20


def test_the_workspace_fixtures_open_a_migrated_database(store, settings):
    assert _revision(store.engine) == [migrations.HEAD]
    assert {name for name, _ in TEST_USERS} <= {u.name for u in store.users.all()}
    assert settings.db_url == store.url


def test_db_revision_drafts_the_next_revision_from_a_schema_change(tmp_path, monkeypatch):
    import shutil

    import claims.store.schema

    folder = tmp_path / "migrations"
    shutil.copytree(Path(migrations.__file__).parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "_HERE", folder)  # the draft goes to a copy, not into the package
    changed = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["statements"].append_column(sa.Column("language", sa.String(8)))
    monkeypatch.setattr(claims.store.schema, "metadata", changed)  # schema.py as a developer edited it
    code, out = _db("revision", "-m", "statement language", db=f"sqlite:///{tmp_path / 'scratch.db'}")
    assert code == 0 and out.startswith(f"wrote {folder / 'versions'}") and out.endswith("_statement_language.py\n")
    draft = Path(out.split(" ", 1)[1].strip()).read_text(encoding="utf-8")
    assert f"down_revision = {migrations.HEAD!r}" in draft
    # SQLite alters a table by copying it: the draft says so (render_as_batch).
    assert "with op.batch_alter_table('statements'" in draft and "batch_op.add_column(sa.Column('language'" in draft


def test_db_revision_writes_nothing_when_schema_py_and_head_agree(tmp_path, monkeypatch):
    import shutil

    folder = tmp_path / "migrations"
    shutil.copytree(Path(migrations.__file__).parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "_HERE", folder)
    before = sorted(p.name for p in (folder / "versions").iterdir())
    code, out = _db("revision", "-m", "nothing", db=f"sqlite:///{tmp_path / 'scratch.db'}")
    assert (code, out) == (1, "Error: nothing to draft: a database at head already has the schema of "
                              "claims/store/schema.py\n")
    assert sorted(p.name for p in (folder / "versions").iterdir()) == before
