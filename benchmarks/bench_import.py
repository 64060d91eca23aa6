"""Import of a large archive as a desk does it: ``claimdesk import-statements`` with several part files.

Writes ``--statements`` synthetic earlier statements (texts drawn with the CLEF fact-checks' word
frequencies, one word in five a rare token: ``lab.speed.synthetic_statements``) as JSONL part files of
``--part`` statements each, then runs the product's CLI once over all of them, as a new process on a new
SQLite workspace in ``--folder``, with the real model on the configured backend (ONNX Runtime int8 by
default). While it runs, the CLI process's resident memory is sampled every ``--every`` seconds from
``/proc/PID/status``; printed: the time and memory after each part (the CLI's line for that file), the
peak (``VmHWM``, the kernel's high-water mark), and statements per second overall.

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

from bench_click import statement_texts  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--part", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between memory samples")
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


if __name__ == "__main__":
    main()
