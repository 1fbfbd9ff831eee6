"""Side by side with real Dagster: the same partitioned user code, run with each library, gives
the same partition keys in contexts, the same values through mappings and IO managers, and the
same job results."""

import warnings

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

import dagster_nb  # noqa: E402


def both(scenario):
    return scenario(dagster), scenario(dagster_nb)


def recording_io(dg):
    class RecordingIOManager(dg.IOManager):
        def __init__(self):
            self.values, self.log = {}, []

        def handle_output(self, context, obj):
            pks = (
                sorted(str(k) for k in context.asset_partition_keys)
                if context.has_asset_partitions
                else None
            )
            self.log.append(("out", context.asset_key.to_user_string(), pks))
            for pk in pks or [None]:
                self.values[(context.asset_key.to_user_string(), pk)] = obj

        def load_input(self, context):
            key = context.asset_key.to_user_string()
            if not context.has_asset_partitions:
                self.log.append(("in", key, None, None))
                return self.values[(key, None)]
            pks = sorted(str(k) for k in context.asset_partition_keys)  # Dagster's order is a set's
            single = str(context.partition_key) if len(pks) == 1 else None
            self.log.append(("in", key, pks, single))
            if len(pks) == 1:
                return self.values[(key, pks[0])]
            return {pk: self.values[(key, pk)] for pk in pks}

    return RecordingIOManager()


def window(tw):
    return (tw.start.timestamp(), tw.end.timestamp())


PDEFS = {
    "static": lambda dg: (dg.StaticPartitionsDefinition(["a", "b"]), "b"),
    "daily": lambda dg: (dg.DailyPartitionsDefinition(start_date="2024-01-01"), "2024-03-10"),
    "hourly-ny": lambda dg: (
        dg.HourlyPartitionsDefinition(start_date="2024-03-09-00:00", timezone="America/New_York"),
        "2024-03-10-03:00",
    ),
    "daily-berlin-offset": lambda dg: (
        dg.DailyPartitionsDefinition(
            start_date="2024-01-01", hour_offset=2, timezone="Europe/Berlin"
        ),
        "2024-03-30",
    ),
    "weekly": lambda dg: (
        dg.WeeklyPartitionsDefinition(start_date="2024-01-01", day_offset=3),
        "2024-01-10",
    ),
    "monthly": lambda dg: (
        dg.MonthlyPartitionsDefinition(start_date="2024-01-01", timezone="Asia/Tokyo"),
        "2024-02-01",
    ),
    "multi": lambda dg: (
        dg.MultiPartitionsDefinition(
            {
                "d": dg.DailyPartitionsDefinition(start_date="2024-01-01"),
                "c": dg.StaticPartitionsDefinition(["x", "y"]),
            }
        ),
        "y|2024-01-02",
    ),
}


