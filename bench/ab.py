#!/usr/bin/env python3
"""Two mfile binaries, back to back: did a change make the file commands slower?

    python3 bench/ab.py OLD_MFILE NEW_MFILE [--rounds 5] [--big-mib 1024] [--files 2000]
                        [--only big|folder]

Each round gives each binary a fresh center and workspace and runs every step with both
binaries one right after the other (in alternating order), after an untimed sync, so that the
disk's write speed, which swings up to 4x within a minute here, hits both alike. It prints each
step's median time per binary and the median of the per-round ratios new/old (above 1: the new
binary is slower) with their range.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def run(binary, args, env):
    os.sync()  # the step before (of either binary) must not leave its flush to this one
    start = time.perf_counter()
    subprocess.run([binary, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def make_data(root, big_mib, files):
    big = os.path.join(root, "big.bin")
    with open(big, "wb") as out:
        for i in range(big_mib):
            out.write(os.urandom(1 << 20))
    folder = os.path.join(root, "folder")
    for i in range(files):
        sub = os.path.join(folder, f"d{i % 100:03}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"f{i:05}.bin"), "wb") as out:
            out.write(os.urandom(10 << 10))
    return big, folder


def steps(big, folder, only):
    """The timed steps, in order: (name, arguments; {root} is the binary's workspace)."""
    out = []
    if only in (None, "big"):
        out += [
            ("import big", ["import", big, "-m", "m", "--version", "1", "-q"]),
            ("import big unchanged", ["import", big, "-m", "m", "--version", "1", "-q"]),
            ("pull big", ["pull", "-m", "m", "--version", "1", "--to", "{root}/pb", "-q"]),
        ]
    if only in (None, "folder"):
        out += [
            ("import folder", ["import", folder, "-m", "m", "--version", "2", "-q"]),
            ("import folder unchanged", ["import", folder, "-m", "m", "--version", "2", "-q"]),
            ("pull folder", ["pull", "-m", "m", "--version", "2", "--to", "{root}/pf", "-q"]),
            ("pull folder no-op", ["pull", "-m", "m", "--version", "2", "--to", "{root}/pf", "-q"]),
        ]
    return out + [("verify", ["verify", "-q"])]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--only", choices=["big", "folder"], help="only the big file's or the folder's steps")
    args = parser.parse_args()
    base = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    os.makedirs(base, exist_ok=True)
    data = tempfile.mkdtemp(prefix="ab-data-", dir=base)
    times = {"old": {}, "new": {}}
    load = [os.getloadavg()[0]]
    try:
        big, folder = make_data(data, args.big_mib if args.only != "folder" else 0, args.files if args.only != "big" else 0)
        for r in range(args.rounds):
            order = [("old", args.old), ("new", args.new)]
            if r % 2:
                order.reverse()
            roots = {tag: tempfile.mkdtemp(prefix=f"ab-{tag}-", dir=base) for tag, _ in order}
            try:
                for step, template in steps(big, folder, args.only):
                    for tag, binary in order:
                        env = dict(os.environ, MFILE_CENTER=os.path.join(roots[tag], "center"), NO_COLOR="1")
                        argv = [a.replace("{root}", roots[tag]) for a in template]
                        times[tag].setdefault(step, []).append(run(binary, argv, env))
            finally:
                for root in roots.values():
                    shutil.rmtree(root, ignore_errors=True)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    load.append(os.getloadavg()[0])
    print(f"{args.rounds} rounds, {args.big_mib} MiB file, {args.files} files of 10 KiB; "
          f"load average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end\n")
    print("| step | old (median) | new (median) | new/old (median of rounds) | range |")
    print("|---|---:|---:|---:|---:|")
    for step, old in times["old"].items():
        new = times["new"][step]
        ratios = [n / o for n, o in zip(new, old)]
        print(
            f"| {step} | {statistics.median(old):.3f} s | {statistics.median(new):.3f} s "
            f"| {statistics.median(ratios):.2f}x | {min(ratios):.2f}-{max(ratios):.2f}x |"
        )


if __name__ == "__main__":
    main()
