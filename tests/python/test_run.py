"""`with mfile.run(...) as run: run.log(...)`: params once, points through one child."""

import math

import pytest

import mfile


def points(model, run):
    return mfile.Center().metrics(model, run)


def test_points_params_and_status_are_recorded():
    with mfile.run("churn", "lr-1e-3", params={"lr": 1e-3, "opt": "adam", "amp": True}) as run:
        for epoch in range(3):
            run.log(step=epoch, loss=1.0 / (epoch + 1), acc=epoch / 10)
        run.log({"val/loss": 0.5, "epoch-time": 12}, step=2)
    assert run.points == 8 and run.status == "finished"
    assert points("churn", "lr-1e-3")["loss"] == [(0, 1.0), (1, 0.5), (2, 1 / 3)]
    assert points("churn", "lr-1e-3")["val/loss"] == [(2, 0.5)]
    [row] = mfile.Center().runs("churn")
    assert row["status"] == "finished"
    assert {k: p["value"] for k, p in row["params"].items()} == {"lr": "0.001", "opt": "adam", "amp": "true"}


def test_steps_default_to_each_keys_next_and_special_values_survive():
    class Tensor:  # a 0-d tensor or numpy scalar: anything with __float__
        def __float__(self):
            return 0.25

    with mfile.run("churn", "specials") as run:
        run.log(loss=float("nan"))
        run.log(loss=float("inf"), acc=Tensor())
        run.log(loss=-math.inf)
    recorded = points("churn", "specials")
    assert [step for step, _ in recorded["loss"]] == [0, 1, 2]
    assert math.isnan(recorded["loss"][0][1]) and recorded["loss"][1:] == [(1, math.inf), (2, -math.inf)]
    assert recorded["acc"] == [(0, 0.25)]


def test_bad_keys_and_values_are_refused_in_python_before_anything_is_sent():
    with mfile.run("churn", "bad") as run:
        with pytest.raises(ValueError):
            run.log(**{"a=b": 1.0})
        with pytest.raises(TypeError):
            run.log(flag=True)
        with pytest.raises(TypeError):
            run.log(loss="high")
        run.log(step=0, loss=1.0)
    assert run.points == 1


def test_a_param_conflict_raises_before_the_block_runs():
    with mfile.run("churn", "r", params={"lr": 0.1}) as run:
        run.log(loss=1.0)
    entered = False
    with pytest.raises(mfile.MfileError) as caught:
        with mfile.run("churn", "r", params={"lr": 0.2}):
            entered = True
    assert not entered
    assert "lr" in caught.value.message
    assert points("churn", "r")["loss"] == [(0, 1.0)]


def test_an_exception_in_the_block_marks_the_run_failed_and_goes_on():
    with pytest.raises(ZeroDivisionError):
        with mfile.run("churn", "crash") as run:
            run.log(step=0, loss=1.0)
            1 / 0
    assert run.status == "failed"
    assert mfile.Center().runs("churn")[0]["status"] == "failed"
    assert points("churn", "crash")["loss"] == [(0, 1.0)]


def test_ctrl_c_in_the_block_marks_the_run_killed_with_every_point():
    with pytest.raises(KeyboardInterrupt):
        with mfile.run("churn", "stopped") as run:
            for step in range(5000):
                run.log(step=step, loss=1.0)
            raise KeyboardInterrupt
    assert mfile.Center().runs("churn", status="killed")[0]["name"] == "stopped"
    assert len(points("churn", "stopped")["loss"]) == 5000


def test_a_child_that_dies_raises_its_exit_code():
    with pytest.raises(mfile.MfileError) as caught:
        with mfile.run("churn", "killed-child") as run:
            run.log(step=0, loss=1.0)
            run._child.kill()
            for step in range(1, 200_000):  # until the pipe breaks or the block ends
                run.log(step=step, loss=1.0)
    assert caught.value.code != 0


def test_new_picks_the_next_free_name_and_no_name_gets_a_dated_one():
    for _ in range(2):
        with mfile.run("churn", "sweep", new=True) as run:
            run.log(loss=1.0)
    assert run.name == "sweep-2"
    with mfile.run("churn") as unnamed:
        unnamed.log(loss=1.0)
    assert unnamed.name.startswith("run-2")
    assert sorted(r["name"] for r in mfile.Center().runs("churn")) == sorted(["sweep", "sweep-2", unnamed.name])


def test_a_hundred_thousand_points_from_a_loop_all_arrive():
    # The speed of this (goal: under 2 s) is measured by bench/python_run.py, not here.
    with mfile.run("churn", "long") as run:
        for step in range(100_000):
            run.log(step=step, loss=1.0 / (step + 1), acc=step / 100_000)
    assert run.points == 200_000
    summary = mfile.Center().runs("churn")[0]["metrics"]
    assert summary["loss"]["count"] == 100_000 and summary["acc"]["last_step"] == 99_999
