"""DbtCliResource is a ConfigurableResource that loads pydantic only when something needs it.

Defining dbt assets (the resource, ``@dbt_assets``, ``Definitions``, a selection) must not load
pydantic (~0.2 s of a fresh kernel); everything a ConfigurableResource does must still work:
validation and its errors, EnvVar fields, run config, ``configure_at_launch``, subclasses,
pickling, ``isinstance`` against Dagster's classes.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import cloudpickle
import pydantic
import pytest

import dagster_nb as dg
from dagster_nb.dbt import DbtCliResource, DbtProject


@pytest.fixture
def project_dir(tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: p\nprofile: p\n")
    return tmp_path


def test_defining_dbt_assets_does_not_load_pydantic(parsed_project):
    path = parsed_project.manifest_path
    code = f"""
import sys
from pathlib import Path
import dagster_nb as dg
from dagster_nb.dbt import DbtCliResource, dbt_assets

path = Path({str(path)!r})

@dbt_assets(manifest=path)
def models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()

dbt = DbtCliResource(project_dir=path.parent.parent)
defs = dg.Definitions(assets=[models], resources={{"dbt": dbt}})
keys = dg.AssetSelection.from_string("key:stg_orders+").resolve(defs)
print(len(keys), repr(dbt), "pydantic" in sys.modules)
with dg.build_resources({{"dbt": dbt}}) as r:
    print(type(r.dbt).__name__, r.dbt.project_dir == str(path.parent.parent), "pydantic" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    n, rest = out[0].split(" ", 1)
    assert int(n) > 1
    assert rest == (
        f"DbtCliResource(project_dir={str(path.parent.parent)!r}, global_config_flags=[], "
        "profiles_dir=None, profile=None, target=None, dbt_executable='dbt', state_path=None) "
        "False"
    )
    # opening it for a run is a ConfigurableResource's business: pydantic then
    assert out[1] == "DbtCliResource True True"


def test_a_configurable_resource_in_every_respect(project_dir):
    dbt = DbtCliResource(project_dir=project_dir, target="dev", global_config_flags=["--quiet"])
    assert isinstance(dbt, dg.ConfigurableResource)
    assert isinstance(dbt, dg.ConfigurableResourceFactory)
    assert not isinstance(dbt, (dg.ConfigurableIOManager, dg.Config))
    assert issubclass(DbtCliResource, dg.ConfigurableResource)
    assert list(DbtCliResource.model_fields) == [
        "project_dir",
        "global_config_flags",
        "profiles_dir",
        "profile",
        "target",
        "dbt_executable",
        "state_path",
    ]
    # pydantic's API, read from the model
    assert dbt.model_dump() == {
        "project_dir": str(project_dir),
        "global_config_flags": ["--quiet"],
        "profiles_dir": None,
        "profile": None,
        "target": "dev",
        "dbt_executable": "dbt",
        "state_path": None,
    }
    assert dbt.model_fields_set == {"project_dir", "target", "global_config_flags"}
    copy = dbt.model_copy(update={"target": "prod"})
    assert copy.target == "prod" and dbt.target == "dev"
    assert isinstance(copy, DbtCliResource)
    assert repr(dbt.model_copy()) == repr(dbt)
    # equal by value, to itself as a model too
    same = DbtCliResource(
        project_dir=str(project_dir), target="dev", global_config_flags=["--quiet"]
    )
    assert same == dbt and dbt.model_copy() == dbt and dbt == dbt.model_copy()
    assert DbtCliResource(project_dir=project_dir) != dbt
    # a default list is the instance's own
    a, b = DbtCliResource(project_dir=project_dir), DbtCliResource(project_dir=project_dir)
    assert a.global_config_flags == [] and a.global_config_flags is not b.global_config_flags


def test_frozen_and_validated_as_a_configurable_resource(project_dir):
    dbt = DbtCliResource(project_dir=project_dir)
    with pytest.raises(pydantic.ValidationError, match="'DbtCliResource' is immutable"):
        dbt.target = "prod"
    assert dbt.target is None
    with pytest.raises(dg.DagsterInvalidConfigError, match="Did you mean 'dbt_executable'"):
        DbtCliResource(project_dir=project_dir, dbt_exectable="dbt")
    with pytest.raises(pydantic.ValidationError, match=r"'dbt_executable' \(expected str\)"):
        DbtCliResource(project_dir=project_dir, dbt_executable=3)
    # lax coercion, as pydantic does it: a tuple of flags becomes a list
    assert DbtCliResource(project_dir=project_dir, global_config_flags=("-q",)).model_dump()[
        "global_config_flags"
    ] == ["-q"]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="needs project_dir"):
        DbtCliResource()


