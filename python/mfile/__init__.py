"""mfile from Python: the same center and records as the `mfile` command, which it drives.

    import mfile
    center = mfile.Center()                          # or Center("/srv/center"), "s3://..."
    center.import_("model.db", "churn", "1.0")
    with mfile.run("churn", "lr-1e-3", params={"lr": 1e-3}) as run:
        for epoch in range(10):
            run.log(step=epoch, loss=..., acc=...)

The Python libraries' APIs live in `mfile.pipe` (bolt4ds / d6tpipe's ModelFile) and
`mfile.modellog` (Model_Log's ModelLog). Errors raise MfileError with mfile's exit code.
"""

from __future__ import annotations

from typing import Any, Mapping

from ._cli import MfileError, UsageError
from ._find import MfileBinaryNotFound, find_mfile_bin
from ._run import Run
from .native import Center

try:
    from importlib.metadata import PackageNotFoundError, version as _version

    __version__ = _version("mfile")
except PackageNotFoundError:  # running from the source tree
    __version__ = "0+source"

__all__ = ["Center", "MfileBinaryNotFound", "MfileError", "Run", "UsageError", "find_mfile_bin", "run"]


def run(
    model: str,
    name: str | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    user: str | None = None,
    new: bool = False,
    center: Any = None,
) -> Run:
    """Record a training run: `with mfile.run("churn", "lr-1e-3", params={...}) as run:`,
    then `run.log(step=epoch, loss=..., acc=...)` as often as you like.

    The params are recorded first (write-once: a different value for a key the run already
    has raises MfileError before anything else). Points stream to one `mfile log-metric`
    child. Leaving the block ends the run `finished`, or `failed` when it raised (`killed`
    on Ctrl-C); the exception goes on. Without a name the run is `run-YYYYmmdd-HHMMSS-xxxx`;
    `new=True` records as NAME-2 (or the next free) when NAME is taken, as `track --new`.
    """
    located = center if isinstance(center, Center) else Center(center)
    return located.run(model, name, params=params, user=user, new=new)
