"""Staleness through the public API against a real on-disk instance, and side by side with
Dagster where the semantics are the same (explicit code versions and data versions)."""

from __future__ import annotations

import time

import pytest

import dagster_nb as dg

K = dg.AssetKey
S = dg.StaleStatus
C = dg.StaleCauseCategory


@pytest.fixture
def instance(tmp_path):
    inst = dg.DagsterInstance.from_directory(tmp_path / "home")
    yield inst
    inst.dispose()


def status(instance, assets, key, partition_key=None):
    r = dg.StalenessResolver(dg.Definitions(assets=assets).resolved, instance)
    return r.get_status(K(key), partition_key)


def causes(instance, assets, key, partition_key=None):
    r = dg.StalenessResolver(dg.Definitions(assets=assets).resolved, instance)
    return r.get_stale_causes(K(key), partition_key)


# --- one asset "a" in several versions of its source -------------------------------------


def a_v1():
    @dg.asset(name="a")
    def a():
        return 1

    return a


def a_v1_reformatted():
    @dg.asset(name="a")
    def a():
        """A docstring added."""
        # and a comment, and different spacing
        return 1  # noqa: E271

    return a


def a_v2():
    @dg.asset(name="a")
    def a():
        return 2

    return a


def a_pinned(body: int, version: str):
    if body == 1:

        @dg.asset(name="a", code_version=version)
        def a():
            return 1
    else:

        @dg.asset(name="a", code_version=version)
        def a():
            return 1 + 1

    return a


@dg.asset(deps=["a"])
def b():
    return "b"


def test_missing_then_fresh(instance):
    assets = [a_v1(), b]
    assert status(instance, assets, "a") is S.MISSING
    dg.materialize(assets, instance=instance)
    assert status(instance, assets, "a") is S.FRESH
    assert status(instance, assets, "b") is S.FRESH


def test_body_change_is_a_code_change_but_formatting_is_not(instance):
    dg.materialize([a_v1(), b], instance=instance)
    assert status(instance, [a_v1_reformatted(), b], "a") is S.FRESH
    assert status(instance, [a_v2(), b], "a") is S.STALE
    (cause,) = causes(instance, [a_v2(), b], "a")
    assert cause.category is C.CODE and cause.key == K("a")


def test_explicit_code_version_wins_over_the_source(instance):
    dg.materialize([a_pinned(1, "v1")], instance=instance)
    assert status(instance, [a_pinned(2, "v1")], "a") is S.FRESH
    assert status(instance, [a_pinned(1, "v2")], "a") is S.STALE


def test_stale_propagates_with_root_causes(instance):
    @dg.asset(deps=["b"])
    def c():
        return "c"

    dg.materialize([a_v1(), b, c], instance=instance)
    assets = [a_v2(), b, c]
    r = dg.StalenessResolver(dg.Definitions(assets=assets).resolved, instance)
    assert [r.get_status(K(x)) for x in "abc"] == [S.STALE, S.STALE, S.STALE]
    (bc,) = r.get_stale_causes(K("b"))
    assert bc.category is C.DEPENDENCIES and bc.dependency == K("a") and "stale" in bc.reason
    (root,) = r.get_stale_root_causes(K("c"))
    assert root.key == K("a") and root.category is C.CODE
    assert r.stale_or_missing([K("a"), K("b"), K("c")]) == {K("a"), K("b"), K("c")}


# --- upstream data -------------------------------------------------------------------------


def up_returning(value):
    @dg.asset(name="up", code_version="1")
    def up():
        return value

    return up


@dg.asset(code_version="1")
def down(up):
    return up


def test_new_upstream_value_makes_downstream_stale_naming_it(instance):
    dg.materialize([up_returning(1), down], instance=instance)
    dg.materialize([up_returning(2)], instance=instance)
    assert status(instance, [up_returning(2), down], "up") is S.FRESH
    (cause,) = causes(instance, [up_returning(2), down], "down")
    assert cause.category is C.DATA and cause.dependency == K("up") and "up" in str(cause)


def test_same_upstream_value_keeps_downstream_fresh(instance):
    dg.materialize([up_returning([1, 2]), down], instance=instance)
    dg.materialize([up_returning([1, 2])], instance=instance)  # a new run, the same value
    assert status(instance, [up_returning([1, 2]), down], "down") is S.FRESH
    dv = [
        r.event_log_entry.dagster_event.materialization.tags["dagster/data_version"]
        for r in instance.fetch_materializations("up", limit=5).records
    ]
    assert len(dv) == 2 and dv[0] == dv[1]


