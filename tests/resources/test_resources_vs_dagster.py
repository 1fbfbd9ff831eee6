"""Side by side with real Dagster: same error classes, same build_resources behaviour, same
filesystem layout, EnvVar never shows a value."""

from __future__ import annotations

import os
import warnings

import pytest

import dagster_nb as nb

pytestmark = pytest.mark.dagster

SECRET = "side-by-side-secret"


@pytest.fixture(scope="module")
def dagster():
    warnings.filterwarnings("ignore")
    return pytest.importorskip("dagster")


def _both(dagster):
    return [dagster, nb]


def test_bad_resource_config_error_class(dagster, monkeypatch):
    monkeypatch.delenv("DNB_MISSING", raising=False)
    names = []
    for dg in _both(dagster):

        class R(dg.ConfigurableResource):
            key: str

        with pytest.raises(Exception) as ei:
            with dg.build_resources({"r": R(key=dg.EnvVar("DNB_MISSING"))}):
                pass
        names.append(type(ei.value).__name__)
        assert "DNB_MISSING" in str(ei.value)
    assert names == ["DagsterInvalidConfigError"] * 2


def test_resource_init_error_class(dagster):
    names = []
    for dg in _both(dagster):

        @dg.resource
        def broken(_):
            raise ValueError("nope")

        with pytest.raises(Exception) as ei:
            with dg.build_resources({"broken": broken}):
                pass
        names.append(type(ei.value).__name__)
        assert isinstance(ei.value.user_exception, ValueError)
    assert names == ["DagsterResourceFunctionError"] * 2


def _exercise_build_resources(dg):
    events = []

    class Db(dg.ConfigurableResource):
        url: str
        token: str

        def setup_for_execution(self, context):
            events.append(("setup", self.url))

        def teardown_after_execution(self, context):
            events.append(("teardown", self.url))

    @dg.resource(required_resource_keys={"db"})
    def repo(init_context):
        events.append(("repo", init_context.resources.db.url))
        yield "repo"
        events.append(("repo-down", None))

    with dg.build_resources(
        {"db": Db(url="u", token=dg.EnvVar("DNB_TOKEN")), "repo": repo, "n": 3}
    ) as r:
        got = (r.db.token, r.repo, r.n, sorted(r._asdict()))
        with pytest.raises(dg.DagsterUnknownResourceError) as ei:
            _ = r.nope
        unknown_msg = str(ei.value).split(".")[0]
    return got, events, unknown_msg


def test_build_resources_behaviour(dagster, monkeypatch):
    monkeypatch.setenv("DNB_TOKEN", SECRET)
    ours = _exercise_build_resources(nb)
    theirs = _exercise_build_resources(dagster)
    assert ours == theirs
    assert ours[1] == [("setup", "u"), ("repo", "u"), ("repo-down", None), ("teardown", "u")]


def test_fs_io_manager_layout(dagster, tmp_path):
    layouts = []
    for dg in _both(dagster):
        base = tmp_path / dg.__name__
        with dg.build_resources({"io": dg.FilesystemIOManager(base_dir=str(base))}) as r:
            io = r.io
        io.handle_output(dg.build_output_context(asset_key=["raw", "orders"]), 1)
        pdef = dagster.DailyPartitionsDefinition(start_date="2024-01-01")
        kwargs = {"asset_partitions_def": pdef} if dg is dagster else {}
        for pk in ["2024-01-01", "2024-01-02"]:
            io.handle_output(
                dg.build_output_context(asset_key=["daily"], partition_key=pk, **kwargs), pk
            )
        files = sorted(
            os.path.relpath(os.path.join(d, f), base) for d, _, fs in os.walk(base) for f in fs
        )
        layouts.append(files)
        loaded = io.load_input(
            dg.build_input_context(asset_key=["daily"], partition_key="2024-01-02", **kwargs)
        )
        assert loaded == "2024-01-02"
    assert layouts[0] == layouts[1] == ["daily/2024-01-01", "daily/2024-01-02", "raw/orders"]


def test_envvar_repr_never_shows_value(dagster, monkeypatch):
    monkeypatch.setenv("DNB_API_KEY", SECRET)
    for dg in _both(dagster):
        e = dg.EnvVar("DNB_API_KEY")
        assert "DNB_API_KEY" in repr(e) and SECRET not in repr(e)
        with pytest.raises(RuntimeError):
            str(e)
        assert e.get_value() == SECRET
        assert e.env_var_name == "DNB_API_KEY"

        class R(dg.ConfigurableResource):
            key: str

        assert SECRET not in repr(R(key=e))
    # Differences, on purpose: Dagster's repr is the bare name and it shows the resolved value
    # in an initialized resource's repr; ours names the class and masks it.
    assert repr(dagster.EnvVar("DNB_API_KEY")) == "'DNB_API_KEY'"
    assert repr(nb.EnvVar("DNB_API_KEY")) == "EnvVar('DNB_API_KEY')"
    with nb.build_resources({"r": _NbR(key=nb.EnvVar("DNB_API_KEY"))}) as r:
        assert SECRET not in repr(r.r) and r.r.key == SECRET


class _NbR(nb.ConfigurableResource):
    key: str


def test_run_config_dict_matches(dagster):
    dicts = []
    for dg in _both(dagster):

        class C(dg.Config):
            n: int = 1
            name: str

        dicts.append(
            dg.RunConfig(
                ops={"a": C(name="x", n=2)}, resources={"r": {"config": {"k": 1}}}
            ).to_config_dict()
        )
    assert dicts[0] == dicts[1]
