"""The exporter on small notebooks: what is carried, what stays behind, and that real Dagster
runs the result (in this process, with `import dagster as dg`)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from dagster_nb._export import (
    DAGSTER_NB_ONLY_NAMES,
    NotebookExportError,
    build_export,
    export_cells,
    export_notebook,
)

HEAD = "%load_ext dagster_nb\nimport dagster_nb as dg"


def write_nb(path, *cells):
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "source": c,
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            }
            for c in cells
        ]
        + [{"cell_type": "markdown", "source": "# notes", "metadata": {}}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))
    return path


def load(text, name="exported"):
    """Run an exported module with real Dagster; return the module."""
    pytest.importorskip("dagster")
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(text, f"<{name}>", "exec", dont_inherit=True), module.__dict__)
    finally:
        sys.modules.pop(name, None)
    return module


def values(module, **kwargs):
    import dagster

    defs = module.defs
    assets = list(defs.assets or [])
    result = dagster.materialize(assets, resources=dict(defs.resources or {}), **kwargs)
    assert result.success
    out = {}
    for a in assets:
        if isinstance(a, dagster.AssetsDefinition) and a.is_executable:
            for key in a.keys:
                out[key.to_user_string()] = result.asset_value(key)
    return out


dagster_only = pytest.mark.dagster


# ---------------------------------------------------------------- %%asset cells
@dagster_only
@pytest.mark.usefixtures("quiet_dagster")
def test_asset_cell_becomes_a_dagster_asset_function_with_its_options():
    text = export_cells(
        [
            HEAD,
            "daily = dg.StaticPartitionsDefinition(['a', 'b'])\n\n@dg.asset(partitions_def=daily)\ndef raw(context):\n    return context.partition_key * 2",
            "%%asset doubled --group marts --partitions daily --kinds pandas python --description 'Twice raw'\n"
            "# the value is the last expression\nfactor = 2\n[raw] * factor",
        ],
        source="t.ipynb",
    )
    assert (
        '@dg.asset(group_name="marts", description="Twice raw", partitions_def=daily, kinds={"pandas", "python"})\ndef doubled(raw):\n'
        in text
    )
    assert (
        "    # the value is the last expression\n    factor = 2\n    return [raw] * factor\n"
        in text
    )
    m = load(text)
    import dagster

    result = dagster.materialize(m.defs.assets, partition_key="b")
    assert result.asset_value("doubled") == ["bb", "bb"]
    spec = next(s for s in m.doubled.specs)
    assert (spec.group_name, spec.description, set(spec.kinds)) == (
        "marts",
        "Twice raw",
        {"pandas", "python"},
    )


@dagster_only
@pytest.mark.usefixtures("quiet_dagster")
def test_asset_cell_returning_its_name_reading_context_and_keeping_multiline_strings():
    text = export_cells(
        [
            HEAD,
            "@dg.asset\ndef numbers():\n    return [1, 2, 3]",
            '%%asset report --deps raw/orders\nreport = f"""n={len(numbers)}\nrun={type(context).__name__}"""\nprint("not the value")',
        ]
    )
    assert "def report(context: dg.AssetExecutionContext, numbers):" in text
    assert 'deps=[dg.AssetKey(["raw", "orders"])]' in text
    assert (
        '    report = f"""n={len(numbers)}\nrun=' in text
    )  # the string's 2nd line is not indented
    assert text.rstrip().split("\n")[-4:-3] != []
    m = load(text.replace('deps=[dg.AssetKey(["raw", "orders"])]', "deps=[]"))
    assert values(m)["report"] == "n=3\nrun=AssetExecutionContext"


def test_asset_cell_errors_name_the_cell():
    with pytest.raises(NotebookExportError, match="Code cell 2: .*must assign `x = ...`"):
        export_cells([HEAD, "%%asset x\ny = 1"])
    with pytest.raises(
        NotebookExportError, match="Code cell 2 of a notebook does not parse .*line 1"
    ):
        export_cells([HEAD, "def broken(:\n    pass"])


