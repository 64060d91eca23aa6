"""Crashes: ``kill -9`` during an ingest, an archive import and the FAISS save, in real subprocesses.

A small driver process opens the workspace (with the fake embedder: nothing here needs the model),
says it is ready, and runs one operation; the test kills it with SIGKILL, either at a random moment
of the operation or at a chosen point held open by the driver (inside the database transaction just
before its commit, between the index file and its manifest, halfway through the temporary index file).

After every kill: the database holds the file entirely or not at all, and a workspace opened on it
has a FAISS index that agrees with the database. After the last kill the operation is run to the end,
then once more: the second run adds nothing. These are marked ``slow`` for the processes they start
(the model is never loaded). ``claimdesk backup`` is tested at the end.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from claims.cli import main
from claims.errors import StoreError
from claims.settings import Settings, load_settings
from claims.store import Store
from claims.workspace import Workspace
from conftest import TEST_PASSWORD, HashEmbedder, add_test_users

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
RANDOM_KILLS = 2

_DRIVER = r"""
import contextlib, json, os, sys, time
from pathlib import Path

args = json.loads(sys.argv[1])
sys.path.insert(0, args["tests"])
from conftest import HashEmbedder
from claims.settings import load_settings
from claims.store import Store
from claims.workspace import Workspace
import index.vectors

def hold(where):
    Path(args["held"]).write_text(where)
    time.sleep(120)  # until killed

pause = args.get("pause")
if pause == "commit":  # inside the transaction, every row written, the commit not yet sent
    opened = Store.transaction

    @contextlib.contextmanager
    def held_transaction(self):
        with opened(self) as conn:
            yield conn
            hold("before commit")

    Store.transaction = held_transaction
elif pause == "manifest":  # the new index file in place, its manifest not yet written
    index.vectors.atomic_write_text = lambda *a, **k: hold("before the manifest")
