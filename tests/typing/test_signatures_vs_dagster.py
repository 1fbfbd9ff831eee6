"""Signatures of the public decorators and constructors, side by side with Dagster's:
``inspect.signature`` on both, same parameter names, kinds, positional order and defaults; ours
may have a few more (listed here with the reason), never fewer. An unknown keyword is a
``TypeError`` in both, ours with a did-you-mean. The ``@overload`` forms (what editors show)
must repeat the implementation's parameters exactly."""

from __future__ import annotations

import ast
import enum
import inspect
from pathlib import Path

import pytest

import dagster_nb

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

# Parameters ours has beyond Dagster's named ones: each is keyword-only, so no positional call
# written for Dagster can land in it. (Dagster's asset/AssetSpec/AssetOut take the deprecated
# ones through **kwargs; ours names them.)
OUR_EXTRAS = {
    "asset": {
        "compute_kind",
        "auto_materialize_policy",
        "non_argument_deps",
        "legacy_freshness_policy",
    },
    # both are hidden parameters in Dagster (``@hidden_param``): accepted, not in its signature
    "multi_asset": {"compute_kind", "allow_arbitrary_check_specs"},
    "graph_asset": {"deps"},
    "materialize": {
        "partition_keys",
        "partition_key_range",
        "max_concurrent",
        "listeners",
        "current_time",
        "executor",
    },
    "materialize_to_memory": {
        "partition_keys",
        "partition_key_range",
        "max_concurrent",
        "listeners",
        "current_time",
    },
    "AssetSpec": {"auto_materialize_policy", "io_manager_key", "legacy_freshness_policy"},
    "AssetOut": {"auto_materialize_policy"},
    # Dagster 1.13 takes it through **kwargs (deprecated); ours names it
    "observable_source_asset": {"auto_observe_interval_minutes"},
}
# Defaults that differ in representation only: Dagster's "no type given" sentinel is our None.
SAME_DEFAULT = {("AssetIn", "dagster_type"), ("AssetOut", "dagster_type")}

NAMES = [
    "asset",
    "multi_asset",
    "graph_asset",
    "graph_multi_asset",
    "op",
    "sensor",
    "schedule",
    "materialize",
    "materialize_to_memory",
    "Definitions",
    "AssetSpec",
    "AssetIn",
    "AssetOut",
    "DailyPartitionsDefinition",
    "HourlyPartitionsDefinition",
    "WeeklyPartitionsDefinition",
    "MonthlyPartitionsDefinition",
    "TimeWindowPartitionsDefinition",
    "StaticPartitionsDefinition",
    "DynamicPartitionsDefinition",
    "MultiPartitionsDefinition",
    "observable_source_asset",
    "asset_check",
    "multi_asset_check",
    "resource",
    "io_manager",
    "job",
    "define_asset_job",
    "graph",
    "ScheduleDefinition",
    "SensorDefinition",
]


def _default(value):
    return value.value if isinstance(value, enum.Enum) else value


def _named(sig: inspect.Signature) -> dict[str, inspect.Parameter]:
    return {n: p for n, p in sig.parameters.items() if p.kind is not p.VAR_KEYWORD}


