"""mfile's own Python API: one `mfile ... --json` call per method, documents back."""

import datetime as dt
import hashlib

import pytest

import mfile


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_import_scan_pull_delete_round_trip(tmp_path):
    center = mfile.Center()
    write(tmp_path / "out" / "model.db", "weights")
    write(tmp_path / "out" / "数据" / "训练.csv", "a,b\n1,2\n")

    imported = center.import_(tmp_path / "out/", "churn", "1.0", subdir="onnx")
    assert imported["totals"]["imported"] == 2
    files = center.scan("churn", "1.0")
    assert [f["path"] for f in files] == ["onnx/model.db", "onnx/数据/训练.csv"]
    assert files[0]["md5"] == hashlib.md5(b"weights").hexdigest()
    assert isinstance(files[0]["imported_at"], dt.datetime) and files[0]["imported_at"].tzinfo is not None
    assert [f["path"] for f in center.scan("churn", include="*.csv")] == ["onnx/数据/训练.csv"]

    pulled = center.pull("churn", "1.0", to=tmp_path / "deploy")
    assert pulled["totals"]["pulled"] == 2
    assert (tmp_path / "deploy" / "onnx" / "数据" / "训练.csv").read_text(encoding="utf-8") == "a,b\n1,2\n"

    deleted = center.delete("churn", "1.0", ["onnx/model.db"])
    assert [f["status"] for f in deleted["files"]] == ["deleted"]
    assert [f["path"] for f in center.scan("churn", "1.0")] == ["onnx/数据/训练.csv"]
    center.delete("churn", "1.0", all=True)
    assert center.versions("churn") == []


def test_other_content_under_a_stored_name_is_refused_then_forced(tmp_path):
    center = mfile.Center()
    model = write(tmp_path / "model.db", "v1")
    center.import_(model, "churn", "1.0")
    write(model, "v2 bytes")
    with pytest.raises(mfile.MfileError) as caught:
        center.import_(model, "churn", "1.0")
    assert caught.value.code == 1
    assert "--force" in caught.value.message
    assert center.scan("churn", "1.0")[0]["size"] == 2  # nothing replaced
    center.import_(model, "churn", "1.0", force=True)
    assert center.scan("churn", "1.0")[0]["size"] == 8


def test_a_partly_failed_batch_carries_its_document(tmp_path, center):
    write(tmp_path / "a.txt", "a")
    write(tmp_path / "b.txt", "b")
    mfile.Center().import_([tmp_path / "a.txt", tmp_path / "b.txt"], "m", "1")
    stored = center / "files" / "m" / "1" / "a.txt"
    stored.chmod(0o644)
    stored.write_text("damaged")
    with pytest.raises(mfile.MfileError) as caught:
        mfile.Center().pull("m", "1", to=tmp_path / "deploy")
    document = caught.value.document
    assert caught.value.code == 1
    assert {f["path"]: f["status"] for f in document["files"]} == {"a.txt": "failed", "b.txt": "pulled"}
    assert not (tmp_path / "deploy" / "a.txt").exists()


def test_versions_profiles_config_and_an_explicit_center(tmp_path):
    elsewhere = mfile.Center(tmp_path / "other-center")
    write(tmp_path / "w.bin", "w")
    elsewhere.import_(tmp_path / "w.bin", "bert", "2")
    assert [m["model"] for m in elsewhere.profiles()] == ["bert"]
    assert [v["version"] for v in elsewhere.versions("bert")] == ["2"]
    assert elsewhere.config("bert", "2")["center"] == str(tmp_path / "other-center")
    with pytest.raises(mfile.MfileError):
        mfile.Center().profiles()  # the default center ($MFILE_CENTER) holds nothing


def test_times_keep_their_instant():
    from mfile._cli import parse_time

    moment = parse_time("2026-11-30T19:54:47.653289969Z")
    assert moment == dt.datetime(2026, 11, 30, 19, 54, 47, 653289, tzinfo=dt.timezone.utc)
    assert parse_time("2026-11-30T21:54:47+02:00") == dt.datetime(2026, 11, 30, 19, 54, 47, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        parse_time("yesterday")


def test_a_relative_center_stays_the_same_after_chdir(tmp_path, monkeypatch):
    write(tmp_path / "work" / "a.txt", "a")
    center = mfile.Center("relative-center")
    center.import_("a.txt", "m", "1")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert [f["path"] for f in center.scan("m", "1")] == ["a.txt"]
    assert not (tmp_path / "elsewhere" / "relative-center").exists()


def test_messages_keep_their_lists_and_usage_errors_lose_the_usage(tmp_path):
    center = mfile.Center()
    write(tmp_path / "a.txt", "a")
    center.import_(tmp_path / "a.txt", "m", "1")
    with pytest.raises(mfile.MfileError) as caught:
        center.delete("m", "1", ["a.txt", "gone.txt"])
    assert "gone.txt" in caught.value.message.splitlines()[1]
    with pytest.raises(mfile.UsageError) as caught:
        center.scan(sort="bogus")
    assert "bogus" in caught.value.message and "Usage" not in caught.value.message
    assert not caught.value.message.startswith("error:")


def test_names_must_be_text_or_whole_numbers(tmp_path):
    center = mfile.Center()
    write(tmp_path / "a.txt", "a")
    center.import_(tmp_path / "a.txt", "m", 2)  # version "2"
    assert [v["version"] for v in center.versions("m")] == ["2"]
    with pytest.raises(TypeError) as caught:
        center.import_(tmp_path / "a.txt", "m", 1.10)
    assert "'1.1'" in str(caught.value)
    with pytest.raises(TypeError):
        center.pull("m", None)


def test_a_tag_that_looks_like_a_time_field_stays_text(tmp_path):
    center = mfile.Center()
    write(tmp_path / "a.txt", "a")
    center.import_(tmp_path / "a.txt", "m", "1")
    center.call("tag", "-m", "m", "--version", "1", "reviewed_at=yesterday", "created_at=2026-01-01T00:00:00Z")
    [version] = center.versions("m")
    assert version["tags"] == {"reviewed_at": "yesterday", "created_at": "2026-01-01T00:00:00Z"}
    assert isinstance(version["created_at"], dt.datetime)
