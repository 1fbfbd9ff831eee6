import pytest

import dagster_nb as dg


@pytest.fixture
def instance(tmp_path):
    """A persistent instance in a temp folder (values go to its storage/ folder)."""
    inst = dg.DagsterInstance.from_directory(str(tmp_path / "home"))
    yield inst
    inst.dispose()


@pytest.fixture
def nothing_written():
    """``nothing_written(instance)`` asserts a rejected run left no run, event, asset or value."""
    return _assert_nothing_written


def _assert_nothing_written(instance):
    import os

    assert instance.get_runs_count() == 0
    assert instance.get_runs() == []
    assert instance.all_asset_keys() == []
    storage = instance.storage_directory()
    assert not os.path.exists(storage) or os.listdir(storage) == []
