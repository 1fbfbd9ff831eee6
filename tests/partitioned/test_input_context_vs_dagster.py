"""What an IO manager's InputContext says about partitions, side by side with Dagster: the
run's partition key vs. the upstream asset's partitions."""

from __future__ import annotations

import logging

import pytest

import dagster_nb

pytestmark = pytest.mark.dagster


def _scenario(dg):
    log = []

    def probe(f):
        try:
            return f()
        except Exception:
            return "raises"

    class Recording(dg.IOManager):
        def __init__(self):
            self.store = {}

        def handle_output(self, context, obj):
            pk = context.partition_key if context.has_partition_key else None
            self.store[(tuple(context.asset_key.path), pk)] = obj

        def load_input(self, context):
            log.append(
                (
                    context.asset_key.path[-1],
                    probe(lambda: context.has_partition_key),
                    probe(lambda: context.partition_key),
                    probe(lambda: context.has_asset_partitions),
                    probe(lambda: context.asset_partition_key),
                    probe(lambda: list(context.asset_partition_keys)),
                )
            )
            path = tuple(context.asset_key.path)
            if context.has_asset_partitions:
                return {k: self.store.get((path, k)) for k in context.asset_partition_keys}
            return self.store.get((path, None))

    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")

    @dg.asset
    def u():
        return 1

    @dg.asset(partitions_def=daily)
    def p(context):
        return context.partition_key

    @dg.asset(partitions_def=daily)
    def d(u):
        return u

    @dg.asset
    def all_p(p):
        return sorted(p)

    @dg.asset(partitions_def=daily)
    def same(p):
        return p

    r = {"io_manager": Recording()}
    dg.materialize([u], resources=r)
    for k in daily.get_partition_keys():
        dg.materialize([p], partition_key=k, resources=r)
    dg.materialize([u, d], selection=[d], partition_key="2024-01-02", resources=r)
    dg.materialize([p, all_p], selection=[all_p], resources=r)
    dg.materialize([p, same], selection=[same], partition_key="2024-01-02", resources=r)
    return log


def test_input_context_partitions_match_dagster():
    dagster = pytest.importorskip("dagster")
    logging.disable(logging.CRITICAL)
    try:
        theirs = _scenario(dagster)
    finally:
        logging.disable(logging.NOTSET)
    ours = _scenario(dagster_nb)
    assert ours == theirs
    # partitioned asset reading an unpartitioned one: the run's key, no asset partitions
    assert ours[0] == ("u", True, "2024-01-02", False, "raises", "raises")
