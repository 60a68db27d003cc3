#!/usr/bin/env python3
"""Benchmark of training records in a bucket center (SeaweedFS on loopback), beside a local one.

Measures, in --repeat paired rounds (the S3 center and a local folder center back to back):
  1. ingest of N metric points from a JSON-lines file (`mfile log-metric --file`), wall time to
     exit including the upload, and a colleague's cold `metrics` of that run afterwards;
  2. one `mfile log-metric NAME=V` call: median and p90 of 30;
  3. `mfile runs` over R runs with a cold cache (a fresh XDG_DATA_HOME) and a warm one; the runs
     are written by a small Python writer of the documented format (docs/center-layout.md,
     "Training runs in a bucket"): one segment per run with a start, 5 params and a 3-key chunk,
     which also shows the format is self-describing;
  4. `mfile metrics` of a 100,000-point history, cold and warm;
  5. live delay: `mfile track` prints a point every 100 ms while a second cache polls
     `mfile runs --json` every 500 ms; how far behind the printed count each look was.

Usage: python3 bench/tracking_s3.py [--quick] [--repeat 3] [--mfile PATH]
Needs bench/.venv with boto3 and blake3 (bench/.venv/bin/pip install boto3 blake3). It starts
SeaweedFS with tests/s3/server (and stops it at the end) unless MFILE_TEST_S3_ENDPOINT is set.
"""

import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MFILE = os.path.join(ROOT, "target", "release", "mfile")
SERVER = os.path.join(ROOT, "tests", "s3", "server")
VENV_PYTHON = os.path.join(HERE, ".venv", "bin", "python")

# Writes `runs` runs into s3://bucket/prefix/runs/bench/ as the layout documents them.
FILLER = r"""
import json, struct, sys, time
import boto3, blake3
endpoint, bucket, prefix, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s3 = boto3.client("s3", endpoint_url=endpoint)
now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
def chunk(owner, run):
    keys, body = [], b""
    for key in ("loss", "val_loss", "acc"):
        steps = list(range(100))
        values = [1.0 / (s + 1) for s in steps]
        keys.append({"key": key, "count": 100, "offset": len(body), "at": [[100, now]]})
        body += struct.pack("<100q", *steps) + struct.pack("<100d", *values)
    header = json.dumps({"format": 1, "model": "bench", "owner": owner, "run": run, "keys": keys}).encode()
    return body + header + struct.pack("<I", len(header))
summary = {"count": 100, "first_step": 0, "last_step": 99, "top_step": 99, "ascending": True,
           "last_value": 0.01, "min": [0.01, 99], "max": [1.0, 0]}
for i in range(runs):
    name = "fill-%d" % i
    data = chunk("bench", name)
    digest = blake3.blake3(data).hexdigest()
    s3.put_object(Bucket=bucket, Key="%s/runs/bench/chunks/%s/%s" % (prefix, digest[:2], digest), Body=data)
    params = {"lr": {"value": str(0.001 * (i % 7)), "kind": "float"},
              "batch": {"value": str(32 << (i % 3)), "kind": "int"},
              "opt": {"value": "adam", "kind": "string"},
              "layers": {"value": str(4 + i % 2), "kind": "int"},
              "seed": {"value": str(i), "kind": "int"}}
    entry = {"owner": "bench", "name": name, "prev": 0,
             "start": {"started_at": now, "host": "filler"}, "params": params,
             "chunk": {"blake3": digest, "size": len(data), "points": 300,
                       "keys": {k: summary for k in ("loss", "val_loss", "acc")}},
             "end": {"status": "finished", "exit_code": 0, "ended_at": now}}
    segment = {"format": 1, "model": "bench", "seq": i + 1, "id": "%032x" % i, "at": now,
               "by": "filler@bench", "runs": [entry]}
    s3.put_object(Bucket=bucket, Key="%s/runs/bench/log/%010d.json" % (prefix, i + 1),
                  Body=json.dumps(segment).encode(), IfNoneMatch="*")
"""

# Prints a point every 100 ms for `seconds`, each printed count also written to a file.
TRAINING = r"""
import json, sys, time
n = int(float(sys.argv[1]) * 10)
for i in range(n):
    print(json.dumps({"loss": 1.0 / (i + 1)}), flush=True)
    open(sys.argv[2], "w").write(str(i + 1))
    time.sleep(0.1)
"""


