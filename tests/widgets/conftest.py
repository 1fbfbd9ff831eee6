from __future__ import annotations

import pytest
import widgets_example as example
from widgets_repo import TestRepository


@pytest.fixture
def repo(tmp_path):
    example.RUNS["orders"] = 0
    r = TestRepository(tmp_path / "inst", example.ALL)
    yield r
    r.instance.dispose()


@pytest.fixture
def mixed_repo(repo):
    """orders, customers, orders_clean, revenue materialized; broken failed; forecast missing;
    daily_sales 3 of 10 partitions; then orders redefined (code v2): orders and below stale."""
    repo.materialize('key:"orders" or key:"customers" or key:"orders_clean" or key:"revenue"')
    repo.materialize('key:"broken"')
    repo.materialize('key:"daily_sales"', partition_keys=["2024-01-01", "2024-01-02", "2024-01-05"])
    repo.redefine(example.make_orders("v2"))
    return repo