def test_rematerializing_downstream_makes_it_fresh_again(instance):
    dg.materialize([up_returning(1), down], instance=instance)
    dg.materialize([up_returning(2)], instance=instance)
    dg.materialize([up_returning(2), down], selection=["down"], instance=instance)
    assert status(instance, [up_returning(2), down], "down") is S.FRESH


def up_with_version(value, version, kind="output"):
    @dg.asset(name="up", code_version="1")
    def up():
        if kind == "output":
            return dg.Output(value, data_version=dg.DataVersion(version))
        return dg.MaterializeResult(data_version=dg.DataVersion(version))

    return up


@dg.asset(code_version="1", deps=["up"])
def follows():
    return 0


@pytest.mark.parametrize("kind", ["output", "materialize_result"])
def test_explicit_data_version_decides(instance, kind):
    dg.materialize([up_with_version(1, "v1", kind), follows], instance=instance)
    dg.materialize([up_with_version(2, "v1", kind)], instance=instance)  # new value, same version
    assert status(instance, [up_with_version(2, "v1", kind), follows], "follows") is S.FRESH
    dg.materialize([up_with_version(2, "v2", kind)], instance=instance)
    assert status(instance, [up_with_version(2, "v2", kind), follows], "follows") is S.STALE
    ev = instance.get_latest_materialization_event("up")
    assert ev.dagster_event.materialization.tags["dagster/data_version"] == "v2"


def test_wiped_upstream(instance):
    dg.materialize([up_returning(1), down], instance=instance)
    instance.wipe_assets(["up"])
    assets = [up_returning(1), down]
    assert status(instance, assets, "up") is S.MISSING
    assert status(instance, assets, "down") is S.STALE
    assert any(c.dependency == K("up") for c in causes(instance, assets, "down"))


def test_added_and_removed_dependencies(instance):
    @dg.asset(code_version="1")
    def x():
        return 1

    @dg.asset(name="y", code_version="1", deps=["a"])
    def y1():
        return 1

    @dg.asset(name="y", code_version="1", deps=["a", "x"])
    def y2():
        return 1

    @dg.asset(name="y", code_version="1")
    def y0():
        return 1

    a = a_pinned(1, "1")
    dg.materialize([a, x, y1], instance=instance)
    assert status(instance, [a, x, y1], "y") is S.FRESH
    (added,) = causes(instance, [a, x, y2], "y")
    assert added.category is C.DEPENDENCIES and added.dependency == K("x")
    (removed,) = causes(instance, [a, x, y0], "y")
    assert removed.category is C.DEPENDENCIES and removed.dependency == K("a")
    assert "removed" in removed.reason


# --- sources -------------------------------------------------------------------------------


def source_at(version):
    @dg.observable_source_asset(name="src")
    def src():
        return dg.DataVersion(version)

    return src


@dg.asset(code_version="1", deps=["src"])
def reads_src():
    return 1


def test_new_source_observation_makes_downstream_stale(instance):
    dg.observe([source_at("1")], instance=instance)
    dg.materialize([source_at("1"), reads_src], selection=["reads_src"], instance=instance)
    assert status(instance, [source_at("1"), reads_src], "reads_src") is S.FRESH
    dg.observe([source_at("1")], instance=instance)  # same version observed again
    assert status(instance, [source_at("1"), reads_src], "reads_src") is S.FRESH
    dg.observe([source_at("2")], instance=instance)
    (cause,) = causes(instance, [source_at("2"), reads_src], "reads_src")
    assert cause.category is C.DATA and cause.dependency == K("src")
    assert status(instance, [source_at("2"), reads_src], "src") is S.FRESH


# --- partitions ----------------------------------------------------------------------------

daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-10")


def pup(suffix):
    @dg.asset(name="pup", partitions_def=daily, code_version="1")
    def pup(context: dg.AssetExecutionContext):
        return context.partition_key + suffix

    return pup


@dg.asset(partitions_def=daily, code_version="1")
def pdown(pup):
    return pup


@dg.asset(code_version="1")
def rollup(pup):
    return sorted(pup)


def test_partition_statuses(instance):
    for pk in ["2024-01-01", "2024-01-02"]:
        dg.materialize([pup(""), pdown], partition_key=pk, instance=instance)
    dg.materialize([pup("-new")], partition_key="2024-01-02", instance=instance)
    assets = [pup("-new"), pdown]
    r = dg.StalenessResolver(dg.Definitions(assets=assets).resolved, instance)
    assert r.get_status(K("pdown"), "2024-01-01") is S.FRESH
    assert r.get_status(K("pdown"), "2024-01-02") is S.STALE
    (cause,) = r.get_stale_causes(K("pdown"), "2024-01-02")
    assert cause.dependency == K("pup") and cause.dependency_partition_key == "2024-01-02"
    assert r.get_status(K("pdown"), "2024-01-03") is S.MISSING
    assert r.get_status(K("pup"), "2024-01-02") is S.FRESH
    # Without a partition key: the latest materialized partition speaks for the asset.
    assert r.get_status(K("pdown")) is S.STALE