def _positional(params: dict[str, inspect.Parameter]) -> list[str]:
    return [n for n, p in params.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_dagster(name):
    theirs = _named(inspect.signature(getattr(dagster, name)))
    ours = _named(inspect.signature(getattr(dagster_nb, name)))
    assert set(theirs) <= set(ours), f"missing: {sorted(set(theirs) - set(ours))}"
    assert set(ours) - set(theirs) == OUR_EXTRAS.get(name, set())
    assert _positional(ours) == _positional(theirs)
    for pname, p in theirs.items():
        q = ours[pname]
        assert q.kind == p.kind, (pname, q.kind, p.kind)
        if (name, pname) not in SAME_DEFAULT:
            assert _default(q.default) == _default(p.default), (pname, q.default, p.default)
    for extra in OUR_EXTRAS.get(name, ()):
        assert ours[extra].kind is inspect.Parameter.KEYWORD_ONLY, extra


def _call_with_typo(lib, name):
    """Call ``name`` as a user would, with one misspelt keyword; return the exception."""
    api = getattr(lib, name)
    positional = {
        "schedule": ("0 0 * * *",),
        "AssetSpec": ("a",),
        "StaticPartitionsDefinition": (["a"],),
        "MultiPartitionsDefinition": ({"a": lib.StaticPartitionsDefinition(["x"])},),
        "materialize": ([],),
        "materialize_to_memory": ([],),
        "TimeWindowPartitionsDefinition": ("2024-01-01", "%Y-%m-%d"),
        "DailyPartitionsDefinition": ("2024-01-01",),
        "define_asset_job": ("daily",),
    }.get(name, ())
    required = {"asset_check": {"asset": "a"}, "multi_asset_check": {"specs": []}}.get(name, {})
    typo = {
        "Definitions": "asset",
        "AssetIn": "keys",
        "DynamicPartitionsDefinition": "nam",
        "materialize": "selction",
        "materialize_to_memory": "selction",
        "StaticPartitionsDefinition": "partition_key",
        "MultiPartitionsDefinition": "partitions_def",
        "TimeWindowPartitionsDefinition": "timezon",
        "DailyPartitionsDefinition": "timezon",
        "sensor": "targt",
        "schedule": "targt",
        "op": "nam",
        "graph_multi_asset": "grup_name",
        "asset_check": "blockng",
        "multi_asset_check": "nam",
        "resource": "descriptin",
        "io_manager": "descriptin",
        "job": "nam",
        "define_asset_job": "selectin",
        "graph": "nam",
        "observable_source_asset": "grup_name",
        "ScheduleDefinition": "nam",
        "SensorDefinition": "nam",
    }
    kwargs = {**required, typo.get(name, "grup_name"): "x"}
    if name == "graph_multi_asset":
        kwargs["outs"] = {}
    with pytest.raises(Exception) as info:
        api(*positional, **kwargs)
    return info.value


TYPO_NAMES = [
    n
    for n in NAMES
    if n
    not in {
        # Dagster's time-window subclasses silently ignore unknown keywords (ours refuse: below)
        "DailyPartitionsDefinition",
        "HourlyPartitionsDefinition",
        "WeeklyPartitionsDefinition",
        "MonthlyPartitionsDefinition",
        "observable_source_asset",  # Dagster ignores unknown keywords here (ours refuse: below)
    }
]


@pytest.mark.parametrize("name", TYPO_NAMES)
def test_unknown_keyword_is_a_type_error_in_both(name):
    theirs = _call_with_typo(dagster, name)
    ours = _call_with_typo(dagster_nb, name)
    assert isinstance(theirs, TypeError), theirs
    assert isinstance(ours, TypeError) and isinstance(
        ours, dagster_nb.DagsterInvalidDefinitionError
    )
    assert "got an unexpected keyword argument" in str(ours)
    assert "Did you mean" in str(ours), str(ours)


def test_observable_source_asset_refuses_unknown_keywords_dagster_ignores():
    dagster.observable_source_asset(grup_name="x")  # Dagster: no error at all
    with pytest.raises(TypeError, match="'grup_name'. Did you mean one of 'group_name'"):
        dagster_nb.observable_source_asset(grup_name="x")


def test_time_window_subclasses_refuse_unknown_keywords_dagster_ignores():
    dagster.DailyPartitionsDefinition("2024-01-01", timezon="UTC")  # Dagster: no error at all
    with pytest.raises(
        TypeError, match="unexpected keyword argument 'timezon'. Did you mean 'timezone'"
    ):
        dagster_nb.DailyPartitionsDefinition("2024-01-01", timezon="UTC")
    # cron_schedule is the one keyword Dagster passes through **kwargs: both take it
    for lib in (dagster, dagster_nb):
        d = lib.DailyPartitionsDefinition("2024-01-01", cron_schedule="0 6 * * *")
        assert d.get_cron_schedule() == "0 6 * * *"


# --- the @overload forms repeat the implementation ---

SOURCES = {
    "asset": "dagster_nb/_definitions/decorators.py",
    "graph_asset": "dagster_nb/_definitions/decorators.py",
    "observable_source_asset": "dagster_nb/_definitions/decorators.py",
    "op": "dagster_nb/_definitions/op.py",
}
ROOT = Path(dagster_nb.__file__).resolve().parent.parent


def _params(fn: ast.FunctionDef) -> list[tuple[str, str, str]]:
    a = fn.args
    defaults = [None] * (len(a.args) - len(a.defaults)) + list(a.defaults)
    out = [
        (x.arg, ast.unparse(x.annotation), ast.unparse(d) if d else "")
        for x, d in zip(a.args, defaults, strict=True)
    ]
    out += [
        (x.arg, ast.unparse(x.annotation), ast.unparse(d) if d else "")
        for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)
    ]
    return out


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_overloads_repeat_the_implementation(name):
    tree = ast.parse((ROOT / SOURCES[name]).read_text())
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    *overloads, impl = defs
    # @asset's fast implementation takes **kwargs; what inspect.signature shows (and what is
    # compared here) is _asset_signature, reached through asset.__wrapped__.
    shown = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and n.name == f"_{name}_signature"
    ]
    if shown:
        (impl,) = shown
        assert (
            ast.unparse(defs[-1].args)
            == "compute_fn: Callable[..., Any] | None=None, **kwargs: Any"
        )
    assert len(overloads) == 2 and all(
        any(ast.unparse(d) == "overload" for d in o.decorator_list) for o in overloads
    )
    bare, called = overloads
    first, *rest = _params(impl)
    assert _params(bare)[1:] == rest and _params(called)[1:] == rest
    assert _params(bare)[0][1] == "Callable[..., Any]"  # @asset: the function itself
    assert _params(called)[0][1:] == ("None", "None")  # @asset(...): no function yet
    assert first[2] == "None"
    assert (
        impl.args.kwarg is not None
        and ast.unparse(impl.args.kwarg.annotation) == "Unpack[NoExtraKwargs]"
    )
    assert bare.args.kwarg is None and called.args.kwarg is None


def test_asset_signature_is_what_inspect_shows():
    shown = inspect.signature(dagster_nb.asset)
    assert list(shown.parameters)[:3] == ["compute_fn", "name", "key_prefix"]
    assert shown.parameters["group_name"].kind is inspect.Parameter.KEYWORD_ONLY
    with pytest.raises(TypeError, match="Did you mean one of 'group_name'"):
        dagster_nb.asset(grup_name="x")


def test_bare_and_called_forms_give_the_same_definition():
    def numbers():
        return [1, 2]

    bare = dagster_nb.asset(numbers)
    called = dagster_nb.asset()(numbers)
    named = dagster_nb.asset(numbers, name="numbers")
    assert bare.key == called.key == named.key == dagster_nb.AssetKey("numbers")
    assert dagster_nb.materialize_to_memory([bare]).output_for_node("numbers") == [1, 2]