@pytest.mark.parametrize("name", sorted(PDEFS))
def test_context_partition_properties(name):
    def scenario(dg):
        pdef, key = PDEFS[name](dg)
        seen = {}

        @dg.asset(partitions_def=pdef)
        def a(context):
            seen["key"] = str(context.partition_key)
            seen["key_type"] = type(context.partition_key).__name__
            seen["keys"] = [str(k) for k in context.partition_keys]
            r = context.partition_key_range
            seen["range"] = (str(r.start), str(r.end))
            try:
                seen["window"] = window(context.partition_time_window)
            except Exception as e:  # noqa: BLE001
                seen["window"] = type(e).__name__
            return 1

        io = recording_io(dg)
        r = dg.materialize(
            [a],
            partition_key=key,
            resources={"io_manager": io},
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert r.success
        return seen, io.log, r.dagster_run.tags.get("dagster/partition")

    theirs, ours = both(scenario)
    assert ours == theirs


MAPPINGS = {
    "identity": lambda dg, d, s, m: (s, s, dg.IdentityPartitionMapping(), ["a", "b"], "b"),
    "yesterday": lambda dg, d, s, m: (
        d,
        d,
        dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1),
        ["2024-01-01", "2024-01-02", "2024-01-03"],
        "2024-01-03",
    ),
    "two-days": lambda dg, d, s, m: (
        d,
        d,
        dg.TimeWindowPartitionMapping(start_offset=-1),
        ["2024-01-01", "2024-01-02", "2024-01-03"],
        "2024-01-03",
    ),
    "all": lambda dg, d, s, m: (
        d,
        s,
        dg.AllPartitionMapping(),
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
        "a",
    ),
    "last": lambda dg, d, s, m: (
        d,
        s,
        dg.LastPartitionMapping(),
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
        "a",
    ),
    "static": lambda dg, d, s, m: (
        dg.StaticPartitionsDefinition(["p", "q", "r"]),
        s,
        dg.StaticPartitionMapping({"p": "a", "q": "a", "r": "b"}),
        ["p", "q", "r"],
        "a",
    ),
    "specific": lambda dg, d, s, m: (
        s,
        d,
        dg.SpecificPartitionsPartitionMapping(["b"]),
        ["a", "b"],
        "2024-01-02",
    ),
    "multi-to-single": lambda dg, d, s, m: (
        m,
        d,
        dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="d"),
        ["2024-01-02|a", "2024-01-02|b", "2024-01-03|a"],
        "2024-01-02",
    ),
    "multi-to-single-inferred": lambda dg, d, s, m: (
        m,
        s,
        None,
        ["2024-01-01|a", "2024-01-02|a", "2024-01-02|b", "2024-01-03|a", "2024-01-04|a"],
        "a",
    ),
    "multi": lambda dg, d, s, m: (
        m,
        m,
        dg.MultiPartitionMapping(
            {
                "d": dg.DimensionPartitionMapping(
                    "d", dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
                ),
                "s": dg.DimensionPartitionMapping("s", dg.IdentityPartitionMapping()),
            }
        ),
        ["2024-01-02|a", "2024-01-02|b"],
        "2024-01-03|b",
    ),
}


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_values_through_partition_mappings(name):
    def scenario(dg):
        d = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")
        s = dg.StaticPartitionsDefinition(["a", "b"])
        m = dg.MultiPartitionsDefinition({"d": d, "s": s})
        up_pdef, down_pdef, mapping, up_keys, down_key = MAPPINGS[name](dg, d, s, m)

        @dg.asset(partitions_def=up_pdef)
        def up(context):
            return "v:" + str(context.partition_key)

        seen = {}

        @dg.asset(partitions_def=down_pdef, ins={"up": dg.AssetIn(partition_mapping=mapping)})
        def down(context, up):
            seen["input_keys"] = sorted(
                str(k) for k in context.asset_partition_keys_for_input("up")
            )
            return up

        io = recording_io(dg)
        inst = dg.DagsterInstance.ephemeral()
        for k in up_keys:
            assert dg.materialize(
                [up], partition_key=k, resources={"io_manager": io}, instance=inst
            ).success
        io.log.clear()
        r = dg.materialize(
            [up, down],
            selection=[down],
            partition_key=down_key,
            resources={"io_manager": io},
            instance=inst,
        )
        assert r.success
        return r.output_for_node("down"), seen, io.log

    theirs, ours = both(scenario)
    assert ours == theirs


def test_unpartitioned_reads_partitioned_and_reverse():
    def scenario(dg):
        d = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")

        @dg.asset
        def rates():
            return 2

        @dg.asset(partitions_def=d)
        def sales(context, rates):
            return int(context.partition_key[-1]) * rates

        @dg.asset
        def total(sales):
            return sales

        io = recording_io(dg)
        inst = dg.DagsterInstance.ephemeral()
        dg.materialize([rates], resources={"io_manager": io}, instance=inst)
        for k in d.get_partition_keys():
            dg.materialize(
                [rates, sales],
                selection=[sales],
                partition_key=k,
                resources={"io_manager": io},
                instance=inst,
            )
        r = dg.materialize(
            [rates, sales, total], selection=[total], resources={"io_manager": io}, instance=inst
        )
        return (
            r.output_for_node("total"),
            io.log,
            sorted(inst.get_materialized_partitions(dg.AssetKey("sales"))),
        )

    theirs, ours = both(scenario)
    assert ours == theirs
    assert ours[0] == {"2024-01-01": 2, "2024-01-02": 4, "2024-01-03": 6}


