"""Recording a training run from Python: params once, points streamed to one child.

One `mfile log-metric --file - --strict` child reads the points as JSON lines on its stdin
and commits them in batches (every 1000 points or 1 s), so a loop of 100,000 `run.log()`
calls costs no process per point. Every line is checked here first, so the child never
refuses one and the stream never stops on a bad value.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import datetime as _dt
import json
import operator
import os
import signal
import subprocess
import tempfile
import threading
import time
import unicodedata
import warnings
import weakref
from typing import TYPE_CHECKING, Any, Mapping

from . import _cli

if TYPE_CHECKING:
    from .native import Center

# Lines wait in Python until this much is buffered or this long has passed, so a colleague's
# `mfile ui` sees points within about a second and a half (the child commits every second).
FLUSH_BYTES = 1 << 20
FLUSH_SECONDS = 0.5
POLL_SECONDS = 0.02  # how often the writer looks for lines, and a full buffer for room
MAX_STEP = (1 << 53) - 1  # src/values/mod.rs: steps are exact in a float
_SPECIAL = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def number(value: Any) -> str:
    """A metric value as JSON text: ints and floats, and anything with __float__ (numpy
    scalars, 0-d tensors). NaN and infinities are spelled as Python's json writes them."""
    kind = type(value)
    if kind is float:
        text = repr(value)
        return _SPECIAL.get(text, text)
    if kind is int and -MAX_STEP <= value <= MAX_STEP:
        return str(value)
    if kind is bool or kind.__name__ == "bool_" or isinstance(value, (str, bytes)):
        raise TypeError(f"must be a number, not {value!r}")
    try:
        return number(float(value))
    except OverflowError:
        raise ValueError(f"{value!r} is too large for a float") from None


def check_step(step: Any) -> int:
    """An integer step within mfile's range (numpy integers too; not bool, float or text)."""
    if isinstance(step, bool) or type(step).__name__ == "bool_":
        raise TypeError(f"step must be an integer, not {step!r}")
    try:
        step = operator.index(step)
    except TypeError:
        raise TypeError(f"step must be an integer, not {step!r}") from None
    if not -MAX_STEP <= step <= MAX_STEP:
        raise ValueError(f"step {step} is out of range (steps run from -{MAX_STEP} to {MAX_STEP})")
    return step


def check_key(key: Any) -> str:
    """mfile's rule for metric and param keys (tracking/parse.rs `check_key`: no control
    character, no `=`, no outer space, 1-250 bytes)."""
    ok = (
        isinstance(key, str)
        and 0 < len(key.encode("utf-8")) <= 250
        and key.strip(" ") == key
        and "=" not in key
        and not any(unicodedata.category(ch) == "Cc" for ch in key)
    )
    if not ok:
        raise ValueError(f"invalid key {key!r}: use 1-250 printable characters without '=' or outer spaces")
    return key


def param_words(params: Mapping[str, Any]) -> list[str]:
    """`KEY=VALUE` words for `mfile log-param`: True/False as `true`/`false`, lists and dicts
    as JSON, anything else as str()."""
    words = []
    for key, value in params.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (dict, list, tuple)):
            value = json.dumps(value, ensure_ascii=False, default=str)
        words.append(f"{check_key(key)}={value}")
    return words


# Runs with a stream open, so a forked process (a DataLoader worker) can let go of them.
_streaming: "weakref.WeakSet[Run]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for run in list(_streaming):
        run._let_go()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _Stream:
    """One `log-metric --file -` child and the lines waiting for it. Only its own thread writes
    to the child (every FLUSH_SECONDS, or sooner when FLUSH_BYTES wait), with SIGINT blocked:
    Ctrl-C reaches the main thread, never a write, so no line is ever cut. The caller's side
    takes no lock (a deque and counters each written by one side): Ctrl-C can land anywhere in
    `add` without leaving a lock held that the writer then waits for forever."""

    def __init__(self, argv: list[str]):
        self._stderr = tempfile.TemporaryFile()
        # stderr to a file: a pipe nobody reads could fill and stop the child. Its own
        # session: Ctrl-C reaches Python, which then ends the stream with every point.
        self._child = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, start_new_session=True
        )
        self._lines: collections.deque[bytes] = collections.deque()
        self._added = 0  # bytes appended (by callers, one at a time: Run holds its lock)
        self._taken = 0  # bytes the writer took
        self._flush_now = False
        self._closing = False
        self._failure: _cli.MfileError | None = None
        self._points: int | None = None
        self._writer = threading.Thread(target=self._write_every, name="mfile-stream", daemon=True)
        self._writer.start()

    def add(self, line: bytes) -> None:
        if self._failure is not None:
            raise self._failure
        self._lines.append(line)
        self._added += len(line)
        # far ahead of the child: let the writer catch up (Ctrl-C still interrupts this)
        while self._added - self._taken >= 8 * FLUSH_BYTES and self._failure is None:
            time.sleep(POLL_SECONDS)

    def flush(self) -> None:
        self._flush_now = True

    def _write_every(self) -> None:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # Ctrl-C is the main thread's
        while True:
            waited = 0.0
            while waited < FLUSH_SECONDS and not (
                self._closing or self._flush_now or self._added - self._taken >= FLUSH_BYTES
            ):
                time.sleep(POLL_SECONDS)
                waited += POLL_SECONDS
            self._flush_now = False
            closing = self._closing  # read before draining: every line added before it is in
            chunks = []
            while self._lines:
                chunks.append(self._lines.popleft())
            data = b"".join(chunks)
            try:
                if data:
                    self._child.stdin.write(data)
                    self._child.stdin.flush()
                self._taken += len(data)
                if closing:
                    self._child.stdin.close()
                    return
            except (OSError, ValueError):  # a broken pipe, or a closed one
                self._failure = self._stopped()
                return

    def _stopped(self) -> _cli.MfileError:
        """The child stopped early (or was told to stop): its exit code and message."""
        self._child.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read().decode("utf-8", "replace")
        return _cli.error_for(self._child.returncode or 1, stderr, self._child.args)

    def close(self) -> int:
        """Sends the rest and waits until the child has committed it; the points it recorded.
        Raises MfileError if the child failed. Safe to call again after an interrupt."""
        if self._points is not None:
            return self._points
        self._closing = True
        self._writer.join()
        out = self._child.stdout.read()
        self._child.wait()
        if self._child.returncode != 0:
            if self._failure is None:  # it took every line, then failed (or was killed)
                self._failure = self._stopped()
            raise self._failure
        self._child.stdout.close()
        self._stderr.close()
        self._points = json.loads(out)["points"]
        return self._points

    def let_go(self) -> None:
        """In a forked process: drop this copy of the pipes (the parent's child must still see
        their end) without writing or waiting. Each fd is pointed at /dev/null rather than
        closed, so whatever later closes or flushes these file objects touches nothing."""
        null = os.open(os.devnull, os.O_RDWR)
        try:
            for stream in (self._child.stdin, self._child.stdout):
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(null, stream.fileno())
        finally:
            os.close(null)
        self._child.returncode = 0  # not this process's child: nothing to wait for


