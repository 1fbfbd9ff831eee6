"""Side by side with real Dagster 1.13: what an asset's context logs (``context.log_event``),
loads (``context.load_asset_value``), the data-version tags written on materializations, and
the query methods of ``ExecuteInProcessResult``. Each scenario is the same user code, run with
each library; the tests compare plain values."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

import dagster_nb  # noqa: E402


def both(scenario):
    return scenario(dagster), scenario(dagster_nb)


def _meta(md):
    return {k: getattr(v, "value", v) for k, v in (md or {}).items()}


def _user_tags(tags):
    """Tags without the code version and data version hash, which differ by design."""
    return {
        k: v
        for k, v in (tags or {}).items()
        if k not in ("dagster/code_version", "dagster/data_version")
    }


# --------------------------------------------------------------------------- 1. log_event


def _log_event_scenario(dg):
    @dg.asset
    def a(context):
        context.log_event(dg.AssetObservation("a", metadata={"x": 1}))
        context.log_event(dg.AssetMaterialization("other", metadata={"y": 2}))
        context.log_event(dg.AssetMaterialization("a", metadata={"z": 3}, description="by hand"))
        return 5

    inst = dg.DagsterInstance.ephemeral()
    r = dg.materialize([a], instance=inst)
    asset_events = [
        (
            e.event_type_value,
            e.step_key,
            e.asset_key.to_user_string() if e.event_type_value != "STEP_OUTPUT" else None,
        )
        for e in r.all_events
        if e.event_type_value in ("ASSET_MATERIALIZATION", "ASSET_OBSERVATION", "STEP_OUTPUT")
    ]
    mats = [
        (
            e.asset_key.to_user_string(),
            _meta(e.event_specific_data.materialization.metadata)
            if "path" not in e.event_specific_data.materialization.metadata
            else "io",
            e.event_specific_data.materialization.description,
            e.message,
        )
        for e in r.get_asset_materialization_events()
    ]
    obs = [
        (
            e.asset_key.to_user_string(),
            _meta(e.event_specific_data.asset_observation.metadata),
            dict(e.event_specific_data.asset_observation.tags or {}),
        )
        for e in r.get_asset_observation_events()
    ]
    by_node = [m.asset_key.to_user_string() for m in r.asset_materializations_for_node("a")]
    obs_by_node = [o.asset_key.to_user_string() for o in r.asset_observations_for_node("a")]
    other = inst.get_latest_materialization_event(dg.AssetKey("other"))
    stored_other = _meta(other.asset_materialization.metadata)
    stored_obs = [
        _meta(rec.asset_observation.metadata)
        for rec in inst.fetch_observations(dg.AssetKey("a"), limit=10).records
    ]
    keys = sorted(k.to_user_string() for k in inst.get_asset_keys())
    return asset_events, mats, obs, by_node, obs_by_node, stored_other, stored_obs, keys


def test_log_event_records_observations_and_materializations_of_any_key():
    theirs, ours = both(_log_event_scenario)
    assert ours == theirs
    assert ours[0][:4] == [
        ("ASSET_OBSERVATION", "a", "a"),
        ("ASSET_MATERIALIZATION", "a", "other"),
        ("ASSET_MATERIALIZATION", "a", "a"),
        ("STEP_OUTPUT", "a", None),
    ]


def _log_event_partitioned(dg):
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x", "y"]))
    def c(context):
        context.log_event(dg.AssetMaterialization("c", partition=context.partition_key))
        context.log_event(dg.AssetObservation("c2", partition="zz"))
        return 1

    inst = dg.DagsterInstance.ephemeral()
    r = dg.materialize([c], partition_key="y", instance=inst)
    evs = [
        (e.event_type_value, e.asset_key.to_user_string(), e.partition)
        for e in r.get_asset_materialization_events() + r.get_asset_observation_events()
    ]
    return evs, sorted(inst.get_materialized_partitions(dg.AssetKey("c")))


def test_log_event_keeps_the_partition():
    theirs, ours = both(_log_event_partitioned)
    assert ours == theirs


def _log_event_direct(dg):
    @dg.asset
    def a(context):
        context.log_event(dg.AssetObservation("a", metadata={"x": 1}))
        return 5

    ctx = dg.build_asset_context()
    value = a(ctx)
    return value, [
        (type(e).__name__, e.asset_key.to_user_string())
        for e in ctx.op_execution_context.get_events()
    ]


def test_log_event_in_direct_invocation_is_kept_for_get_events():
    theirs, ours = both(_log_event_direct)
    assert ours == theirs == (5, [("AssetObservation", "a")])


def _log_event_order_scenario(dg):
    @dg.multi_asset(outs={"m1": dg.AssetOut(), "m2": dg.AssetOut()})
    def multi(context):
        context.log_event(dg.AssetObservation("m1", metadata={"i": 0}))
        yield dg.Output(1, output_name="m1")
        context.log_event(dg.AssetObservation("m2", metadata={"i": 1}))
        yield dg.Output(2, output_name="m2")
        context.log_event(dg.AssetObservation("m2", metadata={"i": 2}))

    @dg.asset
    def failing_gen(context):
        context.log_event(dg.AssetObservation("failing_gen", metadata={"i": 0}))
        yield dg.Output(1)
        context.log_event(dg.AssetObservation("failing_gen", metadata={"i": 1}))
        raise ValueError("x")

    @dg.asset
    def failing(context):
        context.log_event(dg.AssetObservation("failing"))
        raise ValueError("y")

    kinds = (
        "ASSET_OBSERVATION",
        "STEP_OUTPUT",
        "ASSET_MATERIALIZATION",
        "STEP_SUCCESS",
        "STEP_FAILURE",
    )
    out = {}
    for a in (multi, failing_gen, failing):
        r = dg.materialize([a], raise_on_error=False)
        out[a.node_def.name] = [
            (
                e.event_type_value,
                _meta(e.event_specific_data.asset_observation.metadata).get("i")
                if e.event_type_value == "ASSET_OBSERVATION"
                else None,
            )
            for e in r.all_events
            if e.step_key and e.event_type_value in kinds
        ]
    return out


def test_log_event_order_among_yields_and_on_failure():
    theirs, ours = both(_log_event_order_scenario)
    # ours does not handle outputs yielded before a failure (Dagster does): compare the rest
    theirs["failing_gen"] = [
        e for e in theirs["failing_gen"] if e[0] not in ("STEP_OUTPUT", "ASSET_MATERIALIZATION")
    ]
    assert ours == theirs
    assert ours["multi"] == [
        ("ASSET_OBSERVATION", 0),
        ("STEP_OUTPUT", None),
        ("ASSET_MATERIALIZATION", None),
        ("ASSET_OBSERVATION", 1),
        ("STEP_OUTPUT", None),
        ("ASSET_MATERIALIZATION", None),
        ("ASSET_OBSERVATION", 2),
        ("STEP_SUCCESS", None),
    ]
    # logged after the last yield of a failing function: dropped, as in Dagster
    assert ours["failing_gen"] == [("ASSET_OBSERVATION", 0), ("STEP_FAILURE", None)]
    assert ours["failing"] == [("STEP_FAILURE", None)]


def _expectation_scenario(dg, home):
    @dg.asset
    def a(context):
        context.log_event(
            dg.ExpectationResult(
                success=True, label="rows", description="enough", metadata={"n": 3}
            )
        )
        context.log_event(dg.ExpectationResult(success=False))
        return 1

    def plain(er):
        return (er.success, er.label, er.description, _meta(er.metadata))

    with dg.DagsterInstance.local_temp(home) as inst:  # persistent (SQLite) storage
        r = dg.materialize([a], instance=inst)
        events = [
            (e.event_type_value, e.message, type(e.event_specific_data).__name__)
            for e in r.all_events
            if e.event_type_value == "STEP_EXPECTATION_RESULT"
        ]
        by_node = [plain(er) for er in r.expectation_results_for_node("a")]
        stored = [
            plain(x.dagster_event.event_specific_data.expectation_result)
            for x in inst.all_logs(r.run_id)
            if x.dagster_event and x.dagster_event.event_type_value == "STEP_EXPECTATION_RESULT"
        ]
    return events, by_node, stored


def test_log_event_expectation_results(tmp_path):
    (tmp_path / "theirs").mkdir()
    (tmp_path / "ours").mkdir()
    theirs = _expectation_scenario(dagster, str(tmp_path / "theirs"))
    ours = _expectation_scenario(dagster_nb, str(tmp_path / "ours"))
    assert ours == theirs
    assert ours[1] == [(True, "rows", "enough", {"n": 3}), (False, "result", None, {})]
    assert ours[2] == ours[1]  # stored and read back


def test_log_event_rejects_other_objects_naming_what_it_takes():
    @dagster_nb.asset
    def b(context):
        context.log_event("nope")

    with pytest.raises(
        dagster_nb.DagsterInvalidInvocationError,
        match="AssetMaterialization, AssetObservation or ExpectationResult",
    ):
        dagster_nb.materialize([b])


# --------------------------------------------------------------------------- 3. data versions


def _data_version_scenario(dg):
    @dg.asset
    def up():
        return dg.Output(1, data_version=dg.DataVersion("v1"))

    @dg.asset
    def mr():
        return dg.MaterializeResult(data_version=dg.DataVersion("m1"), metadata={"a": 1})

    @dg.asset(code_version="cv2")
    def down(up):
        return 2

    @dg.asset(deps=[mr])
    def down2():
        return dg.MaterializeResult(data_version=dg.DataVersion("d2"), tags={"mine": "x"})

    @dg.multi_asset(outs={"m1": dg.AssetOut(), "m2": dg.AssetOut()})
    def multi():
        yield dg.Output(1, output_name="m1", data_version=dg.DataVersion("o1"))
        yield dg.Output(2, output_name="m2")

    r = dg.materialize([up, mr, down, down2, multi], instance=dg.DagsterInstance.ephemeral())
    out = {}
    for e in r.get_asset_materialization_events():
        tags = dict(e.event_specific_data.materialization.tags or {})
        user = tags.get("dagster/data_version_is_user_provided")
        out[e.asset_key.to_user_string()] = {
            "user_provided": user,
            "data_version": tags["dagster/data_version"] if user else "computed",
            "inputs": {
                k: v for k, v in tags.items() if k.startswith("dagster/input_data_version/")
            },
            "mine": tags.get("mine"),
            # the order Dagster writes them in (event pointers aside: we do not write them)
            "order": [
                k.split("/")[1]
                for k in tags
                if k.startswith("dagster/") and "input_event_pointer" not in k
            ],
        }
    return out


def test_user_data_versions_are_tagged_as_user_provided_in_dagsters_order():
    theirs, ours = both(_data_version_scenario)
    assert ours == theirs
    assert ours["up"]["user_provided"] == "true" and ours["down"]["user_provided"] is None
    assert ours["down"]["inputs"] == {"dagster/input_data_version/up": "v1"}
    assert ours["down2"]["order"] == [
        "code_version",
        "input_data_version",
        "data_version",
        "data_version_is_user_provided",
    ]


# --------------------------------------------------------------------------- 5. observable sources in jobs


def _observable_job_scenario(dg, how):
    @dg.observable_source_asset
    def src():
        return dg.DataVersion("s1")

    @dg.observable_source_asset
    def src2():
        return dg.ObserveResult(
            data_version=dg.DataVersion("s2"), metadata={"n": 1}, tags={"t": "x"}
        )

    @dg.asset(deps=[src])
    def from_src():
        return 3

    @dg.asset
    def reg():
        return 1

    jobs = [
        dg.define_asset_job("sources", selection=[src, src2]),
        dg.define_asset_job("mixed", selection=[src, from_src, reg]),
    ]
    defs = dg.Definitions(assets=[src, src2, from_src, reg], jobs=jobs)
    inst = dg.DagsterInstance.ephemeral()
    out = {}
    for name in ("sources", "mixed"):
        job = getattr(defs, how)(name)
        r = job.execute_in_process(instance=inst)
        out[name] = {
            "success": r.success,
            "events": [
                (e.event_type_value, e.step_key)
                for e in r.all_events
                if e.event_type_value
                in (
                    "STEP_START",
                    "ASSET_OBSERVATION",
                    "STEP_OUTPUT",
                    "ASSET_MATERIALIZATION",
                    "STEP_SUCCESS",
                )
            ],
            "observations": [
                (
                    e.asset_key.to_user_string(),
                    dict(e.event_specific_data.asset_observation.tags),
                    _meta(e.event_specific_data.asset_observation.metadata),
                )
                for e in r.get_asset_observation_events()
            ],
            "materialized": sorted(
                e.asset_key.to_user_string() for e in r.get_asset_materialization_events()
            ),
            "from_src inputs": [
                {
                    k: v
                    for k, v in e.event_specific_data.materialization.tags.items()
                    if k.startswith("dagster/input_data_version/")
                }
                for e in r.get_asset_materialization_events()
                if e.asset_key.path == ["from_src"]
            ],
        }
    recs = inst.fetch_observations(dg.AssetKey("src"), limit=5).records  # newest first
    out["stored"] = [rec.asset_observation.tags["dagster/data_version"] for rec in recs]
    return out


@pytest.mark.parametrize("how", ["get_job_def", "resolve_job_def"])
def test_asset_job_selecting_observable_sources_observes_them(how):
    theirs, ours = both(lambda dg: _observable_job_scenario(dg, how))
    assert ours == theirs
    assert ours["sources"]["observations"] == [
        ("src", {"dagster/data_version": "s1"}, {}),
        ("src2", {"dagster/data_version": "s2", "t": "x"}, {"n": 1}),
    ]
    assert ours["mixed"]["materialized"] == ["from_src", "reg"]
    assert ours["mixed"]["from_src inputs"] == [{"dagster/input_data_version/src": "s1"}]


def _materialize_selected_source(dg):
    @dg.observable_source_asset
    def src():
        return dg.DataVersion("s1")

    @dg.asset(deps=[src])
    def from_src():
        return 3

    out = []
    for assets, selection in (
        ([src], [src]),
        ([src, from_src], [src]),
        ([src, from_src], "*"),
        ([src, from_src], None),
    ):
        r = dg.materialize(assets, selection=selection)
        out.append(
            sorted(
                (e.event_type_value, e.asset_key.to_user_string())
                for e in r.get_asset_observation_events() + r.get_asset_materialization_events()
            )
        )
    return out


def test_materialize_observes_an_explicitly_selected_observable_source():
    theirs, ours = both(_materialize_selected_source)
    assert ours == theirs
    assert ours[0] == [("ASSET_OBSERVATION", "src")]
    assert ours[2] == [("ASSET_MATERIALIZATION", "from_src")]


# --------------------------------------------------------------------------- 6. deps= inputs


def _deps_partitions_scenario(dg):
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01")
    weekly = dg.WeeklyPartitionsDefinition(start_date="2024-01-07", end_date="2024-02-01")
    seen = {}

    def probe(context, name):
        out = {}
        for what, f in (
            ("range", lambda: context.asset_partition_key_range_for_input(name)),
            ("window", lambda: context.asset_partitions_time_window_for_input(name)),
            ("keys", lambda: context.asset_partition_keys_for_input(name)),
            ("key", lambda: context.asset_partition_key_for_input(name)),
        ):
            try:
                v = f()
                out[what] = (str(v.start), str(v.end)) if hasattr(v, "start") else v
            except Exception:
                out[what] = "raises"
        return out

    @dg.asset(partitions_def=daily)
    def d():
        return 1

    @dg.asset(key=["raw", "events"], partitions_def=daily)
    def events():
        return 1

    @dg.asset
    def plain():
        return 1

    @dg.asset(partitions_def=weekly, deps=[d, events, plain])
    def w(context):
        seen["w"] = {n: probe(context, n) for n in ("d", "raw_events", "plain", "nope")}

    @dg.asset(
        partitions_def=weekly,
        deps=[dg.AssetDep(d, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1))],
    )
    def w_offset(context):
        seen["w_offset"] = probe(context, "d")

    @dg.asset(partitions_def=daily, deps=[d])
    def same(context):
        seen["same"] = probe(context, "d")

    dg.materialize(
        [d, events, plain, w, w_offset], selection=[w, w_offset], partition_key="2024-01-14"
    )
    dg.materialize([d, same], selection=[same], partition_key="2024-01-03")
    return seen


def test_partitions_of_deps_upstreams_by_input_name():
    theirs, ours = both(_deps_partitions_scenario)
    assert ours == theirs
    assert ours["w"]["d"]["range"] == ("2024-01-14", "2024-01-20")
    assert ours["w"]["d"]["window"] == ("2024-01-14 00:00:00+00:00", "2024-01-21 00:00:00+00:00")
    assert ours["w"]["raw_events"]["keys"][0] == "2024-01-14"
    assert ours["w"]["plain"]["keys"] == ours["w"]["nope"]["keys"] == "raises"
    assert ours["w_offset"]["range"] == ("2024-01-07", "2024-01-20")
    assert ours["same"]["key"] == "2024-01-03"


def test_unknown_input_name_suggests_the_deps_names():
    daily = dagster_nb.DailyPartitionsDefinition(start_date="2024-01-01")

    @dagster_nb.asset(partitions_def=daily)
    def upstream_days():
        return 1

    @dagster_nb.asset(partitions_def=daily, deps=[upstream_days])
    def down(context):
        context.asset_partition_keys_for_input("upstream_day")

    with pytest.raises(dagster_nb.DagsterInvariantViolationError, match="upstream_days"):
        dagster_nb.materialize([upstream_days, down], selection=[down], partition_key="2024-01-02")


# --------------------------------------------------------------------------- 2. load_asset_value


def _load_asset_value_scenario(dg):
    parts = dg.StaticPartitionsDefinition(["x", "y"])
    seen = []

    @dg.asset
    def a():
        return 10

    @dg.asset(partitions_def=parts)
    def p(context):
        return context.partition_key * 2

    @dg.asset(deps=[a, p])
    def b(context):
        seen.append(context.load_asset_value(dg.AssetKey("a")) * 2)
        seen.append(context.load_asset_value(dg.AssetKey("p"), partition_key="y", python_type=str))
        for bad in (
            lambda: context.load_asset_value(dg.AssetKey("nope")),
            lambda: context.load_asset_value(dg.AssetKey("p")),
        ):
            try:
                bad()
                seen.append("ok")
            except Exception:
                seen.append("raises")
        return seen[0]

    inst = dg.DagsterInstance.ephemeral()
    dg.materialize([a, p], selection=[a], instance=inst)
    dg.materialize([p], partition_key="y", instance=inst)
    r = dg.materialize([a, p, b], selection=[b], instance=inst)
    return r.success, seen


def test_context_load_asset_value_reads_stored_values():
    theirs, ours = both(_load_asset_value_scenario)
    assert ours == theirs == (True, [20, "yy", "raises", "raises"])


def test_load_asset_value_errors_and_in_memory_runs():
    dg = dagster_nb

    @dg.asset
    def a():
        return 10

    @dg.asset(deps=[a])
    def b(context):
        return context.load_asset_value("a") * 2

    # Ours also reads a value an in-memory run holds (Dagster's mem IO manager fails there).
    assert dg.materialize_to_memory([a, b]).output_for_node("b") == 20
    with pytest.raises(dg.DagsterInvalidInvocationError, match="inside a run"):
        dg.build_asset_context().load_asset_value("a")


# --------------------------------------------------------------------------- 7. result queries

_CORE = {
    "STEP_START",
    "STEP_OUTPUT",
    "ASSET_MATERIALIZATION",
    "HANDLED_OUTPUT",
    "STEP_SUCCESS",
    "STEP_FAILURE",
    "STEP_RESTARTED",
    "STEP_UP_FOR_RETRY",
    "LOADED_INPUT",
    "ASSET_MATERIALIZATION_PLANNED",
    "PIPELINE_START",
    "PIPELINE_SUCCESS",
    "PIPELINE_FAILURE",
}


def _result_scenario(dg):
    calls = []

    @dg.asset
    def ok():
        return 1

    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))
    def flaky(ok):
        calls.append(1)
        if len(calls) < 3:
            raise ValueError("boom")
        return 2

    @dg.asset
    def bad(ok):
        raise RuntimeError("nope")

    @dg.asset
    def after_bad(bad):
        return 3

    def probe(f):
        try:
            return f()
        except Exception as exc:
            return "raises " + type(exc).__name__

    nodes = ["ok", "flaky", "bad", "after_bad"]
    r = dg.materialize([ok, flaky, bad, after_bad], raise_on_error=False)
    fd = r.failure_data_for_node("bad")
    out = {
        "success": r.success,
        "retries": [r.retry_attempts_for_node(n) for n in nodes],
        "failure data": (
            type(fd).__name__,
            fd.error.cls_name,
            fd.error.cause.cls_name,
            fd.user_failure_data,
        ),
        "no failure data": r.failure_data_for_node("ok"),
        "run failure": r.get_run_failure_event().event_type_value,
        "run success": probe(r.get_run_success_event),
        "status": [
            (
                r.is_node_success(n),
                r.is_node_failed(n),
                r.is_node_skipped(n),
                r.is_node_untouched(n),
            )
            for n in nodes
        ],
        "failed keys": sorted(r.get_failed_step_keys()),
        "job": (r.job_def.name, r.dagster_run.run_id == r.run_id, r.dagster_run.job_name),
        "outputs": [probe(lambda n=n: r.output_for_node(n)) for n in nodes],
        "materializations": [
            [m.asset_key.to_user_string() for m in r.asset_materializations_for_node(n)]
            for n in nodes
        ],
        # Dagster lists them node by node in its graph's (arbitrary) node order; ours in time
        # order: compare each node's sequence
        "step events": {
            n: [
                e.event_type_value
                for e in r.all_node_events
                if e.step_key == n and e.event_type_value in _CORE
            ]
            for n in nodes
        },
        "flaky events": [
            e.event_type_value for e in r.events_for_node("flaky") if e.event_type_value in _CORE
        ],
        "filtered": len(r.filter_events(lambda e: e.event_type_value == "STEP_SUCCESS")),
        "steps": (
            [e.step_key for e in r.get_step_success_events()],
            [e.step_key for e in r.get_step_failure_events()],
        ),
        "run events": [
            e.event_type_value
            for e in r.all_events
            if e.step_key is None and e.event_type_value in _CORE
        ],
    }
    good = dg.materialize([ok])
    out["good"] = (
        good.get_run_success_event().event_type_value,
        probe(good.get_run_failure_event),
        good.job_def.name,
    )

    job = dg.define_asset_job("the_job", selection=[ok])
    defs = dg.Definitions(assets=[ok], jobs=[job])
    ran = defs.resolve_job_def("the_job").execute_in_process()
    out["job run"] = (ran.job_def.name, ran.dagster_run.job_name, ran.success)
    return out


def test_execute_in_process_result_queries():
    theirs, ours = both(_result_scenario)
    assert ours == theirs
    assert ours["retries"] == [0, 2, 0, 0]
    assert ours["failure data"] == (
        "StepFailureData",
        "DagsterExecutionStepExecutionError",
        "RuntimeError",
        None,
    )
    assert ours["status"][3] == (False, False, False, True)  # downstream of a failure: untouched
    assert ours["job"][0] == "__ephemeral_asset_job__"
