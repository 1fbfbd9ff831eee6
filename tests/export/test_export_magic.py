"""`%dagster_nb export OUT.py` in a real IPython shell: the notebook file when the kernel knows
it, else the cells this kernel ran."""

from __future__ import annotations

import json

import pytest
from IPython.core.error import UsageError

from dagster_nb._export import export_notebook


@pytest.fixture
def shell(nb_shell):
    nb_shell.run("%load_ext dagster_nb\nimport dagster_nb as dg")
    return nb_shell


def test_export_from_the_cells_this_kernel_ran(shell, tmp_path, capsys):
    shell.run("import math\n\n@dg.asset\ndef radius():\n    return 2.0")
    shell.run("%%asset area\nmath.pi * radius ** 2")
    shell.run("%materialize -q\nprint(dg.kernel.load_asset_value('area'))")
    shell.run("%dagster_nb export out.py")
    text = (tmp_path / "out.py").read_text()
    assert "exported from the cells this kernel ran (In)" in text
    assert "def area(radius):\n    return math.pi * radius ** 2" in text
    assert "materialize" not in text.split("import dagster as dg")[1] and "print" not in text
    assert "Exported the cells this kernel ran" in capsys.readouterr().out


def test_export_reads_the_notebook_file_the_front_end_names(shell, tmp_path):
    nb = tmp_path / "analysis.ipynb"
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb.write_text(
        json.dumps(
            {
                "nbformat": 4,
                "nbformat_minor": 5,
                "metadata": {},
                "cells": [
                    {**cell, "source": "import dagster_nb as dg"},
                    {**cell, "source": "@dg.asset\ndef from_file():\n    return 1"},
                ],
            }
        )
    )
    shell.ns["__vsc_ipynb_file__"] = str(nb)  # what VS Code sets; Jupyter sets JPY_SESSION_NAME
    shell.run("%dagster_nb export pkg")
    assert (tmp_path / "pkg" / "__init__.py").read_text() == export_notebook(nb)


def test_export_is_in_the_magics_help(shell, capsys):
    shell.run("%dagster_nb --help")
    out = capsys.readouterr().out
    assert "export OUT.py" in out and "dagster dev -f OUT.py" in out


def test_export_usage_errors_say_what_to_do(shell, monkeypatch):
    with pytest.raises(UsageError, match="name one output file"):
        shell.ip.run_line_magic("dagster_nb", "export")
    with pytest.raises(UsageError, match="must be a .py file or a package directory"):
        shell.ip.run_line_magic("dagster_nb", "export out.txt")
    monkeypatch.setattr(shell.ip.history_manager, "input_hist_raw", [""])
    shell.ns["In"] = [""]
    with pytest.raises(UsageError, match="dagster-nb export NOTEBOOK.ipynb -o OUT.py"):
        shell.ip.run_line_magic("dagster_nb", "export out.py")