# ---------------------------------------------------------------- helpers carried, exploration left
@dagster_only
@pytest.mark.usefixtures("quiet_dagster")
def test_helpers_come_along_transitively_and_the_last_definition_wins():
    text = export_cells(
        [
            HEAD + "\nimport math, os\nimport statistics as st",
            "RATE = 1.5\nUNUSED = 'x'\n\ndef scale(x):\n    return x * RATE",
            "def helper(xs):\n    # last definition wins\n    return [scale(x) for x in xs]",
            "def helper(xs):\n    # this one\n    return [round(scale(x) + math.pi, 2) for x in xs]",
            "@dg.asset\ndef base():\n    return [1, 2]",
            "@dg.asset\ndef scaled(base):\n    return helper(base)",
            "base_preview = helper([0])\nprint(base_preview)",
        ]
    )
    assert "UNUSED" not in text and "import os" not in text and "statistics" not in text
    assert "# this one" in text and "# last definition wins" not in text
    assert "import math\n" in text and "print(" not in text
    assert values(load(text)) == {"base": [1, 2], "scaled": [4.64, 6.14]}


def test_exploratory_cells_and_statements_stay_behind():
    text = export_cells(
        [
            HEAD,
            "import matplotlib.pyplot as plt\n@dg.asset\ndef a():\n    return 1",
            "%materialize\n%lineage",
            "a_value = dg.kernel.load_asset_value('a')\nprint(a_value)\ndisplay(a_value)\nplt.plot([1])\nplt.show()\na_value",
            "result = dg.materialize([a])\nresult.output_for_node('a')",
            "dg.kernel.observe()\nfor i in range(3):\n    dg.kernel.materialize('a')",
            "try:\n    dg.kernel.materialize('nope')\nexcept dg.DagsterError as e:\n    print(e)",
            "%%time\nx = 1",
            "!ls\n%timeit a",
        ]
    )
    body = text.split("import dagster as dg", 1)[1]
    for gone in (
        "plt",
        "print",
        "display",
        "materialize",
        "kernel",
        "observe",
        "a_value",
        "timeit",
        "ls",
        "%",
    ):
        assert gone not in body, gone
    assert "def a():" in body and "assets=[a]" in body


@dagster_only
@pytest.mark.usefixtures("quiet_dagster")
def test_statements_that_change_carried_state_come_along_in_order(tmp_path):
    text = export_cells(
        [
            HEAD + "\nimport pathlib",
            f"folder = pathlib.Path({str(tmp_path)!r})\ndata = folder / 'in.txt'\ndata.write_text('1 2')\n"
            "with open(folder / 'more.txt', 'w') as f:\n    f.write('3')\nsettings = {}\nsettings['sep'] = ' '",
            "@dg.asset\ndef numbers():\n    return [int(x) for x in data.read_text().split(settings['sep'])] + [int((folder / 'more.txt').read_text())]",
            "data.write_text('4 5')\ndata.read_text()",
        ]
    )
    assert text.index("data.write_text('1 2')") < text.index("data.write_text('4 5')")
    assert "data.read_text()\n" not in text.split("def numbers")[1]
    assert values(load(text)) == {"numbers": [4, 5, 3]}


# ---------------------------------------------------------------- resources, definitions
@dagster_only
@pytest.mark.usefixtures("quiet_dagster")
def test_set_resources_and_add_definitions_reach_dagster_definitions(monkeypatch):
    monkeypatch.setenv("SHOP_TOKEN", "s3cr3t")
    text = export_cells(
        [
            HEAD + "\nimport os",
            "os.environ['SHOP_TOKEN'] = 's3cr3t'\n\nclass Shop(dg.ConfigurableResource):\n    token: str\n    def orders(self):\n        return [len(self.token)]",
            "dg.kernel.set_resources(shop=Shop(token=dg.EnvVar('SHOP_TOKEN')))",
            "@dg.asset\ndef orders(shop: Shop):\n    return shop.orders()",
            "class Mem(dg.IOManager):\n    store = {}\n    def handle_output(self, context, obj):\n        self.store[context.asset_key.path[-1]] = obj\n"
            "    def load_input(self, context):\n        return self.store[context.asset_key.path[-1]]",
            "@dg.asset(io_manager_key='mem')\ndef total(orders):\n    return sum(orders)\n\n"
            "extra = dg.Definitions(assets=[total], resources={'mem': Mem()})\ndg.kernel.add_definitions(extra)",
            "job = dg.define_asset_job('all_job', selection='*')\nnightly = dg.ScheduleDefinition(job=job, cron_schedule='0 3 * * *')",
        ]
    )
    assert "s3cr3t" not in text
    assert "# set them where Dagster runs: SHOP_TOKEN" in text
    assert "resources = dict(shop=Shop(token=dg.EnvVar('SHOP_TOKEN')))" in text
    assert "kernel_definitions = [extra]" in text and "del extra" in text
    m = load(text)
    import dagster

    assert not any(isinstance(v, dagster.Definitions) for k, v in vars(m).items() if k != "defs")
    assert m.defs.get_job_def("all_job").name == "all_job"
    assert m.defs.get_schedule_def("all_job_schedule").cron_schedule == "0 3 * * *"
    result = m.defs.get_job_def("all_job").execute_in_process()
    assert result.success
    assert result.output_for_node("orders") == [6]  # len("s3cr3t"): the resource read the env var
    assert m.Mem.store == {"total": 6}  # the IO manager handed over with add_definitions


