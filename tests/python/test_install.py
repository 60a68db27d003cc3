"""The wheel's promise: a working `mfile` command and `import mfile`, errors as exceptions."""

import os
import subprocess
import sys

import pytest

import mfile

INSTALLED = os.environ.get("MFILE_TEST_INSTALLED") == "1"  # set by .ci/run after `pip install .`


@pytest.mark.skipif(not INSTALLED, reason="checks a `pip install .` (MFILE_TEST_INSTALLED=1)")
def test_pip_install_puts_the_binary_and_the_package_in_the_environment():
    assert "MFILE_BIN" not in os.environ
    binary = mfile.find_mfile_bin()
    assert binary.startswith(sys.prefix), binary
    assert mfile.__file__.startswith(sys.prefix), mfile.__file__
    activated = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    shown = subprocess.run(["mfile", "--version"], capture_output=True, text=True, check=True, env=activated).stdout
    assert shown.split() == ["mfile", mfile.__version__]


def test_python_dash_m_runs_the_binary():
    done = subprocess.run([sys.executable, "-m", "mfile", "profiles", "--json"], capture_output=True, text=True)
    assert done.returncode == 1, done  # no center yet
    assert "mfile: error:" in done.stderr


def test_a_failure_raises_with_the_exit_code_and_mfiles_message(tmp_path):
    (tmp_path / "model.db").write_text("weights")
    mfile.Center().import_(tmp_path / "model.db", "bert", "1")
    with pytest.raises(mfile.MfileError) as caught:
        mfile.Center().scan("churn")
    assert caught.value.code == 1
    assert "churn" in caught.value.message and "mfile: error" not in caught.value.message
    assert not isinstance(caught.value, ValueError)


def test_bad_input_raises_usage_error_which_is_a_value_error(tmp_path):
    (tmp_path / "model.db").write_text("weights")
    with pytest.raises(ValueError) as caught:
        mfile.Center().import_(tmp_path / "model.db", "churn", "../1.0")
    assert isinstance(caught.value, mfile.UsageError)
    assert caught.value.code == 2
    assert "invalid version name" in caught.value.message


def test_a_missing_binary_names_where_it_looked(monkeypatch):
    monkeypatch.delenv("MFILE_BIN", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(mfile._find, "_scripts_folders", lambda: ["/nonexistent/scripts"])
    with pytest.raises(mfile.MfileBinaryNotFound) as caught:
        mfile.find_mfile_bin()
    assert "/nonexistent/scripts" in str(caught.value)
