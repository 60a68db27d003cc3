"""Every test gets its own center, home and config, as tests/cli/harness.rs does for the Rust
suite: nothing of the machine's own mfile set-up leaks in, nothing leaks out."""

import os
import subprocess
import sys

import pytest


@pytest.fixture(autouse=True)
def center(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(home if name == "HOME" else home / name.lower()))
    monkeypatch.setenv("MFILE_CONFIG", str(tmp_path / "no-system-config.json"))
    monkeypatch.setenv("MFILE_CENTER", str(tmp_path / "center"))
    monkeypatch.setenv("MFILE_USER", "alice")
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("MFILE_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path / "center"


def run_script(text: str) -> subprocess.CompletedProcess:
    """A Python script in a fresh interpreter (atexit behaviour, print output); a hang fails."""
    return subprocess.run(
        [sys.executable, "-c", text], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )
