"""A real IPython shell with the extension loaded, over a fresh persistent instance."""

from __future__ import annotations

import pytest

pytest.importorskip("IPython")


class Shell:
    """Runs cells like a notebook does (with cell ids) and returns the ExecutionResult."""

    def __init__(self, ip):
        self.ip = ip
        self._n = 0

    def run(self, code: str, cell_id: str | None = None):
        self._n += 1
        return self.ip.run_cell(code, store_history=True, cell_id=cell_id or f"cell-{self._n}")

    def ok(self, code: str, cell_id: str | None = None):
        r = self.run(code, cell_id)
        if not r.success:
            raise AssertionError(f"cell failed: {r.error_before_exec or r.error_in_exec!r}\n{code}")
        return r.result

    @property
    def ns(self):
        return self.ip.user_ns


@pytest.fixture
def shell(tmp_path, monkeypatch):
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "dagster_nb")
    sh = Shell(ip)
    sh.ok("import dagster_nb as dg")
    yield sh
    ip.run_line_magic("unload_ext", "dagster_nb")
    ip.user_ns.pop("dg", None)
