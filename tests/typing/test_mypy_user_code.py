"""mypy on user code written against the public API: typos are flagged with the right message,
correct code (a user-style snippet and ``examples/``) passes. mypy runs as a subprocess, one
invocation per file, with one cache folder shared by the cases (the first run analyses
dagster_nb, later ones reuse it)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dagster_nb

pytest.importorskip("mypy")

ROOT = Path(dagster_nb.__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_mypy(tmp_path_factory):
    work = tmp_path_factory.mktemp("mypy")
    cache = work / ".mypy_cache"

    def run(source: str | Path) -> tuple[int, str]:
        if isinstance(source, str):
            path = work / f"snippet_{abs(hash(source))}.py"
            path.write_text(textwrap.dedent(source))
        else:
            path = source
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                str(path),
                "--cache-dir",
                str(cache),
                "--config-file",
                str(ROOT / "pyproject.toml"),
                # dagster_nb as a user sees it: its own errors are not the user's
                "--follow-imports",
                "silent",
                "--no-error-summary",
                "--hide-error-context",
            ],
            capture_output=True,
            text=True,
            cwd=work,
            timeout=600,
            env={**os.environ, "MYPYPATH": str(ROOT)},  # this checkout, not an installed copy
        )
        return proc.returncode, proc.stdout + proc.stderr

    return run


CORRECT = """
    import dagster_nb as dg

    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")


    @dg.asset(group_name="sales", kinds={"python"})
    def orders() -> list[dict[str, float]]:
        return [{"amount": 30.0}, {"amount": 12.5}]


    @dg.asset
    def revenue(orders: list[dict[str, float]]) -> float:
        return sum(o["amount"] for o in orders)


    @dg.asset(partitions_def=daily, deps=[orders], ins={"revenue": dg.AssetIn("revenue")})
    def daily_report(context: dg.AssetExecutionContext, revenue: float) -> str:
        return f"{context.partition_key}: {revenue}"


    @dg.multi_asset(outs={"a": dg.AssetOut(), "b": dg.AssetOut(is_required=False)})
    def pair() -> tuple[int, int]:
        return 1, 2


    @dg.op
    def one() -> int:
        return 1


    @dg.graph_asset
    def from_graph() -> int:
        return one()


    spec = dg.AssetSpec("raw", group_name="sales", deps=["upstream"])
    result = dg.materialize_to_memory([orders, revenue])
    total: float = result.output_for_node("revenue")
    success: bool = dg.materialize([orders, revenue], selection="revenue").success
    defs = dg.Definitions(assets=[orders, revenue, daily_report, pair, from_graph])
    static = dg.StaticPartitionsDefinition(["a", "b"])
    multi = dg.MultiPartitionsDefinition({"date": daily, "letter": static})
"""


def test_correct_user_code_passes(run_mypy):
    code, out = run_mypy(CORRECT)
    assert code == 0, out


def test_misspelt_public_name_is_flagged(run_mypy):
    code, out = run_mypy("""
        import dagster_nb as dg

        @dg.asset
        def a() -> int:
            return 1

        dg.materialise([a])
    """)
    assert code == 1
    assert 'error: Module has no attribute "materialise"; maybe "materialize"?' in out, out


def test_misspelt_keyword_is_flagged(run_mypy):
    code, out = run_mypy("""
        import dagster_nb as dg

        @dg.asset(grup_name="x")
        def a() -> int:
            return 1

        spec = dg.AssetSpec("b", grup_name="x")
        defs = dg.Definitions(asset=[a])
    """)
    assert code == 1
    lines = [line for line in out.splitlines() if "error:" in line]
    assert len(lines) == 3, out
    # the overloaded decorator: mypy 2 names the keyword with a did-you-mean; mypy 1.x (what
    # resolves next to dbt-core, which pins an older pathspec) says no overload matches
    assert lines[0].startswith(lines[0].split(":")[0] + ":4: error:"), lines[0]
    assert (
        'Unexpected keyword argument "grup_name" for overloaded function "asset"; did you mean "group_name"?'
        in lines[0]
        or 'No overload variant of "asset" matches argument type "str"' in lines[0]
    ), lines[0]
    assert (
        'Unexpected keyword argument "grup_name" for "AssetSpec"; did you mean "group_name"?'
        in lines[1]
    )
    assert (
        'Unexpected keyword argument "asset" for "Definitions"; did you mean "assets"?' in lines[2]
    )


def test_misspelt_keywords_of_every_typed_definition_are_flagged(run_mypy):
    """Each line misspells one keyword of a public decorator or constructor: mypy reports every
    line, naming the function (what Dagster's own **kwargs tails let through)."""
    calls = {
        "observable_source_asset": '@dg.observable_source_asset(grup_name="x")\ndef o(): ...',
        "asset_check": '@dg.asset_check(asset="a", blockng=True)\ndef c(): ...',
        "multi_asset_check": "@dg.multi_asset_check(spec=[])\ndef mc(): ...",
        "resource": "@dg.resource(config_schem=None)\ndef r(_): ...",
        "io_manager": "@dg.io_manager(config_schem=None)\ndef io(_): ...",
        "job": '@dg.job(nmae="x")\ndef j(): ...',
        "graph": '@dg.graph(nmae="x")\ndef g(): ...',
        "define_asset_job": 'dg.define_asset_job("x", selectin="*")',
        "multi_asset": '@dg.multi_asset(outz={"a": dg.AssetOut()})\ndef m(): ...',
        "sensor": '@dg.sensor(job_nme="j")\ndef s(): ...',
        "schedule": '@dg.schedule(cron_schedul="* * * * *", target="*")\ndef sc(): ...',
        "materialize": "dg.materialize([], instanse=None)",
        "AssetIn": 'dg.AssetIn(kee="a")',
        "AssetOut": "dg.AssetOut(is_requird=True)",
        "DailyPartitionsDefinition": 'dg.DailyPartitionsDefinition(start_dat="2024-01-01")',
    }
    code, out = run_mypy("import dagster_nb as dg\n\n" + "\n".join(calls.values()) + "\n")
    assert code == 1
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == len(calls), out
    for name, line in zip(calls, errors, strict=True):
        assert f'"{name}"' in line, (name, line)


def test_decorator_forms_have_precise_types(run_mypy):
    code, out = run_mypy("""
        import dagster_nb as dg

        @dg.asset
        def a() -> int:
            return 1

        @dg.asset(name="b")
        def b() -> int:
            return 1

        reveal_type(a)
        reveal_type(b)
        reveal_type(dg.asset(name="c"))
        reveal_type(dg.materialize([a]))
    """)
    revealed = [
        line.split("Revealed type is ")[1] for line in out.splitlines() if "Revealed type" in line
    ]
    assert revealed == [
        '"dagster_nb._definitions.assets.AssetsDefinition"',
        '"dagster_nb._definitions.assets.AssetsDefinition"',
        '"def (def (*Any, **Any) -> Any) -> dagster_nb._definitions.assets.AssetsDefinition"',
        '"dagster_nb._execution.result.ExecuteInProcessResult"',
    ], out


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_examples_pass(run_mypy, example):
    code, out = run_mypy(ROOT / "examples" / example)
    assert code == 0, out
