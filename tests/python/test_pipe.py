"""bolt4ds / d6tpipe users change one import line; the tutorial's steps then work as before
(bolt4ds pipe.ipynb's sequence: profile, filepipe, import, scan, list, pull, delete)."""

import datetime as dt
import hashlib
import os
import time
from pathlib import Path

import pytest

import mfile
from mfile.pipe import APILocal, ModelFile, list_profiles

FIXTURE = Path(__file__).parent.parent / "fixtures" / "d6tpipe" / "center"


def write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_tutorial_steps(capsys):
    write("model.pkl", "weights v1")
    write("train.csv", "x,y\n1,2\n")
    write("reports/loss.png", "png")
    write("reports/评估/指标.txt", "acc 0.9")

    model_file = ModelFile(model_name="lr_model", version="1.0")
    pipe = model_file.filepipe()
    assert pipe.dir.endswith(os.sep) and pipe.dirpath == Path(pipe.dir)
    assert pipe.name == "lr_model-v1.0" and pipe.config["filedb"].endswith("catalog.db")

    os.utime("train.csv", (time.time(), time.time() + 60))  # the newest file
    pipe.import_file("model.pkl")
    pipe.import_file("train.csv", subdir="data")
    pipe.import_dir("reports")

    names = pipe.scan_local()
    assert names == ["data/train.csv", "loss.png", "model.pkl", "评估/指标.txt"]
    assert pipe.scan_local(sortby="mod")[-1] == "data/train.csv"  # the newest, as in the notebook
    assert pipe.scan_local(sortby="size")[0] == "loss.png"
    assert pipe.scan_local(include="*.csv|*.txt") == ["data/train.csv", "评估/指标.txt"]
    files, listed = pipe.scan_local(attributes=True, exclude="*.png")
    assert listed == [f["filename"] for f in files] == ["data/train.csv", "model.pkl", "评估/指标.txt"]
    assert set(files[1]) == {"filename", "modified_at", "size", "crc"}
    assert files[1]["size"] == 10 and files[1]["crc"] == hashlib.md5(b"weights v1").hexdigest()
    assert isinstance(files[1]["modified_at"], dt.datetime) and files[1]["modified_at"].tzinfo is None
    assert pipe.filepaths()[0] == pipe.dirpath / "data" / "train.csv"

    assert APILocal(profile="lr_model").list_local_pipes() == ["lr_model-v1.0"]
    assert list_profiles() == ["lr_model"]
    assert "lr_model" in capsys.readouterr().out

    copy = pipe.pull_file("model.pkl", save_path="serving")
    assert copy == Path("serving/pull/model.pkl") and copy.read_text() == "weights v1"
    pipe.pull_dir("deploy")
    assert Path("deploy/评估/指标.txt").read_text(encoding="utf-8") == "acc 0.9"

    pipe.delete_files_local(files=["data/train.csv"])
    assert "data/train.csv" not in pipe.scan_local()
    pipe.delete_files_local()  # every file; the version stays
    assert pipe.scan_local() == [] and APILocal(profile="lr_model").list_local_pipes() == []
    pipe.import_file("model.pkl")
    pipe.delete_files_local(delete_all=True)  # the whole version
    assert mfile.Center().versions("lr_model") == []


def test_where_the_library_overwrote_or_escaped_mfile_refuses():
    pipe = ModelFile("m", 1).filepipe()
    write("model.pkl", "v1")
    pipe.import_file("model.pkl")
    write("model.pkl", "other bytes")
    with pytest.raises(mfile.MfileError) as caught:
        pipe.import_file("model.pkl")  # the library's shutil.copy overwrote silently
    assert caught.value.code == 1
    assert pipe.pull_file("model.pkl", "here").read_text() == "v1"
    pipe.import_file("model.pkl", force=True)
    with pytest.raises(mfile.UsageError):
        pipe.import_file("model.pkl", subdir="../../outside")
    assert not Path(pipe.dir).parent.parent.joinpath("outside").exists()
    with pytest.raises(ValueError):
        pipe.pull_file("model.pkl", "here", move=True)


def test_delete_asks_only_when_told_to(monkeypatch):
    pipe = ModelFile("m", 1).filepipe()
    pipe.import_file(write("a.txt", "a"))
    answers = iter(["n"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert pipe.delete_files_local(files=["a.txt"], confirm=True) is None
    assert pipe.scan_local() == ["a.txt"]
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked without confirm=True"))
    pipe.delete_files_local(files=["a.txt"])
    assert pipe.scan_local() == []


def test_a_center_the_library_wrote_is_pointed_at_mfile_adopt(tmp_path):
    with pytest.raises(mfile.UsageError) as caught:
        ModelFile("demo", 1, center_path=FIXTURE)
    assert "mfile adopt" in caught.value.message


def test_an_empty_file_list_deletes_nothing():
    pipe = ModelFile("m", 1).filepipe()
    pipe.import_files(write("a.txt", "a"))  # one path where a list is expected works too
    names = pipe.scan_local()
    assert pipe.delete_files_local(files=[f for f in names if f.endswith(".tmp")]) is None
    assert pipe.scan_local() == ["a.txt"]
    with pytest.raises(TypeError):
        ModelFile("m", None)
