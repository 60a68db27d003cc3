#!/usr/bin/env python3
"""Benchmark of mfile with a center in S3 (`MFILE_CENTER=s3://bucket/prefix`) against the aws
CLI, boto3, rclone and DVC, side by side on the same data and the same local S3 server.

Usage: python3 bench/s3.py [--quick] [--repeat 3] [--only big|small|noop|listing]
                           [--peers aws,boto3,rclone,dvc] [--mfile PATH]
It starts SeaweedFS with tests/s3/server (and stops it at the end), or uses the server that
MFILE_TEST_S3_ENDPOINT / MFILE_TEST_S3_BUCKET and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
AWS_REGION name. Each of the --repeat rounds runs every tool once, back to back, in
alternating order, each into a fresh prefix; ratios are the median of the per-round ratios.
Without --mfile it builds and times target/release/mfile.
Peers: the aws CLI and rclone from PATH (`apt-get install rclone`), boto3 and DVC from
bench/.venv (bench/README.md says how to install them); a missing peer is reported in the
table, not skipped silently. Data lives in bench/data (kept between runs; deterministic).
"""

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The data and the round-pairing are files.py's: both benchmarks share bench/data.
from files import fresh, have, make_big, make_folder, paired

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MFILE = os.path.join(ROOT, "target", "release", "mfile")
VENV = os.path.join(HERE, ".venv", "bin")
DATA = os.path.join(HERE, "data")
SERVER = os.path.join(ROOT, "tests", "s3", "server")
PEERS = ("aws", "boto3", "rclone", "dvc")
PARTS = ("big", "small", "noop", "listing")

# One transfer, timed from process start like the aws CLI (both are Python programs).
BOTO3 = r"""
import sys, boto3
from boto3.s3.transfer import TransferConfig
op, endpoint, bucket, key, path = sys.argv[1:6]
s3 = boto3.client("s3", endpoint_url=endpoint)
config = TransferConfig(max_concurrency=8)
if op == "up":
    s3.upload_file(path, bucket, key, Config=config)
else:
    s3.download_file(bucket, key, path, Config=config)
"""


