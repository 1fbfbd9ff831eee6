"""Metadata values, with Dagster's names, and the normalization of plain dict metadata.

>>> normalize_metadata({"rows": 3, "note": "ok"})["rows"]
IntMetadataValue(value=3)

Every value round-trips through JSON with :func:`metadata_to_json` / :func:`metadata_from_json`
(the instance stores metadata that way and gives back the same types).

The value classes live in :mod:`~dagster_nb._definitions.metadata_values`, loaded on first use
(this module's ``__getattr__``, the ``MetadataValue`` constructors, or a non-empty metadata dict),
so defining and running assets without metadata never creates them.
"""

from __future__ import annotations

import builtins  # MetadataValue.float (a constructor) shadows the type in the class body
import datetime as _dt
import os
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dagster_nb._errors import DagsterInvalidMetadata

if TYPE_CHECKING:
    from dagster_nb._definitions.asset_key import AssetKey
    from dagster_nb._definitions.metadata_values import (
        AssetMetadataValue,
        BoolMetadataValue,
        DagsterRunMetadataValue,
        FloatMetadataValue,
        IntMetadataValue,
        JobMetadataValue,
        JsonMetadataValue,
        MarkdownMetadataValue,
        NotebookMetadataValue,
        NullMetadataValue,
        PathMetadataValue,
        PoolMetadataValue,
        PythonArtifactMetadataValue,
        TableColumn,
        TableColumnConstraints,
        TableColumnDep,
        TableColumnLineage,
        TableColumnLineageMetadataValue,
        TableConstraints,
        TableMetadataValue,
        TableRecord,
        TableSchema,
        TableSchemaMetadataValue,
        TextMetadataValue,
        TimestampMetadataValue,
        UrlMetadataValue,
    )

__all__ = [
    "MetadataValue",
    "TextMetadataValue",
    "IntMetadataValue",
    "FloatMetadataValue",
    "BoolMetadataValue",
    "JsonMetadataValue",
    "MarkdownMetadataValue",
    "UrlMetadataValue",
    "PathMetadataValue",
    "NotebookMetadataValue",
    "PythonArtifactMetadataValue",
    "TableMetadataValue",
    "TableSchemaMetadataValue",
    "AssetMetadataValue",
    "NullMetadataValue",
    "TimestampMetadataValue",
    "DagsterRunMetadataValue",
    "JobMetadataValue",
    "TableColumn",
    "TableColumnConstraints",
    "TableConstraints",
    "TableRecord",
    "TableSchema",
    "TableColumnDep",
    "TableColumnLineage",
    "TableColumnLineageMetadataValue",
    "PoolMetadataValue",
    "normalize_metadata",
    "metadata_to_json",
    "metadata_from_json",
]


