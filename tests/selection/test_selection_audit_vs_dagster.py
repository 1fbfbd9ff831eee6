"""Audit against real Dagster: selection cases where dagster_nb differed, run in both libraries."""

from __future__ import annotations

import warnings

import pytest
from selection_helpers import SPECS, dagster_graph, our_graph

import dagster_nb as nb
from dagster_nb._selection import AssetSelection

pytestmark = pytest.mark.dagster
dagster = pytest.importorskip("dagster")


@pytest.fixture(scope="module")
def graphs():
    return our_graph(SPECS), dagster_graph(SPECS)


def test_one_part_key_with_a_slash_points_at_the_multi_part_key(graphs):
    """AssetKey('marts/revenue') is a one-part key: both libraries refuse it with the same error
    class and point at AssetKey(['marts', 'revenue']) (we used to suggest 'marts/revenue', the
    very text that had just failed)."""
    ours_g, theirs_g = graphs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs:
            dagster.AssetSelection.assets(dagster.AssetKey("marts/revenue")).resolve(theirs_g)
    with pytest.raises(Exception) as ours:
        AssetSelection.assets(nb.AssetKey("marts/revenue")).resolve(ours_g)
    assert type(ours.value).__name__ == type(theirs.value).__name__ == "DagsterInvalidSubsetError"
    assert '["marts", "revenue"' in str(theirs.value)
    assert "AssetKey(['marts', 'revenue'])" in str(ours.value)
    assert "Did you mean 'marts/revenue'" not in str(ours.value)