class Timer:
    """Runs commands; keeps (seconds, peak RSS KiB) per label and round, reports medians."""

    def __init__(self):
        self.results = {}  # label -> {round: (seconds, rss)}
        self.notes = {}
        self.failures = []  # (label, round, command, last lines of stderr)
        self.round = 0

    def run(self, label, args, cwd=None, env=None, shell=False, timed=True):
        """Seconds, or None when the command failed. Untimed runs prepare a later timed step."""
        if not timed:
            proc = subprocess.run(args, cwd=cwd, env=env, shell=shell, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            return 0.0 if proc.returncode == 0 else self.failed(label, args, env, proc)
        # Dirty pages left by the previous step (ours or the server's) would be flushed during
        # this one: start clean.
        os.sync()
        cmd = ["/usr/bin/time", "-f", "%M", "-o", "/tmp/mfile-bench-s3-rss"]
        cmd += ["sh", "-c", args] if shell else args
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            return self.failed(label, args, env, proc)
        with open("/tmp/mfile-bench-s3-rss") as f:
            rss = int(f.read().split()[-1])
        self.results.setdefault(label, {})[self.round] = (seconds, rss)
        return seconds

    def failed(self, label, args, env, proc):
        lines = proc.stderr.strip().splitlines() or ["exit code %d, no stderr" % proc.returncode]
        self.notes[label] = "failed: " + lines[-1][:100]
        command = args if isinstance(args, str) else shlex.join(args)
        # The variables that say which center and cache mfile used, to run it again by hand.
        shown = " ".join("%s=%s" % (k, env[k]) for k in ("MFILE_CENTER", "XDG_DATA_HOME") if env and k in env)
        self.failures.append((label, self.round, (shown + " " + command).strip(), lines[-5:]))
        return None

    def seconds(self, label):
        """{round: seconds} of a label."""
        return {r: s for r, (s, _) in self.results.get(label, {}).items()}

    def median(self, label):
        runs = self.seconds(label)
        return statistics.median(runs.values()) if runs else None

    def rss(self, label):
        runs = self.results.get(label)
        return max(r for _, r in runs.values()) if runs else None

    def ratios(self, label, *others, pick=max):
        """Per round: the time of `label` over the slowest (or with pick=min, the fastest) of
        `others` in the same round. Others that never ran (missing peers) are left out."""
        mine = self.seconds(label)
        theirs = [s for s in (self.seconds(o) for o in others) if s]
        if not theirs:
            return []
        return [mine[r] / pick(t[r] for t in theirs) for r in sorted(mine) if all(r in t for t in theirs)]


def count_files(path):
    return sum(len(files) for _, _, files in os.walk(path))


def then_sync(args):
    """A download and the flush of what it wrote: mfile pull fsyncs its files, the peers don't."""
    return shlex.join(args) + " && sync"


class S3:
    """The server's address and keys, and the environment each tool reads them from."""

    def __init__(self, endpoint, bucket, key, secret, region, work):
        self.endpoint, self.bucket = endpoint, bucket
        self.key, self.secret, self.region = key, secret, region
        self.work = work
        # A reused server keeps earlier runs' objects: this run's prefixes all start with this.
        self.run = "bench-%d" % time.time()

    def prefix(self, tool, part, rep):
        return "%s-%s-%s-%d" % (self.run, tool, part, rep)

    def url(self, prefix):
        return "s3://%s/%s" % (self.bucket, prefix)

    def env(self):
        """The keys in the environment; nothing else of the developer's AWS setup (a profile's
        endpoint or max_concurrent_requests would change what is measured)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MFILE_", "RCLONE_", "AWS_ENDPOINT_URL"))
               and k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION")}
        missing = os.path.join(self.work, "no-such-file")
        env.update(AWS_ACCESS_KEY_ID=self.key, AWS_SECRET_ACCESS_KEY=self.secret, AWS_REGION=self.region,
                   AWS_CONFIG_FILE=missing, AWS_SHARED_CREDENTIALS_FILE=missing, NO_COLOR="1")
        return env

    def rclone_env(self):
        """A remote named `bench` from variables alone, with an empty config file. Without
        AWS_CA_BUNDLE: rclone's AWS SDK fails on it ("unsupported transport")."""
        empty = os.path.join(self.work, "rclone.conf")
        open(empty, "a").close()
        env = {k: v for k, v in self.env().items() if k != "AWS_CA_BUNDLE"}
        return dict(env, RCLONE_CONFIG=empty,
                    RCLONE_CONFIG_BENCH_TYPE="s3", RCLONE_CONFIG_BENCH_PROVIDER="Other",
                    RCLONE_CONFIG_BENCH_ENDPOINT=self.endpoint, RCLONE_CONFIG_BENCH_REGION=self.region,
                    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=self.key, RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=self.secret)

    def rclone(self, prefix, path=""):
        return "bench:%s/%s%s" % (self.bucket, prefix, path)

    def machine(self, name, prefix):
        """mfile on another machine: its own data folder (so its own cache of the bucket) and
        config folder and no system config file, the center at `prefix`."""
        root = fresh(self.work, "machine-" + name)
        return dict(self.env(), MFILE_CENTER=self.url(prefix), AWS_ENDPOINT_URL=self.endpoint,
                    XDG_DATA_HOME=os.path.join(root, "data"), XDG_CONFIG_HOME=os.path.join(root, "config"), MFILE_CONFIG="")


def start_server():
    """(endpoint, bucket, key, secret, region) and whether we started the server."""
    names = ("MFILE_TEST_S3_ENDPOINT", "MFILE_TEST_S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    if all(os.environ.get(n) for n in names):
        return tuple(os.environ[n] for n in names) + (os.environ.get("AWS_REGION", "us-east-1"),), False
    run = subprocess.run(["bash", SERVER, "start"], capture_output=True, text=True, check=True)
    sys.stderr.write(run.stderr)
    # Its stdout is `export NAME=value` lines.
    found = dict(line[len("export "):].split("=", 1) for line in run.stdout.splitlines() if line.startswith("export "))
    # A server someone else started (the tests' one) is left running.
    return tuple(found[n] for n in names) + (found["AWS_REGION"],), "already running" not in run.stderr


def stop_server():
    subprocess.run(["bash", SERVER, "stop"], check=False)


class Bench:
    """What every step needs: the timer, the temp folder, the server, the data, the peers."""

    def __init__(self, t, work, s3, args, peers):
        self.t, self.work, self.s3 = t, work, s3
        self.parts = {args.only} if args.only else set(PARTS)
        self.repeat = args.repeat
        self.peers = peers
        self.aws = [find_aws()]
        self.usable = []  # the selected peers that are installed
        self.big = self.folder = self.listing = None
        self.big_size = self.n_files = self.n_list = 0


def find_aws():
    """The aws CLI itself: a pyenv shim would add a bash script's start to every call."""
    proc = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True) if have("pyenv") else None
    if proc is not None and proc.returncode == 0:
        return proc.stdout.strip()
    return shutil.which("aws") or "aws"


def installed(b):
    """{peer: None if usable, else how to install it}, for the selected peers."""
    python = os.path.join(VENV, "python")

    def imports(module):
        return have(python) and subprocess.run([python, "-c", "import " + module], capture_output=True).returncode == 0

    checks = {
        "aws": (lambda: have(b.aws[0]), "the aws CLI (pip install awscli)"),
        "boto3": (lambda: imports("boto3"), "bench/.venv/bin/pip install boto3 (see bench/README.md)"),
        "rclone": (lambda: have("rclone"), "apt-get install rclone"),
        "dvc": (lambda: have(os.path.join(VENV, "dvc")) and imports("dvc_s3"), "bench/.venv/bin/pip install 'dvc[s3]'"),
    }
    return {p: (None if checks[p][0]() else checks[p][1]) for p in b.peers}


def groups(b, steps):
    """The round's groups: mfile, its limits, and the peers that are selected and installed."""
    return [lambda rep, f=f: f(b, rep) for name, f in steps if name in ("limits", "mfile") or name in b.usable]


# --- one big file ---

def big_limits(b, rep):
    b.t.run("md5sum (big)", ["md5sum", b.big])
    dst = os.path.join(fresh(b.work, "cp-big-%d" % rep), "big.bin")
    b.t.run("cp + sync (big)", then_sync(["cp", b.big, dst]), shell=True)
    os.remove(dst)  # the disk holds every round's uploads on the server already


def download_big(b, label, args_for, env):
    """Times a download into a fresh folder, checks it holds one file of the right size, and
    frees the space."""
    dst = fresh(b.work, "down-%s-%d" % (label.split()[0], b.t.round))
    if b.t.run(label, then_sync(args_for(dst)), env=env, shell=True) is not None:
        sizes = [os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(dst) for f in files]
        if sizes != [os.path.getsize(b.big)]:
            b.t.notes[label] = "got files of %s bytes" % sizes
    shutil.rmtree(dst)


def big_aws(b, rep):
    url = b.s3.url(b.s3.prefix("aws", "big", rep)) + "/" + os.path.basename(b.big)
    aws = b.aws + ["s3", "cp", "--only-show-errors", "--endpoint-url", b.s3.endpoint]
    if b.t.run("aws s3 cp up (big)", aws + [b.big, url], env=b.s3.env()) is None:
        return
    download_big(b, "aws s3 cp down (big)", lambda dst: aws + [url, dst + "/"], b.s3.env())


def big_boto3(b, rep):
    script = [os.path.join(VENV, "python"), os.path.join(b.work, "boto3-transfer.py")]
    name = os.path.basename(b.big)
    key = b.s3.prefix("boto3", "big", rep) + "/" + name
    up = script + ["up", b.s3.endpoint, b.s3.bucket, key, b.big]
    if b.t.run("boto3 upload_file (big)", up, env=b.s3.env()) is None:
        return
    down = lambda dst: script + ["down", b.s3.endpoint, b.s3.bucket, key, os.path.join(dst, name)]
    download_big(b, "boto3 download_file (big)", down, b.s3.env())


def big_rclone(b, rep):
    prefix = b.s3.prefix("rclone", "big", rep)
    if b.t.run("rclone copy up (big)", ["rclone", "copy", b.big, b.s3.rclone(prefix)], env=b.s3.rclone_env()) is None:
        return
    # rclone copy of one file keeps its name, as mfile import and the other peers do here.
    down = lambda dst: ["rclone", "copy", b.s3.rclone(prefix, "/" + os.path.basename(b.big)), dst]
    download_big(b, "rclone copy down (big)", down, b.s3.rclone_env())


def big_mfile(b, rep):
    prefix = b.s3.prefix("mfile", "big", rep)
    here = b.s3.machine("big-up-%d" % rep, prefix)
    if b.t.run("mfile import (big)", [MFILE, "import", b.big, "-m", "big", "--version", "1", "-q"], env=here) is None:
        return
    # Pulled on another machine: a fresh cache, like the peers' downloads that have none.
    other = b.s3.machine("big-down-%d" % rep, prefix)
    pull = lambda dst: [MFILE, "pull", "-m", "big", "--version", "1", "--to", dst, "-q"]
    download_big(b, "mfile pull (big)", pull, other)


def bench_big(b):
    subprocess.run(["cat", b.big], stdout=subprocess.DEVNULL)  # hot page cache, for every tool
    with open(os.path.join(b.work, "boto3-transfer.py"), "w") as f:
        f.write(BOTO3)
    # mfile next to the two it is held to (aws, boto3); the order flips every round.
    steps = [("limits", big_limits), ("aws", big_aws), ("mfile", big_mfile), ("boto3", big_boto3), ("rclone", big_rclone)]
    paired(b.t, b.repeat, groups(b, steps))


# --- many small files, and the no-op re-runs ---

def check_count(b, label, dst):
    got = count_files(dst)
    if label in b.t.results and got != b.n_files:
        b.t.notes[label] = "%d of %d files" % (got, b.n_files)


def small_rclone(b, rep):
    """rclone copy up, again (no-op), down into an empty folder, again (no-op)."""
    small, noop, env = "small" in b.parts, "noop" in b.parts, b.s3.rclone_env()
    remote = b.s3.rclone(b.s3.prefix("rclone", "small", rep))
    up = ["rclone", "copy", "--transfers", "32", b.folder, remote]
    if b.t.run("rclone copy up (small)", up, env=env, timed=small) is None:
        return
    if noop:
        b.t.run("rclone copy up no-op (small)", up, env=env)
    dst = os.path.join(b.work, "rclone-small-%d" % rep)
    down = ["rclone", "copy", "--transfers", "32", remote, dst]
    if b.t.run("rclone copy down (small)", then_sync(down), env=env, shell=True, timed=small) is None:
        return
    check_count(b, "rclone copy down (small)", dst)
    if noop:
        b.t.run("rclone copy down no-op (small)", down, env=env)


def small_aws(b, rep):
    """aws s3 sync up, again (no-op), down into an empty folder, again (no-op)."""
    small, noop, env = "small" in b.parts, "noop" in b.parts, b.s3.env()
    url = b.s3.url(b.s3.prefix("aws", "small", rep))
    aws = b.aws + ["s3", "sync", "--only-show-errors", "--endpoint-url", b.s3.endpoint]
    if b.t.run("aws s3 sync up (small)", aws + [b.folder, url], env=env, timed=small) is None:
        return
    if noop:
        b.t.run("aws s3 sync up no-op (small)", aws + [b.folder, url], env=env)
    dst = os.path.join(b.work, "aws-small-%d" % rep)
    if b.t.run("aws s3 sync down (small)", then_sync(aws + [url, dst]), env=env, shell=True, timed=small) is None:
        return
    check_count(b, "aws s3 sync down (small)", dst)
    if noop:
        b.t.run("aws s3 sync down no-op (small)", aws + [url, dst], env=env)


def dvc_env(b):
    return dict(b.s3.env(), PATH=VENV + ":" + os.environ["PATH"], DVC_NO_ANALYTICS="1")


def dvc_repo(b, rep):
    """A DVC repo whose default remote is a fresh prefix, with the folder hard-linked in (DVC
    hashes it during `add`, which is timed)."""
    repo = fresh(b.work, "dvc-%d" % rep)
    remote = b.s3.url(b.s3.prefix("dvc", "small", rep))
    setup = [["dvc", "init", "--no-scm", "-q"], ["dvc", "remote", "add", "-d", "r", remote]]
    for name, value in (("endpointurl", b.s3.endpoint), ("access_key_id", b.s3.key),
                        ("secret_access_key", b.s3.secret), ("region", b.s3.region)):
        setup.append(["dvc", "remote", "modify", "r", name, value])
    for args in setup:
        subprocess.run(args, cwd=repo, env=dvc_env(b), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cp", "-al", b.folder, os.path.join(repo, "small")], check=True)
    return repo


def dvc_clone(b, repo, rep):
    """What a colleague gets from git: the config and small.dvc, no cache."""
    clone = fresh(b.work, "dvc-clone-%d" % rep)
    shutil.copytree(os.path.join(repo, ".dvc"), os.path.join(clone, ".dvc"), ignore=shutil.ignore_patterns("cache", "tmp"))
    shutil.copy(os.path.join(repo, "small.dvc"), clone)
    return clone


def small_dvc(b, rep):
    """dvc add + push, status -c (no-op), pull in a fresh clone."""
    small, env = "small" in b.parts, dvc_env(b)
    repo = dvc_repo(b, rep)
    if b.t.run("DVC add+push (small)", "dvc add -q small && dvc push -q", cwd=repo, env=env, shell=True, timed=small) is None:
        return
    if "noop" in b.parts:
        b.t.run("DVC status -c (small)", ["dvc", "status", "-c", "-q"], cwd=repo, env=env)
    if small:
        clone = dvc_clone(b, repo, rep)
        b.t.run("DVC pull, fresh clone (small)", "dvc pull -q && sync", cwd=clone, env=env, shell=True)
        check_count(b, "DVC pull, fresh clone (small)", os.path.join(clone, "small"))


def small_mfile(b, rep):
    """import, again (no-op), pull on another machine into an empty folder, again (no-op), and
    pull on the importing machine (its cache warm) into another empty folder."""
    small, noop = "small" in b.parts, "noop" in b.parts
    prefix = b.s3.prefix("mfile", "small", rep)
    here = b.s3.machine("small-up-%d" % rep, prefix)
    imp = [MFILE, "import", b.folder, "-m", "small", "--version", "1", "-q"]
    if b.t.run("mfile import (small)", imp, env=here, timed=small) is None:
        return
    if noop:
        b.t.run("mfile import unchanged (small)", imp, env=here)
    other = b.s3.machine("small-down-%d" % rep, prefix)
    dst = os.path.join(b.work, "mfile-small-%d" % rep)
    pull = lambda dst: [MFILE, "pull", "-m", "small", "--version", "1", "--to", dst, "-q"]
    if b.t.run("mfile pull, fresh cache (small)", then_sync(pull(dst)), env=other, shell=True, timed=small) is None:
        return
    check_count(b, "mfile pull, fresh cache (small)", dst)
    if noop:
        b.t.run("mfile pull no-op (small)", pull(dst), env=other)
    if small:
        warm = os.path.join(b.work, "mfile-small-warm-%d" % rep)
        b.t.run("mfile pull, warm cache (small)", then_sync(pull(warm)), env=here, shell=True)
        check_count(b, "mfile pull, warm cache (small)", warm)


def bench_small(b):
    # mfile next to rclone, the peer it is held to; the order flips every round.
    steps = [("aws", small_aws), ("rclone", small_rclone), ("mfile", small_mfile), ("dvc", small_dvc)]
    paired(b.t, b.repeat, groups(b, steps))


# --- listing a big version ---

def bench_listing(b):
    """One import of many tiny files (timed once, as a note), then per round `scan -l` on a
    fresh machine (cold: the cache is built from the bucket) and again (warm)."""
    prefix = b.s3.prefix("mfile", "listing", 0)
    label = "mfile import, once (%d tiny files)" % b.n_list
    b.t.round = 0
    imp = [MFILE, "import", b.listing, "-m", "l", "--version", "1", "-q"]
    if b.t.run(label, imp, env=b.s3.machine("listing-up", prefix)) is None:
        return
    scan = [MFILE, "scan", "-l", "-m", "l", "--version", "1"]
    for rep in range(b.repeat):
        b.t.round = rep
        env = b.s3.machine("listing-%d" % rep, prefix)
        b.t.run("mfile scan -l cold (%d files)" % b.n_list, scan, env=env)
        b.t.run("mfile scan -l warm (%d files)" % b.n_list, scan, env=env)


def main():
    global MFILE
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=PARTS)
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated, of: " + ", ".join(PEERS))
    parser.add_argument("--mfile", metavar="PATH", help="time this binary instead of building target/release/mfile")
    args = parser.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    if set(peers) - set(PEERS):
        parser.error("unknown peers: %s (known: %s)" % (", ".join(sorted(set(peers) - set(PEERS))), ", ".join(PEERS)))

    t = Timer()
    t.load = [os.getloadavg()[0]]
    print("load average (1 min) at the start: %.2f" % t.load[0], flush=True)
    if args.mfile:
        MFILE = os.path.abspath(args.mfile)
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    work = tempfile.mkdtemp(prefix="mfile-bench-", dir=HERE)
    b, started = None, False
    try:
        server, started = start_server()
        b = Bench(t, work, S3(*server, work=work), args, peers)
        for peer, missing in installed(b).items():
            if missing:
                t.notes["%s (peer)" % peer] = "not installed: " + missing
            else:
                b.usable.append(peer)
        make_data(b, args.quick)
        if "big" in b.parts:
            bench_big(b)
        if b.parts & {"small", "noop"}:
            bench_small(b)
        if "listing" in b.parts:
            bench_listing(b)
    finally:
        if started:
            stop_server()
        elif b:
            remove_run(b)
        shutil.rmtree(work, ignore_errors=True)
    t.load.append(os.getloadavg()[0])
    report(b, args)


def make_data(b, quick):
    os.makedirs(DATA, exist_ok=True)
    b.big_size = big_size = (256 << 20) if quick else (1 << 30)
    b.n_files = 2_000 if quick else 20_000
    b.n_list = 10_000 if quick else 100_000
    b.big = os.path.join(DATA, "big-%d.bin" % big_size)
    b.folder = os.path.join(DATA, "folder-%d" % b.n_files)
    b.listing = os.path.join(DATA, "listing-%d" % b.n_list)
    if "big" in b.parts:
        make_big(b.big, big_size)
    if b.parts & {"small", "noop"}:
        make_folder(b.folder, b.n_files, 10 << 10, 200)
    if "listing" in b.parts:
        make_folder(b.listing, b.n_list, 64, 100)


def remove_run(b):
    """On a server we did not start, remove this run's objects (every prefix starts with the
    run's name)."""
    if not have(b.aws[0]):
        print("left objects under s3://%s/%s-* (no aws CLI to remove them)" % (b.s3.bucket, b.s3.run))
        return
    subprocess.run(b.aws + ["s3", "rm", "--recursive", "--only-show-errors", "--endpoint-url", b.s3.endpoint,
                            "--exclude", "*", "--include", b.s3.run + "-*", "s3://%s/" % b.s3.bucket],
                   env=b.s3.env(), check=False)


def report(b, args):
    t = b.t

    def ms(s):
        return "-" if s is None else ("%.0f ms" % (s * 1000) if s < 1 else "%.2f s" % s)

    print("\n| measurement | median | peak RSS | note |\n|---|---:|---:|---|")
    for label in t.results:
        rss = t.rss(label)
        print("| %s | %s | %s | %s |" % (label, ms(t.median(label)), "%d MiB" % (rss // 1024), t.notes.get(label, "")))
    for label, note in t.notes.items():
        if label not in t.results:
            print("| %s | - | - | %s |" % (label, note))

    def ratio(name, target, label, *others, pick=max):
        rounds = t.ratios(label, *others, pick=pick)
        if rounds:
            print("| %s | %.2fx | %.2f-%.2fx | %s |" % (name, statistics.median(rounds), min(rounds), max(rounds), target))
        else:
            print("| %s | - | - | %s |" % (name, target))

    def under(name, target, label):
        print("| %s | %s | | %s |" % (name, ms(t.median(label)), target))

    print("\n| ratio (per round, same round) | median | range | target |\n|---|---:|---:|---|")
    if "big" in b.parts:
        ratio("mfile import / faster of aws s3 cp, boto3 up (big)", "<= 1.2x", "mfile import (big)",
              "aws s3 cp up (big)", "boto3 upload_file (big)", pick=min)
        ratio("mfile import / rclone copy up (big)", "", "mfile import (big)", "rclone copy up (big)")
        ratio("mfile import / cp+sync (big)", "", "mfile import (big)", "cp + sync (big)")
        ratio("mfile pull / faster of aws s3 cp, boto3 down (big)", "<= 1.2x", "mfile pull (big)",
              "aws s3 cp down (big)", "boto3 download_file (big)", pick=min)
        ratio("mfile pull / rclone copy down (big)", "", "mfile pull (big)", "rclone copy down (big)")
    mfile_rss = sorted((t.rss(l), l) for l in t.results if l.startswith("mfile "))
    if mfile_rss:
        rss, label = mfile_rss[-1]
        print("| mfile peak RSS, the most of all steps (%s) | %d MiB | | < 128 MiB |" % (label, rss // 1024))
    if "small" in b.parts:
        ratio("mfile import / rclone copy up (small)", "<= 0.5x", "mfile import (small)", "rclone copy up (small)")
        ratio("mfile import / aws s3 sync up (small)", "", "mfile import (small)", "aws s3 sync up (small)")
        ratio("DVC add+push / mfile import (small)", ">= 5x", "DVC add+push (small)", "mfile import (small)")
        ratio("mfile pull, fresh cache / rclone copy down (small)", "<= 1.0x", "mfile pull, fresh cache (small)",
              "rclone copy down (small)")
        ratio("mfile pull, fresh cache / aws s3 sync down (small)", "", "mfile pull, fresh cache (small)",
              "aws s3 sync down (small)")
        ratio("DVC pull, fresh clone / mfile pull, fresh cache (small)", "", "DVC pull, fresh clone (small)",
              "mfile pull, fresh cache (small)")
    if "noop" in b.parts:
        under("mfile import unchanged (small), median", "< 1 s", "mfile import unchanged (small)")
        under("mfile pull no-op (small), median", "< 1 s", "mfile pull no-op (small)")
    if "listing" in b.parts:
        under("mfile scan -l warm (%d files), median" % b.n_list, "< 1 s", "mfile scan -l warm (%d files)" % b.n_list)
        under("mfile scan -l cold (%d files), median" % b.n_list, "< 5 s", "mfile scan -l cold (%d files)" % b.n_list)

    if t.failures:
        print("\nFailed commands (last lines of stderr):")
        for label, rnd, command, lines in t.failures:
            print("- %s, round %d:\n    %s\n    %s" % (label, rnd, command, "\n    ".join(lines)))
    data = []
    if "big" in b.parts:
        data.append("big file %d MiB" % (b.big_size >> 20))
    if b.parts & {"small", "noop"}:
        data.append("%d files of 10 KiB" % b.n_files)
    if "listing" in b.parts:
        data.append("listing %d files" % b.n_list)
    print("\n%s; %d paired rounds; %s; %s mode; %s; server %s" % (
        machine(), args.repeat, ", ".join(data), "quick" if args.quick else "full", MFILE, b.s3.endpoint))
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
