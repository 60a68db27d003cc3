"""`with mfile.run(...) as run: run.log(...)`: params once, points through one child."""

import math
import os
import re
import subprocess
import sys
import time

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


def test_keys_in_any_script_are_taken_as_the_cli_takes_them():
    with mfile.run("churn", "cjk") as run:
        run.log(**{"准确率\u3000top1": 0.9, "\u00a0x": 1.0})
    assert set(points("churn", "cjk")) == {"准确率\u3000top1", "\u00a0x"}


def test_what_the_child_would_refuse_is_refused_by_log_and_the_stream_goes_on():
    class Array:  # a numpy array of several elements: float() refuses it
        def __float__(self):
            raise TypeError("only 0-dimensional arrays can be converted")

    refused = [
        ({"a=b": 1.0}, ValueError),
        ({"flag": True}, TypeError),
        ({"loss": "high"}, TypeError),
        ({"loss": Array()}, TypeError),
        ({"big": 10**400}, ValueError),
        ({}, ValueError),
        ({"step": 2**63 - 1, "x": 1}, ValueError),
        ({"step": 2.7, "x": 1}, TypeError),
        ({"step": True, "x": 1}, TypeError),
        ({"step": "3", "x": 1}, TypeError),
        ({"step": 1, "epoch": 1, "x": 1}, ValueError),
    ]
    with mfile.run("churn", "bad") as run:
        for values, error in refused:
            with pytest.raises(error):
                run.log(**values)
            run.log(loss=1.0)  # recorded after every refusal
        with pytest.raises(TypeError) as caught:
            run.log(acc=Array())
        assert "acc" in str(caught.value)
        run.log(epoch=99, loss=2.0)  # epoch names the step, as in JSON lines
        run.log(step=2**53 - 1, edge=1)
    assert run.points == len(refused) + 2
    recorded = points("churn", "bad")
    assert set(recorded) == {"loss", "edge"} and recorded["loss"][-1] == (99, 2.0)


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


def test_a_child_that_dies_raises_its_exit_code_and_the_run_ends_failed():
    with pytest.raises(mfile.MfileError) as caught:
        with mfile.run("churn", "killed-child") as run:
            run.log(step=0, loss=1.0)
            run._stream._child.kill()
            for step in range(1, 200_000):  # until the pipe breaks or the block ends
                run.log(step=step, loss=1.0)
    assert caught.value.code != 0
    assert run.status == "failed"
    assert mfile.Center().runs("churn")[0]["status"] == "failed"


def test_a_child_killed_after_taking_every_point_fails_sync_and_a_later_log_starts_another():
    # killed with nothing left to write (the OOM killer, say): the writer never sees a broken
    # pipe, so only the exit code tells; the dead stream must not take later points
    with mfile.run("churn", "restarted") as run:
        run.log(step=0, loss=1.0)
        run.flush()
        stream = run._stream
        deadline = time.monotonic() + 30
        while stream._taken < stream._added:
            assert time.monotonic() < deadline, "the writer never took the line"
            time.sleep(0.01)
        stream._child.kill()
        with pytest.raises(mfile.MfileError):
            run.sync()
        run.log(step=1, loss=2.0)
        run.sync()
    assert points("churn", "restarted")["loss"][-1] == (1, 2.0)
    assert run.status == "finished"


