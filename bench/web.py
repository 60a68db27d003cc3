#!/usr/bin/env python3
"""`mfile ui` under hostile HTTP clients: does a fresh client still get an answer, and how much
memory does the server hold? Loopback only (127.0.0.1), every loop bounded.

Builds a center with a 64 MiB file and a run of 1,000,000 points, starts `mfile ui` with
`ulimit -n 1024`, and measures the latency of a probe (`GET /api/info` on a new connection):
  idle      nothing else going on
  loaded    20 slow readers (10 downloads, 10 series at the largest max_points the server
            accepts) that read nothing, plus 1,000 idle connections (half silent, half with
            a request line but no end of headers)
  vanished  after a burst of 500 series requests whose clients close at once
and the server's RSS (VmRSS now, VmHWM peak) after each phase.

Usage: python3 bench/web.py [--bin target/debug/mfile] [--idle 1000] [--slow 20]
"""

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROBE_TIMEOUT = 10.0


def mfile(binary, env, *args):
    subprocess.run([binary, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def seed(binary, env, work):
    model = os.path.join(work, "model")
    os.makedirs(model)
    with open(os.path.join(model, "big.bin"), "wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(64):
            f.write(block)
    mfile(binary, env, "import", model, "-m", "m", "--version", "v1")
    points = os.path.join(work, "points.jsonl")
    with open(points, "w") as f:
        for step in range(1_000_000):
            f.write('{"step": %d, "loss": %r}\n' % (step, 1.0 / (step + 1)))
    mfile(binary, env, "log-metric", "-m", "m", "--run", "r1", "--file", points)


def start_ui(binary, env):
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    ui = subprocess.Popen([binary, "ui", "--bind", "127.0.0.1:0"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=limit)
    url = ui.stdout.readline().decode().strip()
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    return ui, (host, int(port))


def request(addr, path, timeout=PROBE_TIMEOUT, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(addr)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (path.encode(), addr[0].encode(), addr[1]))
    return s


def probe(addr):
    """Seconds until a full answer to GET /api/info on a new connection, or None."""
    start = time.perf_counter()
    try:
        s = request(addr, "/api/info")
        s.sendall(b"")
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        if not data.startswith(b"HTTP/1.1 200"):
            return None
    except OSError:
        return None
    return time.perf_counter() - start


def probes(addr, n=10):
    times = [probe(addr) for _ in range(n)]
    ok = [t for t in times if t is not None]
    failed = len(times) - len(ok)
    if not ok:
        return f"all {n} failed"
    return (f"median {statistics.median(ok) * 1000:.1f} ms, max {max(ok) * 1000:.1f} ms"
            + (f", {failed} of {n} failed" if failed else ""))


def rss(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return f"RSS {fields.get('VmRSS')}, peak {fields.get('VmHWM')}"


def largest_max_points(addr):
    for n in (1_000_000, 100_000, 10_000):
        s = request(addr, f"/api/models/m/runs/root/r1/series?max_points={n}")
        head = s.recv(64)
        s.close()
        if head.startswith(b"HTTP/1.1 200"):
            return n
    return 2000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "mfile"))
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--slow", type=int, default=20)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    work = tempfile.mkdtemp(prefix="mfile-bench-web-")
    env = dict(os.environ, MFILE_CENTER=os.path.join(work, "center"), MFILE_USER="root",
               NO_COLOR="1", HOME=work)
    print(f"seeding {work} ...", file=sys.stderr)
    seed(args.bin, env, work)
    ui, addr = start_ui(args.bin, env)
    held = []
    try:
        print(f"| phase | probe (new connection, GET /api/info) | server memory |")
        print(f"|---|---|---|")
        print(f"| idle | {probes(addr)} | {rss(ui.pid)} |")

        max_points = largest_max_points(addr)
        for i in range(args.slow):
            path = ("/files/m/v1/big.bin" if i % 2 == 0
                    else f"/api/models/m/runs/root/r1/series?max_points={max_points}")
            held.append(request(addr, path, rcvbuf=4096))
        opened = 0
        for i in range(args.idle):
            try:
                s = socket.create_connection(addr, timeout=5)
            except OSError:
                break
            if i % 2:
                s.sendall(b"GET /api/info HTTP/1.1\r\nHost: x\r\n")  # no end of headers
            held.append(s)
            opened += 1
        time.sleep(2)  # let the server take in what was sent (a benchmark, not a test)
        print(f"| {args.slow} slow readers (max_points={max_points}) + {opened} idle connections"
              f" | {probes(addr)} | {rss(ui.pid)} |")
        for s in held:
            s.close()
        held.clear()

        start = time.perf_counter()
        for _ in range(500):
            s = request(addr, f"/api/models/m/runs/root/r1/series?max_points={max_points}")
            s.close()
        print(f"| after 500 vanished series requests ({time.perf_counter() - start:.1f} s to send)"
              f" | {probes(addr)} | {rss(ui.pid)} |")
        alive = ui.poll() is None
        print(f"\nserver still running: {alive}")
    finally:
        for s in held:
            s.close()
        ui.kill()
        ui.wait()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