def test_filesystem_io_manager_dict_of_partitions(tmp_path):
    def scenario(dg):
        d = dg.StaticPartitionsDefinition(["x", "y", "z"])

        @dg.asset(partitions_def=d)
        def up(context):
            return context.partition_key * 2

        @dg.asset
        def down(up):
            return up

        inst = dg.DagsterInstance.ephemeral()
        for k in ("x", "y", "z"):
            dg.materialize([up], partition_key=k, instance=inst)
        return dg.materialize([up, down], selection=[down], instance=inst).output_for_node("down")

    theirs, ours = both(scenario)
    assert ours == theirs == {"x": "xx", "y": "yy", "z": "zz"}


def test_dynamic_partitions_in_instance():
    def scenario(dg):
        files = dg.DynamicPartitionsDefinition(name="files")

        @dg.asset(partitions_def=files)
        def parsed(context):
            return context.partition_key.upper()

        inst = dg.DagsterInstance.ephemeral()
        inst.add_dynamic_partitions("files", ["b.csv", "a.csv"])
        outs = [
            dg.materialize([parsed], partition_key=k, instance=inst).output_for_node("parsed")
            for k in files.get_partition_keys(dynamic_partitions_store=inst)
        ]
        try:
            dg.materialize([parsed], partition_key="c.csv", instance=inst)
            err = None
        except Exception as e:  # noqa: BLE001
            err = type(e).__name__
        return outs, err, sorted(inst.get_materialized_partitions(dg.AssetKey("parsed")))

    theirs, ours = both(scenario)
    assert ours == theirs


def test_jobs_side_by_side():
    def scenario(dg):
        d = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")

        @dg.asset(partitions_def=d, group_name="sales")
        def orders(context):
            return context.partition_key

        @dg.asset(partitions_def=d, group_name="sales")
        def revenue(orders):
            return orders + "$"

        class Cfg(dg.Config):
            n: int = 1

        @dg.asset(group_name="other")
        def knob(config: Cfg):
            return config.n

        defs = dg.Definitions(
            assets=[orders, revenue, knob],
            jobs=[
                dg.define_asset_job(
                    "sales_job",
                    selection="group:sales",
                    partitions_def=d,
                    tags={"team": "bi"},
                    description="sales",
                ),
                dg.define_asset_job(
                    "knob_job", selection=["knob"], config={"ops": {"knob": {"config": {"n": 4}}}}
                ),
                dg.define_asset_job("up_job", selection="+key:revenue", partitions_def=d),
            ],
        )
        inst = dg.DagsterInstance.ephemeral()
        job = defs.resolve_job_def("sales_job")
        r1 = job.execute_in_process(partition_key="2024-01-02", instance=inst, tags={"x": "1"})
        r2 = defs.resolve_job_def("knob_job").execute_in_process(instance=inst)
        r3 = defs.resolve_job_def("knob_job").execute_in_process(
            instance=inst, run_config={"ops": {"knob": {"config": {"n": 9}}}}
        )
        r4 = defs.resolve_job_def("up_job").execute_in_process(
            partition_key="2024-01-03", instance=inst
        )
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            defs.get_job_def("sales_job")
        tags = {
            k: v for k, v in r1.dagster_run.tags.items() if k in ("team", "x", "dagster/partition")
        }
        try:
            job.execute_in_process(partition_key="2030-01-01", instance=inst)
            err = None
        except Exception as e:  # noqa: BLE001
            err = type(e).__name__
        return (
            job.name,
            job.description,
            r1.output_for_node("revenue"),
            tags,
            r2.output_for_node("knob"),
            r3.output_for_node("knob"),
            r4.output_for_node("revenue"),
            any("resolve_job_def" in str(x.message) for x in w),
            err,
            sorted(inst.get_materialized_partitions(dg.AssetKey("revenue"))),
        )

    theirs, ours = both(scenario)
    assert ours == theirs


