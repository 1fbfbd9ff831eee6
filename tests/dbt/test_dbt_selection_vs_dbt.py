"""Our evaluation of dbt's selection syntax against dbt's own (`dbt ls`), on the example
project; one dbt process answers every selection (dbt's programmatic runner)."""

import json
import subprocess
from pathlib import Path

import pytest
from dbt_helpers import DBT

from dagster_nb.dbt._select import select_unique_ids_natively

CASES = [
    ("fqn:*", ""),
    ("tag:finance", ""),
    ("+customer_revenue", ""),
    ("stg_orders+", ""),
    ("staging", ""),
    ("path:models/marts", ""),
    ("config.materialized:view", ""),
    ("resource_type:model,tag:finance", ""),
    ("stg_orders stg_customers", "resource_type:test"),
    ("1+customer_revenue", "stg_customers"),
    ("@stg_orders", ""),
    ("source:raw.orders+", ""),
]

_SCRIPT = """
import json, sys
from dbt.cli.main import dbtRunner
out = []
for select, exclude in json.loads(sys.argv[1]):
    args = ["ls", "--output", "json", "--output-keys", "unique_id", "--quiet", "--select", select,
            "--resource-types", "model", "seed", "snapshot", "test", "source"]
    if exclude:
        args += ["--exclude", exclude]
    res = dbtRunner().invoke(args)
    out.append(sorted(json.loads(r)["unique_id"] for r in res.result))
print("RESULT" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def dbt_answers(parsed_project):
    python = Path(DBT).parent / "python"
    if not python.exists():
        pytest.skip(f"no python beside {DBT} to run dbt's programmatic runner")
    proc = subprocess.run(
        [str(python), "-c", _SCRIPT, json.dumps(CASES)],
        cwd=parsed_project.project_dir,
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "DBT_PROFILES_DIR": str(parsed_project.profiles_dir)},
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line is not None, proc.stdout[-2000:] + proc.stderr[-2000:]
    return dict(zip(CASES, json.loads(line[len("RESULT") :]), strict=True))


@pytest.mark.parametrize("case", CASES, ids=[f"{s}|{e}" for s, e in CASES])
def test_selection_matches_dbt_ls(case, dbt_answers, manifest):
    select, exclude = case
    ours = select_unique_ids_natively(manifest, select, exclude)
    assert sorted(ours) == dbt_answers[case]
    assert dbt_answers[case] or select.startswith("resource_type:model,")  # real answers


def test_unsupported_method_is_left_to_dbt(manifest):
    from dagster_nb.dbt._select import UnsupportedSelection

    with pytest.raises(UnsupportedSelection):
        select_unique_ids_natively(manifest, "state:modified", "")
