import pytest
from selection_helpers import SPECS, our_graph


@pytest.fixture(scope="session")
def graph():
    return our_graph(SPECS)
