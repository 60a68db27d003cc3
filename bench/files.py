#!/usr/bin/env python3
"""Benchmark of mfile's file commands against cp, md5sum, rsync, DVC and d6tpipe (the Python
library mfile replaces), side by side on the same data in one run.

Usage: python3 bench/files.py [--quick] [--repeat 3] [--only big|folder|listing] [--mfile PATH]
Each of the --repeat rounds runs mfile, its limits (md5sum, cp + sync) and its peers back to back,
in alternating order; ratios are the median of the per-round ratios (the disk's durable write
speed swings up to 4x within a minute here, so timing each tool as a group would compare phases).
Without --mfile it builds and times target/release/mfile.
Peers come from bench/.venv (`bench/.venv/bin/pip install dvc d6tpipe`) and the system
(`apt-get install rsync`); a missing peer is reported in the table, not skipped silently.
Data lives in bench/data (kept between runs; generated deterministically).
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MFILE = os.path.join(ROOT, "target", "release", "mfile")
VENV = os.path.join(HERE, ".venv", "bin")
DATA = os.path.join(HERE, "data")

D6T_IMPORT = r"""
import sys, warnings, contextlib, io
warnings.filterwarnings("ignore")
with contextlib.redirect_stdout(io.StringIO()):
    import d6tpipe
kind, src, repo = sys.argv[1:4]
with contextlib.redirect_stdout(io.StringIO()):
    pipe = d6tpipe.PipeLocal("bench", config={"filerepo": repo, "filedb": repo + "/db.json"})
    if kind == "file":
        pipe.import_file(src)
    else:
        pipe.import_dir(src)
    files = pipe.scan_local(attributes=True)