elif pause == "index-file":  # half of the temporary index file written
    write_file = index.vectors.atomic_write

    def half_written(path, write):
        def writer(tmp):
            write(tmp)
            with open(tmp, "r+b") as fp:
                fp.truncate(os.path.getsize(tmp) // 2)
            hold("halfway through the index file")
        write_file(path, writer)

    index.vectors.atomic_write = half_written

settings = load_settings({"db_url": args["db_url"], "index_dir": args["index_dir"]}, environ={})
ws = Workspace(settings, embedder=HashEmbedder())
ws.index  # loaded and caught up before the operation starts
data = Path(args["file"]).read_bytes() if args.get("file") else b""
Path(args["ready"]).touch()
if args["op"] == "ingest":
    results = ws.ingest_file(data, Path(args["file"]).name)
    print(json.dumps({"created": sum(r.created for r in results)}))
elif args["op"] == "import":
    result = ws.import_statements(data, Path(args["file"]).name)
    print(json.dumps({"added": result.added, "skipped": result.skipped}))
elif args["op"] == "save-index":
    while True:  # every rebuild writes the index and its manifest again
        ws.rebuild_index()
ws.close()
"""


class Driver:
    """Runs the driver script against one workspace; kills it when asked."""

    def __init__(self, tmp_path: Path, settings: Settings) -> None:
        self.tmp_path = tmp_path
        self.settings = settings
        self.script = tmp_path / "driver.py"
        self.script.write_text(_DRIVER)
        self.runs = 0
        self.kills = 0

    def start(self, op: str, file: Path | None = None, pause: str | None = None) -> tuple[subprocess.Popen, Path, Path]:
        self.runs += 1
        ready, held = self.tmp_path / f"ready-{self.runs}", self.tmp_path / f"held-{self.runs}"
        args = {"tests": str(TESTS), "db_url": self.settings.db_url, "index_dir": str(self.settings.index_dir),
                "op": op, "file": str(file) if file else None, "pause": pause, "ready": str(ready),
                "held": str(held)}
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
        process = subprocess.Popen([sys.executable, str(self.script), json.dumps(args)], cwd=REPO, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return process, ready, held

    @staticmethod
    def _wait_for(path: Path, process: subprocess.Popen, what: str) -> None:
        deadline = time.monotonic() + 60
        while not path.exists():
            if process.poll() is not None:
                raise AssertionError(f"the driver exited ({process.returncode}) before {what}: "
                                     f"{process.stderr.read().decode(errors='replace')[-3000:]}")
            assert time.monotonic() < deadline, f"the driver did not reach {what} within 60 s"
            time.sleep(0.005)

    def kill_at(self, op: str, file: Path | None, pause: str) -> str:
        """Run ``op`` until the driver holds at ``pause``, then SIGKILL it; returns where it was."""
        process, _, held = self.start(op, file, pause)
        try:
            self._wait_for(held, process, f"the {pause} pause")
            where = held.read_text()
        finally:
            self._kill(process)
        return where

    def kill_after(self, op: str, file: Path | None, delay: float) -> bool:
        """Run ``op`` and SIGKILL it ``delay`` seconds after it starts; True if it was still running."""
        process, ready, _ = self.start(op, file)
        try:
            self._wait_for(ready, process, "the start of the operation")
            time.sleep(delay)
            alive = process.poll() is None
        finally:
            self._kill(process)
        return alive

    def _kill(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            self.kills += 1
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()

    def run(self, op: str, file: Path) -> dict:
        """Run ``op`` to the end; returns what it printed."""
        process, _, _ = self.start(op, file)
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode(errors="replace")[-3000:]
        return json.loads(out.decode().strip().splitlines()[-1])


def _settings(tmp_path: Path, name: str = "ws") -> Settings:
    return load_settings({"db_url": f"sqlite:///{tmp_path / f'{name}.db'}",
                          "index_dir": str(tmp_path / f"{name}-index")}, environ={})


def _new_workspace(settings: Settings) -> None:
    store = Store(settings.db_url)
    add_test_users(store)
    store.dispose()


def _counts(settings: Settings) -> dict[str, int]:
    store = Store(settings.db_url, create=False)
    try:
        return store.count_rows()
    finally:
        store.dispose()


def check_index_matches_database(settings: Settings) -> int:
    """A workspace opened after the crash has one vector per statement with a stored vector, each
    findable; returns how many."""
    store = Store(settings.db_url, create=False)
    ws = Workspace(settings, store=store, embedder=HashEmbedder())
    try:
        batches = list(store.statements.statement_vectors(HashEmbedder.name))
        ids = np.concatenate([b[0] for b in batches]) if batches else np.zeros(0, dtype=np.int64)
        assert ws.index.count == len(ids) == store.count_rows()["statements"]
        if batches:
            vectors = np.concatenate([b[1] for b in batches])
            probe = sorted({0, len(ids) // 2, len(ids) - 1})
            for i, hits in zip(probe, ws.index.search(vectors[probe], 1)):
                assert hits and hits[0][1] > 0.999, f"statement {ids[i]} is not in the index"
    finally:
        ws.close()
    return len(ids)


def _batch_csv(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "speaker", "date"])
    for i in range(n):
        writer.writerow([f"Senator Ortiz said unemployment in region {i} fell to {i % 9 + 2}.{i % 7} percent in "
                         f"March 2022. Prices of item {i} rose {i % 11 + 1} percent. The region had {i + 40} "
                         f"thousand jobs.", f"Author {i % 13}", f"2022-03-{i % 28 + 1:02d}"])
    return out.getvalue().encode()


def _archive_csv(n: int, offset: int = 0) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "speaker", "date", "source", "url", "rating"])
    for i in range(offset, offset + n):
        writer.writerow([f"Statement {i}: exports of good {i} grew {i % 17} percent in {2000 + i % 23}.",
                         f"Speaker {i % 31}", f"20{10 + i % 12}-0{i % 9 + 1}-1{i % 9}", "Desk",
                         f"https://archive.example/{i}", ("True", "False", "Half true")[i % 3]])
    return out.getvalue().encode()


def _reference_time(settings: Settings, op: str, data: bytes, name: str) -> tuple[float, dict[str, int]]:
    """How long ``op`` takes in this process on a fresh workspace, and the rows it writes."""
    _new_workspace(settings)
    ws = Workspace(settings, embedder=HashEmbedder())
    try:
        ws.index
        started = time.perf_counter()
        if op == "ingest":
            ws.ingest_file(data, name)
        else:
            ws.import_statements(data, name)
        seconds = time.perf_counter() - started
    finally:
        ws.close()
    return seconds, _counts(settings)


def _kill_and_check(driver: Driver, settings: Settings, op: str, file: Path, table: str, full: int,
                    pauses: list[str], seconds: float) -> int:
    """Kill ``op`` at each pause and at random moments; after each, the table holds 0 or ``full`` rows
    and the index agrees with the database. Returns the kills of a running process."""
    survived = 0
    rng = random.Random(11)
    for pause in pauses:
        driver.kill_at(op, file, pause)
        survived += 1
        assert _counts(settings)[table] in (0, full), f"after a kill {pause}"
        check_index_matches_database(settings)
    for _ in range(RANDOM_KILLS):
        delay = rng.uniform(0.0, 1.2 * seconds)
        survived += driver.kill_after(op, file, delay)
        assert _counts(settings)[table] in (0, full), f"after a kill {delay:.2f} s in"
        check_index_matches_database(settings)
    return survived


@pytest.mark.slow  # a dozen driver processes started and killed
def test_kill_9_during_an_ingest_leaves_the_batch_whole_or_absent(tmp_path):
    data = _batch_csv(300)
    batch = tmp_path / "posts.csv"
    batch.write_bytes(data)
    seconds, reference = _reference_time(_settings(tmp_path, "reference"), "ingest", data, "posts.csv")
    assert reference["documents"] == 300

    settings = _settings(tmp_path)
    _new_workspace(settings)
    driver = Driver(tmp_path, settings)
    survived = _kill_and_check(driver, settings, "ingest", batch, "documents", 300, ["commit"], seconds)
    after_kills = _counts(settings)
    assert after_kills["sentences"] in (0, reference["sentences"])

    driver.run("ingest", batch)
    whole = _counts(settings)
    assert (whole["documents"], whole["sentences"]) == (reference["documents"], reference["sentences"])
    assert driver.run("ingest", batch) == {"created": 0}  # the same file again adds nothing
    assert _counts(settings) == whole
    print(f"\ningest of 300 posts ({seconds:.2f} s): {survived} kills -9 survived")


@pytest.mark.slow  # a dozen driver processes started and killed
def test_kill_9_during_an_archive_import_leaves_it_whole_or_absent(tmp_path):
    data = _archive_csv(5000)
    archive = tmp_path / "archive.csv"
    archive.write_bytes(data)
    seconds, reference = _reference_time(_settings(tmp_path, "reference"), "import", data, "archive.csv")
    assert reference["statements"] == 5000

    settings = _settings(tmp_path)
    _new_workspace(settings)
    driver = Driver(tmp_path, settings)
    survived = _kill_and_check(driver, settings, "import", archive, "statements", 5000, ["commit"], seconds)

    first = driver.run("import", archive)
    assert first["added"] + first["skipped"] == 5000
    assert _counts(settings)["statements"] == 5000
    assert driver.run("import", archive) == {"added": 0, "skipped": 5000}  # again: nothing twice
    assert _counts(settings)["statements"] == 5000
    assert check_index_matches_database(settings) == 5000
    print(f"\nimport of 5,000 statements ({seconds:.2f} s): {survived} kills -9 survived")


@pytest.mark.slow  # a dozen driver processes started and killed
def test_kill_9_during_the_index_save_leaves_an_index_that_is_repaired(tmp_path):
    settings = _settings(tmp_path)
    _new_workspace(settings)
    driver = Driver(tmp_path, settings)
    parts = [tmp_path / f"part-{i}.csv" for i in range(3)]
    for i, part in enumerate(parts):
        part.write_bytes(_archive_csv(3000 if i == 0 else 500, offset=0 if i == 0 else 2500 + 500 * i))
    driver.run("import", parts[0])
    survived = 0
    # Each later import commits, then its index save is cut short: the saved index lags the database.
    for part, pause, total in ((parts[1], "manifest", 3500), (parts[2], "index-file", 4000)):
        assert driver.kill_at("import", part, pause).startswith(("before the manifest", "halfway"))
        survived += 1
        assert _counts(settings)["statements"] == total
        assert check_index_matches_database(settings) == total
    # Rebuilds saving over and over, killed at random moments.
    rng = random.Random(7)
    for _ in range(RANDOM_KILLS + 1):
        survived += driver.kill_after("save-index", None, rng.uniform(0.05, 0.6))
        assert check_index_matches_database(settings) == 4000
    leftovers = [p.name for p in settings.index_dir.iterdir() if p.name.endswith(".tmp")]
    print(f"\nindex save: {survived} kills -9 survived; {len(leftovers)} temporary files left behind")


# -- backups: claimdesk backup (SQLite's online backup API) -------------------------------------------

def _populated(tmp_path: Path) -> Settings:
    settings = _settings(tmp_path)
    _new_workspace(settings)
    ws = Workspace(settings, embedder=HashEmbedder())
    try:
        ws.import_statements(_archive_csv(200), "archive.csv")
        ws.ingest_file(_batch_csv(20), "posts.csv")
        for claim in ws.list_claims()[:10]:
            ws.label(claim.id, "disputed", "ana", note="checked")
    finally:
        ws.close()
    return settings


def _copy_settings(path: Path, tmp_path: Path) -> Settings:
    return load_settings({"db_url": f"sqlite:///{path}", "index_dir": str(tmp_path / "copy-index")}, environ={})


def test_a_backup_opens_as_a_workspace_with_the_same_counts(tmp_path):
    settings = _populated(tmp_path)
    ws = Workspace(settings, embedder=HashEmbedder())
    try:
        target = ws.backup(tmp_path / "backup.db")
        claims = [(c.id, c.verdict, c.status) for c in ws.list_claims()]
    finally:
        ws.close()
    assert target == tmp_path / "backup.db"
    copy = Workspace(_copy_settings(target, tmp_path), embedder=HashEmbedder())
    try:
        assert copy.store.count_rows() == _counts(settings)
        assert [(c.id, c.verdict, c.status) for c in copy.list_claims()] == claims
        assert copy.sign_in("ana", TEST_PASSWORD)[0].name == "ana"
        with copy.store.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"  # set again on opening
    finally:
        copy.close()
    assert check_index_matches_database(_copy_settings(target, tmp_path)) == 210


def test_a_backup_taken_while_a_reviewer_labels_is_a_consistent_snapshot(tmp_path):
    settings = _populated(tmp_path)
    ws = Workspace(settings, embedder=HashEmbedder())
    claims = [c.id for c in ws.list_claims()]
    stop = threading.Event()

    def keep_labelling() -> None:
        n = 0
        while not stop.is_set():
            ws.label(claims[n % len(claims)], ("supported", "disputed")[n % 2], "ben", note=f"round {n}")
            n += 1

    before = _counts(settings)["reviews"]
    reviewer = threading.Thread(target=keep_labelling)
    reviewer.start()
    try:
        time.sleep(0.3)
        target = ws.backup(tmp_path / "online.db")
        time.sleep(0.3)
    finally:
        stop.set()
        reviewer.join(timeout=30)
        ws.close()
    after = _counts(settings)["reviews"]
    copy = Workspace(_copy_settings(target, tmp_path), embedder=HashEmbedder())
    try:
        held = copy.store.count_rows()["reviews"]
        assert before < held < after  # taken mid-stream
        # Every claim's state in the copy is what its own log says: no event half-copied.
        for claim in copy.list_claims():
            events = copy.history(claim.id)
            labels = [e for e in events if e.verdict is not None]
            assert claim.verdict == (labels[-1].verdict if labels else None)
    finally:
        copy.close()


def test_claimdesk_backup_refuses_to_overwrite_without_force(tmp_path, monkeypatch):
    settings = _populated(tmp_path)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"CLAIMDESK_DB": settings.db_url, "CLAIMDESK_INDEX_DIR": str(settings.index_dir)}
    out = tmp_path / "out.db"

    first = runner.invoke(main, ["backup", str(out)], env=env)
    assert first.exit_code == 0 and first.output.startswith(f"{out}: backup written ("), first.output
    out.write_bytes(b"an older backup")
    again = runner.invoke(main, ["backup", str(out)], env=env)
    assert (again.exit_code, again.stderr) == (
        1, f"Error: the backup {out} already exists: name a new file, or overwrite it (--force)\n")
    assert out.read_bytes() == b"an older backup"
    forced = runner.invoke(main, ["backup", str(out), "--force"], env=env)
    assert forced.exit_code == 0, forced.output
    assert _counts(_copy_settings(out, tmp_path)) == _counts(settings)

    own = runner.invoke(main, ["backup", str(tmp_path / "ws.db"), "--force"], env=env)
    assert (own.exit_code, own.stderr) == (
        1, f"Error: the backup {tmp_path / 'ws.db'} is the workspace's own database file: name another file\n")
    fifo = tmp_path / "a-pipe"
    os.mkfifo(fifo)
    special = runner.invoke(main, ["backup", str(fifo), "--force"], env=env)
    assert (special.exit_code, special.stderr) == (
        1, f"Error: the backup {fifo} exists and is not a regular file: name a new file\n")
    nowhere = runner.invoke(main, ["backup", str(tmp_path / "no-folder" / "x.db")], env=env)
    assert (nowhere.exit_code, nowhere.stderr) == (
        1, f"Error: the folder of the backup {tmp_path / 'no-folder'} does not exist\n")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


@pytest.mark.postgres
def test_a_postgresql_workspace_is_backed_up_with_pg_dump(pg_url, tmp_path):
    store = Store(pg_url)
    try:
        with pytest.raises(StoreError, match=r"^claimdesk backs up SQLite workspaces only; .* is postgresql: "
                                             r"back it up with its own tools \(PostgreSQL: pg_dump"):
            store.backup(tmp_path / "pg.db")
    finally:
        store.dispose()
    assert not (tmp_path / "pg.db").exists()
