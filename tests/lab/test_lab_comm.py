"""The kernel side of the JupyterLab extension, through a real IPython kernel (jupyter_client):
the comm target, the pushed states, and every request with good and bad input."""

from __future__ import annotations

import os
import queue
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

SETUP = '''
import dagster_nb as dg

@dg.asset(group_name="raw")
def orders() -> list:
    """Orders placed in the web shop."""
    return [1, 2, 3]

@dg.asset(group_name="marts")
def revenue(orders: list) -> int:
    return sum(orders)

@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-06"))
def daily(context) -> str:
    return context.partition_key

@dg.asset
def broken() -> int:
    raise ValueError("the feed has no header row")
'''


class Kernel:
    def __init__(self, tmp: Path):
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            DAGSTER_HOME=str(tmp / "home"),
        )
        self.km, self.kc = jupyter_client.manager.start_new_kernel(
            kernel_name="python3", env=env, cwd=str(tmp)
        )
        self.comm_id: str | None = None
        self.seen: list[dict] = []

    def execute(self, code: str) -> dict:
        msg_id = self.kc.execute(code)
        reply = self.kc.get_shell_msg(timeout=60)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=60)
        self._drain_until_idle(msg_id)
        return reply["content"]

    def _drain_until_idle(self, msg_id: str) -> None:
        while True:
            m = self.kc.get_iopub_msg(timeout=60)
            self._note(m)
            if (
                m["msg_type"] == "status"
                and m["parent_header"].get("msg_id") == msg_id
                and m["content"]["execution_state"] == "idle"
            ):
                return

    def _note(self, m: dict) -> None:
        self.seen.append(m)
        if m["msg_type"] == "comm_open" and m["content"]["target_name"] == "dagster_nb":
            self.comm_id = m["content"]["comm_id"]

    def send(self, data: dict, comm_id: str | None = None) -> str:
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id or self.comm_id, "data": data})
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def open_from_frontend(self, data: dict) -> str:
        comm_id = uuid.uuid4().hex
        msg = self.kc.session.msg(
            "comm_open", {"comm_id": comm_id, "target_name": "dagster_nb", "data": data}
        )
        self.kc.shell_channel.send(msg)
        return comm_id

    def wait(self, pred, timeout: float = 60) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                m = self.kc.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            self._note(m)
            if pred(m):
                return m
        raise AssertionError(
            "no such message; last: " + repr([x["msg_type"] for x in self.seen[-10:]])
        )

    def request(self, op: str, **args) -> dict:
        rid = int(time.time() * 1e6)
        self.send({"type": "request", "id": rid, "op": op, "args": args})
        m = self.wait(
            lambda m: (
                m["msg_type"] == "comm_msg"
                and m["content"]["data"].get("type") == "reply"
                and m["content"]["data"].get("id") == rid
            )
        )
        return m["content"]["data"]

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    k = Kernel(tmp_path_factory.mktemp("kernel"))
    yield k
    k.close()


def _state(m: dict) -> bool:
    return m["msg_type"] == "comm_msg" and m["content"]["data"].get("type") == "state"


def test_before_load_ext_a_frontend_comm_is_closed(kernel):
    comm_id = kernel.open_from_frontend({"type": "hello"})
    m = kernel.wait(lambda m: m["msg_type"] == "comm_close" and m["content"]["comm_id"] == comm_id)
    assert m["content"]["comm_id"] == comm_id


def test_load_ext_opens_a_comm_and_hello_gets_the_view_model(kernel):
    kernel.execute("%load_ext dagster_nb")
    assert kernel.comm_id is not None  # kernel-opened comm, for a page already there
    kernel.execute(SETUP)
    kernel.send({"type": "hello"})
    m = kernel.wait(
        lambda m: (
            _state(m)
            and m["content"]["data"]["lineage"]
            and len(m["content"]["data"]["lineage"]["nodes"]) == 4
        )
    )
    vm = m["content"]["data"]["lineage"]
    assert vm["schema"] == "dagster_nb.lineage/1"  # the widgets' view model
    by_key = {n["key"]: n for n in vm["nodes"]}
    assert {k: n["status"] for k, n in by_key.items()} == {
        "orders": "missing",
        "revenue": "missing",
        "daily": "missing",
        "broken": "missing",
    }
    assert by_key["orders"]["description"] == "Orders placed in the web shop."
    assert by_key["daily"]["partitions"]["total"] == 5
    assert {(e["source"], e["target"]) for e in vm["edges"]} == {("orders", "revenue")}


def test_a_frontend_opened_comm_after_load_ext_is_served(kernel):
    comm_id = kernel.open_from_frontend({"type": "hello"})
    kernel.send({"type": "hello"}, comm_id)
    m = kernel.wait(lambda m: _state(m) and m["content"]["comm_id"] == comm_id)
    assert len(m["content"]["data"]["lineage"]["nodes"]) == 4


def test_select_evaluates_the_selection_in_the_kernel(kernel):
    assert kernel.request("select", selection="key:orders+")["data"]["keys"] == [
        "orders",
        "revenue",
    ]
    assert kernel.request("select", selection="group:marts")["data"]["keys"] == ["revenue"]
    bad = kernel.request("select", selection="key:orders+(")
    assert bad["ok"] is False and bad["error"]


