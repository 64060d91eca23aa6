"""Import of a large archive as a desk does it: ``claimdesk import-statements`` with several part files.

Writes ``--statements`` synthetic earlier statements (texts drawn with the CLEF fact-checks' word
frequencies, one word in five a rare token: ``lab.speed.synthetic_statements``) as JSONL part files of
``--part`` statements each, then runs the product's CLI once over all of them, as a new process on a new
SQLite workspace in ``--folder``, with the real model on the configured backend (ONNX Runtime int8 by
default). While it runs, the CLI process's resident memory is sampled every ``--every`` seconds from
``/proc/PID/status``; printed: the time and memory after each part (the CLI's line for that file), the
peak (``VmHWM``, the kernel's high-water mark), and statements per second overall. ``--hash-vectors``
runs the command's call, ``Workspace.import_statements`` per part file, in a child process with the test
suite's hash embedder instead of the model (1M texts through the model take about two hours here). With ``--recall N``,
the index the import built is then searched as the product searches it, for N CLEF texts embedded by
the product, against exact search over every vector in the database (recall@10, ``ef_search`` raised
until 0.99 or the ladder's end).

    CLAIMDESK_MODELS_DIR=.claimdesk/models .venv/bin/python benchmarks/bench_import.py \\
        --statements 1000000 --folder /tmp/import-bench
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bench_click import BENCH, statement_texts  # noqa: E402


def _status_mb(pid: int, field: str) -> float:
    """A ``/proc/PID/status`` memory field (VmRSS, VmHWM) in MiB; 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def write_parts(folder: Path, n: int, part: int) -> list[Path]:
    """The archive as JSONL part files of ``part`` statements (reused when already written)."""
    paths = [folder / f"archive-{i:03d}.jsonl" for i in range((n + part - 1) // part)]
    if all(p.exists() for p in paths):
        return paths
    texts = statement_texts(n)
    for i, path in enumerate(paths):
        rows = (json.dumps({"text": t, "rating": "False", "speaker": f"Speaker {j % 5000}", "source": "Synthetic desk"})
                for j, t in enumerate(texts[i * part:(i + 1) * part], i * part))
        path.write_text("\n".join(rows) + "\n")
    return paths


def import_in_child(parts: list[str]) -> None:
    """``claimdesk import-statements`` without the model: each part through ``Workspace.import_statements``
    (the command's own call) in this process, with hash vectors of 384 dimensions."""
    from bench_export import WideHashEmbedder

    from claims.settings import load_settings
    from claims.workspace import Workspace

    ws = Workspace(load_settings({}, environ=os.environ), embedder=WideHashEmbedder())
    try:
        for part in parts:
            result = ws.import_statements(Path(part).read_bytes(), part)
            print(f"{part}: {result.added} statements added, {result.skipped} already in the archive", flush=True)
    finally:
        ws.close()


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        import_in_child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--part", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between memory samples")
    parser.add_argument("--hash-vectors", action="store_true",
                        help="import through Workspace.import_statements with hash vectors instead of the model "
                             "(the CLI's call, without the embedding: the model runs about 150 statements/s here)")
    parser.add_argument("--recall", type=int, default=0, metavar="N",
                        help="afterwards, recall@10 of the built index against exact search for N queries")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    workspace = args.folder / "workspace"
    if workspace.exists():
        raise SystemExit(f"{workspace} exists: the benchmark imports into a new workspace; delete it first")
    started = time.perf_counter()
    parts = write_parts(args.folder, args.statements, args.part)
    print(f"{len(parts)} part files of up to {args.part:,} statements ({time.perf_counter() - started:.0f} s)",
          flush=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", CLAIMDESK_DATA=str(workspace))
    if args.hash_vectors:  # the same import, its vectors from the test suite's hash embedder
        command = [sys.executable, str(Path(__file__).resolve()), "--child", *map(str, parts)]
    else:
        command = [sys.executable, "-m", "claims", "import-statements", *map(str, parts)]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples: list[tuple[float, float, float]] = []  # (seconds, VmRSS, VmHWM)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter() - started, _status_mb(child.pid, "VmRSS"),
                            _status_mb(child.pid, "VmHWM")))
            done.wait(args.every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert child.stdout is not None
    seen = 0.0
    for line in child.stdout:
        seen = max(seen, _status_mb(child.pid, "VmHWM"))
        print(f"[{time.perf_counter() - started:7.0f} s, RSS {_status_mb(child.pid, 'VmRSS'):6.0f} MiB, "
              f"high-water {seen:6.0f} MiB] {line.rstrip()}", flush=True)
    code = child.wait()
    done.set()
    sampler.join()
    peak = max(seen, max((hwm for _, _, hwm in samples), default=0.0))
    seconds = time.perf_counter() - started
    print(json.dumps({"statements": args.statements, "parts": len(parts), "seconds": round(seconds, 1),
                      "statements_per_s": round(args.statements / seconds, 1), "peak_rss_mb": round(peak, 1),
                      "exit_code": code}), flush=True)
    if args.recall and code == 0 and not args.hash_vectors:
        print(json.dumps(recall(env, args.recall)), flush=True)


def recall(env: dict[str, str], n_queries: int) -> dict[str, object]:
    """Recall@10 and single-query time of the index the import built, against exact search over the
    vectors in the database, for ``n_queries`` CLEF texts embedded by the product (none of them in the archive)."""
    import numpy as np

    from claims.settings import load_settings
    from claims.workspace import Workspace
    from lab.speed import bench_texts, search_ladder

    ws = Workspace(load_settings({}, environ=env))
    try:
        index = ws.index  # loads the saved index (checksum and counts checked against the database)
        ids, vectors = zip(*ws.store.statements.statement_vectors(index.model))
        all_ids, all_vectors = np.concatenate(ids), np.concatenate(vectors)
        texts = bench_texts(BENCH, n_queries + 2200)[-n_queries:]  # not the texts the vocabulary came from
        queries = ws.embedder.encode(texts).astype(np.float32)
        best = np.full((len(queries), 10), -np.inf, dtype=np.float32)
        best_at = np.zeros((len(queries), 10), dtype=np.int64)
        for start in range(0, len(all_vectors), 131072):
            scores = queries @ all_vectors[start:start + 131072].T
            merged_s = np.concatenate([best, scores], axis=1)
            merged_i = np.concatenate([best_at, np.broadcast_to(all_ids[start:start + 131072], scores.shape)], axis=1)
            keep = np.argpartition(-merged_s, 9, axis=1)[:, :10]
            best, best_at = np.take_along_axis(merged_s, keep, axis=1), np.take_along_axis(merged_i, keep, axis=1)
        exact = list(best_at)
        found = search_ladder(index, queries, exact)
        ms = np.array(found["times"]) * 1000
        return {"recall_n": len(all_ids), "recall_queries": len(queries), "index_kind": index.kind,
                "ef": found["ef"], "ladder": found["ladder"], "recall_at_10": round(found["recall"], 4),
                "search_p50_ms": round(float(np.percentile(ms, 50)), 3)}
    finally:
        ws.close()


if __name__ == "__main__":
    main()
