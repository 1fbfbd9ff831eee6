"""Helpers for the export tests: run a notebook's cells in a real IPython shell (as a kernel
does), and export + load modules with real Dagster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("IPython")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
# Notebooks whose export does not round-trip here: 06_dbt's first cell copies the dbt project
# into a fresh temporary folder (an exported module running it finds no manifest), and its last
# cell redefines `jaffle` inside a `with warnings...` block, which the exporter leaves out. The
# dbt export itself (dagster_nb.dbt -> dagster_dbt) is tested in tests/dbt/test_dbt_export.py.
NOT_EXPORTABLE = frozenset({"06_dbt"})


def exportable_notebooks() -> list:
    return [p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if p.stem not in NOT_EXPORTABLE]


def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


class NotebookShell:
    """A real IPython shell running notebook cells in order, with cell ids, as Jupyter does."""

    def __init__(self, ip):
        self.ip = ip
        self.n = 0

    def run(self, code: str):
        self.n += 1
        r = self.ip.run_cell(code, store_history=True, cell_id=f"cell-{self.n}")
        if not r.success:
            raise AssertionError(
                f"cell {self.n} failed: {r.error_before_exec or r.error_in_exec!r}\n{code}"
            )
        return r.result

    @property
    def ns(self):
        return self.ip.user_ns


@pytest.fixture
def nb_shell(tmp_path, monkeypatch):
    """An IPython shell without the extension loaded (the notebook loads it); the environment
    and the kernel repository are restored afterwards."""
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "nb_home"))
    monkeypatch.delenv("WAREHOUSE_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    # The test shell is one per process: start with no cells run, as a fresh kernel does
    # (export reads the cells this kernel ran; earlier tests' cells are not this notebook's).
    ip.history_manager.input_hist_raw[:] = [""]
    ip.history_manager.input_hist_parsed[:] = [""]  # also the shell's `In`
    before = set(ip.user_ns)
    yield NotebookShell(ip)
    ip.run_line_magic("unload_ext", "dagster_nb")
    for name in set(ip.user_ns) - before:
        ip.user_ns.pop(name, None)


@pytest.fixture(autouse=True)
def _no_kernel_left_behind():
    """`dg.kernel` outside a shell creates the process-wide kernel repository, which would go
    on collecting every asset later tests define: drop it after each test."""
    yield
    from dagster_nb._notebook import repository

    if repository._kernel is not None:
        repository.reset_kernel_repository()
