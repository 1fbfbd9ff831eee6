"""The definitions layer against real Dagster 1.13: the same user code runs with
``import dagster as dg`` and ``import dagster_nb as dg`` and the observable values (spec
attributes, error classes and messages, loaded groups and keys) are compared."""

import sys
import textwrap

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

import dagster_nb  # noqa: E402


def run_both(scenario):
    """``scenario(dg)`` with each library: (dagster's, ours)."""
    return scenario(dagster), scenario(dagster_nb)


def error_of(fn):
    """(class name, message) of what ``fn()`` raises, or None."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__, str(exc)
    return None


@pytest.fixture
def make_module(tmp_path, monkeypatch):
    """Write a module that imports the given library as ``dg`` and import it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    def make(name, lib, source):
        (tmp_path / f"{name}.py").write_text(f"import {lib} as dg\n" + textwrap.dedent(source))
        made.append(name)
        __import__(name)
        return sys.modules[name]

    yield make
    for name in made:
        sys.modules.pop(name, None)


# ----------------------------------------------------------------- 1. specs: group, metadata


def test_decorated_asset_spec_group_is_default_and_bare_spec_none():
    def scenario(dg):
        @dg.asset
        def a():
            return 1

        @dg.asset(group_name="g")
        def b():
            return 1

        @dg.multi_asset(outs={"m1": dg.AssetOut()}, specs=None)
        def m():
            return 1

        @dg.multi_asset(specs=[dg.AssetSpec("s1")])
        def ms():
            pass

        bare = dg.AssetSpec("x")
        defs = dg.Definitions(assets=[bare, a])
        return (
            a.get_asset_spec().group_name,
            b.get_asset_spec().group_name,
            m.get_asset_spec(dg.AssetKey("m1")).group_name,
            ms.get_asset_spec(dg.AssetKey("s1")).group_name,
            bare.group_name,
            sorted((s.key.to_user_string(), s.group_name) for s in defs.resolve_all_asset_specs()),
            dg.SourceAsset("src").group_name,
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[0] == "default" and ours[4] is None


def test_spec_metadata_keeps_raw_values():
    def scenario(dg):
        schema = dg.TableSchema(columns=[dg.TableColumn("id", "int"), dg.TableColumn("name")])

        @dg.asset(
            metadata={
                "a": 1,
                "s": "x",
                "d": {"k": [1]},
                "schema": schema,
                "p": dg.MetadataValue.path("/tmp/x"),
            }
        )
        def a():
            return 1

        @dg.multi_asset(outs={"m1": dg.AssetOut(metadata={"b": 2.5})})
        def m():
            return 1

        spec = dg.AssetSpec("x", metadata={"a": 1})
        defs = dg.Definitions(assets=[spec, a, m])
        am = a.get_asset_spec().metadata
        return (
            {k: v for k, v in am.items() if k not in ("schema", "p")},
            type(am["schema"]).__name__,
            [c.name for c in am["schema"].columns],
            type(am["p"]).__name__,
            dict(m.get_asset_spec(dg.AssetKey("m1")).metadata),
            dict(spec.metadata),
            {
                s.key.to_user_string(): dict(s.metadata)
                for s in defs.resolve_all_asset_specs()
                if s.key.to_user_string() != "a"
            },
            dict(dg.AssetDep("u", metadata={"c": 3}).metadata),
            a.metadata_by_key[dg.AssetKey("a")]["a"],
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[0]["a"] == 1 and ours[1] == "TableSchema"


def test_definition_metadata_reaches_io_manager_raw_and_events_normalized():
    def scenario(dg):
        seen = {}

        class Mem(dg.IOManager):
            def __init__(self):
                self.values = {}

            def handle_output(self, context, obj):
                seen[context.asset_key.to_user_string()] = dict(context.definition_metadata)
                self.values[context.asset_key] = obj

            def load_input(self, context):
                seen["up_from_down"] = dict(context.upstream_output.definition_metadata)
                return self.values[context.asset_key]

        @dg.asset(metadata={"a": 1, "t": "x"})
        def up():
            return 1

        @dg.asset
        def down(up):
            return dg.MaterializeResult(metadata={"rows": 3})

        res = dg.materialize([up, down], resources={"io_manager": Mem()})
        mats = {
            e.asset_key.to_user_string(): {
                k: (type(v).__name__, v.value) for k, v in e.materialization.metadata.items()
            }
            for e in res.get_asset_materialization_events()
        }
        return seen, mats["down"]

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[0]["up"] == {"a": 1, "t": "x"} and ours[1] == {"rows": ("IntMetadataValue", 3)}


# ----------------------------------------------------------------- 7. load_assets_from_modules


@pytest.mark.parametrize(
    "kwargs",
    [
        {"group_name": "grp"},
        {"group_name": "grp", "key_prefix": "p"},
        {"key_prefix": ["p", "q"]},
    ],
)
def test_load_assets_from_modules_group_and_prefix(make_module, kwargs):
    source = """
        @dg.asset
        def a1():
            return 1

        @dg.asset(group_name="grp")
        def a2(a1):
            return 1

        spec = dg.AssetSpec("ext")
        """

    def scenario(lib):
        dg = dagster if lib == "dagster" else dagster_nb
        mod = make_module(f"loadmod_{lib}_{len(kwargs)}_{'p' in str(kwargs)}", lib, source)
        out = dg.load_assets_from_modules([mod], **kwargs)
        return sorted(
            (
                k.to_user_string(),
                ad.get_asset_spec(k).group_name,
                sorted(d.asset_key.to_user_string() for d in ad.get_asset_spec(k).deps),
            )
            for ad in out
            for k in ad.keys
        )

    theirs, ours = scenario("dagster"), scenario("dagster_nb")
    assert ours == theirs
    if "group_name" in kwargs:
        assert {g for _, g, _ in ours} == {"grp"}


def test_load_assets_group_conflict_message(make_module):
    source = """
        @dg.asset(group_name="g")
        def a2():
            return 1
        """

    def scenario(lib):
        dg = dagster if lib == "dagster" else dagster_nb
        mod = make_module(f"conflictmod_{lib}", lib, source)
        return error_of(lambda: dg.load_assets_from_modules([mod], group_name="h", key_prefix="p"))

    theirs, ours = scenario("dagster"), scenario("dagster_nb")
    assert ours == theirs
    assert ours[0] == "DagsterInvalidDefinitionError"


def test_load_assets_from_current_module_applies_group(make_module):
    source = """
        @dg.asset
        def b1():
            return 1

        loaded = dg.load_assets_from_current_module(group_name="cur", key_prefix="k")
        """

    def scenario(lib):
        mod = make_module(f"curmod_{lib}", lib, source)
        return sorted(
            (k.to_user_string(), ad.get_asset_spec(k).group_name)
            for ad in mod.loaded
            for k in ad.keys
        )

    theirs, ours = scenario("dagster"), scenario("dagster_nb")
    assert ours == theirs == [("k/b1", "cur")]


# ----------------------------------------------------------------- 2. inputs no asset provides


def _missing_input_assets(dg):
    @dg.asset
    def upstreem():
        return 1

    @dg.asset
    def needs_up(upstream):
        return upstream

    return upstreem, needs_up


@pytest.mark.parametrize(
    "how",
    ["materialize_alone", "materialize_with_typo", "resolve_keys", "validate_loadable", "graph"],
)
def test_input_no_asset_provides_fails_naming_the_key(how):
    def scenario(dg):
        upstreem, needs_up = _missing_input_assets(dg)
        call = {
            "materialize_alone": lambda: dg.materialize([needs_up]),
            "materialize_with_typo": lambda: dg.materialize([needs_up, upstreem]),
            "resolve_keys": lambda: dg.Definitions(
                assets=[needs_up, upstreem]
            ).resolve_all_asset_keys(),
            "validate_loadable": lambda: dg.Definitions.validate_loadable(
                dg.Definitions(assets=[needs_up])
            ),
            "graph": lambda: dg.Definitions(assets=[needs_up]).resolve_asset_graph(),
        }[how]
        dg.Definitions(assets=[needs_up])  # constructing is fine in both: checked when loaded
        return error_of(call)

    theirs, ours = run_both(scenario)
    assert ours[0] == theirs[0] == "DagsterInvalidDefinitionError"
    assert "upstream" in ours[1] and "is not produced by any of the provided asset ops" in ours[1]
    assert ("upstreem" in ours[1]) == (
        "upstreem" in theirs[1]
    )  # did-you-mean when a neighbour exists


def test_unknown_deps_key_is_an_external_stub():
    def scenario(dg):
        @dg.asset(deps=["unknown", dg.AssetKey(["p", "q"])])
        def d():
            return 1

        defs = dg.Definitions(assets=[d])
        stub = defs.resolve_assets_def("unknown")
        return (
            sorted(k.to_user_string() for k in defs.resolve_all_asset_keys()),  # Dagster: set order
            sorted(s.key.to_user_string() for s in defs.resolve_all_asset_specs()),
            stub.is_materializable,
            stub.get_asset_spec().group_name,
            dg.materialize([d]).success,
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[0] == ["d", "p/q", "unknown"]


def test_kernel_repository_upstream_in_a_later_cell(tmp_path):
    from dagster_nb._notebook.repository import KernelRepository

    dg = dagster_nb
    repo = KernelRepository(instance=dg.DagsterInstance.local_temp(str(tmp_path)))

    @dg.asset
    def down(up):
        return up + 1

    repo.register(down, origin="<cell In[1]>")
    assert repo.resolve_asset_graph().get(dg.AssetKey("up")).is_stub  # not an error here

    @dg.asset
    def up():
        return 1

    repo.register(up, origin="<cell In[2]>")
    repo.materialize(["up", "down"])
    assert repo.load_asset_value("down") == 2


# ----------------------------------------------------------------- 4. cycles and error classes


def test_cycle_is_circular_dependency_error_a_value_error():
    def scenario(dg):
        @dg.asset
        def x(y):
            return y

        @dg.asset
        def y(x):
            return x

        defs = dg.Definitions(assets=[x, y])
        out = []
        for call in (
            lambda: dg.Definitions.validate_loadable(defs),
            lambda: dg.materialize([x, y]),
        ):
            try:
                call()
            except ValueError as exc:  # both are ValueErrors
                out.append(type(exc).__name__)
        return out

    theirs, ours = run_both(scenario)
    assert ours == theirs == ["CircularDependencyError"] * 2
    assert issubclass(dagster_nb.DagsterInvalidDefinitionError, dagster_nb.DagsterError)


# ----------------------------------------------------------------- 3. reserved names


RESERVED = [
    "input",
    "output",
    "meta",
    "config",
    "conf",
    "context",
    "type",
    "str",
    "int",
    "dict",
    "float",
    "bool",
    "arg_dict",
    "input_arg_dict",
    "output_arg_dict",
    "class",
    "lambda",
    "None",
]


@pytest.mark.parametrize("name", RESERVED + ["result", "inputs", "x.y"])
def test_reserved_asset_names_rejected_as_in_dagster(name):
    def scenario(dg):
        def fn():
            return 1

        return [
            error_of(lambda: dg.asset(name=name)(fn)),
            error_of(lambda: dg.multi_asset(outs={name: dg.AssetOut()})(fn)),
            error_of(lambda: dg.multi_asset(name=name, outs={"a": dg.AssetOut()})(fn)),
            error_of(lambda: dg.asset(key=["p", name])(fn)),  # a key is not a name
            error_of(lambda: dg.AssetSpec(name)),
        ]

    theirs, ours = run_both(scenario)
    assert [e and e[0] for e in ours] == [e and e[0] for e in theirs]
    for mine, dagsters in zip(ours, theirs, strict=True):
        if dagsters is not None:
            assert mine[1].startswith(dagsters[1])  # Dagster's text, then our hint
    if name in RESERVED:
        assert ours[0][0] == "DagsterInvalidDefinitionError" and "reserved keyword" in ours[0][1]


def test_function_named_config_is_rejected():
    def scenario(dg):
        def config():
            return 1

        return error_of(lambda: dg.asset(config))

    theirs, ours = run_both(scenario)
    assert ours[0] == theirs[0] == "DagsterInvalidDefinitionError"
    assert ours[1].startswith(theirs[1])


# ----------------------------------------------------------------- 12. @definitions


def test_definitions_decorator_is_lazy_and_callable():
    def scenario(dg):
        calls = []

        @dg.definitions
        def defs():
            calls.append(1)

            @dg.asset
            def sales():
                return [1, 2, 3]

            return dg.Definitions(assets=[sales])

        before = len(calls)
        built = defs()
        return (
            type(defs).__name__,
            before,
            isinstance(built, dg.Definitions),
            [k.to_user_string() for k in built.resolve_all_asset_keys()],
            error_of(lambda: dg.definitions(lambda x, y: None)),
            error_of(lambda: dg.definitions(lambda: 3)()),
        )

    theirs, ours = run_both(scenario)
    assert ours[:5] == theirs[:5]
    assert ours[0] == "LazyDefinitions" and ours[1] == 0
    assert ours[5][0] == theirs[5][0] == "DagsterInvariantViolationError"
    assert ours[5][1].startswith(theirs[5][1].rstrip("."))


def test_cli_loads_a_definitions_function(tmp_path, monkeypatch, capsys):
    from dagster_nb._cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    target = tmp_path / "lazy_defs.py"
    target.write_text(
        textwrap.dedent("""
        import dagster_nb as dg

        @dg.asset
        def loose():
            return 0

        @dg.definitions
        def defs():
            @dg.asset
            def built_inside():
                return 1

            return dg.Definitions(assets=[built_inside])
        """)
    )
    assert main(["list", "-f", str(target)]) == 0
    out = capsys.readouterr().out
    assert "built_inside" in out and "loose" not in out
    assert main(["materialize", "-f", str(target), "-a", "defs", "--select", "built_inside"]) == 0


# ----------------------------------------------------------------- 6. policies


def test_auto_materialize_policy_sets_the_automation_condition():
    def scenario(dg):
        policy = dg.AutoMaterializePolicy.eager()

        @dg.asset(auto_materialize_policy=policy)
        def a():
            return 1

        @dg.multi_asset(outs={"m": dg.AssetOut(auto_materialize_policy=policy)})
        def m():
            return 1

        def both():
            @dg.asset(
                auto_materialize_policy=policy, automation_condition=dg.AutomationCondition.eager()
            )
            def b():
                return 1

        expected = str(policy.to_automation_condition())
        return (
            str(a.get_asset_spec().automation_condition) == expected,
            str(m.get_asset_spec(dg.AssetKey("m")).automation_condition) == expected,
            str(dg.AssetSpec("x", auto_materialize_policy=policy).automation_condition) == expected,
            str(dg.AssetOut(auto_materialize_policy=policy).automation_condition) == expected,
            type(a.get_asset_spec().automation_condition).__name__,
            error_of(both),
            error_of(
                lambda: dg.AssetSpec(
                    "y",
                    auto_materialize_policy=policy,
                    automation_condition=dg.AutomationCondition.eager(),
                )
            ),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[:4] == (True, True, True, True)
    assert ours[5] == (
        "DagsterInvariantViolationError",
        "Cannot supply both `automation_condition` and `auto_materialize_policy`",
    )


def test_freshness_policies_new_and_legacy():
    from datetime import timedelta

    def scenario(dg):
        window = dg.FreshnessPolicy.time_window(
            fail_window=timedelta(hours=2), warn_window=timedelta(hours=1)
        )
        cron = dg.FreshnessPolicy.cron(
            deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=1)
        )
        legacy = dg.LegacyFreshnessPolicy(maximum_lag_minutes=5)

        @dg.asset(freshness_policy=window)
        def a():
            return 1

        @dg.asset(legacy_freshness_policy=legacy)
        def b():
            return 1

        def legacy_in_new_slot():
            @dg.asset(freshness_policy=legacy)
            def c():
                return 1

        fp = a.get_asset_spec().freshness_policy
        return (
            type(fp).__name__,
            fp.fail_window.seconds,
            type(dg.AssetSpec("s", freshness_policy=cron).freshness_policy).__name__,
            b.get_asset_spec().legacy_freshness_policy.maximum_lag_minutes,
            dg.AssetSpec(
                "t", legacy_freshness_policy=legacy
            ).legacy_freshness_policy.maximum_lag_minutes,
            error_of(legacy_in_new_slot)[0],
            error_of(lambda: dg.AssetSpec("u", freshness_policy=legacy))[0],
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[-1] == "ParameterCheckError"


# ----------------------------------------------------------------- 8. missing names and parameters


def _step_events(result):
    return [
        e.event_type_value
        for e in result.all_events
        if e.event_type_value.startswith("STEP_")
        and e.event_type_value not in ("STEP_INPUT", "STEP_WORKER_STARTED", "STEP_WORKER_STARTING")
    ]


def test_retry_requested_retries_then_succeeds():
    def scenario(dg):
        calls = []

        @dg.asset
        def flaky():
            calls.append(1)
            if len(calls) < 3:
                raise dg.RetryRequested(max_retries=3) from ValueError("boom")
            return len(calls)

        res = dg.materialize([flaky])
        return (
            res.success,
            res.output_for_node("flaky"),
            _step_events(res),
            [e.message for e in res.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"],
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[1] == 3


def test_retry_requested_exhausted_fails_with_max_retries_exceeded():
    def scenario(dg):
        calls = []

        @dg.asset(retry_policy=dg.RetryPolicy(max_retries=5))  # RetryRequested's own count wins
        def always():
            calls.append(1)
            raise dg.RetryRequested(max_retries=1, seconds_to_wait=0)

        res = dg.materialize([always], raise_on_error=False)
        cls, message = error_of(lambda: dg.materialize([always]))
        return len(calls), _step_events(res), res.success, (cls, message.splitlines()[0])

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[3] == ("DagsterMaxRetriesExceededError", "Exceeded max_retries of 1")


def test_materialize_and_observe_result_positional_key_and_raw_metadata():
    def scenario(dg):
        mr = dg.MaterializeResult("orders", {"rows": 3})
        orr = dg.ObserveResult("raw", {"n": 1.5})

        @dg.multi_asset(specs=[dg.AssetSpec("a"), dg.AssetSpec("b")])
        def ab():
            yield dg.MaterializeResult("a", {"rows": 1})
            yield dg.MaterializeResult("b", metadata={"rows": 2})

        res = dg.materialize([ab])
        mats = {
            e.asset_key.to_user_string(): {
                k: (type(v).__name__, v.value) for k, v in e.materialization.metadata.items()
            }
            for e in res.get_asset_materialization_events()
        }
        return mr.asset_key.path, dict(mr.metadata), orr.asset_key.path, dict(orr.metadata), mats

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[4]["b"] == {"rows": ("IntMetadataValue", 2)}


def test_input_manager_loads_inputs_by_input_manager_key():
    def scenario(dg):
        @dg.input_manager
        def from_csv(context):
            return f"loaded:{context.asset_key.to_user_string()}"

        class Loader(dg.InputManager):
            def load_input(self, context):
                return "class:" + context.asset_key.path[-1]

        @dg.input_manager
        def returns_manager():
            return Loader()

        @dg.asset(ins={"raw": dg.AssetIn(input_manager_key="csv")})
        def cleaned(raw):
            return raw

        @dg.asset(ins={"raw2": dg.AssetIn(key="raw", input_manager_key="mgr")})
        def cleaned2(raw2):
            return raw2

        raw = dg.AssetSpec("raw")
        res = dg.materialize(
            [raw, cleaned, cleaned2],
            selection=[cleaned, cleaned2],
            resources={"csv": from_csv, "mgr": returns_manager},
        )
        missing = error_of(lambda: dg.Definitions(assets=[raw, cleaned]).resolve_all_asset_keys())
        return (
            res.output_for_node("cleaned"),
            res.output_for_node("cleaned2"),
            type(from_csv).__name__,
            from_csv.__name__,
            missing[0],
            "input manager with key 'csv'" in missing[1],
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[:2] == ("loaded:raw", "class:raw")


def test_with_resources():
    def scenario(dg):
        class Db(dg.ConfigurableResource):
            url: str = "x"

        @dg.asset
        def a(db: Db):
            return db.url

        @dg.asset(required_resource_keys={"other"})
        def b(context):
            return 1

        out = dg.with_resources([a], {"db": Db(url="u")})
        return (
            type(out).__name__,
            len(out),
            "db" in out[0].resource_defs,
            dg.materialize(out).output_for_node("a"),
            error_of(lambda: dg.with_resources([b], {"db": Db()}))[0],
        )

    def conflict(dg):
        class Db(dg.ConfigurableResource):
            url: str = "x"

        @dg.asset
        def a(db: Db):
            return db.url

        once = dg.with_resources([a], {"db": Db(url="y")})
        return error_of(lambda: dg.with_resources(once, {"db": Db(url="z")}))[0]

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[3] == "u" and ours[4] == "DagsterInvalidDefinitionError"
    assert conflict(dagster) == conflict(dagster_nb) == "DagsterInvalidInvocationError"


def test_column_lineage_and_pool_metadata(tmp_path):
    def scenario(dg):
        lineage = dg.TableColumnLineage(
            deps_by_column={
                "total": [
                    dg.TableColumnDep(asset_key="orders", column_name="amount"),
                    dg.TableColumnDep(asset_key=["raw", "fx"], column_name="rate"),
                ],
            }
        )

        @dg.asset(deps=["orders"])
        def revenue():
            return dg.MaterializeResult(
                metadata={
                    "dagster/column_lineage": lineage,
                    "explicit": dg.MetadataValue.column_lineage(lineage),
                    "pool": dg.MetadataValue.pool("warehouse"),
                }
            )

        instance = dg.DagsterInstance.ephemeral()
        dg.materialize([revenue], instance=instance)
        event = instance.get_latest_materialization_event(dg.AssetKey("revenue"))
        md = event.asset_materialization.metadata
        return {
            k: (
                type(v).__name__,
                {
                    c: [(d.asset_key.path, d.column_name) for d in deps]
                    for c, deps in v.value.deps_by_column.items()
                }
                if k != "pool"
                else v.value,
            )
            for k, v in md.items()
        }, error_of(lambda: dg.TableColumnLineage(deps_by_column={"a": "x"})) is not None

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[0]["pool"] == ("PoolMetadataValue", "warehouse")
    assert ours[0]["explicit"][1] == {"total": [(["orders"], "amount"), (["raw", "fx"], "rate")]}


def test_column_lineage_survives_the_sqlite_instance(tmp_path):
    dg = dagster_nb
    lineage = dg.TableColumnLineage({"t": [dg.TableColumnDep("o", "a")]})

    @dg.asset
    def rev():
        return dg.MaterializeResult(metadata={"l": lineage, "p": dg.MetadataValue.pool("q")})

    dg.materialize([rev], instance=dg.DagsterInstance.local_temp(str(tmp_path)))
    again = dg.DagsterInstance.local_temp(str(tmp_path))
    md = again.get_latest_materialization_event(dg.AssetKey("rev")).asset_materialization.metadata
    assert md["l"].value == lineage and md["p"] == dg.MetadataValue.pool("q")


def test_static_partitioned_config_drives_an_asset_job():
    def scenario(dg):
        class C(dg.Config):
            region: str = "none"

        @dg.asset
        def report(config: C):
            return config.region

        @dg.static_partitioned_config(
            partition_keys=["eu", "us"], tags_for_partition_key_fn=lambda k: {"reg": k}
        )
        def cfg(partition_key: str):
            return {"ops": {"report": {"config": {"region": partition_key}}}}

        job = dg.define_asset_job("by_region", selection=[report], config=cfg)
        resolved = dg.Definitions(assets=[report], jobs=[job]).resolve_job_def("by_region")
        res = resolved.execute_in_process(partition_key="us")
        return (
            type(cfg).__name__,
            cfg.partitions_def.get_partition_keys(),
            cfg.get_run_config_for_partition_key("eu"),
            cfg.get_tags_for_partition_key("us"),
            cfg("eu"),
            resolved.partitions_def.get_partition_keys(),
            res.output_for_node("report"),
            res.dagster_run.tags.get("reg"),
            res.dagster_run.tags.get("dagster/partition"),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[6:] == ("us", "us", "us")


def test_is_virtual_is_kept_on_specs():
    def scenario(dg):
        @dg.asset(is_virtual=True)
        def view(up):
            return 1

        @dg.multi_asset(outs={"m": dg.AssetOut(is_virtual=True), "n": dg.AssetOut()})
        def mn():
            return 1, 2

        spec = dg.AssetSpec("x", is_virtual=True)
        return (
            view.get_asset_spec().is_virtual,
            dict(view.get_asset_spec().tags),
            mn.get_asset_spec(dg.AssetKey("m")).is_virtual,
            mn.get_asset_spec(dg.AssetKey("n")).is_virtual,
            spec.is_virtual,
            spec.replace_attributes(group_name="g").is_virtual,
            dg.AssetSpec("y").is_virtual,
            dg.AssetOut(is_virtual=True).is_virtual,
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[0] is True


def test_assets_definition_from_specs():
    def scenario(dg):
        ext = dg.AssetsDefinition(specs=[dg.AssetSpec("a"), dg.AssetSpec("b", deps=["a"])])

        @dg.op(out={"a": dg.Out(), "b": dg.Out()})
        def make_ab():
            return 1, 2

        computed = dg.AssetsDefinition(
            specs=[dg.AssetSpec("a"), dg.AssetSpec("b")],
            node_def=make_ab,
            keys_by_output_name={"a": dg.AssetKey("a"), "b": dg.AssetKey("b")},
        )
        res = dg.materialize([computed])
        return (
            sorted(k.to_user_string() for k in ext.keys),
            ext.is_executable,
            ext.is_materializable,
            ext.get_asset_spec(dg.AssetKey("a")).group_name,
            [d.asset_key.to_user_string() for d in ext.get_asset_spec(dg.AssetKey("b")).deps],
            res.output_for_node("make_ab", "b"),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[-1] == 2


# ----------------------------------------------------------------- 10. TableSchema metadata


def test_table_schema_definition_metadata_keeps_columns():
    def scenario(dg):
        schema = dg.TableSchema(columns=[dg.TableColumn("id", "int"), dg.TableColumn("name")])

        @dg.asset(metadata={"dagster/column_schema": schema})
        def people():
            return 1

        src = dg.SourceAsset("raw_people", metadata={"dagster/column_schema": schema})
        node_md = (
            dg.Definitions(assets=[people]).resolve_assets_def("people").get_asset_spec().metadata
        )
        return (
            [
                (c.name, c.type)
                for c in people.get_asset_spec().metadata["dagster/column_schema"].columns
            ],
            [(c.name, c.type) for c in node_md["dagster/column_schema"].columns],
            type(src.metadata["dagster/column_schema"]).__name__,
            [c.name for c in src.metadata["dagster/column_schema"].schema.columns],
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[0] == [("id", "int"), ("name", "string")]


# ----------------------------------------------------------------- 11. invalid config


def _config_classes(dg):
    class C(dg.Config):
        n: int
        s: str = "x"

    class R(dg.ConfigurableResource):
        url: str
        port: int = 1

    return C, R


def test_invalid_pythonic_config_raises_pydantic_validation_error():
    import pydantic

    def scenario(dg):
        C, R = _config_classes(dg)
        out = []
        for make in (lambda: C(n="abc"), lambda: C(), lambda: R(url=3), lambda: R()):
            try:
                make()
            except pydantic.ValidationError as exc:  # the class Dagster raises
                # (pydantic's error *type* for a missing field differs: Dagster fills None in)
                out.append(
                    (
                        type(exc).__name__,
                        isinstance(exc, ValueError),
                        [e["loc"] for e in exc.errors()],
                    )
                )
        return out

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert len(ours) == 4 and ours[0][0] == "ValidationError"


def test_invalid_run_config_at_materialize_is_dagster_invalid_config_error():
    def scenario(dg):
        C, _ = _config_classes(dg)

        @dg.asset
        def a(config: C):
            return config.n

        runs = [
            lambda: dg.materialize([a], run_config={"ops": {"a": {"config": {"n": "abc"}}}}),
            lambda: dg.materialize([a]),
            lambda: dg.materialize(
                [a], run_config={"ops": {"zz": {"config": {"n": 1}}, "a": {"config": {"n": 1}}}}
            ),
            lambda: dg.materialize([a], run_config=dg.RunConfig(ops={"a": {"n": "abc"}})),
        ]
        return [error_of(r)[0] for r in runs], dg.materialize(
            [a], run_config={"ops": {"a": {"config": {"n": 4}}}}
        ).output_for_node("a")

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[0] == ["DagsterInvalidConfigError"] * 4


def test_our_validation_error_is_also_ours_and_names_the_field():
    dg = dagster_nb
    C, _ = _config_classes(dg)
    with pytest.raises(dg.DagsterInvalidConfigError) as exc:
        C(n="abc")
    assert "n" in str(exc.value) and "abc" not in str(exc.value)  # no input values shown
    with pytest.raises(dg.DagsterInvalidConfigError, match="Did you mean 'one'"):
        dg.materialize([_one(dg)], run_config={"ops": {"ones": {}}})


def _one(dg):
    @dg.asset
    def one():
        return 1

    return one


# ----------------------------------------------------------------- 9. missing IO manager


def test_missing_io_manager_reported_when_loaded_not_constructed():
    def scenario(dg):
        @dg.asset(io_manager_key="mine")
        def io_asset():
            return 1

        defs = dg.Definitions(assets=[io_asset])  # fine in both
        return [
            error_of(lambda: defs.resolve_all_asset_keys()),
            error_of(lambda: dg.Definitions.validate_loadable(dg.Definitions(assets=[io_asset]))),
            error_of(lambda: dg.materialize([io_asset])),
        ]

    theirs, ours = run_both(scenario)
    assert [e[0] for e in ours] == [e[0] for e in theirs] == ["DagsterInvalidDefinitionError"] * 3
    assert all("io manager with key 'mine'" in e[1] for e in theirs[:2] + ours[:2])


# ----------------------------------------------------------------- 5. nothing silently ignored


def test_pool_is_kept_on_the_op():
    def scenario(dg):
        @dg.asset(pool="db")
        def a():
            return 1

        @dg.multi_asset(outs={"x": dg.AssetOut()}, pool="db2")
        def m():
            return 1

        @dg.op(pool="q")
        def o():
            pass

        return a.op.pool, m.op.pool, o.pool, error_of(lambda: dg.asset(pool=3)(_named_fn))[0]

    theirs, ours = run_both(scenario)
    assert ours == theirs == ("db", "db2", "q", "ParameterCheckError")


def _named_fn():
    return 1


def test_op_tags_and_descriptions_of_observable_sources_are_kept():
    def scenario(dg):
        @dg.observable_source_asset(op_tags={"team": "x"}, description="raw files")
        def raw():
            return dg.DataVersion("1")

        @dg.multi_observable_source_asset(
            specs=[dg.AssetSpec("s1"), dg.AssetSpec("s2")], description="two sources"
        )
        def two():
            yield dg.ObserveResult(asset_key="s1", data_version=dg.DataVersion("a"))
            yield dg.ObserveResult(asset_key="s2", data_version=dg.DataVersion("b"))

        return (
            raw.op.tags.get("team"),
            raw.description if hasattr(raw, "description") else None,
            two.op.description,
        )

    theirs, ours = run_both(scenario)
    assert ours[0] == theirs[0] == "x"
    assert ours[2] == theirs[2] == "two sources"


def test_load_assets_overrides_automation_and_backfill_policy(make_module):
    source = """
        @dg.asset
        def z1():
            return 1

        @dg.asset(automation_condition=dg.AutomationCondition.on_cron("@daily"))
        def z2(z1):
            return 1
        """

    def scenario(lib):
        dg = dagster if lib == "dagster" else dagster_nb
        mod = make_module(f"overridemod_{lib}", lib, source)
        legacy = dg.LegacyFreshnessPolicy(maximum_lag_minutes=3)
        out = dg.load_assets_from_modules(
            [mod],
            automation_condition=dg.AutomationCondition.eager(),
            backfill_policy=dg.BackfillPolicy.single_run(),
            legacy_freshness_policy=legacy,
        )
        return sorted(
            (
                k.to_user_string(),
                ad.get_asset_spec(k).automation_condition.get_label(),
                ad.backfill_policy.max_partitions_per_run,
                ad.get_asset_spec(k).legacy_freshness_policy.maximum_lag_minutes,
            )
            for ad in out
            for k in ad.keys
        )

    theirs, ours = scenario("dagster"), scenario("dagster_nb")
    assert ours == theirs
    assert [label for _, label, _, _ in ours] == ["eager", "eager"]


def test_unsupported_parameters_refuse_instead_of_being_ignored():
    dg = dagster_nb

    def notify(context):  # what a hook would call (dagster_nb has no hook decorators yet)
        pass

    for build in (
        lambda: dg.asset(hooks={notify})(_named_fn),
        lambda: dg.multi_asset(outs={"x": dg.AssetOut()}, hooks={notify})(_named_fn),
        lambda: dg.graph_asset(config={"x": 1})(_named_fn),
        lambda: dg.Definitions(loggers={"console": object()}),
        lambda: dg.with_resources([], {}, resource_config_by_key={"db": {"config": {}}}),
    ):
        with pytest.raises(
            dg.DagsterInvalidDefinitionError, match="not supported by dagster_nb yet"
        ):
            build()


# ----------------------------------------------------------------- 13. direct invocation


CONTEXT_PROPS = [
    "run",
    "dagster_run",
    "job_name",
    "job_def",
    "repository_def",
    "step_launcher",
    "run_id",
    "asset_key",
    "has_partition_key",
    "partition_key",
    "partition_keys",
    "partition_time_window",
    "asset_partition_key_range",
    "op_config",
    "run_tags",
    "selected_asset_keys",
    "instance",
    "op_def",
    "assets_def",
    "is_subset",
]


def test_directly_invoked_context_properties_match_dagster():
    def scenario(dg):
        @dg.asset
        def a(context: dg.AssetExecutionContext):
            out = {}
            for p in CONTEXT_PROPS:
                try:
                    value = getattr(context, p)
                    out[p] = ("ok", type(value).__name__ if p in ("instance", "op_def") else None)
                except Exception as exc:  # noqa: BLE001
                    out[p] = (type(exc).__name__, str(exc)[:60] if "property" in str(exc) else None)
            return out

        return a(dg.build_asset_context())

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours["run"][0] == "DagsterInvalidPropertyError"


def test_context_in_a_run_still_has_its_run():
    dg = dagster_nb

    @dg.asset
    def a(context):
        return context.run.run_id == context.run_id, context.job_name

    assert dg.materialize([a]).output_for_node("a") == (True, "__ephemeral_asset_job__")


# ----------------------------------------------------------------- 4. error classes audit


def _f():
    return 1


ERROR_CASES = {
    "key_and_name": lambda dg: dg.asset(key="a", name="b")(_f),
    "bad_name": lambda dg: dg.asset(name="a b")(_f),
    "assetin_key_and_prefix": lambda dg: dg.AssetIn(key="a", key_prefix="b"),
    "assetout_key_and_prefix": lambda dg: dg.AssetOut(key="a", key_prefix="b"),
    "nested_list_in_defs": lambda dg: dg.Definitions(
        assets=[[dg.AssetSpec("a")]]
    ).resolve_all_asset_keys(),
    "not_an_asset_in_defs": lambda dg: dg.Definitions(assets=[3]).resolve_all_asset_keys(),
    "merge_non_definitions": lambda dg: dg.Definitions.merge(dg.Definitions(), 3),
    "spec_unknown_kwarg": lambda dg: dg.AssetSpec("a", nope=1),
    "asset_unknown_kwarg": lambda dg: dg.asset(nope=1)(_f),
    "asset_not_callable": lambda dg: dg.asset(3),
    "load_value_of_unknown_asset": lambda dg: dg.Definitions().load_asset_value("x"),
    "unknown_partition": lambda dg: dg.materialize(
        [dg.asset(name="pp", partitions_def=dg.StaticPartitionsDefinition(["a"]))(_f)],
        partition_key="zz",
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_definition_error_classes_are_dagsters(case):
    import builtins

    theirs = error_of(lambda: ERROR_CASES[case](dagster))[0]
    try:
        ERROR_CASES[case](dagster_nb)
    except Exception as exc:  # noqa: BLE001
        ours = exc
    else:
        pytest.fail("dagster_nb accepted what Dagster refuses")
    builtin = getattr(builtins, theirs, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        assert isinstance(ours, builtin) and isinstance(ours, dagster_nb.DagsterError)
    else:
        assert type(ours).__name__ == theirs


def test_config_schema_is_validated_as_in_dagster():
    def scenario(dg):
        @dg.asset(config_schema={"a": int, "l": [int], "n": {"m": float}})
        def f(context):
            return context.op_config

        out = []
        for rc in (
            {"a": 1, "l": [1], "n": {"m": 1}},
            {"a": "x", "l": [], "n": {"m": 1.0}},
            {"l": [], "n": {"m": 1}},
            {"a": 1, "zz": 2, "l": [], "n": {"m": 1.0}},
            {"a": 1, "l": ["q"], "n": {"m": 1.0}},
            {"a": True, "l": [], "n": {"m": 1}},
        ):
            try:
                out.append(
                    dg.materialize([f], run_config={"ops": {"f": {"config": rc}}}).output_for_node(
                        "f"
                    )
                )
            except Exception as exc:  # noqa: BLE001
                line = str(exc).splitlines()[1].strip()
                out.append(
                    (
                        type(exc).__name__,
                        line.split(" at path ")[0],
                        line.split(" at path ")[1].split(".")[0],
                    )
                )
        return out

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[1] == (
        "DagsterInvalidConfigError",
        "Error 1: Invalid scalar",
        "root:ops:f:config:a",
    )


def test_failure_carries_description_metadata_and_allow_retries():
    def scenario(dg):
        calls = []

        @dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))
        def no_retry():
            calls.append("a")
            raise dg.Failure(description="bad thing", metadata={"rows": 3}, allow_retries=False)

        @dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))
        def retried():
            calls.append("b")
            raise dg.Failure("again")

        try:
            dg.materialize([no_retry])
        except dg.Failure as exc:
            raised = (
                type(exc).__name__,
                exc.description,
                {k: v.value for k, v in exc.metadata.items()},
            )
        res = dg.materialize([no_retry], raise_on_error=False)
        failure = next(e for e in res.all_events if e.event_type_value == "STEP_FAILURE")
        ufd = failure.step_failure_data.user_failure_data
        res2 = dg.materialize([retried], raise_on_error=False)
        return (
            raised,
            calls.count("a"),
            calls.count("b"),
            (
                ufd.label,
                ufd.description,
                {k: (type(v).__name__, v.value) for k, v in ufd.metadata.items()},
            ),
            [e.event_type_value for e in res2.all_events if e.event_type_value.startswith("STEP_")],
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[1:3] == (2, 3)


def test_failure_data_survives_the_sqlite_instance(tmp_path):
    dg = dagster_nb

    @dg.asset
    def boom():
        raise dg.Failure("kaput", metadata={"n": 1})

    run_id = dg.materialize(
        [boom], raise_on_error=False, instance=dg.DagsterInstance.local_temp(str(tmp_path))
    ).run_id
    again = dg.DagsterInstance.local_temp(str(tmp_path))
    events = [r.dagster_event for r in again.all_logs(run_id) if r.dagster_event is not None]
    failure = next(e for e in events if e.event_type_value == "STEP_FAILURE")
    ufd = failure.step_failure_data.user_failure_data
    assert (ufd.description, ufd.metadata["n"].value) == ("kaput", 1)
