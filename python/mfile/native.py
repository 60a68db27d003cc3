"""mfile's own Python API: a Center and its commands, each one `mfile ... --json` call.

Every method returns the command's JSON document (docs/json.md) as dicts and lists, with
every `*_at` time an aware UTC datetime; a failure raises MfileError (UsageError for exit
code 2) with mfile's message and exit code.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping

from . import _cli
from ._run import Run, param_words


def _paths(paths: Any) -> list[str]:
    """Paths (or names in a version) as given: one, or a list; never expanded as globs."""
    if paths is None:
        return []
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    return [_cli.fspath(p) for p in paths]


def _named(model: Any, version: Any = None, *, needs_version: bool = False) -> list[str]:
    words = ["-m", _cli.name_of(model, "model")]
    if version is None and not needs_version:
        return words
    return [*words, "--version", _cli.name_of(version, "version")]


def _globs(flag: str, globs: Any) -> list[str]:
    if globs is None:
        return []
    if isinstance(globs, str):
        globs = [globs]
    return [word for glob in globs for word in (flag, glob)]


def _option(flag: str, value: Any) -> list[str]:
    return [] if value is None else [flag, _cli.fspath(value) if isinstance(value, os.PathLike) else str(value)]


def _switch(flag: str, on: bool) -> list[str]:
    return [flag] if on else []


class Center:
    """A center: `Center()` is the one mfile would use (--center, $MFILE_CENTER, the config
    files, the default), `Center("/srv/center")` or `Center("s3://bucket/prefix")` a named one.
    """

    def __init__(self, location: str | os.PathLike | None = None):
        if location is not None:
            location = _cli.fspath(location)
            if "://" not in location:
                location = os.path.abspath(location)  # the same center after os.chdir
        self.location = location

    def __repr__(self) -> str:
        return f"Center({self.location!r})"

    def call(self, *args: str, input: bytes | None = None) -> Any:
        """Run any mfile subcommand on this center: `center.call("gc", "--grace", "1h")`."""
        return _cli.call(args, self.location, input)

    # Files

    def import_(
        self,
        paths: Any,
        model: str,
        version: str,
        *,
        subdir: str | None = None,
        move: bool = False,
        force: bool = False,
        include: Any = None,
        exclude: Any = None,
        run: str | None = None,
        follow_links: bool = False,
        dry_run: bool = False,
    ) -> dict:
        """`mfile import PATHS -m MODEL --version VERSION`: a folder given with a trailing `/`
        puts its contents (not the folder) into the version."""
        return self.call(
            "import", *_named(model, version, needs_version=True),
            *_option("--subdir", subdir), *_switch("--move", move), *_switch("--force", force),
            *_globs("--include", include), *_globs("--exclude", exclude), *_option("--run", run),
            *_switch("--follow-links", follow_links), *_switch("--dry-run", dry_run),
            "--", *_paths(paths),
        )

    def scan(
        self,
        model: str | None = None,
        version: str | None = None,
        *,
        include: Any = None,
        exclude: Any = None,
        sort: str = "name",
        reverse: bool = False,
        verify: bool = False,
    ) -> list[dict]:
        """The stored files (`mfile scan`): one dict per file, in `sort` order (`name`
        ascending; `size` and `mod` largest/newest first; `reverse` flips)."""
        return self.call(
            "scan", *(_option("--version", version) if model is None else _named(model, version)),
            *_globs("--include", include), *_globs("--exclude", exclude), "--sort", sort,
            *_switch("--reverse", reverse), *_switch("--verify", verify),
        )["files"]

    def pull(
        self,
        model: str,
        version: str,
        paths: Any = (),
        *,
        to: str | os.PathLike = ".",
        include: Any = None,
        exclude: Any = None,
        force: bool = False,
        dry_run: bool = False,
    ) -> dict:
        """`mfile pull`: the version's files (or PATHS, names or globs) into folder TO."""
        return self.call(
            "pull", *_named(model, version, needs_version=True), "--to", _cli.fspath(to),
            *_globs("--include", include), *_globs("--exclude", exclude),
            *_switch("--force", force), *_switch("--dry-run", dry_run), "--", *_paths(paths),
        )

    def delete(
        self,
        model: str,
        version: str | None = None,
        paths: Any = (),
        *,
        all: bool = False,
        include: Any = None,
        ignore_missing: bool = False,
        dry_run: bool = False,
    ) -> dict:
        """`mfile delete`: PATHS of a version, or with `all=True` the whole version (or the
        whole model without a version). Never asks: `all=True` is the confirmation."""
        return self.call(
            "delete", *_named(model, version), *_globs("--include", include),
            *_switch("--all", all), *_switch("--yes", all), *_switch("--ignore-missing", ignore_missing),
            *_switch("--dry-run", dry_run), "--", *_paths(paths),
        )

    def register(self, model: str, version: str) -> dict:
        """Make the version if it is new (`mfile register`); its folder and key."""
        return self.call("register", *_named(model, version, needs_version=True))

    def config(self, model: str, version: str | None = None) -> dict:
        """Where a model or version lives: center, catalog, folders, key (`mfile config`)."""
        return self.call("config", *_named(model, version))

    def versions(self, model: str, *, tags: Mapping[str, str] | None = None) -> list[dict]:
        """The versions of a model, with files, bytes, aliases and the runs that made them."""
        return self.call("versions", *_named(model), *_globs("--tag", _pairs(tags)))["versions"]

    def profiles(self) -> list[dict]:
        """The models in the center (`mfile profiles`)."""
        return self.call("profiles")["models"]

    def verify(self, model: str | None = None, version: str | None = None) -> dict:
        """Rehash the stored files (`mfile verify`); raises MfileError when it finds damage."""
        return self.call("verify", *(_option("--version", version) if model is None else _named(model, version)))

    # Training records

    def run(
        self,
        model: str,
        name: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        user: str | None = None,
        new: bool = False,
    ) -> Run:
        """A run to record into, used as `with center.run("churn", "lr-1e-3") as run:`; see
        `mfile.run`."""
        return Run(self, model, name, params=params, user=user, new=new)

    def log_params(self, model: str, run: str, params: Mapping[str, Any], *, user: str | None = None) -> dict:
        """`mfile log-param`: params are write-once; a different value raises MfileError."""
        return self.call("log-param", *_named(model), "--run", run, *_option("--user", user), "--", *param_words(params))

    def runs(
        self,
        model: str | None = None,
        *,
        where: str | None = None,
        tags: Mapping[str, str] | None = None,
        status: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        user: str | None = None,
        all_users: bool = False,
    ) -> list[dict]:
        """The runs (`mfile runs`), newest first or in `sort` order (`-KEY` descending)."""
        return self.call(
            "runs", *([] if model is None else _named(model)), *_option("--where", where), *_globs("--tag", _pairs(tags)),
            *_option("--status", status), *_option("--sort", sort), *_option("--limit", limit),
            *_option("--user", user), *_switch("--all-users", all_users),
        )["runs"]

    def metrics(
        self, model: str, run: str, *, keys: Iterable[str] | None = None, user: str | None = None
    ) -> dict[str, list[tuple[int, float]]]:
        """A run's points, `{key: [(step, value), ...]}` in step order (RUN or USER/RUN)."""
        document = self.call(
            "metrics", *_named(model), "--run", run, *_globs("--key", keys), *_option("--user", user)
        )
        return {
            key: [(p["step"], float(p["value"])) for p in points]  # float("NaN") works too
            for key, points in document["metrics"].items()
        }


def _pairs(tags: Mapping[str, str] | None) -> list[str] | None:
    return None if tags is None else [f"{k}={v}" for k, v in tags.items()]
