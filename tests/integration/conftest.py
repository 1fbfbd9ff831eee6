from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


class Procs:
    """Starts ``python -m procdefs`` processes against one instance folder."""

    def __init__(self, tmp_path: Path):
        self.home = tmp_path / "home"
        self.marks = tmp_path / "marks"
        self.marks.mkdir()
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "NB_MARK_DIR": str(self.marks),
        }
        self.env.pop("DAGSTER_HOME", None)

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "procdefs", args[0], str(self.home), *args[1:]],
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, **env: str) -> str:
        p = self.start(*args, **env)
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        return out

    def runs_of(self, name: str) -> int:
        path = self.marks / (name + ".ran")
        return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.fixture
def procs(tmp_path):
    return Procs(tmp_path)
