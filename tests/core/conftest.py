import pytest

import dagster_nb as dg


@pytest.fixture
def instance(tmp_path):
    """A persistent instance in a temp folder."""
    return dg.DagsterInstance.from_directory(str(tmp_path / "home"))


def event_types(result, keep=None):
    types = [e.event_type_value for e in result.all_events]
    if keep is not None:
        types = [t for t in types if t in keep]
    return types