class MetadataValue:
    """Base class of typed metadata values, with Dagster's static constructors.

    >>> MetadataValue.int(3).value
    3
    """

    __slots__ = ()
    _type_name = "base"

    @property
    def value(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    # --- constructors (Dagster's names) ---
    @staticmethod
    def text(text: str) -> TextMetadataValue:
        return _v().TextMetadataValue(text)

    @staticmethod
    def int(value: int) -> IntMetadataValue:
        return _v().IntMetadataValue(value)

    @staticmethod
    def float(value: float) -> FloatMetadataValue:
        return _v().FloatMetadataValue(value)

    @staticmethod
    def bool(value: bool) -> BoolMetadataValue:
        return _v().BoolMetadataValue(value)

    @staticmethod
    def json(data: Mapping[str, Any] | Sequence[Any]) -> JsonMetadataValue:
        return _v().JsonMetadataValue(data)

    @staticmethod
    def md(data: str) -> MarkdownMetadataValue:
        return _v().MarkdownMetadataValue(data)

    @staticmethod
    def url(url: str) -> UrlMetadataValue:
        return _v().UrlMetadataValue(url)

    @staticmethod
    def path(path: str | os.PathLike) -> PathMetadataValue:
        return _v().PathMetadataValue(path)

    @staticmethod
    def notebook(path: str | os.PathLike) -> NotebookMetadataValue:
        return _v().NotebookMetadataValue(path)

    @staticmethod
    def python_artifact(python_artifact: Any) -> PythonArtifactMetadataValue:
        return _v().PythonArtifactMetadataValue(
            python_artifact.__module__, python_artifact.__name__
        )

    @staticmethod
    def table(
        records: Sequence[TableRecord], schema: TableSchema | None = None
    ) -> TableMetadataValue:
        return _v().TableMetadataValue(records, schema)

    @staticmethod
    def table_schema(schema: TableSchema) -> TableSchemaMetadataValue:
        return _v().TableSchemaMetadataValue(schema)

    @staticmethod
    def asset(asset_key: AssetKey) -> AssetMetadataValue:
        return _v().AssetMetadataValue(asset_key)

    @staticmethod
    def null() -> NullMetadataValue:
        return _v().NullMetadataValue()

    @staticmethod
    def timestamp(value: builtins.float | _dt.datetime) -> TimestampMetadataValue:
        if isinstance(value, _dt.datetime):
            if value.tzinfo is None:
                raise DagsterInvalidMetadata(
                    "Datetime values for metadata must have timezones, got a naive datetime "
                    f"{value!r}. Use e.g. datetime.now(timezone.utc)."
                )
            value = value.timestamp()
        return _v().TimestampMetadataValue(float(value))

    @staticmethod
    def dagster_run(run_id: str) -> DagsterRunMetadataValue:
        return _v().DagsterRunMetadataValue(run_id)

    @staticmethod
    def job(job_name: str, location_name: str | None = None) -> JobMetadataValue:
        return _v().JobMetadataValue(job_name, location_name)

    @staticmethod
    def column_lineage(lineage: TableColumnLineage) -> TableColumnLineageMetadataValue:
        """Which upstream columns each column is computed from:
        ``MetadataValue.column_lineage(TableColumnLineage({"total": [TableColumnDep("orders",
        "amount")]}))``."""
        if not isinstance(lineage, _v().TableColumnLineage):
            raise DagsterInvalidMetadata(
                f"MetadataValue.column_lineage takes a TableColumnLineage, got "
                f"{type(lineage).__name__}."
            )
        return _v().TableColumnLineageMetadataValue(lineage)

    @staticmethod
    def pool(pool: str) -> PoolMetadataValue:
        """The name of a concurrency pool: ``MetadataValue.pool("warehouse")``."""
        if not isinstance(pool, str):
            raise DagsterInvalidMetadata(
                f"MetadataValue.pool takes a str, got {type(pool).__name__}."
            )
        return _v().PoolMetadataValue(pool)


_VALUES: ModuleType | None = None


def _v() -> ModuleType:
    global _VALUES
    if _VALUES is None:
        from dagster_nb._definitions import metadata_values

        _VALUES = metadata_values
    return _VALUES


def normalize_metadata_value(key: str, value: Any) -> MetadataValue:
    """Turn one raw value into a MetadataValue the way Dagster does."""
    if isinstance(value, MetadataValue):
        return value
    return _v().normalize_metadata_value(key, value)


def normalize_metadata(metadata: Mapping[str, Any] | None) -> dict[str, MetadataValue]:
    """Normalize a raw metadata dict: every value becomes a MetadataValue."""
    if not metadata:
        return {}
    out: dict[str, MetadataValue] = {}
    for k, v in metadata.items():
        if not isinstance(k, str):
            raise DagsterInvalidMetadata(f"Metadata keys must be strings, got {k!r}.")
        out[k] = v if isinstance(v, MetadataValue) else _v().normalize_metadata_value(k, v)
    return out


def metadata_to_json(metadata: Mapping[str, MetadataValue]) -> dict[str, dict]:
    if not metadata:
        return {}
    to_json = _v().metadata_value_to_json
    return {k: to_json(v) for k, v in metadata.items()}


def metadata_from_json(d: Mapping[str, Mapping[str, Any]]) -> dict[str, MetadataValue]:
    if not d:
        return {}
    from_json = _v().metadata_value_from_json
    return {k: from_json(v) for k, v in d.items()}


def __getattr__(name: str) -> Any:
    # The value classes are created on first use (see the module docstring).
    if name in _VALUE_NAMES:
        value = getattr(_v(), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_VALUE_NAMES = (
    frozenset(__all__)
    - {"MetadataValue", "normalize_metadata", "metadata_to_json", "metadata_from_json"}
) | {"metadata_value_to_json", "metadata_value_from_json"}
