#!/usr/bin/env python3
"""Two mfile binaries, back to back: did a change make the file commands slower?

    python3 bench/ab.py OLD_MFILE NEW_MFILE [--rounds 5] [--big-mib 1024] [--files 2000]

Each round runs every step with both binaries one right after the other (in alternating order),
each on a fresh center and workspace, so that the disk's write speed, which swings up to 4x
within a minute here, hits both alike. It prints each step's median time per binary and the
median of the per-round ratios new/old (above 1: the new binary is slower).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def run(binary, args, env):
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


def steps(binary, root, tag, big, folder):
    """The timed steps of one binary in one round, each in its own fresh folders."""
    center = os.path.join(root, f"center-{tag}")
    env = dict(os.environ, MFILE_CENTER=center, NO_COLOR="1")
    out = {}
    out["import big"] = run(binary, ["import", big, "-m", "m", "--version", "1", "-q"], env)
    out["import big unchanged"] = run(
        binary, ["import", big, "-m", "m", "--version", "1", "-q"], env
    )
    out["pull big"] = run(
        binary, ["pull", "-m", "m", "--version", "1", "--to", os.path.join(root, f"pb-{tag}"), "-q"], env
    )
    out["import folder"] = run(binary, ["import", folder, "-m", "m", "--version", "2", "-q"], env)
    out["import folder unchanged"] = run(
        binary, ["import", folder, "-m", "m", "--version", "2", "-q"], env
    )
    to = os.path.join(root, f"pf-{tag}")
    out["pull folder"] = run(binary, ["pull", "-m", "m", "--version", "2", "--to", to, "-q"], env)
    out["pull folder no-op"] = run(binary, ["pull", "-m", "m", "--version", "2", "--to", to, "-q"], env)
    out["verify"] = run(binary, ["verify", "-q"], env)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    base = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    os.makedirs(base, exist_ok=True)
    data = tempfile.mkdtemp(prefix="ab-data-", dir=base)
    times = {"old": [], "new": []}
    try:
        big, folder = make_data(data, args.big_mib, args.files)
        for r in range(args.rounds):
            order = [("old", args.old), ("new", args.new)]
            if r % 2:
                order.reverse()
            for tag, binary in order:
                root = tempfile.mkdtemp(prefix=f"ab-{tag}-", dir=base)
                try:
                    times[tag].append(steps(binary, root, tag, big, folder))
                finally:
                    shutil.rmtree(root, ignore_errors=True)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(f"{args.rounds} rounds, {args.big_mib} MiB file, {args.files} files of 10 KiB\n")
    print("| step | old (median) | new (median) | new/old (median of rounds) |")
    print("|---|---:|---:|---:|")
    for step in times["old"][0]:
        old = [t[step] for t in times["old"]]
        new = [t[step] for t in times["new"]]
        ratios = [n / o for n, o in zip(new, old)]
        print(
            f"| {step} | {statistics.median(old):.3f} s | {statistics.median(new):.3f} s "
            f"| {statistics.median(ratios):.2f}x |"
        )


if __name__ == "__main__":
    main()
