"""DagsterInstance entry points, folders and persistence across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from storage_helpers import materialize

import dagster_nb as dg
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._events import DagsterRunStatus
from dagster_nb._instance import DB_FILENAME, DagsterInstance


def test_get_uses_dagster_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with DagsterInstance.get() as inst:
        assert inst.is_persistent and inst.root_directory == str(home)
        assert inst.storage_directory() == str(home / "storage")
        assert os.path.isdir(inst.storage_directory())
        materialize(inst, "a")
    assert (home / DB_FILENAME).exists()
    with DagsterInstance.get() as inst:
        assert inst.has_asset_key("a")


def test_get_defaults_to_dot_folder_in_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    with DagsterInstance.get() as inst:
        assert inst.root_directory == str(tmp_path / ".dagster_nb")
    assert (tmp_path / ".dagster_nb" / DB_FILENAME).exists()


def test_ephemeral_storage_directory_is_lazy_and_removed():
    inst = DagsterInstance.ephemeral()
    assert inst.is_ephemeral and inst._temp_storage_dir is None
    d = inst.storage_directory()
    assert os.path.isdir(d) and d.endswith("storage")
    assert inst.storage_directory() == d
    inst.dispose()
    assert not os.path.exists(d)


def test_local_temp_removes_its_folder():
    with DagsterInstance.local_temp() as inst:
        root = inst.root_directory
        materialize(inst, "a")
        assert os.path.exists(os.path.join(root, DB_FILENAME))
    assert not os.path.exists(root)


def test_local_temp_with_tempdir_keeps_it(tmp_path):
    with DagsterInstance.local_temp(str(tmp_path)) as inst:
        materialize(inst, "a")
    assert (tmp_path / DB_FILENAME).exists()


def test_public_exports():
    assert dg.DagsterInstance is DagsterInstance
    assert dg.EventRecordsFilter.__module__ == "dagster_nb._storage.queries"
    assert {dg.RunsFilter.__name__, dg.DagsterRun.__name__, dg.EventLogRecord.__name__} == {
        "RunsFilter",
        "DagsterRun",
        "EventLogRecord",
    }


def test_everything_survives_a_new_process(tmp_path):
    with DagsterInstance.from_directory(tmp_path) as inst:
        rid = materialize(inst, "a", "p1", metadata={"rows": 3}, tags={"dagster/data_version": "v"})
        inst.add_dynamic_partitions("d", ["x", "y"])
    code = textwrap.dedent(
        f"""
        from dagster_nb._instance import DagsterInstance
        with DagsterInstance.from_directory({str(tmp_path)!r}) as inst:
            run = inst.get_run_by_id({rid!r})
            ev = inst.get_latest_materialization_event("a")
            print(run.status.value, ev.asset_materialization.metadata["rows"].value,
                  sorted(inst.get_materialized_partitions("a")), inst.get_dynamic_partitions("d"),
                  inst.get_latest_data_version("a", "p1").value)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "SUCCESS 3 ['p1'] ['x', 'y'] v"


def test_storage_does_not_import_ui_or_execution():
    code = (
        "import sys, dagster_nb._instance, dagster_nb._storage.sqlite, dagster_nb._storage.memory\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('IPython', 'ipywidgets', 'dagster')"
        " or m.startswith('dagster_nb._execution')]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_runs_have_owner_and_unknown_keys(tmp_path):
    with DagsterInstance.from_directory(tmp_path) as inst:
        run = inst.create_run(job_name="j")
        assert run.owner_pid == os.getpid() and run.owner_host
        assert run.status == DagsterRunStatus.NOT_STARTED
        assert inst.get_latest_materialization_events([AssetKey("x")]) == {AssetKey("x"): None}


def test_cached_partition_statuses_see_other_writers(tmp_path):
    from storage_helpers import E, make_event

    a = DagsterInstance.from_directory(tmp_path)
    b = DagsterInstance.from_directory(tmp_path)
    materialize(b, "p", "x")
    assert a.get_asset_partition_statuses("p") == {"x": "MATERIALIZED"}  # cached now
    rid = b.create_run(job_name="j").run_id
    b.handle_new_events(
        [
            make_event(E.RUN_START, rid),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="p", partition="y"),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="p", partition="z"),
        ]
    )
    assert a.get_asset_partition_statuses("p") == {
        "x": "MATERIALIZED",
        "y": "IN_PROGRESS",
        "z": "IN_PROGRESS",
    }
    b.handle_new_events(
        [
            make_event(E.ASSET_MATERIALIZATION, rid, key="p", partition="y"),
            make_event(E.RUN_SUCCESS, rid),
        ]
    )
    assert a.get_asset_partition_statuses("p") == {"x": "MATERIALIZED", "y": "MATERIALIZED"}
    assert a.get_materialized_partitions("p") == {"x", "y"}
    returned = a.get_asset_partition_statuses("p")
    returned["junk"] = "FAILED"  # callers get a copy
    assert "junk" not in a.get_asset_partition_statuses("p")
    b.wipe_assets(["p"])
    assert a.get_asset_partition_statuses("p") == {}
    assert a.get_materialized_partitions("p") == set()
    materialize(b, "p", "w")
    assert a.get_materialized_partitions("p") == {"w"}
    a.dispose()
    b.dispose()


def test_version_1_database_is_migrated_on_open(tmp_path):
    import sqlite3

    from dagster_nb._storage import sqlite as sq

    db = tmp_path / DB_FILENAME
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE dagster_nb_schema (version INTEGER NOT NULL);"
        "INSERT INTO dagster_nb_schema VALUES (1);" + sq._MIGRATIONS[1]
    )
    conn.execute(
        "INSERT INTO asset_partitions (asset_key, partition, status, mat_id) "
        "VALUES ('[\"p\"]', 'old', 'MATERIALIZED', 1)"
    )
    conn.commit()
    conn.close()
    with DagsterInstance.from_directory(tmp_path) as inst:
        assert inst.get_asset_partition_statuses("p") == {"old": "MATERIALIZED"}
        materialize(inst, "p", "new")
        assert inst.get_materialized_partitions("p") == {"old", "new"}
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version FROM dagster_nb_schema").fetchall() == [
        (sq.SCHEMA_VERSION,)
    ]
    conn.close()


def test_partition_statuses_load_any_key_text_in_a_new_instance(tmp_path):
    odd = [
        "plain",
        'quote"d',
        "back\\slash",
        "uni\u00e9\u4e2d",
        "tab\tnew\nline",
        "nul\x00byte",
        "[1,2]",
    ]
    with DagsterInstance.from_directory(tmp_path) as inst:
        for pk in odd:
            materialize(inst, "p", pk)
        rid = inst.create_run(job_name="j").run_id
        from storage_helpers import E, make_event

        inst.handle_new_event(
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="p", partition="late")
        )
        inst.handle_new_event(
            make_event(E.ASSET_FAILED_TO_MATERIALIZE, rid, key="p", partition="late")
        )
    with DagsterInstance.from_directory(tmp_path) as again:  # a full load, not the cache
        assert again.get_materialized_partitions("p") == set(odd)
        statuses = again.get_asset_partition_statuses("p")
        assert statuses == {**dict.fromkeys(odd, "MATERIALIZED"), "late": "FAILED"}