# ---------------------------------------------------------------- names only dagster_nb has
def test_dagster_nb_only_names_get_a_comment_and_a_note():
    export = build_export(
        [
            HEAD,
            "@dg.asset\ndef a():\n    return dg.kernel.load_asset_value('b')",
            "from dagster_nb import StaleStatus\n@dg.asset\ndef c():\n    return StaleStatus.FRESH.value",
        ]
    )
    assert "# dagster-nb export: CHANGE THIS: dg.kernel is dagster_nb only" in export.text
    assert "# dagster-nb export: CHANGE THIS: dg.StaleStatus is dagster_nb only" in export.text
    assert "from dagster import StaleStatus" in export.text
    assert any("kernel" in n for n in export.notes) and any(
        "StaleStatus" in n for n in export.notes
    )


@dagster_only
def test_the_list_of_dagster_nb_only_names_is_exact():
    import dagster

    import dagster_nb

    ours_only = {n for n in dagster_nb.__all__ if not hasattr(dagster, n)} - {
        "load_ipython_extension",
        "unload_ipython_extension",
    }
    assert ours_only == set(DAGSTER_NB_ONLY_NAMES)


def test_asset_magic_options_match_the_exporters():
    pytest.importorskip("IPython")
    from dagster_nb._export.exporter import _asset_magic_parser
    from dagster_nb._notebook.magics import DagsterNbMagics

    magic = DagsterNbMagics.asset.parser

    def flags(p):
        return sorted(o for a in p._actions for o in a.option_strings if o not in ("-h", "--help"))

    assert flags(_asset_magic_parser()) == flags(magic)


# ---------------------------------------------------------------- the file itself
def test_output_is_deterministic_formatted_and_names_the_notebook(tmp_path):
    path = write_nb(
        tmp_path / "shop.ipynb",
        HEAD,
        "import random\nimport pandas as pd\nSEED = 3\n@dg.asset\ndef a():\n    return random.Random(SEED).random()",
        "%%asset b\na + 1",
    )
    first, second = export_notebook(path), export_notebook(path)
    assert first == second
    assert first.startswith(
        "# Dagster definitions exported from shop.ipynb by `dagster-nb export`."
    )
    assert "import random\n\nimport dagster as dg\n\n\nSEED = 3\n\n\n@dg.asset\ndef a():" in first
    assert (
        "\n\n\n@dg.asset\ndef b(a):\n    return a + 1\n\n\ndefs = dg.Definitions(\n    assets=[a, b],\n)\n"
        in first
    )
    assert "pandas" not in first
    compile(first, "out.py", "exec")
    assert all(len(line) == len(line.rstrip()) for line in first.splitlines())


def test_bad_notebooks_are_clear_errors(tmp_path):
    with pytest.raises(NotebookExportError, match="does not exist"):
        export_notebook(tmp_path / "missing.ipynb")
    (tmp_path / "x.ipynb").write_text("{")
    with pytest.raises(NotebookExportError, match="invalid JSON"):
        export_notebook(tmp_path / "x.ipynb")
    (tmp_path / "y.ipynb").write_text("[]")
    with pytest.raises(NotebookExportError, match="not a Jupyter notebook"):
        export_notebook(tmp_path / "y.ipynb")