def test_materialize_pushes_live_states_and_answers(kernel):
    r = kernel.request("materialize", key="orders")
    assert r["ok"], r
    assert r["data"]["success"] and "SUCCESS" in r["data"]["message"]
    assert r["data"]["materializations"] == 1
    states = [
        m["content"]["data"]["lineage"]
        for m in kernel.seen
        if _state(m) and m["content"]["data"]["lineage"]
    ]
    statuses = [{n["key"]: n["status"] for n in vm["nodes"]}["orders"] for vm in states]
    assert statuses[-1] == "fresh"
    r = kernel.request("materialize", selection="key:orders+")
    assert r["data"]["materializations"] == 2


def test_bad_requests_answer_with_a_clear_error(kernel):
    r = kernel.request("detail", key="ordrs")
    assert not r["ok"] and "No asset ordrs" in r["error"] and "orders" in r["error"]
    r = kernel.request("materialize", key="daily")
    assert not r["ok"] and "daily is partitioned" in r["error"]
    r = kernel.request("materialize", key="daily", partition="2023-12-31")
    assert not r["ok"]
    assert "'2023-12-31' is not a partition of daily" in r["error"]
    r = kernel.request("materialize", key="daily", range=["2024-01-02"])
    assert not r["ok"] and "[start, end]" in r["error"]
    r = kernel.request("frobnicate")
    assert not r["ok"] and "Unknown request 'frobnicate'" in r["error"]
    r = kernel.request("run", run_id="nope")
    assert not r["ok"] and "No run 'nope'" in r["error"]


def test_partitions_one_range_and_missing_only(kernel):
    r = kernel.request("partitions", key="daily")
    assert r["data"]["keys"] == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
    ]
    assert kernel.request("materialize", key="daily", partition="2024-01-02")["ok"]
    r = kernel.request(
        "materialize", key="daily", range=["2024-01-01", "2024-01-03"], missing_only=True
    )
    assert r["ok"] and r["data"]["materializations"] == 2  # 01 and 03; 02 was done
    r = kernel.request("materialize", key="daily", missing_only=True)
    assert r["ok"] and r["data"]["materializations"] == 2  # 04 and 05
    r = kernel.request("materialize", key="daily", missing_only=True)
    assert not r["ok"] and "Every partition of daily" in r["error"]
    assert kernel.request("partitions", key="daily")["data"]["counts"]["materialized"] == 5


def test_detail_has_value_history_and_cell(kernel):
    d = kernel.request("detail", key="orders")["data"]
    assert d["status"] == "fresh"
    assert "1" in d["value_html"] and d["value_error"] is None
    assert len(d["history"]) == 2
    assert d["children"] == ["revenue"]


def test_runs_and_a_failed_run_with_the_user_traceback(kernel):
    r = kernel.request("materialize", key="broken")
    assert r["ok"] and not r["data"]["success"]
    assert "the feed has no header row" in r["data"]["message"]
    runs = kernel.request("runs", limit=50)["data"]["runs"]
    assert runs[0]["status"] == "FAILURE" and runs[0]["assets"] == ["broken"]
    assert [r["partition"] for r in runs if r["partition"]][-1] == "2024-01-02"
    run = kernel.request("run", run_id=runs[0]["run_id"])["data"]
    assert [(row["key"], row["status"]) for row in run["rows"]] == [("broken", "failed")]
    (err,) = [e for e in run["errors"] if e["step"] == "broken"]
    assert err["message"].startswith("ValueError: the feed has no header row")
    assert 'raise ValueError("the feed has no header row")' in err["traceback"]
    assert "dagster_nb" not in err["traceback"]  # only the user's frames
    assert "Cell In[" in err["traceback"] and "ipykernel_" not in err["traceback"]
    assert any(log["type"] == "STEP_FAILURE" for log in run["logs"])
    states = [m for m in kernel.seen if _state(m) and m["content"]["data"]["lineage"]]
    last = {n["key"]: n["status"] for n in states[-1]["content"]["data"]["lineage"]["nodes"]}
    assert last["broken"] == "failed"


def test_lineage_tab_magic(kernel):
    n = len(kernel.seen)
    kernel.execute("%lineage --tab +key:revenue")
    (m,) = [
        m
        for m in kernel.seen[n:]
        if m["msg_type"] == "comm_msg"
        and m["content"]["comm_id"] == kernel.comm_id
        and m["content"]["data"].get("type") == "open"
    ]
    assert m["content"]["data"] == {"type": "open", "view": "lineage", "selection": "+key:revenue"}
    reply = kernel.execute("%lineage --tab key:orders+(")
    assert reply["status"] == "error" and reply["ename"] == "UsageError"  # checked before sending


def test_lineage_tab_without_the_extension_says_so(tmp_path):
    k = Kernel(tmp_path)
    try:
        k.execute("%load_ext dagster_nb")
        reply = k.execute("%lineage --tab")
        assert reply["status"] == "error" and reply["ename"] == "UsageError"
        assert "needs the dagster-nb JupyterLab extension" in reply["evalue"]
    finally:
        k.close()
