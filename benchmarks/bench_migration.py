"""Revision 0003 on a workspace with many per-claim export rows: how long the upgrade folds them.

Builds a SQLite workspace at revision 0002 with ``--claims`` claims and ``--exports`` exports of every
claim written the way claimdesk wrote them before 0003 (one ``audit`` row per claim per export), then
times ``Store(url)``, which upgrades it to head, and checks one claim's trail. Prints the audit rows
folded, the seconds, and the database file's size before and after (``VACUUM``: what the rows took).

    .venv/bin/python benchmarks/bench_migration.py --claims 100000 --exports 20 --folder /tmp/migration-bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import command

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from claims.models import AuditKind  # noqa: E402
from claims.store import Store, migrations  # noqa: E402
from claims.store.schema import documents, sentences  # noqa: E402


def build(url: str, n_claims: int, n_exports: int) -> None:
    Store(url).dispose()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "0002")
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(documents.insert().values(id=1, content_hash="h", title="t", origin="o", kind="article",
                                               body="b", created_at=now))
        for start in range(1, n_claims + 1, 50_000):
            conn.execute(sentences.insert(), [
                {"id": i, "document_id": 1, "position": i, "start_offset": 0, "end_offset": 1, "text": f"Claim {i}.",
                 "text_hash": f"{i:064d}", "checkworthiness": 0.9, "is_claim": True}
                for i in range(start, min(n_claims + 1, start + 50_000))])
        for e in range(n_exports):
            at = now + dt.timedelta(hours=e + 1)
            conn.execute(sa.text("INSERT INTO audit (claim_id, event, actor, detail, created_at) "
                                 "SELECT id, 'exported', 'ana', '{\"format\": \"csv\"}', :at FROM sentences"),
                         {"at": at})
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--exports", type=int, default=20)
    parser.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args()
    shutil.rmtree(args.folder, ignore_errors=True)
    args.folder.mkdir(parents=True)
    path = args.folder / "ws.db"
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    build(url, args.claims, args.exports)
    rows = args.claims * args.exports
    print(f"built {args.claims:,} claims and {rows:,} per-claim export rows at 0002 in "
          f"{time.perf_counter() - started:.0f} s; file {path.stat().st_size / 2**20:.0f} MiB", flush=True)
    started = time.perf_counter()
    store = Store(url)
    seconds = time.perf_counter() - started
    trail = [kind for _, kind, *_ in store.audit.for_claims([args.claims // 2])]
    assert trail == [AuditKind.EXPORTED] * args.exports, trail
    exports = store.audit.recent_exports(limit=args.exports + 1)
    assert len(exports) == args.exports and all(r.claims == args.claims for r in exports)
    store.dispose()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM"))
    engine.dispose()
    print(f"upgrade to {migrations.HEAD}: {seconds:.1f} s for {rows:,} rows ({rows / seconds:,.0f} rows/s; load "
          f"{os.getloadavg()[0]:.2f}); {len(exports)} exports rows; file after VACUUM "
          f"{path.stat().st_size / 2**20:.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