def test_partition_mapping_offset(instance):
    @dg.asset(
        partitions_def=daily,
        code_version="1",
        ins={
            "pup": dg.AssetIn(
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
            )
        },
    )
    def lagged(pup):
        return pup

    for pk in ["2024-01-01", "2024-01-02", "2024-01-03"]:
        dg.materialize([pup("")], partition_key=pk, instance=instance)
    dg.materialize(
        [pup(""), lagged], selection=["lagged"], partition_key="2024-01-03", instance=instance
    )
    dg.materialize(
        [pup("-new")], partition_key="2024-01-03", instance=instance
    )  # not read by lagged[01-03]
    r = dg.StalenessResolver(dg.Definitions(assets=[pup("-new"), lagged]).resolved, instance)
    assert r.get_status(K("lagged"), "2024-01-03") is S.FRESH
    dg.materialize([pup("-new")], partition_key="2024-01-02", instance=instance)  # the one it read
    r = dg.StalenessResolver(dg.Definitions(assets=[pup("-new"), lagged]).resolved, instance)
    assert r.get_status(K("lagged"), "2024-01-03") is S.STALE


def test_unpartitioned_downstream_of_partitions(instance):
    for pk in daily.get_partition_keys():  # rollup reads every partition, as in Dagster
        dg.materialize([pup("")], partition_key=pk, instance=instance)
    dg.materialize([pup(""), rollup], selection=["rollup"], instance=instance)
    assert status(instance, [pup(""), rollup], "rollup") is S.FRESH
    dg.materialize([pup("-new")], partition_key="2024-01-05", instance=instance)
    assert status(instance, [pup("-new"), rollup], "rollup") is S.STALE


def test_unpartitioned_downstream_same_values_stays_fresh(instance):
    for pk in daily.get_partition_keys():
        dg.materialize([pup("")], partition_key=pk, instance=instance)
    dg.materialize([pup(""), rollup], selection=["rollup"], instance=instance)
    dg.materialize([pup("")], partition_key="2024-01-05", instance=instance)  # same value
    assert status(instance, [pup(""), rollup], "rollup") is S.FRESH


# --- bulk ----------------------------------------------------------------------------------


def _synthetic_chain(instance, n):
    """n assets in a chain, each materialized once (events written as the executor writes them)."""
    from dagster_nb._events import DagsterEvent, DagsterEventType

    assets = []
    for i in range(n):

        @dg.asset(name=f"n{i}", code_version="1", deps=[f"n{i - 1}"] if i else [])
        def _a():
            return 1

        assets.append(_a)
    run = instance.create_run(job_name="__ASSET_JOB")
    events = []
    for i in range(n):
        tags = {"dagster/code_version": "1", "dagster/data_version": f"d{i}"}
        if i:
            tags[f"dagster/input_data_version/n{i - 1}"] = f"d{i - 1}"
        events.append(
            DagsterEvent(
                event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
                run_id=run.run_id,
                job_name="__ASSET_JOB",
                timestamp=time.time(),
                asset_key=K(f"n{i}"),
                materialization=dg.AssetMaterialization(K(f"n{i}"), tags=tags),
            )
        )
    instance.handle_new_events(events)
    return assets


def test_ten_thousand_statuses(instance):  # timed in bench/bench_views.py
    assets = _synthetic_chain(instance, 10_000)
    defs = dg.Definitions(assets=assets)
    keys = [a.key for a in assets]
    stale = dg.StalenessResolver(defs.resolved, instance).stale_or_missing(keys)
    assert stale == set()
    # ... and the statuses are right: one changed data version in the middle.
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            "n5000",
            tags={
                "dagster/code_version": "1",
                "dagster/data_version": "changed",
                "dagster/input_data_version/n4999": "d4999",
            },
        )
    )
    r = dg.StalenessResolver(defs.resolved, instance)
    stale = r.stale_or_missing(keys)
    assert stale == {K(f"n{i}") for i in range(5001, 10_000)}
    assert [c.dependency for c in r.get_stale_root_causes(K("n9999"))] == [K("n5000")]


# --- side by side with Dagster ---------------------------------------------------------------