def test_a_forked_worker_neither_hangs_the_run_nor_sends_its_points_twice():
    from conftest import run_script

    script = """
import os, mfile
with mfile.run("churn", "forked") as run:
    for step in range(10):
        run.log(step=step, loss=1.0)
    pid = os.fork()  # a DataLoader worker
    if pid == 0:
        raise SystemExit(0)  # its atexit handlers run
    os.waitpid(pid, 0)
    for step in range(10, 20):
        run.log(step=step, loss=2.0)
print(run.points)
"""
    done = run_script(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["20"]
    assert [step for step, _ in points("churn", "forked")["loss"]] == list(range(20))


def test_a_run_exists_once_entered_and_a_bad_name_raises_there():
    with mfile.run("churn", "empty") as run:
        pass
    assert run.points == 0 and mfile.Center().runs("churn")[0]["status"] == "finished"
    entered = False
    with pytest.raises(mfile.UsageError) as caught:
        with mfile.run("churn", "bad/name"):
            entered = True
    assert not entered and "invalid run name" in caught.value.message
    with pytest.raises(TypeError):
        mfile.run("churn", 1.5)


def test_two_unnamed_runs_of_one_process_get_two_names():
    a, b = mfile.run("churn"), mfile.run("churn")
    with a, b:
        a.log(step=0, x=1.0)
        b.log(step=0, x=2.0)
    assert a.name != b.name
    assert points("churn", a.name)["x"] == [(0, 1.0)] and points("churn", b.name)["x"] == [(0, 2.0)]


def test_threads_may_log_into_one_run():
    import threading

    with mfile.run("churn", "threads") as run:
        def worker(key):
            for step in range(5000):
                run.log(step=step, **{key: float(step)})

        threads = [threading.Thread(target=worker, args=(f"k{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert run.points == 20_000
    assert {k: len(v) for k, v in points("churn", "threads").items()} == {f"k{i}": 5000 for i in range(4)}


def test_points_reach_the_center_without_another_call():
    import time

    with mfile.run("churn", "quiet") as run:
        run.log(step=1, loss=0.9)
        deadline = time.monotonic() + 10  # a bound, not a speed test: the flusher sends it
        while "loss" not in points("churn", "quiet") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert points("churn", "quiet")["loss"] == [(1, 0.9)]


def test_ctrl_c_while_logging_fast_loses_no_point(tmp_path):
    from conftest import run_script

    script = """
import os, subprocess, sys, mfile
n = 0
try:
    with mfile.run("churn", "sigint-ATTEMPT") as run:
        # Ctrl-C from outside the process, as a terminal sends it
        subprocess.Popen([sys.executable, "-c",
            "import os, signal, time; time.sleep(0.4); os.kill(%d, signal.SIGINT)" % os.getpid()])
        while True:
            run.log(step=n, loss=1.0, acc=0.5)
            n += 1
except KeyboardInterrupt:
    print(n, run.status)
"""
    for attempt in range(3):  # the interrupt lands somewhere else in each
        done = run_script(script.replace("ATTEMPT", str(attempt)))
        assert done.returncode == 0, done.stderr
        logged, status = done.stdout.split()
        assert status == "killed"
        recorded = points("churn", f"sigint-{attempt}")
        # the interrupted call either recorded its point or none of it
        assert len(recorded["loss"]) in (int(logged), int(logged) + 1), (attempt, logged)
        assert len(recorded["acc"]) == len(recorded["loss"])


def test_new_picks_the_next_free_name_and_no_name_gets_a_dated_one():
    for _ in range(2):
        with mfile.run("churn", "sweep", new=True) as run:
            run.log(loss=1.0)
    assert run.name == "sweep-2"
    with mfile.run("churn") as unnamed:
        unnamed.log(loss=1.0)
    assert re.fullmatch(r"run-\d{8}-\d{6}-[0-9a-f]{4}", unnamed.name), unnamed.name
    assert sorted(r["name"] for r in mfile.Center().runs("churn")) == sorted(["sweep", "sweep-2", unnamed.name])


def test_processes_of_a_sweep_asking_for_one_name_at_once_get_a_run_each():
    # A launcher starting its jobs together (they used to pick the same free name and record
    # into one run).
    script = (
        "import sys, mfile\n"
        "with mfile.run('churn', 'sweep', new=True, params={'job': sys.argv[1]}) as run:\n"
        "    run.log(step=0, loss=float(sys.argv[1]))\n"
    )
    jobs = [
        subprocess.Popen([sys.executable, "-c", script, str(i)], env=os.environ.copy()) for i in range(6)
    ]
    assert [job.wait(timeout=120) for job in jobs] == [0] * 6
    runs = mfile.Center().runs("churn")
    assert sorted(r["name"] for r in runs) == ["sweep"] + [f"sweep-{n}" for n in range(2, 7)]
    for r in runs:  # each job's param and point in its own run
        assert points("churn", r["name"])["loss"] == [(0, float(r["params"]["job"]["value"]))]


def test_a_hundred_thousand_points_from_a_loop_all_arrive():
    # The speed of this (goal: under 2 s) is measured by bench/python_run.py, not here.
    with mfile.run("churn", "long") as run:
        for step in range(100_000):
            run.log(step=step, loss=1.0 / (step + 1), acc=step / 100_000)
    assert run.points == 200_000
    summary = mfile.Center().runs("churn")[0]["metrics"]
    assert summary["loss"]["count"] == 100_000 and summary["acc"]["last_step"] == 99_999
