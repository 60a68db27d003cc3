"""The README's "From Python" examples run, in order, on a temporary center."""

import re
from pathlib import Path

import mfile
from conftest import run_script

README = Path(__file__).parent.parent.parent / "README.md"


def python_blocks(section: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_the_from_python_section_runs():
    blocks = python_blocks("From Python")
    assert len(blocks) == 2
    Path("model.db").write_text("weights")
    Path("out").mkdir()
    Path("out/config.json").write_text('{"opset": 17}')
    done = run_script("\n".join(blocks))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("model.db 7 ")
    assert "lr-1e-3" in lines and "['churn-v1.0', 'churn-v1.1']" in lines
    assert (Path("deploy") / "model.db").read_text() == "weights"
    assert Path("serving/pull/model.db").read_text() == "weights"
    runs = {r["name"]: r for r in mfile.Center().runs("churn", all_users=True)}
    assert runs["lr-1e-3"]["metrics"]["loss"]["count"] == 10
    assert runs["BILSTM_CRF模型"]["status"] == "finished"