class Run:
    """A training run being recorded; see `mfile.run`. `log`, `flush` and `sync` may be called
    from several threads.

    After the `with` block: `points` is how many points were recorded, `status` how the run
    ended (`finished`, `failed` when the block raised, `killed` on Ctrl-C).
    """

    def __init__(self, center: "Center", model: str, name: str | None, *, params=None, user=None, new=False):
        self.center = center
        self.model = _cli.name_of(model, "model")
        self.name = None if name is None else _cli.name_of(name, "run")
        self.user = user
        self.params = dict(params or {})
        self.new = new
        self.points = 0
        self.status: str | None = None
        self._started = False
        self._stream: _Stream | None = None
        self._lock = threading.RLock()
        self._prefixes: dict[str, bytes] = {}

    def _let_go(self) -> None:
        """After a fork, in the child: this run's stream belongs to the parent."""
        if self._stream is not None:
            self._stream.let_go()
        self._stream = None
        self._lock = threading.RLock()  # another thread may have held it at the fork
        atexit.unregister(self.sync)

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
                if closing is not error:
                    warnings.warn(f"mfile: could not end run {self.name}: {closing}", stacklevel=2)
        return False

    def _user(self) -> list[str]:
        return ["--user", self.user] if self.user is not None else []

    def start(self) -> None:
        """Name the run and create it with its params: a bad name or a param conflict raises
        here, before any point."""
        with self._lock:
            if self._started:
                return
            # a new run (no name, or new=True): BASE, else the first free of BASE-2, ...,
            # taken as the run is made, so processes asking at once get a run each
            fresh = self.name is None or self.new
            # four random hex digits: machines of a sweep on one bucket may start in the same
            # second, and each reads the others' runs only a few seconds later
            stamp = _dt.datetime.now().strftime("run-%Y%m%d-%H%M%S")
            base = self.name or f"{stamp}-{os.urandom(2).hex()}"
            run = ["-m", self.model, "--run", base, *(["--new"] if fresh else []), *self._user()]
            if fresh or self.params:
                self.name = self.center.call("log-param", *run, "--", *param_words(self.params))["run"]
            else:
                self.center.call("log-metric", *run, "--file", os.devnull)  # creates it, no point
            self._started = True

    def log(self, metrics: Mapping[str, Any] | None = None, /, step: Any = None, **values: Any) -> None:
        """Record metric values: `run.log(step=3, loss=0.2, acc=0.9)` or
        `run.log({"val/loss": 0.3}, step=3)`. `epoch=` names the step too. Without a step,
        each key takes its last step + 1. A bad key, value or step raises here, and nothing
        of that call is recorded.
        """
        line = self._line(metrics, step, values)
        with self._lock:
            if self._stream is None:
                self.start()
                argv = _cli.command(
                    ["log-metric", "-m", self.model, "--run", self.name, *self._user(), "--file", "-", "--strict"],
                    self.center.location,
                )
                self._stream = _Stream(argv)
                atexit.register(self.sync)
                _streaming.add(self)
            self._stream.add(line)

    def _line(self, metrics: Mapping[str, Any] | None, step: Any, values: dict) -> bytes:
        if metrics:
            values = {**metrics, **values}
        for word in ("step", "epoch"):
            if word in values:
                if step is not None:
                    raise ValueError(f"the step is given twice ({word} and step); give it once")
                step = values.pop(word)
        if not values:
            raise ValueError("run.log() needs at least one metric, e.g. run.log(step=1, loss=0.5)")
        parts = []
        for key, value in values.items():
            prefix = self._prefixes.get(key)
            if prefix is None:
                prefix = self._prefixes[key] = json.dumps(check_key(key), ensure_ascii=False).encode() + b":"
            try:
                parts.append(prefix + number(value).encode())
            except (TypeError, ValueError) as error:
                raise type(error)(f"metric {key}: {error}") from None
        if step is not None:
            parts.append(b'"step":%d' % check_step(step))
        return b"{" + b",".join(parts) + b"}\n"

    def flush(self) -> None:
        """Hand the buffered points to the child now."""
        with self._lock:
            if self._stream is not None:
                self._stream.flush()

    def sync(self) -> None:
        """Wait until every point logged so far is committed (the child exits; a later `log`
        starts another). Raises MfileError if the child failed."""
        with self._lock:
            stream = self._stream
            if stream is None:
                return
            try:
                self.points += stream.close()
            finally:
                if stream._points is not None or stream._failure is not None:
                    self._stream = None  # done with, or dead: a later log() starts another
                    atexit.unregister(self.sync)
                    _streaming.discard(self)

    def end(self, status: str = "finished") -> None:
        """Record every point, then mark the run STATUS (`failed` if the points could not all
        be recorded; the error is raised after)."""
        failure = None
        try:
            self.sync()
        except _cli.MfileError as error:
            failure = error
            status = "failed" if status == "finished" else status
        if self._started:
            self.center.call("runs", "end", "-m", self.model, "--run", self.name, *self._user(), "--status", status)
        self.status = status
        if failure is not None:
            raise failure