def timed(args, env):
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def write_points(path, lines, keys=("loss", "acc", "f1", "lr")):
    with open(path, "w") as f:
        for step in range(lines):
            values = {k: round(1.0 / (step + 1 + i), 12) for i, k in enumerate(keys)}
            f.write(json.dumps({"step": step, **values}) + "\n")
    return lines * len(keys)


def start_server():
    names = ("MFILE_TEST_S3_ENDPOINT", "MFILE_TEST_S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    if all(os.environ.get(n) for n in names):
        return {n: os.environ[n] for n in names} | {"AWS_REGION": os.environ.get("AWS_REGION", "us-east-1")}, False
    run = subprocess.run(["bash", SERVER, "start"], capture_output=True, text=True, check=True)
    found = dict(l[len("export "):].split("=", 1) for l in run.stdout.splitlines() if l.startswith("export "))
    return found, "already running" not in run.stderr


class Machines:
    """Environments of mfile processes: each 'machine' has a cache folder of its own."""

    def __init__(self, work, server, prefix):
        self.work, self.server, self.prefix = work, server, prefix
        self.count = 0

    def s3(self, cache=None):
        self.count += 1
        home = cache or os.path.join(self.work, "machine-%d" % self.count)
        return dict(os.environ, MFILE_USER="bench", XDG_DATA_HOME=home,
                    AWS_ENDPOINT_URL=self.server["MFILE_TEST_S3_ENDPOINT"],
                    AWS_ACCESS_KEY_ID=self.server["AWS_ACCESS_KEY_ID"],
                    AWS_SECRET_ACCESS_KEY=self.server["AWS_SECRET_ACCESS_KEY"],
                    AWS_REGION=self.server["AWS_REGION"],
                    MFILE_CENTER="s3://%s/%s" % (self.server["MFILE_TEST_S3_BUCKET"], self.prefix)), home

    def local(self):
        return dict(os.environ, MFILE_USER="bench", MFILE_CENTER=os.path.join(self.work, "local-center"))


def fmt(seconds):
    return "%.1f ms" % (seconds * 1000) if seconds < 1 else "%.2f s" % seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mfile", metavar="PATH", help="time this binary instead of building target/release/mfile")
    args = parser.parse_args()
    global MFILE
    if args.mfile:
        MFILE = os.path.abspath(args.mfile)
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    lines = 25_000 if args.quick else 250_000
    n_runs = 200 if args.quick else 1_000
    history = 20_000 if args.quick else 100_000
    live_seconds = 10 if args.quick else 30
    load_start = os.getloadavg()[0]

    server, started = start_server()
    work = tempfile.mkdtemp(prefix="mfile-bench-tracking-s3-")
    rows = []
    try:
        m = Machines(work, server, "bench-tracking-%d" % time.time_ns())
        points_file = os.path.join(work, "points.jsonl")
        n_points = write_points(points_file, lines)
        writer, _ = m.s3()

        # 1. ingest, paired with the local center
        s3_times, local_times, cold_reads = [], [], []
        for i in range(args.repeat):
            run = "ingest-%d" % i
            pair = [("s3", writer), ("local", m.local())]
            if i % 2:
                pair.reverse()
            for kind, env in pair:
                t = timed([MFILE, "log-metric", "-m", "bench", "--run", run, "--file", points_file, "-q"], env)
                (s3_times if kind == "s3" else local_times).append(t)
            colleague, _ = m.s3()
            cold_reads.append(timed([MFILE, "metrics", "-m", "bench", "--run", run, "--user", "bench"], colleague))
        ratios = sorted(s / l for s, l in zip(s3_times, local_times))
        rows.append(("ingest %d points into s3 (incl. upload)" % n_points, statistics.median(s3_times),
                     "%.0f points/s; target >= 200,000" % (n_points / statistics.median(s3_times))))
        rows.append(("ingest %d points into a local center" % n_points, statistics.median(local_times),
                     "%.0f points/s" % (n_points / statistics.median(local_times))))
        rows.append(("ratio s3 / local ingest (per round)", statistics.median(ratios),
                     "range %.2f-%.2f" % (ratios[0], ratios[-1])))
        rows.append(("colleague's cold metrics of that run (CSV)", statistics.median(cold_reads), ""))

        # 2. one log-metric call
        calls = sorted(timed([MFILE, "log-metric", "-m", "bench", "--run", "single", "loss=0.5"], writer)
                       for _ in range(30))
        rows.append(("one log-metric call (median of 30)", statistics.median(calls), "p90 %s" % fmt(calls[26])))

        # 3. runs over n_runs runs, written by the Python filler into a model of their own
        m2 = Machines(work, server, m.prefix + "-runs")
        filler = os.path.join(work, "filler.py")
        with open(filler, "w") as f:
            f.write(FILLER)
        fill_env = m2.s3()[0]
        subprocess.run([MFILE, "log-param", "-m", "other", "--run", "x", "a=1", "-q"], env=fill_env, check=True)
        subprocess.run([VENV_PYTHON, filler, server["MFILE_TEST_S3_ENDPOINT"], server["MFILE_TEST_S3_BUCKET"],
                        m2.prefix, str(n_runs)], env=fill_env, check=True)
        cold, warm = [], []
        for _ in range(args.repeat):
            env, _ = m2.s3()
            cold.append(timed([MFILE, "runs", "-m", "bench", "--json"], env))
            warm.append(timed([MFILE, "runs", "-m", "bench", "--json"], env))
        rows.append(("runs over %d runs, cold cache" % n_runs, statistics.median(cold), "target < 3 s"))
        rows.append(("runs over %d runs, warm cache" % n_runs, statistics.median(warm), "target < 0.3 s"))

        # 4. metrics of a long history
        hist_file = os.path.join(work, "history.jsonl")
        write_points(hist_file, history, keys=("loss",))
        subprocess.run([MFILE, "log-metric", "-m", "bench", "--run", "history", "--file", hist_file, "-q"],
                       env=writer, check=True)
        cold, warm = [], []
        for _ in range(args.repeat):
            env, _ = m.s3()
            cold.append(timed([MFILE, "metrics", "-m", "bench", "--run", "history", "--json"], env))
            warm.append(timed([MFILE, "metrics", "-m", "bench", "--run", "history", "--json"], env))
        rows.append(("metrics of a %d-point history, cold (JSON)" % history, statistics.median(cold),
                     "target < 1 s"))
        rows.append(("metrics of a %d-point history, warm (JSON)" % history, statistics.median(warm), ""))

        # 5. live delay
        script = os.path.join(work, "train.py")
        with open(script, "w") as f:
            f.write(TRAINING)
        progress = os.path.join(work, "progress")
        track = subprocess.Popen([MFILE, "track", "-m", "bench", "--run", "live", "--", sys.executable, script,
                                  str(live_seconds), progress], env=writer, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        watcher, _ = m.s3()
        lags = []
        while track.poll() is None:
            try:
                printed = int(open(progress).read() or 0)
            except (OSError, ValueError):
                printed = 0
            out = subprocess.run([MFILE, "runs", "-m", "bench", "--json"], env=watcher, capture_output=True, text=True)
            if out.returncode == 0 and printed > 0:
                live = [r for r in json.loads(out.stdout)["runs"] if r["name"] == "live"]
                seen = live[0]["metrics"].get("loss", {}).get("count", 0) if live else 0
                lags.append(max(0, printed - seen) * 0.1)
            time.sleep(0.5)
        if lags:
            rows.append(("live delay (printed - seen), median of %d looks" % len(lags), statistics.median(lags), ""))
            rows.append(("live delay, max", max(lags), "target < 10 s"))

        print("\n| measurement | median | note |\n|---|---:|---|")
        for name, seconds, note in rows:
            value = "%.2fx" % seconds if name.startswith("ratio") else fmt(seconds)
            print("| %s | %s | %s |" % (name, value, note))
        print("\n(%d paired rounds; 2-core machine; %s mode; %s; load %.2f at the start, %.2f at the end)"
              % (args.repeat, "quick" if args.quick else "full", MFILE, load_start, os.getloadavg()[0]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if started:
            subprocess.run(["bash", SERVER, "stop"], check=False)


if __name__ == "__main__":
    sys.exit(main())
