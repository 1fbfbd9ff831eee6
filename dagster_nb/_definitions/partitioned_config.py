"""PartitionedConfig: run config (and tags) computed from a partition key, for partitioned jobs.

@dg.static_partitioned_config(partition_keys=["eu", "us"])
def region_config(partition_key: str):
    return {"ops": {"report": {"config": {"region": partition_key}}}}

job = dg.define_asset_job("by_region", selection=[report], config=region_config)
defs.resolve_job_def("by_region").execute_in_process(partition_key="us")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError

__all__ = ["PartitionedConfig", "static_partitioned_config"]

PARTITION_NAME_TAG = "dagster/partition"


class PartitionedConfig:
    """Run config for each partition of ``partitions_def`` (Dagster's class): the job that uses
    it as ``config=`` is partitioned by it."""

    def __init__(
        self,
        partitions_def: Any,
        run_config_for_partition_key_fn: Callable[[str], Any] | None = None,
        decorated_fn: Callable[..., Any] | None = None,
        tags_for_partition_key_fn: Callable[[str], Mapping[str, str]] | None = None,
    ):
        if run_config_for_partition_key_fn is None:
            raise DagsterInvalidDefinitionError(
                "PartitionedConfig needs run_config_for_partition_key_fn (a function of the "
                "partition key returning run config)."
            )
        self._partitions_def = partitions_def
        self._run_config_fn = run_config_for_partition_key_fn
        self._tags_fn = tags_for_partition_key_fn
        self._decorated_fn = decorated_fn

    @property
    def partitions_def(self) -> Any:
        return self._partitions_def

    @property
    def run_config_for_partition_key_fn(self) -> Callable[[str], Any]:
        return self._run_config_fn

    @property
    def tags_for_partition_key_fn(self) -> Callable[[str], Mapping[str, str]] | None:
        return self._tags_fn

    def get_run_config_for_partition_key(self, partition_key: str) -> Any:
        """The run config for one partition (a RunConfig is turned into its dict)."""
        config = self._run_config_fn(partition_key)
        to_dict = getattr(config, "to_config_dict", None)
        return to_dict() if callable(to_dict) else config

    def get_tags_for_partition_key(
        self, partition_key: str, job_name: str | None = None
    ) -> dict[str, str]:
        """The run tags for one partition: the user's, plus ``dagster/partition``."""
        tags = dict(self._tags_fn(partition_key)) if self._tags_fn else {}
        for k, v in tags.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise DagsterInvalidInvocationError(
                    f"Tags for partition {partition_key!r} must map strings to strings; got "
                    f"{k!r}: {v!r}."
                )
        tags[PARTITION_NAME_TAG] = partition_key
        return tags

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._decorated_fn is None:
            raise DagsterInvalidInvocationError(
                "Only a PartitionedConfig made by a decorator (e.g. @static_partitioned_config) "
                "can be called."
            )
        return self._decorated_fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"PartitionedConfig({self._partitions_def!r})"


def static_partitioned_config(
    partition_keys: Sequence[str],
    tags_for_partition_fn: Callable[[str], Mapping[str, str]] | None = None,
    tags_for_partition_key_fn: Callable[[str], Mapping[str, str]] | None = None,
) -> Callable[[Callable[[str], Any]], PartitionedConfig]:
    """Partitioned config over a fixed list of keys: the decorated function takes a partition
    key and returns run config (Dagster's decorator; see the module docstring)."""
    from dagster_nb._partitions import StaticPartitionsDefinition

    if tags_for_partition_fn is not None and tags_for_partition_key_fn is not None:
        raise DagsterInvalidDefinitionError(
            "Pass tags_for_partition_key_fn only (tags_for_partition_fn is its old name)."
        )
    tags_fn = tags_for_partition_key_fn or tags_for_partition_fn
    partitions_def = StaticPartitionsDefinition(list(partition_keys))

    def decorator(fn: Callable[[str], Any]) -> PartitionedConfig:
        return PartitionedConfig(
            partitions_def=partitions_def,
            run_config_for_partition_key_fn=fn,
            decorated_fn=fn,
            tags_for_partition_key_fn=tags_fn,
        )

    return decorator
