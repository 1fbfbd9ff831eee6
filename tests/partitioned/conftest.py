import pytest

import dagster_nb as dg


@pytest.fixture
def instance(tmp_path):
    """A persistent instance in a temp folder (values go to its storage/ folder)."""
    inst = dg.DagsterInstance.from_directory(str(tmp_path / "home"))
    yield inst
    inst.dispose()


def assert_nothing_written(instance):
    """A rejected run leaves no run, no event, no asset and no value behind."""
    import os

    assert instance.get_runs_count() == 0
    assert instance.get_runs() == []
    assert instance.all_asset_keys() == []
    storage = instance.storage_directory()
    assert not os.path.exists(storage) or os.listdir(storage) == []
