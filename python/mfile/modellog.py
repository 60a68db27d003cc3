"""Model_Log's API over mfile: change one import line,

    from model_log.modellog import ModelLog      ->      from mfile.modellog import ModelLog

`nick_name` is the mfile user (runs of different users stay apart, as in Model_Log), the
project is the model, the model name the run. Points go to the center (shared, and on the page
of `mfile ui`) instead of a SQLite file inside the library's install folder. Differences, on
purpose: any metric name is taken (the library allowed ten), values keep full precision (it
stored '%.4f'), `add_best_result` works (it recursed forever), and the MySQL arguments are
ignored with a warning (the center is the shared store).
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping

from . import _cli
from ._run import Run, check_key
from .native import Center


class ModelLog:
    """`ModelLog(nick_name, project_name, project_remark='')`; `center` picks a center (default:
    mfile's own). Nothing is written before the first `add_metric`, as in Model_Log."""

    def __init__(
        self,
        nick_name: str,
        project_name: str,
        project_remark: str = "",
        db_host=None,
        db_port=None,
        db_username=None,
        db_password=None,
        data_base=None,
        center: Any = None,
    ):
        _check_text(nick_name, "nick_name")
        _check_text(project_name, "project_name")
        if db_host is not None:
            warnings.warn("mfile.modellog ignores the MySQL arguments: the runs go to the mfile center", stacklevel=2)
        self.nick_name = nick_name
        self.project_name = project_name
        self.project_remark = project_remark
        self.center = center if isinstance(center, Center) else Center(center)
        self.model_name = ""
        self.remark = ""
        self.param_dict: dict[str, Mapping[str, Any]] = {}
        self.run: Run | None = None

    def add_param(self, param_dict: Mapping[str, Any], param_type: str) -> None:
        """Params of one kind (`tf_param`, ...), recorded with the run at the first `add_metric`,
        keys as given (the kinds become the run's `param_type` tag); params are write-once."""
        _check_text(param_type, "param_type")
        self._before_the_run("add_param")
        self.param_dict[param_type] = dict(param_dict)

    def add_model_name(self, model_name: str) -> None:
        """The run's name. A name this user already has in the project becomes NAME-2 (or the
        next free; the library appended `_<count>`)."""
        _check_text(model_name, "model_name")
        self._before_the_run("add_model_name")
        self.model_name = model_name

    def add_model_remark(self, remark: str) -> None:
        """The run's note (`mfile runs note`)."""
        _check_text(remark, "remark")
        self.remark = remark
        if self.run is not None:
            self._note()

    def add_metric(self, metric_name: str, metric_value: Any, epoch: int) -> None:
        """One value of a metric at an epoch (the step). The first call records the run (its
        name, params, note and tags); after `finish_model()`, the next call starts a new run."""
        if metric_name in ("step", "epoch"):
            raise ValueError(f"metric_name {metric_name!r} names the step in mfile; give the metric another name")
        if self.run is None:
            check_key(metric_name)  # a bad first key makes no run (later ones: run.log checks)
            self._begin()
        self.run.log({metric_name: metric_value}, step=epoch)

    def add_best_result(self, best_name: str, best_value: Any, best_epoch: int) -> None:
        """The best result, recorded as metric `best_name` at step `best_epoch`."""
        self.add_metric(best_name, best_value, best_epoch)

    def finish_model(self) -> None:
        """Record every point and mark the run `finished`."""
        if self.run is not None:
            self.run.end("finished")
            self.run = None

    def close(self) -> None:
        """Record every point; the run stays `running` unless `finish_model` was called (a
        script that never calls either still loses nothing: the points are sent at exit)."""
        if self.run is not None:
            self.run.sync()

    def _before_the_run(self, call: str) -> None:
        if self.run is not None:
            warnings.warn(
                f"{call}() after the first add_metric() applies to the next run (after "
                f"finish_model()), not to {self.run.name}",
                stacklevel=3,
            )

    def _begin(self) -> None:
        center, model, user = self.center, self.project_name, self.nick_name
        name = self.model_name or f"{self.project_name}_{_run_count(center, model, user) + 1}"
        params = {k: v for group in self.param_dict.values() for k, v in group.items()}
        self.run = Run(center, model, name, params=params, user=user, new=True)
        self.run.start()
        tags = {"param_type": ",".join(self.param_dict)} if self.param_dict else {}
        if self.project_remark:
            tags["project_remark"] = self.project_remark
        if tags:
            run = ["--run", self.run.name, "--user", user]
            center.call("tag", "-m", model, *run, "--", *(f"{k}={v}" for k, v in tags.items()))
        if self.remark:
            self._note()

    def _note(self) -> None:
        run = ["--run", self.run.name, "--user", self.nick_name]
        self.center.call("runs", "note", "-m", self.project_name, *run, "--", self.remark)


def _check_text(value: Any, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {value!r}")
    if value == "":
        raise ValueError(f"{what} is empty")


def _run_count(center: Center, model: str, user: str) -> int:
    """How many runs USER has of MODEL (none when the model does not exist yet)."""
    try:
        return len(center.runs(model, user=user))
    except _cli.MfileError as error:
        if error.code != 1:
            raise
        return 0
