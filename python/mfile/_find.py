"""Find the mfile binary that this package drives (after uv's `_find_uv.py`)."""

from __future__ import annotations

import os
import sys
import sysconfig

EXE = "mfile" + (sysconfig.get_config_var("EXE") or "")


class MfileBinaryNotFound(FileNotFoundError):
    """The mfile binary is in none of the places pip puts scripts."""


def find_mfile_bin() -> str:
    """Return the path of the mfile binary.

    `$MFILE_BIN` first (a development build: `MFILE_BIN=target/debug/mfile`), then the
    scripts folders of this environment, of its base, of a `--prefix` or `--target` install
    and of the user scheme, then PATH.
    """
    named = os.environ.get("MFILE_BIN")
    if named:
        return named
    candidates = []
    for folder in _scripts_folders():
        path = os.path.join(folder, EXE)
        candidates.append(path)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(folder, EXE)
        if folder and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise MfileBinaryNotFound(
        "could not find the mfile binary; looked in " + ", ".join(candidates) + " and PATH"
        " (install it with `pip install mfile`, or set MFILE_BIN)"
    )


def _scripts_folders() -> list[str]:
    folders = [sysconfig.get_path("scripts")]
    if sys.base_prefix != sys.prefix:
        folders.append(sysconfig.get_path("scripts", vars={"base": sys.base_prefix}))
    # `pip install --prefix P`: the package is in P/lib/pythonX.Y/site-packages/mfile.
    package = os.path.dirname(os.path.abspath(__file__))
    site_packages = os.path.dirname(package)
    lib = os.path.dirname(os.path.dirname(site_packages))
    folders.append(os.path.join(os.path.dirname(lib), "bin"))
    # `pip install --target T`: the scripts go to T/bin.
    folders.append(os.path.join(site_packages, "bin"))
    user_scheme = "nt_user" if os.name == "nt" else "posix_user"
    folders.append(sysconfig.get_path("scripts", scheme=user_scheme))
    return list(dict.fromkeys(folders))