def test_project_and_paths(project_dir):
    project = DbtProject(project_dir, target="ci")
    dbt = DbtCliResource(project_dir=project)
    assert (dbt.project_dir, dbt.target) == (str(project_dir), "ci")
    assert DbtCliResource(project_dir=project_dir) == DbtCliResource(project_dir=str(project_dir))


def test_pickles_light_and_as_a_model(project_dir):
    dbt = DbtCliResource(project_dir=project_dir, profile="p")
    for dumps in (pickle.dumps, cloudpickle.dumps):
        back = pickle.loads(dumps(dbt))
        assert back == dbt and repr(back) == repr(dbt)
        model = dbt.model_copy()
        assert pickle.loads(dumps(model)) == model


def test_env_var_field_resolved_at_run_time_and_masked(project_dir, monkeypatch):
    monkeypatch.setenv("DNB_TEST_DBT_TARGET", "secret-target")
    dbt = DbtCliResource(project_dir=project_dir, target=dg.EnvVar("DNB_TEST_DBT_TARGET"))
    assert "secret-target" not in repr(dbt)
    assert "EnvVar('DNB_TEST_DBT_TARGET')" in repr(dbt)
    with dg.build_resources({"dbt": dbt}) as r:
        assert r.dbt.target == "secret-target"
        assert "secret-target" not in repr(r.dbt)


def test_run_config_and_configure_at_launch(project_dir):
    dbt = DbtCliResource(project_dir=project_dir, target="dev")
    with dg.build_resources(
        {"dbt": dbt}, resource_config={"dbt": {"config": {"target": "prod"}}}
    ) as r:
        assert (r.dbt.target, r.dbt.project_dir) == ("prod", str(project_dir))
    with dg.build_resources({"dbt": dbt}) as r:
        assert r.dbt.target == "dev"
    later = DbtCliResource.configure_at_launch(project_dir=str(project_dir))
    with dg.build_resources(
        {"dbt": later}, resource_config={"dbt": {"config": {"profile": "x"}}}
    ) as r:
        assert isinstance(r.dbt, DbtCliResource) and r.dbt.profile == "x"
    with pytest.raises(dg.DagsterInvalidConfigError, match="Did you mean 'target'"):
        with dg.build_resources({"dbt": dbt}, resource_config={"dbt": {"config": {"trget": 1}}}):
            pass


def test_subclass_adds_fields(project_dir):
    class TeamDbt(DbtCliResource):
        team: str = "data"

        def team_args(self) -> list[str]:
            return ["--vars", json.dumps({"team": self.team})]

    dbt = TeamDbt(project_dir=project_dir, team="ml")
    assert isinstance(dbt, DbtCliResource) and isinstance(dbt, dg.ConfigurableResource)
    assert issubclass(TeamDbt, DbtCliResource)
    assert dbt.team_args() == ["--vars", '{"team": "ml"}']
    assert dbt.get_state_args() == []
    with pytest.raises(pydantic.ValidationError, match="'team'"):
        TeamDbt(project_dir=project_dir, team=["x"])


def test_nested_in_a_users_resource(project_dir):
    class Warehouse(dg.ConfigurableResource):
        dbt: DbtCliResource
        schema_name: str = "main"

    wh = Warehouse(dbt=DbtCliResource(project_dir=project_dir, target="ci"))
    with dg.build_resources({"wh": wh}) as r:
        assert r.wh.dbt.target == "ci" and isinstance(r.wh.dbt, DbtCliResource)
