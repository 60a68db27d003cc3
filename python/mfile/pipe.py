"""The bolt4ds / d6tpipe file-center API over mfile: change one import line,

    from bolt4ds.pipe import ModelFile      ->      from mfile.pipe import ModelFile

and the calls keep their names and return shapes. Where the library was broken or unsafe,
mfile's behaviour wins, and each method's docstring says how:
- other content already stored under a name is refused (MfileError), never overwritten
  silently; `force=True` replaces it;
- names with `..`, absolute paths and links inside imported folders are refused (UsageError);
- `pull_file` works (the library's crashed before copying anything);
- nothing ever prompts unless asked to (`confirm=True`).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from ._cli import UsageError
from .native import Center

_SORT_KEYS = {
    "name": "filename",
    "filename": "filename",
    "mod": "modified_at",
    "modified_at": "modified_at",
    "size": "size",
    "crc": "crc",
}


def _center(center_path: Any) -> Center:
    """`center_path`, else mfile's own center. A folder the library wrote (its cfg.json and no
    mfile catalog) is refused: `mfile adopt` brings it in without changing it."""
    if center_path is None:
        return Center()
    path = os.path.expanduser(os.fspath(center_path))
    if os.path.isfile(os.path.join(path, "cfg.json")) and not os.path.exists(os.path.join(path, "catalog.db")):
        raise UsageError(
            2,
            f"{path} is a bolt4ds/d6tpipe center, not an mfile one; register its files with "
            f"`mfile adopt {path}` and use the center mfile prints",
            [],
        )
    return Center(path)


class ModelFile:
    """`ModelFile(model_name, version, center_path=None).filepipe()`: a version's files.

    `center_path=None` is mfile's center (--center, $MFILE_CENTER, the config files), not
    `~/bolt4dspipe`. Versions such as `1.0` work (the library allowed only `[a-zA-Z0-9-]`).
    """

    def __init__(self, model_name: str, version: Any, center_path: Any = None):
        if version is None or isinstance(version, bool):
            raise TypeError(f"version must be a string or a number, not {version!r}")
        self.model_name = model_name
        self.version = str(version)  # as the library formatted it: 1.0 -> "1.0"
        self.center = _center(center_path)
        self.remote_rel_path = f"{model_name}-v{self.version}"

    def filepipe(self) -> "FilePipe":
        """Make the version if it is new, and return its pipe."""
        return FilePipe(self.center, self.model_name, self.version)


class FilePipe:
    """One version's files (the library's PipeLocal). `dir` (with a trailing separator) and
    `dirpath` are the version's folder in a local center (None on a bucket center: read the
    files through `pull_*`); stored files are read-only there."""

    def __init__(self, center: Center, model: str, version: str):
        self.center = center
        self.model = model
        self.version = version
        self.name = f"{model}-v{version}"
        document = center.register(model, version)
        self.filerepo = document["filerepo"]
        self.dirpath = Path(document["dir"]) if document.get("dir") else None
        self.dir = str(self.dirpath) + os.sep if self.dirpath else None
        self.config = {**document, "filereporoot": document["center"], "filedb": document["catalog"]}

    def __repr__(self) -> str:
        return f"<mfile.pipe.FilePipe {self.name}>"

    # Putting files in

    def import_files(self, files: Any, subdir: str | None = None, move: bool = False, force: bool = False) -> dict:
        """Store FILES (paths) in the version, under SUBDIR if given. Unlike the library, a name
        already stored with other content is refused (MfileError) unless `force=True`;
        `move=True` removes each source only once its stored copy is verified."""
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        return self.center.import_(list(files), self.model, self.version, subdir=subdir, move=move, force=force)

    def import_file(self, file: Any, subdir: str | None = None, move: bool = False, force: bool = False) -> dict:
        """Store one file (see `import_files`). Returns mfile's import document."""
        return self.import_files([file], subdir=subdir, move=move, force=force)

    def import_dir(self, dir: Any, subdir: str | None = None, move: bool = False, force: bool = False) -> dict:
        """Store a folder's contents, subfolders included (under SUBDIR if given: the library had
        no such argument). Links inside the folder are refused rather than followed."""
        return self.import_files([os.path.join(os.fspath(dir), "")], subdir=subdir, move=move, force=force)

    # Listing

    def scan_local(self, include=None, exclude=None, attributes=False, sortby=None, files=None, **_ignored):
        """The stored files' names, sorted ascending by `sortby` (`name`, `mod`, `size`), as the
        library sorted; `scan_local(sortby="mod")[-1]` is the newest. With `attributes=True`,
        `(dicts, names)`: dicts of `filename`, `modified_at` (a naive local datetime, the source
        file's mtime at import), `size`, `crc` (the md5). Globs may hold `|` alternatives
        (`*.csv|*.xlsx`); one without `/` matches the name at any depth. mfile reads the
        catalog instead of rehashing every file (`Center().scan(..., verify=True)` rehashes).
        `fromdb` and `on_not_exist` are accepted and ignored."""
        sort_key = _SORT_KEYS.get(sortby or "name")
        if sort_key is None:
            raise UsageError(2, f"unknown sortby {sortby!r}; use name, mod or size", [])
        rows = self.center.scan(self.model, self.version, include=include, exclude=exclude)
        entries = [
            {"filename": row["path"], "modified_at": _local(row["modified_at"]), "size": row["size"], "crc": row["md5"]}
            for row in rows
            if files is None or row["path"] in files
        ]
        entries.sort(key=lambda entry: entry[sort_key])
        names = [entry["filename"] for entry in entries]
        return (entries, names) if attributes else names

    def files(self, include=None, exclude=None, sortby=None, **_ignored) -> list[str]:
        """The stored files' names (as `scan_local`)."""
        return self.scan_local(include=include, exclude=exclude, sortby=sortby)

    def filepaths(self, include=None, exclude=None, sortby=None, aspathlib=True, **_ignored) -> list:
        """Full paths of the stored files in a local center (pathlib, or str)."""
        if self.dirpath is None:
            raise UsageError(2, "a bucket center has no local paths; use pull_dir", [])
        names = self.scan_local(include=include, exclude=exclude, sortby=sortby)
        return [self.dirpath / n if aspathlib else str(self.dirpath / n) for n in names]

    # Getting files out

    def pull_file(self, file: str, save_path: Any, move: bool = False) -> Path:
        """Copy one stored file into `<save_path>/pull/` (the library's folder) and return the
        copy's path. A different local file in the way is refused. Stored files are never
        removed by a pull: `move=True` raises (use `delete_files_local` after pulling)."""
        _no_move(move)
        to = os.path.join(os.fspath(save_path), "pull")
        document = self.center.pull(self.model, self.version, [file], to=to)
        return Path(document["files"][0]["destination"])

    def pull_dir(self, dir: Any, move: bool = False) -> dict:
        """Copy every stored file of the version into DIR (see `pull_file` on `move`)."""
        _no_move(move)
        return self.center.pull(self.model, self.version, to=dir)

    # Removing files

    def delete_files_local(self, files=None, confirm=False, delete_all=None, ignore_errors=False) -> dict | None:
        """Delete FILES from the version; with `files=None`, every file (the version stays), or
        with `delete_all=True` the whole version. An empty list deletes nothing (the library
        deleted everything). `ignore_errors` skips named files that are not stored. Asks `(y/n)`
        only with `confirm=True` (the library asked by default, and asked again "a/d" when
        `delete_all` was None: mfile never does). Returns mfile's document (None when nothing
        was to be deleted or the answer was no)."""
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        if files is not None and not files:
            return None
        if confirm:
            answer = input(f"Confirm deleting {files or 'all'} files in {self.name} (y/n)")
            if answer.strip().lower() != "y":
                return None
        if files:
            return self.center.delete(self.model, self.version, list(files), ignore_missing=ignore_errors)
        if delete_all:
            return self.center.delete(self.model, self.version, all=True)
        return self.center.delete(self.model, self.version, include="*")

    def delete_files(self, files=None, confirm=False, all_local=None) -> dict | None:
        """The same as `delete_files_local` (there is no separate remote copy)."""
        return self.delete_files_local(files=files, confirm=confirm, delete_all=all_local)


class APILocal:
    """`APILocal(profile=MODEL).list_local_pipes()`: the model's versions that hold files, named
    as the library named its folders (`<model>-v<version>`); without a profile, every model's.
    `config` and `filecfg` are accepted and ignored."""

    def __init__(self, config=None, profile=None, filecfg=None, center_path=None):
        self.profile = profile
        self.center = _center(center_path)

    def list_local_pipes(self) -> list[str]:
        models = [self.profile] if self.profile else [m["model"] for m in self.center.profiles()]
        return [
            f"{model}-v{v['version']}" for model in models for v in self.center.versions(model) if v["files"] > 0
        ]


def list_profiles(filecfg=None, center_path=None) -> list[str]:
    """Print the center's models with their folders (as the library printed its cfg.json) and
    return their names."""
    models = _center(center_path).profiles()
    print(json.dumps({m["model"]: {"filerepo": m["filerepo"]} for m in models}, ensure_ascii=False, indent=4))
    return [m["model"] for m in models]


def _local(moment: _dt.datetime) -> _dt.datetime:
    return moment.astimezone().replace(tzinfo=None)


def _no_move(move: bool) -> None:
    if move:
        raise UsageError(2, "pull never removes stored files; pull, then delete_files_local(files)", [])
