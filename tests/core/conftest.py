import pytest

import dagster_nb as dg


@pytest.fixture
def instance(tmp_path):
    """A persistent instance in a temp folder."""
    return dg.DagsterInstance.from_directory(str(tmp_path / "home"))