def test_range_run_single_value_per_partition():
    """A run over several partitions: keys, range and window as Dagster reports them."""

    def scenario(dg):
        d = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-10")
        seen = {}

        class DictIO(dg.IOManager):
            def __init__(self):
                self.stored = {}

            def handle_output(self, context, obj):
                for pk in context.asset_partition_keys:
                    self.stored[pk] = obj[pk]

            def load_input(self, context):
                return {pk: self.stored[pk] for pk in context.asset_partition_keys}

        @dg.asset(partitions_def=d, backfill_policy=dg.BackfillPolicy.single_run())
        def a(context):
            seen["keys"] = list(context.partition_keys)
            seen["range"] = (context.partition_key_range.start, context.partition_key_range.end)
            seen["window"] = window(context.partition_time_window)
            return {k: k[-1] for k in context.partition_keys}

        io = DictIO()
        r = (
            dg.materialize(
                [a],
                partition_key_range=dg.PartitionKeyRange("2024-01-03", "2024-01-05"),
                resources={"io_manager": io},
                instance=dg.DagsterInstance.ephemeral(),
            )
            if dg is dagster_nb
            else dg.materialize(
                [a],
                tags={
                    "dagster/asset_partition_range_start": "2024-01-03",
                    "dagster/asset_partition_range_end": "2024-01-05",
                },
                resources={"io_manager": io},
                instance=dg.DagsterInstance.ephemeral(),
            )
        )
        return r.success, seen, io.stored

    theirs, ours = both(scenario)
    assert ours == theirs
    assert ours[1]["keys"] == ["2024-01-03", "2024-01-04", "2024-01-05"]


def _yesterday_of(dg, body):
    """Daily ``up`` and ``down`` reading the day before (the first day has no day before);
    ``down`` calls ``body(context, up)``."""
    daily = dg.DailyPartitionsDefinition(start_date="2025-01-01")

    @dg.asset(partitions_def=daily)
    def up():
        return 1

    @dg.asset(
        partitions_def=daily,
        ins={
            "up": dg.AssetIn(
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
            )
        },
    )
    def down(context, up):
        body(context, up)
        return 2

    return up, down


def test_previous_partition_of_the_first_partition_is_empty(tmp_path):
    # TimeWindowPartitionMapping(-1, -1) on the first partition maps to no upstream partition:
    # Dagster hands the IO manager an empty list of partition keys (has_asset_partitions stays
    # True) and the filesystem IO manager loads None; the run succeeds.
    def scenario(dg):
        seen = {}

        def body(context, up):
            seen["up"] = up
            seen["keys"] = list(context.asset_partition_keys_for_input("up"))

        up, down = _yesterday_of(dg, body)

        class Probe(dg.IOManager):
            def __init__(self):
                self.inner = dg.FilesystemIOManager(base_dir=str(tmp_path / dg.__name__))

            def handle_output(self, context, obj):
                with dg.build_resources({"io": self.inner}) as r:
                    r.io.handle_output(context, obj)

            def load_input(self, context):
                seen["has_asset_partitions"] = context.has_asset_partitions
                seen["asset_partition_keys"] = list(context.asset_partition_keys)
                with dg.build_resources({"io": self.inner}) as r:
                    return r.io.load_input(context)

        inst = dg.DagsterInstance.ephemeral()
        res = {"io_manager": Probe()}
        assert dg.materialize(
            [up], partition_key="2025-01-01", instance=inst, resources=res
        ).success
        r = dg.materialize(
            [up, down], selection=[down], partition_key="2025-01-01", instance=inst, resources=res
        )
        return r.success, seen

    theirs, ours = both(scenario)
    assert ours == theirs
    assert ours == (
        True,
        {"has_asset_partitions": True, "asset_partition_keys": [], "up": None, "keys": []},
    )


