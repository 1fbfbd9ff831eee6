"""The CLI, run as a real subprocess on a real file, with a real persistent instance."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

ASSETS = textwrap.dedent(
    """
    import dagster_nb as dg

    @dg.asset(group_name="g")
    def numbers():
        return [1, 2, 3]

    @dg.asset(group_name="g")
    def total(numbers):
        return sum(numbers)

    @dg.asset
    def broken(total):
        raise RuntimeError("broken on purpose")

    defs = dg.Definitions(assets=[numbers, total, broken])
    """
)


def run(tmp_path, *args):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"))
    return subprocess.run(
        [sys.executable, "-m", "dagster_nb._cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_materialize_list_status_and_exit_codes(tmp_path):
    f = tmp_path / "assets.py"
    f.write_text(ASSETS)
    r = run(tmp_path, "list", "-f", str(f))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [
        "broken",
        "numbers",
        "total",
    ]  # one key per line, as `dagster asset list`

    r = run(tmp_path, "materialize", "-f", str(f), "--select", "group:g")
    assert r.returncode == 0, r.stderr
    assert "numbers" in r.stdout and "SUCCESS" in r.stdout

    r = run(tmp_path, "materialize", "-f", str(f), "--select", "broken")
    assert r.returncode == 1
    assert "broken on purpose" in r.stderr

    r = run(tmp_path, "materialize", "-f", str(f), "--stale", "--select", "group:g")
    assert r.returncode == 0
    assert "every selected asset is fresh" in r.stdout

    r = run(tmp_path, "materialize", "-f", str(f), "--tags", "oops")
    assert r.returncode == 2 and "key=value" in r.stderr

    r = run(tmp_path, "status", "-f", str(f))
    assert r.returncode == 0
    lines = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    assert "fresh" in lines["total"] and "failed" in lines["broken"]  # its last run failed

    # the values are in the instance: a notebook (or any process) reloads them
    code = (
        "import importlib.util, sys; spec = importlib.util.spec_from_file_location('a', sys.argv[1]);"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m);"
        "print(m.defs.load_asset_value('total'))"
    )
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"))
    out = subprocess.run(
        [sys.executable, "-c", code, str(f)], env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == "6", out.stderr


def test_status_shows_asset_checks_of_a_file_without_definitions(tmp_path):
    f = tmp_path / "checked.py"
    f.write_text(
        textwrap.dedent(
            """
        import dagster_nb as dg

        @dg.asset
        def numbers():
            return [1, -2]

        @dg.asset_check(asset=numbers)
        def positive(numbers):
            return dg.AssetCheckResult(passed=all(n > 0 for n in numbers))

        @dg.asset_check(asset=numbers)
        def not_empty(numbers):
            return dg.AssetCheckResult(passed=bool(numbers))
        """
        )
    )
    r = run(tmp_path, "materialize", "-f", str(f))
    assert r.returncode == 0, r.stderr
    r = run(tmp_path, "status", "-f", str(f))
    assert r.returncode == 0, r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    assert "1 passed, 1 failed" in lines["numbers"]
