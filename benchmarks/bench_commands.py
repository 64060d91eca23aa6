"""The commands that need no model, each as a new process, on a workspace with the PolitiFact archive.

Builds (once, in ``--folder``) a SQLite workspace through the CLI itself: ``claimdesk import-statements`` of
the 19,250 CLEF 2021 debates fact-checks, ``claimdesk ingest`` of the seed article and ``claimdesk users add``
of the reviewer the verdicts are recorded under. Then runs each of
``claims``, ``status``, ``label``, ``undo``, ``export`` and ``agreement`` ``--runs`` times as a new process
(the CLI's module run by a new Python, what a script or a shell pays per call) and prints the median and every
run, in seconds. Each run also says at exit which of the model's runtimes (``onnxruntime``, ``torch``,
``sentence_transformers``) it imported: none, for a command that never loads the model.

    .venv/bin/python benchmarks/bench_commands.py --folder /tmp/commands-bench
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")
SEED = ROOT.parent / "shared" / "seed" / "article.txt"
BENCH = ROOT.parent / "shared" / "bench"
RUNTIMES = ("onnxruntime", "torch", "sentence_transformers")
CHECK = ("import runpy, sys\n"
         "sys.argv = ['claimdesk'] + sys.argv[1:]\n"
         "try:\n    runpy.run_module('claims', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         f"print('RUNTIMES', [m for m in {RUNTIMES!r} if m in sys.modules], file=sys.stderr)\n")


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


def build(folder: Path, env: dict[str, str]) -> None:
    from lab.speed import archive_jsonl

    if (folder / "built").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "politifact.jsonl"
    archive.write_bytes(archive_jsonl(BENCH, 19_250))
    started = time.perf_counter()
    run([CLAIMDESK, "import-statements", str(archive)], env)
    run([CLAIMDESK, "ingest", str(SEED)], env)
    done = subprocess.run([CLAIMDESK, "users", "add", "bench", "--role", "admin"], cwd=ROOT, env=env,
                          input="a bench password of some length\n", capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"users add failed: {done.stderr[-2000:]}")
    (folder / "built").write_text(f"{time.perf_counter() - started:.1f} s\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, HF_HUB_OFFLINE="1", CLAIMDESK_DATA=str(args.folder / "data"),
               CLAIMDESK_REVIEWER="bench")
    build(args.folder, env)
    claims = json.loads(run([CLAIMDESK, "claims", "--json"], env).stdout)
    claim_id = str(claims[0]["id"])
    export = str(args.folder / "verdicts.csv")
    commands = {"claims": ["claims"], "status": ["status"], "label": ["label", claim_id, "disputed"],
                "undo": ["undo", claim_id], "export": ["export", "--out", export], "agreement": ["agreement"]}
    results = {}
    for name, command in commands.items():
        times, loaded = [], set()
        for _ in range(args.runs):
            if name == "undo":  # something to take back
                run([CLAIMDESK, "label", claim_id, "disputed"], env)
            started = time.perf_counter()
            checked = run([sys.executable, "-c", CHECK, *command], env).stderr
            times.append(round(time.perf_counter() - started, 3))
            loaded.update(json.loads(checked.rsplit("RUNTIMES", 1)[1].strip().replace("'", '"')))
            if name == "label":
                run([CLAIMDESK, "undo", claim_id], env)
        results[name] = {"median_s": statistics.median(times), "runs_s": times, "runtimes_imported": sorted(loaded)}
        print(json.dumps({"command": name, **results[name]}), flush=True)
    print(json.dumps({"statements": 19_250, "claims": len(claims), "commands": len(results),
                      "worst_median_s": max(r["median_s"] for r in results.values())}), flush=True)


if __name__ == "__main__":
    main()