print(len(files[0]) if isinstance(files, tuple) else len(files))
"""


class Timer:
    """Runs commands; keeps (seconds, peak RSS KiB) per label and round, reports medians."""

    def __init__(self):
        self.results = {}  # label -> {round: (seconds, rss)}
        self.notes = {}
        self.round = 0

    def run(self, label, args, cwd=None, env=None, shell=False):
        # Dirty pages left by the previous step would be flushed during this one: start clean.
        os.sync()
        cmd = ["/usr/bin/time", "-f", "%M", "-o", "/tmp/mfile-bench-rss"]
        cmd += ["sh", "-c", args] if shell else args
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            self.notes[label] = "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:100]
            return None
        with open("/tmp/mfile-bench-rss") as f:
            rss = int(f.read().split()[-1])
        self.results.setdefault(label, {})[self.round] = (seconds, rss)
        return seconds

    def seconds(self, label):
        """{round: seconds} of a label."""
        return {r: s for r, (s, _) in self.results.get(label, {}).items()}

    def median(self, label):
        runs = self.seconds(label)
        return statistics.median(runs.values()) if runs else None

    def rss(self, label):
        runs = self.results.get(label)
        return max(r for _, r in runs.values()) if runs else None

    def ratios(self, label, *limits):
        """Per round: the time of `label` over the slowest of `limits` in the same round."""
        mine, theirs = self.seconds(label), [self.seconds(l) for l in limits]
        return [mine[r] / max(t[r] for t in theirs) for r in sorted(mine) if all(r in t for t in theirs)]


def paired(t, repeat, groups):
    """`repeat` rounds; each runs every group of steps once, back to back, in alternating order
    (forward, then reversed), so that mfile and what it is compared with see the same disk."""
    for rep in range(repeat):
        t.round = rep
        for group in (groups if rep % 2 == 0 else groups[::-1]):
            group(rep)


def have(path):
    return os.path.exists(path) or shutil.which(path) is not None


def make_big(path, size):
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    # AES-CTR of zeros: deterministic, incompressible, fast to make.
    subprocess.run(
        "openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f -iv 0 -nosalt < /dev/zero "
        "2>/dev/null | head -c %d > %s" % (size, path), shell=True, check=True)


def make_folder(path, files, size, folders):
    marker = path + ".complete"
    if os.path.exists(marker):
        return
    shutil.rmtree(path, ignore_errors=True)
    rng = random.Random(42)
    for i in range(files):
        d = os.path.join(path, "d%03d" % (i % folders))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
            f.write(rng.randbytes(size))
    open(marker, "w").close()


def fresh(work, name):
    path = os.path.join(work, name)
    os.makedirs(path)
    return path


def dvc_env():
    return dict(os.environ, PATH=VENV + ":" + os.environ["PATH"], DVC_NO_ANALYTICS="1")


def bench_dvc(t, work, src, rep, label):
    """dvc add + push into a local remote, then dvc pull in a clone."""
    if not have(os.path.join(VENV, "dvc")):
        t.notes[label + " add+push"] = "not installed: bench/.venv/bin/pip install dvc"
        return
    env = dvc_env()
    repo = fresh(work, "dvc-%s-%d" % (label, rep))
    remote = os.path.join(work, "dvc-remote-%s-%d" % (label, rep))
    subprocess.run("dvc init --no-scm -q && dvc remote add -d r %s -q" % remote, shell=True, cwd=repo, env=env, check=True)
    name = os.path.basename(src.rstrip("/"))
    # A hard link (or copy for folders) puts the data in the repo untimed; DVC then hashes it.
    if os.path.isdir(src):
        subprocess.run(["cp", "-al", src, os.path.join(repo, name)], check=True)
    else:
        os.link(src, os.path.join(repo, name))
    t.run("DVC add+push (%s)" % label, "dvc add -q %s && dvc push -q" % name, cwd=repo, env=env, shell=True)
    clone = fresh(work, "dvc-clone-%s-%d" % (label, rep))
    shutil.copytree(os.path.join(repo, ".dvc"), os.path.join(clone, ".dvc"), ignore=shutil.ignore_patterns("cache", "tmp"))
    shutil.copy(os.path.join(repo, name + ".dvc"), clone)
    t.run("DVC pull (%s)" % label, "dvc pull -q", cwd=clone, env=env, shell=True)


def bench_d6t(t, work, src, rep, label, kind):
    python = os.path.join(VENV, "python")
    check = subprocess.run([python, "-c", "import d6tpipe"], capture_output=True) if have(python) else None
    if check is None or check.returncode != 0:
        t.notes["d6tpipe (%s)" % label] = "not installed: bench/.venv/bin/pip install d6tpipe"
        return
    script = os.path.join(work, "d6t.py")
    with open(script, "w") as f:
        f.write(D6T_IMPORT)
    repo = fresh(work, "d6t-%s-%d" % (label, rep))
    t.run("d6tpipe import+scan_local (%s)" % label, [python, script, kind, src, repo])


def main():
    global MFILE
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["big", "folder", "listing"])
    parser.add_argument("--mfile", metavar="PATH", help="time this binary instead of building target/release/mfile")
    args = parser.parse_args()
    big_size = (256 << 20) if args.quick else (2 << 30)
    n_files = 2_000 if args.quick else 20_000
    n_list = 10_000 if args.quick else 100_000

    if args.mfile:
        MFILE = os.path.abspath(args.mfile)
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    os.makedirs(DATA, exist_ok=True)
    big = os.path.join(DATA, "big-%d.bin" % big_size)
    folder = os.path.join(DATA, "folder-%d" % n_files)
    listing = os.path.join(DATA, "listing-%d" % n_list)
    make_big(big, big_size)
    make_folder(folder, n_files, 10 << 10, 200)
    make_folder(listing, n_list, 64, 100)

    work = tempfile.mkdtemp(prefix="mfile-bench-", dir=HERE)
    t = Timer()
    t.load = [os.getloadavg()[0]]
    mf = lambda center: dict(os.environ, MFILE_CENTER=center)
    try:
        if args.only in (None, "big"):
            subprocess.run(["cat", big], stdout=subprocess.DEVNULL)  # hot page cache, as stated

            def limit(rep):
                t.run("md5sum (big)", ["md5sum", big])
                dst = os.path.join(fresh(work, "cp-big-%d" % rep), "big.bin")
                t.run("cp + sync (big)", "cp %s %s && sync %s" % (big, dst, dst), shell=True)

            def mfile(rep):
                center = os.path.join(work, "center-big-%d" % rep)
                t.run("mfile import (big)", [MFILE, "import", big, "-m", "big", "--version", "1", "-q"], env=mf(center))
                t.run("mfile import unchanged (big)", [MFILE, "import", big, "-m", "big", "--version", "1", "-q"], env=mf(center))
                t.run("mfile pull (big)", [MFILE, "pull", "-m", "big", "--version", "1", "--to", fresh(work, "pull-big-%d" % rep), "-q"], env=mf(center))

            # mfile in the middle: next to its limit and to each peer in both orders.
            paired(t, args.repeat, [limit, mfile,
                                    lambda rep: bench_dvc(t, work, big, rep, "big"),
                                    lambda rep: bench_d6t(t, work, big, rep, "big", "file")])
            center = os.path.join(work, "center-big-0")
            before = shutil.disk_usage(work).used
            t.run("mfile import into a 2nd version (big)", [MFILE, "import", big, "-m", "big", "--version", "2", "-q"], env=mf(center))
            t.notes["mfile import into a 2nd version (big)"] = "disk use grew by %.2f MiB" % ((shutil.disk_usage(work).used - before) / 2**20)

        if args.only in (None, "folder"):
            def limit(rep):
                t.run("find | md5sum (folder)", "find %s -type f -print0 | xargs -0 md5sum" % folder, shell=True)
                t.run("cp -r + sync (folder)", "cp -r %s %s && sync" % (folder, os.path.join(work, "cp-folder-%d" % rep)), shell=True)

            def mfile(rep):
                center = os.path.join(work, "center-folder-%d" % rep)
                t.run("mfile import (folder)", [MFILE, "import", folder, "-m", "f", "--version", "1", "-q"], env=mf(center))
                t.run("mfile import unchanged (folder)", [MFILE, "import", folder, "-m", "f", "--version", "1", "-q"], env=mf(center))
                dst = os.path.join(work, "pull-folder-%d" % rep)
                t.run("mfile pull (folder)", "%s pull -m f --version 1 --to %s -q && sync" % (MFILE, dst), env=mf(center), shell=True)
                t.run("mfile pull no-op (folder)", [MFILE, "pull", "-m", "f", "--version", "1", "--to", dst, "-q"], env=mf(center))

            def rsync(rep):
                if not have("rsync"):
                    t.notes["rsync -a (folder)"] = "not installed: apt-get install rsync"
                    return
                t.run("rsync -a (folder)", ["rsync", "-a", folder + "/", os.path.join(work, "rsync-%d" % rep) + "/"])
                t.run("rsync -a no-op (folder)", ["rsync", "-a", folder + "/", os.path.join(work, "rsync-%d" % rep) + "/"])

            paired(t, args.repeat, [limit, rsync, mfile,
                                    lambda rep: bench_dvc(t, work, folder, rep, "folder"),
                                    lambda rep: bench_d6t(t, work, folder, rep, "folder", "dir")])

        if args.only in (None, "listing"):
            center = os.path.join(work, "center-listing")
            subprocess.run([MFILE, "import", listing, "-m", "l", "--version", "1", "-q"], env=mf(center), check=True)
            subprocess.run([MFILE, "import", folder, "-m", "f", "--version", "1", "-q"], env=mf(center), check=True)
            for rep in range(args.repeat):
                t.round = rep
                t.run("mfile scan -l (%d files)" % n_list, [MFILE, "scan", "-m", "l", "--version", "1", "-l"], env=mf(center))
                t.run("mfile scan --sort size (center)", [MFILE, "scan", "--sort", "size"], env=mf(center))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.load.append(os.getloadavg()[0])

    report(t, args, big_size, n_files)


def report(t, args, big_size, n_files):
    def ms(s):
        return "-" if s is None else ("%.0f ms" % (s * 1000) if s < 1 else "%.2f s" % s)

    print("\n| measurement | median | peak RSS | note |\n|---|---:|---:|---|")
    for label in t.results:
        rss = t.rss(label)
        print("| %s | %s | %s | %s |" % (label, ms(t.median(label)), "%d MiB" % (rss // 1024), t.notes.get(label, "")))
    for label, note in t.notes.items():
        if label not in t.results:
            print("| %s | - | - | %s |" % (label, note))

    def ratio(name, target, label, *limits):
        rounds = t.ratios(label, *limits)
        if rounds:
            print("| %s | %.2fx | %.2f-%.2fx | %s |" % (
                name, statistics.median(rounds), min(rounds), max(rounds), target))
        else:
            print("| %s | - | - | %s |" % (name, target))

    print("\n| ratio (per round, same round) | median | range | target |\n|---|---:|---:|---|")
    if t.median("mfile import (big)") is not None:
        ratio("mfile import / slower of md5sum, cp+sync (big)", "<= 1.15x", "mfile import (big)", "md5sum (big)", "cp + sync (big)")
        ratio("mfile import / cp+sync (big)", "", "mfile import (big)", "cp + sync (big)")
        ratio("DVC add+push / mfile import (big)", ">= 4x", "DVC add+push (big)", "mfile import (big)")
        ratio("d6tpipe / mfile import (big)", "", "d6tpipe import+scan_local (big)", "mfile import (big)")
        ratio("DVC pull / mfile pull (big)", "", "DVC pull (big)", "mfile pull (big)")
        print("| mfile import unchanged (big), median | %s | | < 0.1 s |" % ms(t.median("mfile import unchanged (big)")))
    if t.median("mfile import (folder)") is not None:
        ratio("mfile import / slower of find|md5sum, cp -r+sync (folder)", "", "mfile import (folder)", "find | md5sum (folder)", "cp -r + sync (folder)")
        ratio("mfile import / cp -r+sync (folder)", "<= 1.5x", "mfile import (folder)", "cp -r + sync (folder)")
        ratio("mfile import / rsync -a (folder)", "", "mfile import (folder)", "rsync -a (folder)")
        ratio("d6tpipe / mfile import (folder)", ">= 2x", "d6tpipe import+scan_local (folder)", "mfile import (folder)")
        ratio("DVC add+push / mfile import (folder)", ">= 8x", "DVC add+push (folder)", "mfile import (folder)")
        ratio("mfile pull / cp -r+sync (folder)", "<= 1.5x", "mfile pull (folder)", "cp -r + sync (folder)")
        ratio("DVC pull / mfile pull (folder)", ">= 8x", "DVC pull (folder)", "mfile pull (folder)")
        ratio("mfile pull no-op / rsync -a no-op", "<= 1.0x", "mfile pull no-op (folder)", "rsync -a no-op (folder)")
    print("\n%s; %d paired rounds; big file %d MiB, folder %d files of 10 KiB; %s mode; %s" % (
        machine(), args.repeat, big_size >> 20, n_files, "quick" if args.quick else "full", MFILE))
    # Other processes (builds) on this machine load the CPU too: the ratios absorb some of it.
    print("load average (1 min) %.2f at the start, %.2f at the end" % tuple(t.load))


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return "%s, %d cores, %.0f GiB" % (cpu, os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)


if __name__ == "__main__":
    sys.exit(main())