def _lib_defs(lib, *, a_code="1", a_dv="x", b_deps=("a",), with_c=True):
    @lib.asset(name="a", code_version=a_code)
    def a():
        return lib.MaterializeResult(data_version=lib.DataVersion(a_dv))

    @lib.asset(name="x", code_version="1")
    def x():
        return lib.MaterializeResult(data_version=lib.DataVersion("x1"))

    @lib.asset(name="b", code_version="1", deps=list(b_deps))
    def b():
        return lib.MaterializeResult(data_version=lib.DataVersion("b1"))

    out = [a, x, b]
    if with_c:

        @lib.asset(name="c", code_version="1", deps=["b"])
        def c():
            return lib.MaterializeResult(data_version=lib.DataVersion("c1"))

        out.append(c)
    return out


def _dagster_statuses(dagster, instance, assets):
    from dagster._core.definitions.data_version import CachingStaleStatusResolver
    from dagster._core.loader import LoadingContextForTest

    graph = dagster.Definitions(assets=assets).resolve_asset_graph()
    r = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
    return {
        k: r.get_status(dagster.AssetKey(k)).value for k in "axbc" if graph.has(dagster.AssetKey(k))
    }


def _our_direct_statuses(instance, assets):
    """Ours, without the propagation Dagster 1.13 does not do ("upstream ... is stale")."""
    r = dg.StalenessResolver(dg.Definitions(assets=assets).resolved, instance)
    out = {}
    for a in assets:
        k = a.key
        s = r.get_status(k)
        if s is S.STALE and all(
            c.reason.endswith((" is stale", " is missing")) for c in r.get_stale_causes(k)
        ):
            s = S.FRESH
        out[k.to_user_string()] = s.value
    return out


SCENARIOS = {
    # name: (first materialization kwargs, later steps [(kwargs, keys to materialize)], defs kwargs)
    "fresh": ({}, [], {}),
    "code_change": ({}, [], {"a_code": "2"}),
    "new_data_version": ({}, [({"a_dv": "y"}, ["a"])], {"a_dv": "y"}),
    "same_data_version": ({}, [({}, ["a"])], {}),
    "added_dep": ({}, [], {"b_deps": ("a", "x")}),
    "removed_dep": ({}, [], {"b_deps": ()}),
    "rematerialized_after_change": ({}, [({"a_dv": "y"}, ["a", "b"])], {"a_dv": "y"}),
}


@pytest.mark.dagster
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_statuses_match_dagster(tmp_path, scenario):
    import warnings

    import dagster

    first, steps, final = SCENARIOS[scenario]
    results = {}
    for name, lib in (("dagster", dagster), ("ours", dg)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inst = (
                lib.DagsterInstance.ephemeral()
                if lib is dagster
                else dg.DagsterInstance.from_directory(tmp_path / "ours")
            )
            lib.materialize(_lib_defs(lib, **first), instance=inst)
            for kw, keys in steps:
                lib.materialize(_lib_defs(lib, **kw), selection=keys, instance=inst)
            assets = _lib_defs(lib, **final)
            results[name] = (
                _dagster_statuses(dagster, inst, assets)
                if lib is dagster
                else _our_direct_statuses(inst, assets)
            )
            inst.dispose()
    assert results["ours"] == results["dagster"]


@pytest.mark.dagster
def test_propagation_is_ours_not_dagsters(instance):
    """Dagster 1.13 leaves b FRESH when a has a new code version; ours says b is stale."""
    dg.materialize(_lib_defs(dg), instance=instance)
    r = dg.StalenessResolver(dg.Definitions(assets=_lib_defs(dg, a_code="2")).resolved, instance)
    assert r.get_status(K("b")) is S.STALE
    assert [c.reason for c in r.get_stale_causes(K("b"))] == ["upstream a is stale"]


@dg.asset(partitions_def=daily, code_version="1", deps=["pup"])
def pdep():
    return 1


def test_partitioned_dep_without_parameter(instance):
    dg.materialize([pup("")], partition_key="2024-01-01", instance=instance)
    dg.materialize([pup("")], partition_key="2024-01-02", instance=instance)
    dg.materialize(
        [pup(""), pdep], selection=["pdep"], partition_key="2024-01-01", instance=instance
    )
    assert status(instance, [pup(""), pdep], "pdep", "2024-01-01") is S.FRESH


def test_unpartitioned_downstream_sees_a_changed_partition_later_hidden(instance):
    for pk in daily.get_partition_keys():
        dg.materialize([pup("")], partition_key=pk, instance=instance)
    dg.materialize([pup(""), rollup], selection=["rollup"], instance=instance)
    dg.materialize([pup("-new")], partition_key="2024-01-03", instance=instance)  # real change
    dg.materialize([pup("")], partition_key="2024-01-09", instance=instance)  # same value again
    assert status(instance, [pup(""), rollup], "rollup") is S.STALE
