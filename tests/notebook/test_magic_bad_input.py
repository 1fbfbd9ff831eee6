"""Magic lines a hurried user types that used to escape as internal errors (issue #11)."""

from __future__ import annotations

import pytest

IPython = pytest.importorskip("IPython")
from IPython.core.error import UsageError  # noqa: E402


@pytest.mark.parametrize("name", ["..", ".assets", "a..b", "my-module"])
def test_load_with_a_non_module_name_is_a_usage_error(shell, name):
    with pytest.raises(UsageError, match="is not a module name.*my_project.assets"):
        shell.ip.run_line_magic("dagster_nb", f"load {name}")


def test_instance_with_an_impossible_path_is_a_usage_error(shell, tmp_path):
    before = repr(shell.ns["dg"].kernel.instance)
    long_path = str(tmp_path / ("a" * 300))
    with pytest.raises(UsageError, match="instance folder .*: File name too long\\. Name a folder"):
        shell.ip.run_line_magic("dagster_nb", f"instance {long_path}")
    assert repr(shell.ns["dg"].kernel.instance) == before  # the kernel keeps its instance


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("global x\nx = 1\n", "line 2 says `global x`"),
        ("global y, x\nx = 1\n", "line 2 says `global x`"),
        ("nonlocal z\nx = 1\n", "line 2 says `nonlocal z`"),
    ],
)
def test_cell_asset_scope_statements_are_usage_errors(shell, body, message):
    with pytest.raises(UsageError, match=message):
        shell.ip.run_cell_magic("asset", "x", body)
    assert "x" not in {
        k.to_user_string() for k in shell.ns["dg"].kernel.snapshot().graph.all_asset_keys
    }


def test_cell_asset_global_of_another_name_still_works(shell):
    shell.ip.run_cell_magic("asset", "x", "global seen\nseen = 41\nx = seen + 1\n")
    shell.ok("r = dg.kernel.materialize('x')")
    assert shell.ns["seen"] == 41
    assert shell.ns["dg"].kernel.load_asset_value("x") == 42
