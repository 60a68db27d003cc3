"""The one place that runs mfile: arguments in, its --json document out, errors raised."""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import subprocess
from typing import Any, Sequence

from ._find import find_mfile_bin

PREFIX = "mfile: error: "


class MfileError(Exception):
    """mfile exited non-zero.

    `code` is its exit code (1 the operation failed, 2 bad usage or input, 130 interrupted:
    docs/exit-codes.md), `message` what it printed on stderr without the `mfile: error: `
    prefix, `command` the argument list, and `document` the JSON it printed when only some
    files of a batch failed (else None).
    """

    def __init__(self, code: int, message: str, command: Sequence[str], document: Any = None):
        super().__init__(f"{message} (exit code {code})")
        self.code = code
        self.message = message
        self.command = list(command)
        self.document = document


class UsageError(MfileError, ValueError):
    """Exit code 2: a bad name, path, flag or value. Also a ValueError."""


def error_for(code: int, stderr: str, command: Sequence[str], document: Any = None) -> MfileError:
    """The exception for a failed run: mfile's message (from its `mfile: error: ` line on,
    continuation lines included), or the argument parser's `error: ...` without its usage."""
    lines = stderr.strip().splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith(PREFIX)), None)
    if first is not None:
        message = "\n".join([lines[first][len(PREFIX) :], *lines[first + 1 :]])
    else:
        text = stderr.strip().split("\n\n")[0]
        message = text[len("error: ") :] if text.startswith("error: ") else text
    if not message and code < 0:
        message = f"mfile was killed by signal {-code}"
    kind = UsageError if code == 2 else MfileError
    return kind(code, message.strip() or "mfile failed", command, document)


def name_of(value: Any, what: str) -> str:
    """A model, version or run name: text, or an int written out (`1` for version 1). A float
    is refused: 1.10 would silently become "1.1"."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"the {what} name must be a string, not {value!r}" + (
        f" (write {str(value)!r} if that is the name)" if isinstance(value, float) else ""))


def command(args: Sequence[str], center: str | None = None) -> list[str]:
    """The full argument list: the binary, ARGS, then --center and the machine-output flags
    (global flags, so they may follow the subcommand's own) before a `--` in ARGS."""
    args = list(args)
    split = args.index("--") if "--" in args else len(args)
    located = ["--center", center] if center is not None else []
    flags = [*located, "--json", "--color", "never"]
    return [find_mfile_bin(), *args[:split], *flags, *args[split:]]


def call(args: Sequence[str], center: str | None = None, input: bytes | None = None) -> Any:
    """Run `mfile ARGS --json` and return its document with times as datetimes.

    mfile never prompts here: stdin is not a terminal (docs/exit-codes.md), so a delete of a
    whole version needs `yes`. Positional paths must come after `--` in ARGS.
    """
    argv = command(args, center)
    done = subprocess.run(
        argv,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
    )
    out = done.stdout.decode("utf-8")
    document = with_times(json.loads(out)) if out.strip() else None
    if done.returncode != 0:
        raise error_for(done.returncode, done.stderr.decode("utf-8", "replace"), argv, document)
    return document


_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def parse_time(text: str) -> _dt.datetime:
    """An RFC 3339 time as mfile prints it (nanoseconds, `Z`) into an aware datetime."""
    found = _TIME.match(text)
    if not found:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    seconds, fraction, zone = found.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    offset = _dt.timezone.utc
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        offset = _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))
    moment = _dt.datetime.strptime(seconds, "%Y-%m-%dT%H:%M:%S")
    return moment.replace(microsecond=micros, tzinfo=offset)


# The time fields of mfile's documents (docs/json.md). Only these are converted, and never
# inside what users wrote (tags and params): a tag `reviewed_at=yesterday` stays text.
TIME_FIELDS = frozenset(
    ["created_at", "updated_at", "imported_at", "modified_at", "started_at", "ended_at", "logged_at", "set_at", "at"]
)
USER_FIELDS = frozenset(["tags", "params"])


def with_times(value: Any) -> Any:
    """Turn the time fields of a document into datetimes, in place."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in TIME_FIELDS and isinstance(item, str):
                value[key] = parse_time(item)
            elif key not in USER_FIELDS:
                with_times(item)
    elif isinstance(value, list):
        for item in value:
            with_times(item)
    return value


def fspath(path: Any) -> str:
    return os.fsdecode(os.fspath(path))
