#!/usr/bin/env python3
"""Time a Tab: how long `mfile` takes to answer a shell's completion request on a center of
1,000 models (issue 15, item 5: under 50 ms).

Makes a fresh center in a temp folder (1,000 models `m0`..`m999` with a version each; `m9`
with 20 versions, 2 aliases and 20 runs), then times each request --repeat times (default
20) and prints the medians, next to `mfile --version` (process start alone):
  - models:   COMPLETE=fish mfile -- mfile scan -m m9
  - versions: COMPLETE=fish mfile -- mfile pull -m m9 --version ''
  - runs:     COMPLETE=fish mfile -- mfile metrics -m m9 --run ''

Usage: python3 bench/complete.py [--repeat 20] [--mfile PATH]
Without --mfile it builds and times target/release/mfile.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MFILE = os.path.join(ROOT, "target", "release", "mfile")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--mfile", help="the binary to time (default: build target/release/mfile)")
    args = parser.parse_args()
    mfile = args.mfile
    if not mfile:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        mfile = MFILE
    work = tempfile.mkdtemp(prefix="mfile-bench-complete-")
    try:
        env = dict(os.environ, MFILE_CENTER=os.path.join(work, "center"), MFILE_CONFIG="",
                   MFILE_USER="bench", NO_COLOR="1")
        env.pop("COMPLETE", None)
        quiet = dict(env=env, check=True, stdout=subprocess.DEVNULL)
        for i in range(1000):
            subprocess.run([mfile, "register", "-m", "m%d" % i, "--version", "1", "-q"], **quiet)
        for v in range(2, 21):
            subprocess.run([mfile, "register", "-m", "m9", "--version", "1.%d" % v, "-q"], **quiet)
        for alias, version in (("prod", "1.5"), ("staging", "1.20")):
            subprocess.run([mfile, "alias", "set", "-m", "m9", alias, version, "-q"], **quiet)
        for r in range(20):
            subprocess.run([mfile, "log-param", "-m", "m9", "--run", "r%d" % r, "lr=1", "-q"], **quiet)

        cases = [
            ("mfile --version (process start)", [mfile, "--version"], None, None),
            ("models: scan -m m9", [mfile, "--", "mfile", "scan", "-m", "m9"], "fish", 111),
            ("versions: pull -m m9 --version ''", [mfile, "--", "mfile", "pull", "-m", "m9", "--version", ""], "fish", 23),
            ("runs: metrics -m m9 --run ''", [mfile, "--", "mfile", "metrics", "-m", "m9", "--run", ""], "fish", 20),
        ]
        print("| request | candidates | median | min | max |")
        print("|---|---:|---:|---:|---:|")
        for name, cmd, shell, expected in cases:
            run_env = dict(env, COMPLETE=shell) if shell else env
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                out = subprocess.run(cmd, env=run_env, check=True, capture_output=True, text=True)
                times.append(time.perf_counter() - start)
            lines = len(out.stdout.splitlines())
            if expected is not None and lines != expected:
                raise SystemExit("%s: %d candidates, expected %d:\n%s" % (name, lines, expected, out.stdout))
            ms = [t * 1000 for t in times]
            print("| %s | %s | %.1f ms | %.1f ms | %.1f ms |" % (
                name, lines if shell else "", statistics.median(ms), min(ms), max(ms)))
        print("\n%d runs each; load average %s" % (args.repeat, os.getloadavg()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
