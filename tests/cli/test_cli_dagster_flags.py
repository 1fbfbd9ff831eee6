"""Dagster's flags that `dagster-nb` takes too: `job execute -o/--op-selection` and
`run delete -f/--force`, through the real entry point with --json."""

from __future__ import annotations

import json
import textwrap

from test_cli import run

DEFS = textwrap.dedent(
    """
    import dagster_nb as dg

    @dg.op
    def load():
        return 2

    @dg.op
    def double(x):
        return x * 2

    @dg.op
    def report(x):
        print("report", x)

    @dg.job
    def ops():
        report(double(load()))

    @dg.asset
    def raw():
        return 1

    @dg.asset
    def clean(raw):
        return raw + 1

    defs = dg.Definitions(
        assets=[raw, clean], jobs=[ops, dg.define_asset_job("assets_job", selection=[raw, clean])]
    )
    """
)


def _json(r):
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def test_op_selection_of_an_op_job_and_of_an_asset_job(tmp_path):
    (tmp_path / "defs.py").write_text(DEFS)
    out = _json(
        run(tmp_path, "job", "execute", "-f", "defs.py", "-j", "ops", "-o", "*double", "--json")
    )
    assert out["runs"][0]["steps"] == {"load": "SUCCESS", "double": "SUCCESS"}
    out = _json(
        run(
            tmp_path,
            "job",
            "execute",
            "-f",
            "defs.py",
            "-j",
            "assets_job",
            "--op-selection",
            "raw",
            "--json",
        )
    )
    assert out["runs"][0]["steps"] == {"raw": "SUCCESS"}
    (rec, *_) = _json(run(tmp_path, "run", "list", "--json"))
    assert rec["assets"] == ["raw"] and rec["job"] == "assets_job"
    bad = run(
        tmp_path, "job", "execute", "-f", "defs.py", "-j", "assets_job", "-o", "claen", "--json"
    )
    assert bad.returncode == 2 and "has no op 'claen'. Did you mean 'clean'?" in bad.stderr
    bad = run(tmp_path, "job", "execute", "-f", "defs.py", "-j", "ops", "-o", "nope", "--json")
    assert bad.returncode == 2 and "-o/--op-selection 'nope'" in bad.stderr, bad.stderr
    assert len(_json(run(tmp_path, "run", "list", "--json"))) == 2  # refused ones never ran


def test_run_delete_takes_dagsters_force_flag(tmp_path):
    (tmp_path / "defs.py").write_text(DEFS)
    _json(run(tmp_path, "job", "execute", "-f", "defs.py", "-j", "assets_job", "--json"))
    (rec,) = _json(run(tmp_path, "run", "list", "--json"))
    assert _json(run(tmp_path, "run", "delete", rec["run_id"], "-f", "--json")) == {
        "deleted": rec["run_id"]
    }
    assert _json(run(tmp_path, "run", "list", "--json")) == []
    missing = run(tmp_path, "run", "delete", rec["run_id"], "--force")
    assert missing.returncode == 2 and "No run" in missing.stderr


def test_asset_wipe_and_export_speak_json_with_the_exit_codes(tmp_path):
    (tmp_path / "defs.py").write_text(DEFS)
    _json(run(tmp_path, "asset", "materialize", "-f", "defs.py", "--json"))
    assert _json(run(tmp_path, "asset", "wipe", "raw", "--noprompt", "--json")) == {
        "wiped": ["raw"]
    }
    bad = run(tmp_path, "asset", "wipe", "clen", "--noprompt", "--json")
    assert bad.returncode == 2 and "Did you mean 'clean'?" in bad.stderr
    assert _json(run(tmp_path, "asset", "wipe", "--all", "--noprompt", "--json")) == {
        "wiped": ["clean"]
    }
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": "import dagster_nb as dg\n\n@dg.asset\ndef one():\n    return 1\n",
            },
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": "print('exploring')\n",
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "a.ipynb").write_text(json.dumps(nb))
    out = _json(run(tmp_path, "export", "a.ipynb", "-o", "a_defs.py", "--json"))
    assert out["written"].endswith("a_defs.py")
    text = (tmp_path / "a_defs.py").read_text()
    assert "import dagster as dg" in text and "def one" in text and "exploring" not in text
    missing = run(tmp_path, "export", "nope.ipynb", "-o", "x.py", "--json")
    assert missing.returncode == 2 and "nope.ipynb" in missing.stderr
