#!/usr/bin/env python3
"""Benchmark of mfile's training records against MLflow, side by side on the same points.

Measures (medians of --repeat runs):
  1. ingest of N metric points from a JSON-lines file: mfile log-metric --file, and MLflow's
     MlflowClient().log_batch (1000 metrics per call) into a SQLite backend;
  2. one `mfile log-metric` call (process start to exit) on a catalog that already holds N points;
  3. `mfile runs` over R runs;
  4. `mfile metrics` of a 100,000-point history.

Usage: python3 bench/tracking.py [--quick] [--repeat 3] [--no-mlflow] [--mfile PATH]
Without --mfile it builds and times target/release/mfile.
MLflow is taken from bench/.venv (python3 -m venv bench/.venv && bench/.venv/bin/pip install mlflow);
if it is missing the table says so.
"""

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MFILE = os.path.join(ROOT, "target", "release", "mfile")
VENV_PYTHON = os.path.join(HERE, ".venv", "bin", "python")

MLFLOW_SCRIPT = r"""
import json, sys, time, logging
logging.disable(logging.WARNING)
from mlflow.tracking import MlflowClient
from mlflow.entities import Metric
uri, path = sys.argv[1], sys.argv[2]
client = MlflowClient(tracking_uri=uri)
exp = client.create_experiment("bench-%d" % time.time_ns())
run = client.create_run(exp)
points = []
with open(path) as f:
    for line in f:
        obj = json.loads(line)
        step = obj.pop("step")
        for key, value in obj.items():
            points.append((key, value, step))
start = time.perf_counter()
ts = int(time.time() * 1000)
for i in range(0, len(points), 1000):
    batch = [Metric(k, v, ts, s) for k, v, s in points[i:i + 1000]]
    client.log_batch(run.info.run_id, metrics=batch)
print(time.perf_counter() - start)
"""


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def timed(args, env=None, stdout=subprocess.DEVNULL):
    start = time.perf_counter()
    sh(args, env=env, stdout=stdout, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def write_points(path, lines, keys=("loss", "acc", "f1", "lr")):
    """`lines` JSON lines with a step and len(keys) metrics each: lines * len(keys) points."""
    with open(path, "w") as f:
        for step in range(lines):
            values = {k: round(1.0 / (step + 1 + i), 12) for i, k in enumerate(keys)}
            f.write(json.dumps({"step": step, **values}) + "\n")
    return lines * len(keys)


def mfile_env(center):
    env = dict(os.environ, MFILE_CENTER=center, MFILE_USER="bench")
    return env


def fill_runs(center, runs, extra_params=0, extra_metrics=0):
    """Adds `runs` runs with 5 params and 3 metric summaries each (plus `extra_params` and
    `extra_metrics` more), straight into the catalog (10,000 mfile calls would take minutes);
    mfile's own `runs` then reads them."""
    db = sqlite3.connect(os.path.join(center, "catalog.db"))
    now = time.time_ns()
    model_id = db.execute("SELECT id FROM models WHERE name = 'bench'").fetchone()[0]
    keys = []
    for name in ["loss", "val_loss", "acc"] + ["metric_%d" % k for k in range(extra_metrics)]:
        db.execute("INSERT OR IGNORE INTO metric_keys (name) VALUES (?)", (name,))
        keys.append(db.execute("SELECT id FROM metric_keys WHERE name = ?", (name,)).fetchone()[0])
    for i in range(runs):
        cur = db.execute(
            "INSERT INTO runs (model_id, owner, name, status, started_at, ended_at, host) "
            "VALUES (?, 'bench', ?, 'finished', ?, ?, 'bench')",
            (model_id, "fill-%d" % i, now + i, now + i + 10**9),
        )
        run_id = cur.lastrowid
        params = [("lr", str(0.001 * (i % 7))), ("batch", str(32 << (i % 3))), ("opt", "adam"),
                  ("layers", str(4 + i % 2)), ("seed", str(i))]
        params += [("param_%d" % k, str(0.5 * ((i + k) % 11))) for k in range(extra_params)]
        for key, value in params:
            kind = "string" if key == "opt" else ("int" if "." not in value else "float")
            db.execute("INSERT INTO params (run_id, key, value, kind) VALUES (?, ?, ?, ?)",
                       (run_id, key, value, kind))
        for n, key_id in enumerate(keys):
            last = 0.5 + ((i * 7 + n) % 100) / 1000
            db.execute(
                "INSERT INTO metric_summaries (run_id, key_id, count, last_step, last_value, "
                "min_value, min_step, max_value, max_step) VALUES (?, ?, 100, 99, ?, 0.4, 80, 2.0, 0)",
                (run_id, key_id, last),
            )
    db.commit()
    db.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller data (under 2 minutes)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--mfile", metavar="PATH", help="time this binary instead of building target/release/mfile")
    args = parser.parse_args()
    global MFILE
    if args.mfile:
        MFILE = os.path.abspath(args.mfile)
    else:
        sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    lines = 25_000 if args.quick else 250_000
    n_runs = 1_000 if args.quick else 10_000
    history_points = 20_000 if args.quick else 100_000

    work = tempfile.mkdtemp(prefix="mfile-bench-tracking-")
    try:
        points_file = os.path.join(work, "points.jsonl")
        n_points = write_points(points_file, lines)
        rows = []

        # 1. ingest
        center = os.path.join(work, "center")
        env = mfile_env(center)
        ingest = [
            timed([MFILE, "log-metric", "-m", "bench", "--run", "ingest-%d" % i, "--file", points_file, "-q"], env)
            for i in range(args.repeat)
        ]
        mfile_ingest = statistics.median(ingest)
        rows.append(("ingest %d points (JSON lines file)" % n_points, mfile_ingest,
                     "%.0f points/s" % (n_points / mfile_ingest)))

        mlflow_note = None
        if args.no_mlflow:
            mlflow_note = "not run (--no-mlflow)"
        elif not os.path.exists(VENV_PYTHON):
            mlflow_note = "not installed: python3 -m venv bench/.venv && bench/.venv/bin/pip install mlflow"
        else:
            script = os.path.join(work, "mlflow_bench.py")
            with open(script, "w") as f:
                f.write(MLFLOW_SCRIPT)
            times = []
            for i in range(args.repeat):
                uri = "sqlite:///" + os.path.join(work, "mlflow-%d.db" % i)
                try:
                    out = subprocess.run([VENV_PYTHON, script, uri, points_file], check=True,
                                         capture_output=True, text=True, cwd=work)
                    times.append(float(out.stdout.strip().splitlines()[-1]))
                except subprocess.CalledProcessError as e:
                    mlflow_note = "failed: " + (e.stderr.strip().splitlines() or ["?"])[-1]
                    break
            if times:
                mlflow = statistics.median(times)
                rows.append(("MLflow log_batch (1000/call), SQLite", mlflow, "%.0f points/s" % (n_points / mlflow)))
                rows.append(("ratio MLflow / mfile", mlflow / mfile_ingest, "mfile is %.1fx faster" % (mlflow / mfile_ingest)))

        # 2. one log-metric call on a catalog with >= n_points points
        calls = [timed([MFILE, "log-metric", "-m", "bench", "--run", "single", "loss=0.5"], env) for _ in range(30)]
        rows.append(("one log-metric call, catalog of %d points (median of 30)" % (n_points * args.repeat),
                     statistics.median(calls), "p90 %.1f ms" % (sorted(calls)[26] * 1000)))

        # 3. runs over n_runs runs
        fill_runs(center, n_runs)
        listing = [timed([MFILE, "runs", "-m", "bench"], env) for _ in range(args.repeat)]
        rows.append(("runs over %d runs (table)" % n_runs, statistics.median(listing), ""))
        listing_json = [timed([MFILE, "runs", "-m", "bench", "--json"], env) for _ in range(args.repeat)]
        rows.append(("runs over %d runs (--json)" % n_runs, statistics.median(listing_json), ""))

        # 4. metrics of a long history
        hist_file = os.path.join(work, "history.jsonl")
        write_points(hist_file, history_points, keys=("loss",))
        sh([MFILE, "log-metric", "-m", "bench", "--run", "history", "--file", hist_file, "-q"], env=env)
        export = [timed([MFILE, "metrics", "-m", "bench", "--run", "history"], env) for _ in range(args.repeat)]
        rows.append(("metrics of a %d-point history (CSV)" % history_points, statistics.median(export), ""))
        export_json = [timed([MFILE, "metrics", "-m", "bench", "--run", "history", "--json"], env)
                       for _ in range(args.repeat)]
        rows.append(("metrics of a %d-point history (JSON)" % history_points, statistics.median(export_json), ""))

        print("\n| measurement | median | note |\n|---|---:|---|")
        for name, seconds, note in rows:
            value = "%.2fx" % seconds if name.startswith("ratio") else (
                "%.1f ms" % (seconds * 1000) if seconds < 1 else "%.2f s" % seconds)
            print("| %s | %s | %s |" % (name, value, note))
        if mlflow_note:
            print("| MLflow | - | %s |" % mlflow_note)
        print("\n(%d runs each, 2-core machine; %s mode; %s)" % (args.repeat, "quick" if args.quick else "full", MFILE))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
