"""Seeded fuzzing of what users type (issue #11): generated selection strings, partition keys
and magic lines each end in one of our errors (a UsageError in magics) or succeed; none
escapes as an internal error, and none hangs (a generous alarm guards the whole set)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import signal

import pytest

import dagster_nb as dg

SEED = 20261202
TOKENS = [
    "key:",
    "group:",
    "tag:",
    "owner:",
    "kind:",
    "code_location:",
    "sinks(",
    "roots(",
    "(",
    ")",
    " and ",
    " or ",
    " not ",
    "not ",
    "+",
    "2+",
    "+3",
    "*",
    "a",
    "b",
    "c",
    "orders",
    "sales",
    '"a/b"',
    "'x'",
    "=",
    ",",
    " ",
    "/",
    "\\",
    "\x00",
    "é",
    "🙂",
    "key:*",
    "9",
    "..",
    "key:a+",
    "group:g",
    "tag:t=v",
    "kind:pandas",
    "owner:me@x.io",
    '"',
    ":",
    "\n",
]


@contextlib.contextmanager
def hang_guard(seconds: int):
    """Fail instead of hanging forever; not a performance threshold (it is ~100x generous)."""

    def boom(signum, frame):
        raise AssertionError(f"fuzzing did not finish within {seconds} s: something hangs")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _selection_strings(n: int) -> list[str]:
    rng = random.Random(SEED)
    out = []
    for _ in range(n):
        out.append("".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 12))))
    out += ["(" * 500 + "a" + ")" * 500, "not " * 500 + "a", "a" * 10_000, "+" * 1000, ""]
    return out


def _graph():
    @dg.asset(group_name="g", kinds={"pandas"}, owners=["me@x.io"], tags={"t": "v"})
    def a():
        return 1

    @dg.asset(key=["a", "b"])
    def ab(a):
        return a

    @dg.asset(deps=[dg.AssetKey(["a", "b"])])
    def c():
        return 2

    return dg.Definitions(assets=[a, ab, c]).resolved.graph


def test_selection_strings_end_in_our_errors_or_succeed():
    graph = _graph()
    outcomes = {"ok": 0, "error": 0}
    with hang_guard(120):
        for text in _selection_strings(400):
            try:
                keys = dg.AssetSelection.from_string(text).resolve(graph)
            except dg.DagsterError:
                outcomes["error"] += 1
                continue
            assert keys <= graph.all_asset_keys, text
            outcomes["ok"] += 1
    assert outcomes["ok"] > 20 and outcomes["error"] > 100, outcomes  # the fuzzer hits both


def _partition_keys(n: int) -> list[str]:
    rng = random.Random(SEED + 1)
    pieces = [
        "2024",
        "-",
        "01",
        "13",
        "00",
        "99",
        "9999",
        "12-31",
        "0000",
        ":",
        "|",
        "a",
        "",
        " ",
        "T",
        "+00:00",
        "\x00",
        "é",
        "...",
    ]
    keys = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(n)]
    return keys + ["9999-12-31", "9999-12-31-23:00", "0001-01-01", "1970-01-01", "a|b"]


PARTITIONS = [
    dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-03-01"),
    dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00", end_date="2024-01-03-00:00"),
    dg.WeeklyPartitionsDefinition(start_date="2024-01-01", end_date="2024-06-01"),
    dg.MonthlyPartitionsDefinition(start_date="2020-01-01", end_date="2024-01-01"),
    dg.StaticPartitionsDefinition(["a", "b", "c"]),
    dg.MultiPartitionsDefinition(
        {
            "day": dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05"),
            "letter": dg.StaticPartitionsDefinition(["a", "b"]),
        }
    ),
]


@pytest.mark.parametrize("pdef", PARTITIONS, ids=lambda p: type(p).__name__)
def test_partition_keys_end_in_our_errors_or_succeed(pdef):
    now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    valid = pdef.get_partition_keys(current_time=now)
    with hang_guard(120):
        for key in _partition_keys(300):
            has = pdef.has_partition_key(key, current_time=now)
            assert has == (key in valid), key
            calls = [
                (
                    "get_partition_keys_in_range",
                    (dg.PartitionKeyRange(key, valid[-1]),),
                    {"current_time": now},
                )
            ]
            if isinstance(pdef, dg.TimeWindowPartitionsDefinition):
                calls.append(("time_window_for_partition_key", (key,), {}))
            if hasattr(pdef, "validate_partition_key"):
                calls.append(("validate_partition_key", (key,), {}))
            for name, args, kwargs in calls:
                try:
                    getattr(pdef, name)(*args, **kwargs)
                except dg.DagsterError:
                    pass


MAGICS = ["materialize", "assets", "asset_value", "partitions", "dagster_nb"]
ARGS = [
    "",
    "orders",
    "key:orders",
    "--partition",
    "2024-01-01",
    "--partitions",
    "a...b",
    "--stale",
    "--tags",
    "k=v",
    "=v",
    "--config",
    "{",
    '{"ops": 1}',
    "--parallel",
    "-1",
    "x",
    "--help",
    "--nope",
    "status",
    "forget",
    "load",
    "..",
    "instance",
    "runs",
    "group:",
    "'",
    '"',
    "(",
    "key:daily",
    "9999-12-31",
    "-p",
]


@pytest.fixture
def shell(tmp_path, monkeypatch):
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "dagster_nb")
    ip.run_cell(
        "import dagster_nb as dg\n"
        "@dg.asset\ndef orders():\n    return [1, 2]\n"
        "@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date='2024-01-01'))\n"
        "def daily():\n    return 1\n",
        store_history=True,
    )
    yield ip
    ip.run_line_magic("unload_ext", "dagster_nb")


def test_magic_lines_end_in_usage_errors_or_succeed(shell, capsys):
    pytest.importorskip("IPython")
    from IPython.core.error import UsageError

    rng = random.Random(SEED + 2)
    lines = [
        (rng.choice(MAGICS), " ".join(rng.choice(ARGS) for _ in range(rng.randint(0, 4))))
        for _ in range(250)
    ]
    outcomes = {"ok": 0, "usage": 0}
    with hang_guard(300):
        for magic, line in lines:
            if magic == "dagster_nb" and line.split()[:1] in (["reset"], ["forget"]):
                continue  # keep the assets for the next lines
            try:
                shell.run_line_magic(magic, line)
                outcomes["ok"] += 1
            except UsageError:
                outcomes["usage"] += 1
            capsys.readouterr()
    assert outcomes["ok"] > 10 and outcomes["usage"] > 50, outcomes
