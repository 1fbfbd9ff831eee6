"""The built wheel carries the prebuilt JupyterLab extension: installed into a fresh venv, with
no node on PATH, `jupyter labextension list` shows it enabled. The fresh venv gets only the
wheel (--no-deps); JupyterLab itself comes from the test venv through a .pth line, to keep the
test lean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_wheel_installs_the_extension_enabled_without_node(tmp_path):
    pytest.importorskip("jupyterlab")
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = dist.glob("dagster_nb-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    prefix = (
        f"dagster_nb-{wheel.name.split('-')[1]}.data/data/share/jupyter/labextensions/dagster-nb/"
    )
    assert prefix + "package.json" in names
    assert prefix + "install.json" in names
    assert any(n.startswith(prefix + "static/remoteEntry.") for n in names)

    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # JupyterLab and its dependencies from the test venv; dagster_nb only from the wheel.
    Path(site, "_test_venv.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    path = str(venv / "bin")
    assert shutil.which("node", path=path) is None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHONPATH"))}
    env.update(PATH=path, HOME=str(tmp_path / "home"))
    # what the `jupyter labextension` console script runs (the fresh venv has no scripts of
    # JupyterLab's: it is not installed there)
    out = subprocess.run(
        [str(py), "-c", "from jupyterlab.labextensions import main; main()", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    line = next((ln for ln in text.splitlines() if "dagster-nb" in ln), "")
    assert "enabled" in line and "OK" in line, text
    assert str(venv / "share" / "jupyter" / "labextensions") in text, text
    where = subprocess.run(
        [str(py), "-c", "import dagster_nb; print(dagster_nb.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    ).stdout
    assert where.startswith(site), where
