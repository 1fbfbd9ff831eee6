"""Audit against real Dagster: cases where dagster_nb differed, each run in both libraries."""

import logging
import warnings

import pytest

import dagster_nb as nb

dagster = pytest.importorskip("dagster")
pytestmark = pytest.mark.dagster


@pytest.fixture(autouse=True)
def _quiet_dagster():
    logging.getLogger("dagster").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def outcome(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        return type(exc).__name__


# ---- asset jobs: the partitions of the selected assets are checked when the job resolves ----
def _job_defs(dg, job_kwargs):
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")
    static = dg.StaticPartitionsDefinition(["a", "b"])

    @dg.asset(partitions_def=daily, group_name="days")
    def by_day(context):
        return context.partition_key

    @dg.asset(partitions_def=static, group_name="letters")
    def by_letter(context):
        return context.partition_key

    @dg.asset(group_name="plain")
    def plain():
        return 1

    kwargs = job_kwargs(dg, daily, static)
    return dg.Definitions(assets=[by_day, by_letter, plain], jobs=[dg.define_asset_job("j", **kwargs)])


JOBS = {
    "job-pdef-differs-from-assets": lambda dg, d, s: {"selection": "group:days", "partitions_def": s},
    "job-pdef-equal-not-same-object": lambda dg, d, s: {
        "selection": "group:days",
        "partitions_def": dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05"),
    },
    "job-pdef-same-start-other-end": lambda dg, d, s: {
        "selection": "group:days", "partitions_def": dg.DailyPartitionsDefinition(start_date="2024-01-01"),
    },
    "two-pdefs-selected": lambda dg, d, s: {"selection": "group:days or group:letters"},
    "no-selection-two-pdefs": lambda dg, d, s: {},
    "pdef-on-unpartitioned-assets": lambda dg, d, s: {"selection": "group:plain", "partitions_def": s},
    "inferred": lambda dg, d, s: {"selection": "group:days or group:plain"},
}


@pytest.mark.parametrize("case", sorted(JOBS))
def test_job_resolution_checks_partitions_like_dagster(case):
    def scenario(dg):
        def resolve():
            job = _job_defs(dg, JOBS[case]).resolve_job_def("j")
            pdef = job.partitions_def
            return "resolved", None if pdef is None else pdef.get_partition_keys()[:2]

        return outcome(resolve)

    theirs, ours = scenario(dagster), scenario(nb)
    assert ours == theirs


def test_job_resolution_error_names_the_assets_and_definitions():
    with pytest.raises(nb.DagsterInvalidDefinitionError, match="Failed to resolve asset job j") as exc:
        _job_defs(nb, JOBS["job-pdef-differs-from-assets"]).resolve_job_def("j")
    assert "by_day" in str(exc.value) and "StaticPartitionsDefinition" in str(exc.value)
    with pytest.raises(nb.DagsterInvalidDefinitionError, match="same partitions definitions") as exc:
        _job_defs(nb, JOBS["two-pdefs-selected"]).resolve_job_def("j")
    assert "by_day" in str(exc.value) and "by_letter" in str(exc.value)


def test_implicit_asset_job_may_mix_partitions_like_dagster():
    def scenario(dg):
        job = _job_defs(dg, lambda dg, d, s: {"selection": "group:plain"}).resolve_implicit_global_asset_job_def()
        return job.name, job.partitions_def

    assert scenario(nb) == scenario(dagster) == ("__ASSET_JOB", None)
