"""``build_schedule_from_partitioned_job``: a schedule at the cadence of a job's partitions.

    import dagster_nb as dg

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
    def events(): ...

    job = dg.define_asset_job("events_job", selection=[events])
    schedule = dg.build_schedule_from_partitioned_job(job, hour_of_day=2)
    dg.Definitions(assets=[events], jobs=[job], schedules=[schedule])

As Dagster's: for time-window partitions the cron is the partitions' cadence (offsets through
``minute_of_hour`` / ``hour_of_day`` / ``day_of_week`` / ``day_of_month``), the timezone is the
partitions', and each tick requests the latest partition that has ended (``run_key`` = its key);
for static partitions a ``cron_schedule`` is required and each tick requests every key. An asset
job whose partitions are inferred from its assets gives an
``UnresolvedPartitionedAssetScheduleDefinition``, resolved against the ``Definitions`` it is in
(``defs.get_schedule_def(name)`` and the automation loop do that).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster_nb._automation.run_request import RunRequest, SkipReason
from dagster_nb._automation.schedules import DefaultScheduleStatus, ScheduleDefinition
from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = ["build_schedule_from_partitioned_job", "UnresolvedPartitionedAssetScheduleDefinition"]


class UnresolvedPartitionedAssetScheduleDefinition:
    """A partitioned-job schedule whose job's partitions come from its assets (Dagster's name);
    :meth:`resolve` makes the :class:`ScheduleDefinition` once the job is resolved."""

    def __init__(
        self,
        *,
        job: Any,
        name: str,
        description: str | None,
        default_status: Any,
        minute_of_hour: int | None,
        hour_of_day: int | None,
        day_of_week: int | None,
        day_of_month: int | None,
        tags: Mapping[str, str] | None,
        metadata: Any,
        owners: Sequence[str] | None,
    ):
        self.job = job
        self.name = name
        self.description = description
        self.default_status = default_status
        self.minute_of_hour = minute_of_hour
        self.hour_of_day = hour_of_day
        self.day_of_week = day_of_week
        self.day_of_month = day_of_month
        self.tags = dict(tags or {})
        self.metadata = metadata
        self.owners = owners

    @property
    def job_name(self) -> str:
        return self.job.name

    def resolve(self, defs: Any) -> ScheduleDefinition:
        """The schedule, with the partitions of the job as resolved in ``defs``."""
        resolved = defs.resolve_job_def(self.job.name)
        pdef = resolved.partitions_def
        if pdef is None:
            raise DagsterInvalidDefinitionError(
                f"build_schedule_from_partitioned_job('{self.job.name}'): the job's assets are "
                "not partitioned. Use dg.ScheduleDefinition(job=..., cron_schedule=...) instead."
            )
        return _build(
            self.job,
            pdef,
            name=self.name,
            description=self.description,
            default_status=self.default_status,
            minute_of_hour=self.minute_of_hour,
            hour_of_day=self.hour_of_day,
            day_of_week=self.day_of_week,
            day_of_month=self.day_of_month,
            tags=self.tags,
            metadata=self.metadata,
            owners=self.owners,
            cron_schedule=None,
            execution_timezone=None,
        )

    def __repr__(self) -> str:
        return f"<UnresolvedPartitionedAssetScheduleDefinition {self.name} job={self.job.name}>"


def build_schedule_from_partitioned_job(
    job: Any,
    description: str | None = None,
    name: str | None = None,
    minute_of_hour: int | None = None,
    hour_of_day: int | None = None,
    day_of_week: int | None = None,
    day_of_month: int | None = None,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
    tags: Mapping[str, str] | None = None,
    cron_schedule: str | None = None,
    execution_timezone: str | None = None,
    metadata: Any = None,
    owners: Sequence[str] | None = None,
) -> Any:
    """A schedule running the job's latest partition at the partitions' cadence (see module)."""
    offsets = (minute_of_hour, hour_of_day, day_of_week, day_of_month)
    if day_of_week is not None and day_of_month is not None:
        raise DagsterInvalidDefinitionError(
            "Cannot provide both day_of_month and day_of_week parameter to "
            "build_schedule_from_partitioned_job."
        )
    if (cron_schedule or execution_timezone) and any(o is not None for o in offsets):
        raise DagsterInvalidDefinitionError(
            "Cannot provide both cron_schedule / execution_timezone parameters and day_of_month / "
            "day_of_week / hour_of_day / minute_of_hour parameters to "
            "build_schedule_from_partitioned_job."
        )
    schedule_name = name or f"{job.name}_schedule"
    pdef = getattr(job, "partitions_def", None)
    if pdef is None and hasattr(job, "selection"):  # an asset job: partitions from its assets
        if cron_schedule or execution_timezone:
            raise DagsterInvalidDefinitionError(
                "Cannot provide cron_schedule or execution_timezone to "
                "build_schedule_from_partitioned_job for a time-partitioned job."
            )
        return UnresolvedPartitionedAssetScheduleDefinition(
            job=job,
            name=schedule_name,
            description=description,
            default_status=default_status,
            minute_of_hour=minute_of_hour,
            hour_of_day=hour_of_day,
            day_of_week=day_of_week,
            day_of_month=day_of_month,
            tags=tags,
            metadata=metadata,
            owners=owners,
        )
    if pdef is None:
        raise DagsterInvalidDefinitionError(
            f"build_schedule_from_partitioned_job: job '{job.name}' is not partitioned."
        )
    return _build(
        job,
        pdef,
        name=schedule_name,
        description=description,
        default_status=default_status,
        minute_of_hour=minute_of_hour,
        hour_of_day=hour_of_day,
        day_of_week=day_of_week,
        day_of_month=day_of_month,
        tags=tags,
        metadata=metadata,
        owners=owners,
        cron_schedule=cron_schedule,
        execution_timezone=execution_timezone,
    )


def _build(
    job: Any,
    pdef: Any,
    *,
    name: str,
    description: str | None,
    default_status: Any,
    minute_of_hour: int | None,
    hour_of_day: int | None,
    day_of_week: int | None,
    day_of_month: int | None,
    tags: Mapping[str, str] | None,
    metadata: Any,
    owners: Sequence[str] | None,
    cron_schedule: str | None,
    execution_timezone: str | None,
) -> ScheduleDefinition:
    from dagster_nb._partitions.static import StaticPartitionsDefinition
    from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

    run_tags = dict(tags or {})
    if isinstance(pdef, StaticPartitionsDefinition):
        if cron_schedule is None:
            raise DagsterInvalidDefinitionError(
                "Creating a schedule from a static partitions definition requires a cron "
                "schedule: build_schedule_from_partitioned_job(job, cron_schedule='0 0 * * *')."
            )

        def static_fn(context: Any) -> Any:
            return [
                RunRequest(run_key=k, partition_key=k, tags=run_tags)
                for k in pdef.get_partition_keys()
            ]

        fn, tz = static_fn, execution_timezone
    elif isinstance(pdef, TimeWindowPartitionsDefinition):
        if cron_schedule or execution_timezone:
            raise DagsterInvalidDefinitionError(
                "Cannot provide cron_schedule or execution_timezone to "
                "build_schedule_from_partitioned_job for a time-partitioned job."
            )
        cron_schedule = pdef.get_cron_schedule(
            minute_of_hour, hour_of_day, day_of_week, day_of_month
        )
        tz = pdef.timezone

        def time_fn(context: Any) -> Any:
            key = pdef.get_last_partition_key(current_time=context.scheduled_execution_time)
            if key is None:
                return SkipReason("The job's PartitionsDefinition has no partitions")
            return RunRequest(run_key=key, partition_key=key, tags=run_tags)

        fn = time_fn
    else:
        raise DagsterInvalidDefinitionError(
            f"build_schedule_from_partitioned_job: {type(pdef).__name__} is not supported yet "
            "(time-window and static partitions are); write a @schedule that returns "
            "RunRequest(partition_key=...) instead."
        )
    fn.__name__ = name
    return ScheduleDefinition(
        name=name,
        cron_schedule=cron_schedule,
        job=job,
        execution_timezone=tz,
        description=description,
        execution_fn=fn,
        default_status=default_status,
        metadata=metadata,
        owners=owners,
    )
