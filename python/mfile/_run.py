"""Recording a training run from Python: params once, points streamed to one child.

One `mfile log-metric --file - --strict` child reads the points as JSON lines on its stdin
and commits them in batches (every 1000 points or 1 s), so a loop of 100,000 `run.log()`
calls costs no process per point.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import json
import subprocess
import tempfile
import time
import warnings
from typing import TYPE_CHECKING, Any, Mapping

from . import _cli

if TYPE_CHECKING:
    from .native import Center

# Lines wait in Python until this much is buffered or this long has passed, so a colleague's
# `mfile ui` sees points within about a second and a half (the child commits every second).
FLUSH_BYTES = 1 << 20
FLUSH_SECONDS = 0.5

_SPECIAL = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def number(value: Any) -> str:
    """A metric value as JSON text: ints and floats, and anything with __float__ (numpy
    scalars, 0-d tensors). NaN and infinities are spelled as Python's json writes them."""
    kind = type(value)
    if kind is float:
        text = repr(value)
        return _SPECIAL.get(text, text)
    if kind is int:
        return str(value)
    if kind is bool or isinstance(value, (str, bytes)):
        raise TypeError(f"a metric value must be a number, not {value!r}")
    return number(float(value))


def check_key(key: Any) -> str:
    """mfile's rule for metric and param keys (tracking/parse.rs `check_key`)."""
    ok = (
        isinstance(key, str)
        and 0 < len(key.encode("utf-8")) <= 250
        and key.strip(" ") == key
        and "=" not in key
        and all(ch.isprintable() or ch == " " for ch in key)
    )
    if not ok:
        raise ValueError(f"invalid key {key!r}: use 1-250 printable characters without '=' or outer spaces")
    return key


def param_words(params: Mapping[str, Any]) -> list[str]:
    """`KEY=VALUE` words for `mfile log-param`; True/False as `true`/`false`."""
    words = []
    for key, value in params.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        words.append(f"{check_key(key)}={value}")
    return words


class Run:
    """A training run being recorded; see `mfile.run`.

    After the `with` block: `points` is how many points the child recorded, `status` how the
    run ended (`finished`, `failed` when the block raised, `killed` on Ctrl-C).
    """

    def __init__(self, center: "Center", model: str, name: str | None, *, params=None, user=None, new=False):
        self.center = center
        self.model = model
        self.name = name
        self.user = user
        self.params = dict(params or {})
        self.new = new
        self.points: int | None = None
        self.status: str | None = None
        self.recorded = False  # whether the run exists in the center yet
        self._started = False
        self._child: subprocess.Popen | None = None
        self._stderr = None
        self._lines: list[bytes] = []
        self._buffered = 0
        self._flushed_at = 0.0
        self._prefixes: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"<mfile.Run {self.model}/{self.name} {self.status or 'running'}>"

    def __enter__(self) -> "Run":
        self.start()
        return self

    def __exit__(self, kind, error, trace) -> bool:
        status = "finished"
        if kind is not None:
            status = "killed" if issubclass(kind, KeyboardInterrupt) else "failed"
        if error is None:
            self.end(status)
        else:
            try:
                self.end(status)
            except _cli.MfileError as closing:  # the block's own error is the one to see
                warnings.warn(f"mfile: could not end run {self.name}: {closing}", stacklevel=2)
        return False

    def _user(self) -> list[str]:
        return ["--user", self.user] if self.user is not None else []

    def start(self) -> None:
        """Name the run, record its params, start the child that records points."""
        if self._started:
            return
        if self.name is None or self.new:
            self.name = self._free_name(self.name or _dt.datetime.now().strftime("run-%Y%m%d-%H%M%S"))
        if self.params:
            self.center.log_params(self.model, self.name, self.params, user=self.user)
            self.recorded = True
        self._started = True
        self._spawn()

    def _spawn(self) -> None:
        args = ["log-metric", "-m", self.model, "--run", self.name, *self._user(), "--file", "-", "--strict"]
        self._stderr = tempfile.TemporaryFile()
        # stderr to a file: a pipe nobody reads could fill and stop the child. Its own
        # session: Ctrl-C reaches Python, which then ends the stream with every point.
        self._child = subprocess.Popen(
            _cli.command(args, self.center.location),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )
        self._flushed_at = time.monotonic()
        atexit.register(self.sync)

    def _free_name(self, base: str) -> str:
        """BASE, else the first free of BASE-2, BASE-3, ... (as `mfile track --new`)."""
        try:
            taken = {run["name"] for run in self.center.runs(self.model, user=self.user)}
        except _cli.MfileError as error:
            if error.code != 1:
                raise
            taken = set()  # no such model yet
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        return name

    def log(self, metrics: Mapping[str, Any] | None = None, /, step: int | None = None, **values: Any) -> None:
        """Record metric values: `run.log(step=3, loss=0.2, acc=0.9)` or
        `run.log({"val/loss": 0.3}, step=3)`. Without a step, each key takes its last step + 1.
        """
        if self._child is None:
            self.start() if not self._started else self._spawn()
        if metrics:
            values = {**metrics, **values}
        parts = []
        for key, value in values.items():
            prefix = self._prefixes.get(key)
            if prefix is None:
                prefix = self._prefixes[key] = json.dumps(check_key(key)).encode() + b":"
            parts.append(prefix + number(value).encode())
        if step is not None:
            parts.append(b'"step":%d' % int(step))
        line = b"{" + b",".join(parts) + b"}\n"
        self._lines.append(line)
        self._buffered += len(line)
        if self._buffered >= FLUSH_BYTES or time.monotonic() - self._flushed_at >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Hand the buffered points to the child now."""
        child = self._child
        if child is None or not self._lines:
            return
        data = b"".join(self._lines)
        self._lines.clear()
        self._buffered = 0
        self._flushed_at = time.monotonic()
        try:
            child.stdin.write(data)
            child.stdin.flush()
        except BrokenPipeError:
            self.sync()  # the child stopped: raise what it said

    def sync(self) -> None:
        """Send what is buffered and wait until the child has recorded it (it then exits; a
        later `log` starts another). Raises MfileError if the child failed."""
        child = self._child
        if child is None:
            return
        self._child = None
        atexit.unregister(self.sync)
        data = b"".join(self._lines)
        self._lines.clear()
        try:
            child.stdin.write(data)
            child.stdin.flush()
        except BrokenPipeError:
            pass  # the child stopped early; its exit code and message follow
        try:
            child.stdin.close()
        except BrokenPipeError:
            pass
        out = child.stdout.read()
        child.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read().decode("utf-8", "replace")
        self._stderr.close()
        if child.returncode != 0:
            raise _cli.error_for(child.returncode, stderr, child.args)
        self.points = (self.points or 0) + json.loads(out)["points"]
        self.recorded = self.recorded or self.points > 0

    def end(self, status: str = "finished") -> None:
        """Record every point, then mark the run STATUS. A run that recorded nothing (no
        params, no points) does not exist, and stays so."""
        self.sync()
        if self.recorded:
            self.center.call("runs", "end", "-m", self.model, "--run", self.name, *self._user(), "--status", status)
        self.status = status