def test_has_partition_key_range_only_for_range_runs():
    def scenario(dg):
        daily = dg.DailyPartitionsDefinition(start_date="2025-01-01")
        seen = []

        @dg.asset(partitions_def=daily)
        def a(context):
            seen.append(
                (
                    context.has_partition_key,
                    context.has_partition_key_range,
                    [str(k) for k in context.partition_keys],
                )
            )
            return 1

        @dg.asset
        def plain(context):
            seen.append((context.has_partition_key, context.has_partition_key_range, None))
            return 1

        inst = dg.DagsterInstance.ephemeral()
        io = {"io_manager": dg.InMemoryIOManager()}
        dg.materialize([a], partition_key="2025-01-02", instance=inst, resources=io)
        dg.materialize([plain], instance=inst, resources=io)
        return seen

    theirs, ours = both(scenario)
    assert ours == theirs


def test_range_and_window_of_an_input_mapped_to_no_partition():
    # Both libraries refuse (Dagster with its internal CheckError; ours names the input and
    # the reason) and both give an empty key list.
    def scenario(dg):
        seen = {}

        def body(context, up):
            seen["keys"] = context.asset_partition_keys_for_input("up")
            for name in (
                "asset_partition_key_range_for_input",
                "asset_partitions_time_window_for_input",
            ):
                try:
                    getattr(context, name)("up")
                except Exception as e:  # noqa: BLE001
                    seen[name] = (type(e).__name__, str(e))

        up, down = _yesterday_of(dg, body)

        r = dg.materialize(
            [up, down],
            partition_key="2025-01-01",
            instance=dg.DagsterInstance.ephemeral(),
            resources={"io_manager": dg.InMemoryIOManager()},
        )
        return r.success, seen

    (t_ok, theirs), (o_ok, ours) = both(scenario)
    assert t_ok and o_ok and theirs["keys"] == ours["keys"] == []
    for name in ("asset_partition_key_range_for_input", "asset_partitions_time_window_for_input"):
        assert theirs[name][0] == "CheckError"
        cls, msg = ours[name]
        assert cls == "DagsterInvariantViolationError" and "input 'up'" in msg
        assert "no partition of it is loaded" in msg


def test_dynamic_partition_keys_are_strings_and_a_missing_value_is_file_not_found(tmp_path):
    def scenario(dg):
        inst = dg.DagsterInstance.ephemeral()
        inst.add_dynamic_partitions("f", [1, "b"])
        keys = inst.get_dynamic_partitions("f")

        @dg.asset
        def up():
            return 1

        @dg.asset
        def down(up):
            return up

        io = {"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path / dg.__name__))}
        try:
            dg.materialize([up, down], selection=[down], instance=inst, resources=io)
            raised = None
        except Exception as e:  # noqa: BLE001
            raised = type(e).__name__
        r = dg.materialize(
            [up, down], selection=[down], instance=inst, resources=io, raise_on_error=False
        )
        failure = next(e for e in r.all_events if e.event_type_value == "STEP_FAILURE")
        err = failure.event_specific_data.error
        return keys, raised, err.cls_name, err.cause.cls_name

    theirs, ours = both(scenario)
    assert (
        ours
        == theirs
        == (["1", "b"], "FileNotFoundError", "DagsterExecutionLoadInputError", "FileNotFoundError")
    )


def test_dynamic_partition_key_that_is_not_a_string_is_refused_and_nothing_added():
    inst = dagster_nb.DagsterInstance.ephemeral()
    with pytest.raises(dagster_nb.DagsterInvalidInvocationError, match="got None"):
        inst.add_dynamic_partitions("f", ["a", None])
    assert inst.get_dynamic_partitions("f") == []