def test_cli_export_writes_a_file_or_a_package(tmp_path, capsys):
    from dagster_nb._cli import main

    path = write_nb(tmp_path / "n.ipynb", HEAD, "@dg.asset\ndef a():\n    return dg.kernel")
    assert main(["export", str(path), "-o", str(tmp_path / "out.py")]) == 0
    assert (tmp_path / "out.py").read_text() == export_notebook(path)
    assert "note: dg.kernel is dagster_nb only" in capsys.readouterr().err
    assert main(["export", str(path), "-o", str(tmp_path / "pkg")]) == 0
    assert (tmp_path / "pkg" / "__init__.py").read_text() == export_notebook(path)
    capsys.readouterr()
    assert main(["export", str(path), "-o", "-"]) == 0
    assert capsys.readouterr().out == export_notebook(path)
    assert main(["export", str(tmp_path / "nope.ipynb"), "-o", str(tmp_path / "o.py")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["export", str(path), "-o", str(tmp_path / "o.txt")]) == 2


def test_exported_notebooks_lint_clean_no_undefined_or_unused_names_pep8_blank_lines(tmp_path):
    """ruff's pyflakes (F: undefined / unused names, so no helper is missing or extra) and
    pycodestyle blank-line and whitespace-at-end rules (E3, W) on every notebook's export."""
    import shutil
    import subprocess
    from pathlib import Path

    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    root = Path(__file__).resolve().parents[2]
    files = []
    from .conftest import NOT_EXPORTABLE

    for nb in sorted((root / "notebooks").glob("*.ipynb")):
        if nb.stem in NOT_EXPORTABLE:
            continue
        out = tmp_path / f"{nb.stem}.py"
        text = export_notebook(nb)
        assert "dagster_nb" not in text  # plain Dagster: nothing of ours is imported
        out.write_text(text)
        files.append(str(out))
    proc = subprocess.run(
        [
            ruff,
            "check",
            "--isolated",
            "--preview",
            "--select",
            "F,E3,W",
            "--output-format",
            "concise",
            *files,
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@dagster_only
@pytest.mark.usefixtures("quiet_dagster")
def test_multi_assets_external_specs_sensors_and_schedules_are_listed():
    text = export_cells(
        [
            HEAD,
            "raw = dg.AssetSpec('raw_feed', group_name='ext')",
            "@dg.multi_asset(outs={'left': dg.AssetOut(), 'right': dg.AssetOut()}, deps=[raw])\n"
            "def split():\n    return 1, 2",
            "%%asset total\nleft + right",
            "@dg.sensor(target=[total])\ndef watch(context):\n    return dg.SkipReason('nothing new')",
            "@dg.schedule(cron_schedule='0 * * * *', target=[total])\ndef hourly(context):\n    return dg.RunRequest()",
        ]
    )
    assert "def total(left, right):" in text
    assert "    assets=[raw, split, total],\n    schedules=[hourly],\n    sensors=[watch]," in text
    m = load(text)
    assert values(m) == {"left": 1, "right": 2, "total": 3}
    assert m.defs.get_sensor_def("watch").name == "watch"
    assert m.defs.get_schedule_def("hourly").cron_schedule == "0 * * * *"


def test_the_notebook_path_comes_from_the_front_end():
    pytest.importorskip("IPython")
    from dagster_nb._notebook.commands import find_notebook_path

    here = str(
        __import__("pathlib").Path(__file__).resolve().parents[2]
        / "notebooks"
        / "01_quickstart.ipynb"
    )
    assert find_notebook_path({"__vsc_ipynb_file__": here}, environ={}) == here
    assert find_notebook_path({"__session__": here}, environ={}) == here
    assert find_notebook_path({}, environ={"JPY_SESSION_NAME": here}) == here
    # a console's session name, or a file that is not there: not a notebook
    assert (
        find_notebook_path(
            {"__session__": "console-1"}, environ={"JPY_SESSION_NAME": "/nope.ipynb"}
        )
        is None
    )


def test_names_the_export_cannot_define_are_noted():
    export = build_export(
        [
            HEAD,
            "result = dg.materialize([])\n\n@dg.asset\ndef a():\n    return result, undefined_helper()",
        ]
    )
    assert "`result` (used in cell 2) is only set by a run or dg.kernel call" in "\n".join(
        export.notes
    )
    assert "`undefined_helper` (used in cell 2) is not defined by any code cell" in "\n".join(
        export.notes
    )
    below = build_export(
        [
            HEAD,
            "@dg.asset(partitions_def=days)\ndef a(context):\n    return 1",
            "days = dg.StaticPartitionsDefinition(['x'])",
        ]
    )
    assert (
        "`days` (used in cell 2) is defined only below it (cell 3); move that code above"
        in below.notes[0]
    )
    assert (
        build_export([HEAD, "from math import *\n@dg.asset\ndef a():\n    return pi"]).notes == ()
    )
    assert "from math import *" in export_cells(
        [HEAD, "from math import *\n@dg.asset\ndef a():\n    return pi"]
    )


def test_magic_lines_go_but_lines_inside_strings_stay():
    text = export_cells(
        [
            HEAD,
            '%time n = 1\nQUERY = """\nselect * from t\n%where name like x\nwhy?\n"""\n!ls\n'
            "@dg.asset\ndef q():\n    return QUERY",
        ]
    )
    assert 'QUERY = """\nselect * from t\n%where name like x\nwhy?\n"""' in text
    assert "%time" not in text and "!ls" not in text and "pass" not in text
