#!/usr/bin/env python3
"""Time 100,000 `run.log(step=e, loss=..., acc=...)` calls of `with mfile.run(...)` (issue 15's
goal: under 2 s from entering the block to leaving it), beside the floor it stands on: the same
200,000 points as a JSON-lines file ingested by `mfile log-metric --file`. Paired rounds, each
on a fresh center; prints medians and the median of per-round ratios.

    python3 bench/python_run.py --mfile target/release/mfile [--repeat 5] [--calls 100000]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))
import mfile  # noqa: E402  (the checkout's package, driving --mfile)


def python_loop(calls: int) -> float:
    started = time.perf_counter()
    with mfile.run("bench", "python") as run:
        for step in range(calls):
            run.log(step=step, loss=1.0 / (step + 1), acc=step / calls)
    elapsed = time.perf_counter() - started
    assert run.points == 2 * calls, run.points
    return elapsed


def file_ingest(binary: str, calls: int, folder: Path) -> float:
    log = folder / "points.jsonl"
    with open(log, "w") as out:
        for step in range(calls):
            out.write(json.dumps({"step": step, "loss": 1.0 / (step + 1), "acc": step / calls}) + "\n")
    started = time.perf_counter()
    subprocess.run([binary, "log-metric", "-m", "bench", "--run", "file", "--file", str(log), "-q"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mfile", required=True, help="the mfile binary (a release build)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    os.environ["MFILE_BIN"] = str(Path(args.mfile).resolve())
    loops, files, ratios = [], [], []
    for round_ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="mfile-bench-py-") as temp:
            os.environ["MFILE_CENTER"] = str(Path(temp) / "center")
            # each goes first every other round
            if round_ % 2 == 0:
                loop = python_loop(args.calls)
                file = file_ingest(args.mfile, args.calls, Path(temp))
            else:
                file = file_ingest(args.mfile, args.calls, Path(temp))
                loop = python_loop(args.calls)
        loops.append(loop)
        files.append(file)
        ratios.append(loop / file)
    print(f"| work ({args.calls:,} calls, 2 metrics each) | median | range |")
    print("|---|---:|---|")
    print(f"| `with mfile.run(...)` loop | {statistics.median(loops):.2f} s | {min(loops):.2f}-{max(loops):.2f} s |")
    print(f"| `log-metric --file` of the same points | {statistics.median(files):.2f} s | {min(files):.2f}-{max(files):.2f} s |")
    print(f"| loop / file (median of per-round ratios) | {statistics.median(ratios):.2f}x | {min(ratios):.2f}-{max(ratios):.2f}x |")
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
