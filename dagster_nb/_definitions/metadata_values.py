"""The metadata value classes (``TextMetadataValue``, ``TableSchema``, ...), their
normalization from raw values and their JSON form.

Loaded on first use, through :mod:`dagster_nb._definitions.metadata` (its ``__getattr__`` and
the ``MetadataValue`` constructors): a run whose assets carry no metadata never creates these
25 record classes (about 9 ms of a fresh process).

>>> normalize_metadata_value("rows", 3)
IntMetadataValue(value=3)
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.metadata import MetadataValue
from dagster_nb._errors import DagsterInvalidMetadata

_frozen = dict(frozen=True, slots=True)


@dataclass(**_frozen)
class TextMetadataValue(MetadataValue):
    text: str  # type: ignore[assignment]  # Dagster's field name, shadowing MetadataValue.text()
    _type_name = "text"

    @property
    def value(self) -> str:
        return self.text


@dataclass(**_frozen)
class IntMetadataValue(MetadataValue):
    value: int
    _type_name = "int"


@dataclass(**_frozen)
class FloatMetadataValue(MetadataValue):
    value: float
    _type_name = "float"


@dataclass(**_frozen)
class BoolMetadataValue(MetadataValue):
    value: bool
    _type_name = "bool"


@dataclass(**_frozen)
class JsonMetadataValue(MetadataValue):
    data: Any
    _type_name = "json"

    @property
    def value(self) -> Any:
        return self.data

    def __hash__(self) -> int:  # data may be a dict
        import json as _json

        return hash(_json.dumps(self.data, sort_keys=True, default=str))


@dataclass(**_frozen)
class MarkdownMetadataValue(MetadataValue):
    md_str: str
    _type_name = "md"

    @property
    def value(self) -> str:
        return self.md_str


@dataclass(**_frozen)
class UrlMetadataValue(MetadataValue):
    url: str  # type: ignore[assignment]  # Dagster's field name, shadowing MetadataValue.url()
    _type_name = "url"

    @property
    def value(self) -> str:
        return self.url


@dataclass(**_frozen)
class PathMetadataValue(MetadataValue):
    path: str  # type: ignore[assignment]  # Dagster's field name, shadowing MetadataValue.path()
    _type_name = "path"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", os.fspath(self.path))

    @property
    def value(self) -> str:
        return self.path


@dataclass(**_frozen)
class NotebookMetadataValue(MetadataValue):
    path: str  # type: ignore[assignment]  # Dagster's field name, shadowing MetadataValue.path()
    _type_name = "notebook"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", os.fspath(self.path))

    @property
    def value(self) -> str:
        return self.path


@dataclass(**_frozen)
class PythonArtifactMetadataValue(MetadataValue):
    module: str
    name: str
    _type_name = "python_artifact"

    @property
    def value(self) -> PythonArtifactMetadataValue:
        return self


@dataclass(**_frozen)
class AssetMetadataValue(MetadataValue):
    asset_key: AssetKey
    _type_name = "asset"

    @property
    def value(self) -> AssetKey:
        return self.asset_key


@dataclass(**_frozen)
class NullMetadataValue(MetadataValue):
    _type_name = "null"

    @property
    def value(self) -> None:
        return None


@dataclass(**_frozen)
class TimestampMetadataValue(MetadataValue):
    value: float
    _type_name = "timestamp"


@dataclass(**_frozen)
class DagsterRunMetadataValue(MetadataValue):
    run_id: str
    _type_name = "dagster_run"

    @property
    def value(self) -> str:
        return self.run_id


@dataclass(**_frozen)
class JobMetadataValue(MetadataValue):
    job_name: str
    location_name: str | None = None
    _type_name = "job"

    @property
    def value(self) -> JobMetadataValue:
        return self


# --- tables ---


@dataclass(frozen=True, slots=True, kw_only=True)
class TableColumnConstraints:
    nullable: bool = True
    unique: bool = False
    other: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TableConstraints:
    other: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One column of a :class:`TableSchema`: ``TableColumn("id", "int")``."""

    name: str
    type: str = "string"
    description: str | None = None
    constraints: TableColumnConstraints = field(default_factory=TableColumnConstraints)
    tags: Mapping[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.name, self.type, self.description))


@dataclass(frozen=True, slots=True)
class TableSchema:
    """``TableSchema(columns=[TableColumn("id", "int"), TableColumn("name")])``."""

    columns: Sequence[TableColumn]
    constraints: TableConstraints = field(default_factory=TableConstraints)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))

    @staticmethod
    def from_name_type_dict(name_type_dict: Mapping[str, str]) -> TableSchema:
        return TableSchema(columns=[TableColumn(n, t) for n, t in name_type_dict.items()])


class TableRecord:
    """One row of a table metadata value: ``TableRecord({"id": 1, "name": "a"})``."""

    __slots__ = ("data",)
    data: dict[str, Any]

    def __init__(self, data: Mapping[str, Any] | None = None, **kwargs: Any):
        merged = dict(data or {}, **kwargs)
        for k, v in merged.items():
            if not isinstance(v, (str, int, float, bool)) and v is not None:
                raise DagsterInvalidMetadata(
                    f"TableRecord value for column {k!r} must be str, int, float, bool or None, "
                    f"got {type(v).__name__}."
                )
        object.__setattr__(self, "data", merged)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("TableRecord is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableRecord) and other.data == self.data

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.data.items())))

    def __repr__(self) -> str:
        return f"TableRecord({self.data!r})"


@dataclass(**_frozen)
class TableMetadataValue(MetadataValue):
    records: Sequence[TableRecord]
    schema: TableSchema | None = None
    _type_name = "table"

    def __post_init__(self) -> None:
        records = tuple(self.records)
        object.__setattr__(self, "records", records)
        if self.schema is None:
            names: dict[str, str] = {}
            for r in records:
                for k, v in r.data.items():
                    names.setdefault(k, _infer_column_type(v))
            object.__setattr__(self, "schema", TableSchema.from_name_type_dict(names))

    @property
    def value(self) -> TableMetadataValue:
        return self


@dataclass(**_frozen)
class TableSchemaMetadataValue(MetadataValue):
    schema: TableSchema
    _type_name = "table_schema"

    @property
    def value(self) -> TableSchema:
        return self.schema


@dataclass(frozen=True, slots=True)
class TableColumnDep:
    """One upstream column: ``TableColumnDep(asset_key="orders", column_name="amount")``."""

    asset_key: AssetKey
    column_name: str

    def __init__(self, asset_key: Any, column_name: str):
        if not isinstance(column_name, str):
            raise DagsterInvalidMetadata(
                f"TableColumnDep column_name must be a str, got {type(column_name).__name__}."
            )
        object.__setattr__(self, "asset_key", AssetKey.from_coercible(asset_key))
        object.__setattr__(self, "column_name", column_name)


@dataclass(frozen=True, slots=True)
class TableColumnLineage:
    """Column-level lineage: each column name to the upstream columns it is computed from.

    dg.TableColumnLineage(deps_by_column={
        "total": [dg.TableColumnDep(asset_key="orders", column_name="amount")],
    })
    """

    deps_by_column: Mapping[str, Sequence[TableColumnDep]]

    def __init__(self, deps_by_column: Mapping[str, Sequence[TableColumnDep]]):
        out: dict[str, list[TableColumnDep]] = {}
        for col, deps in dict(deps_by_column).items():
            if not isinstance(deps, (list, tuple)) or not all(
                isinstance(d, TableColumnDep) for d in deps
            ):
                raise DagsterInvalidMetadata(
                    f"TableColumnLineage: the deps of column {col!r} must be a list of "
                    f"TableColumnDep, got {deps!r}."
                )
            out[col] = list(deps)
        object.__setattr__(self, "deps_by_column", out)

    def __hash__(self) -> int:
        return hash(tuple((c, tuple(d)) for c, d in self.deps_by_column.items()))


@dataclass(**_frozen)
class TableColumnLineageMetadataValue(MetadataValue):
    lineage: TableColumnLineage
    _type_name = "table_column_lineage"

    @property
    def value(self) -> TableColumnLineage:
        return self.lineage


@dataclass(**_frozen)
class PoolMetadataValue(MetadataValue):
    name: str
    _type_name = "pool"

    @property
    def value(self) -> str:
        return self.name


def _infer_column_type(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return "string"


# --- normalization ---


def normalize_metadata_value(key: str, value: Any) -> MetadataValue:
    """Turn one raw value into a MetadataValue the way Dagster does."""
    if isinstance(value, MetadataValue):
        return value
    if value is None:
        return NullMetadataValue()
    if isinstance(value, bool):
        return BoolMetadataValue(value)
    if isinstance(value, int):
        return IntMetadataValue(value)
    if isinstance(value, float):
        return FloatMetadataValue(value)
    if isinstance(value, str):
        return TextMetadataValue(value)
    if isinstance(value, AssetKey):
        return AssetMetadataValue(value)
    if isinstance(value, TableSchema):
        return TableSchemaMetadataValue(value)
    if isinstance(value, TableColumnLineage):
        return TableColumnLineageMetadataValue(value)
    if isinstance(value, os.PathLike):
        return PathMetadataValue(os.fspath(value))
    if isinstance(value, _dt.datetime):
        return MetadataValue.timestamp(value)
    if isinstance(value, (dict, list)):
        import json as _json

        try:
            _json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise DagsterInvalidMetadata(
                f"Could not resolve the metadata value for '{key}' to a JSON serializable value "
                f"({exc}). Use plain dicts, lists, strings and numbers, or a MetadataValue."
            ) from None
        return JsonMetadataValue(value)
    raise DagsterInvalidMetadata(
        f"Could not resolve the metadata value for '{key}' to a known type. Its type was "
        f"{type(value).__name__}. Consider wrapping the value with the appropriate MetadataValue "
        "type, e.g. MetadataValue.text(str(value))."
    )


# --- JSON round trip (used by storage) ---


def _schema_to_json(schema: TableSchema) -> dict:
    return {
        "columns": [
            {
                "name": c.name,
                "type": c.type,
                "description": c.description,
                "nullable": c.constraints.nullable,
                "unique": c.constraints.unique,
                "other": list(c.constraints.other),
                "tags": dict(c.tags),
            }
            for c in schema.columns
        ],
        "other": list(schema.constraints.other),
    }


def _schema_from_json(d: dict) -> TableSchema:
    return TableSchema(
        columns=[
            TableColumn(
                c["name"],
                c["type"],
                c.get("description"),
                TableColumnConstraints(
                    nullable=c.get("nullable", True),
                    unique=c.get("unique", False),
                    other=tuple(c.get("other", ())),
                ),
                c.get("tags", {}),
            )
            for c in d["columns"]
        ],
        constraints=TableConstraints(other=tuple(d.get("other", ()))),
    )


def metadata_value_to_json(v: MetadataValue) -> dict:
    t = v._type_name
    if isinstance(v, AssetMetadataValue):
        return {"type": t, "value": v.asset_key.path}
    if isinstance(v, TableMetadataValue):
        return {
            "type": t,
            "records": [r.data for r in v.records],
            "schema": _schema_to_json(v.schema) if v.schema else None,
        }
    if isinstance(v, TableSchemaMetadataValue):
        return {"type": t, "schema": _schema_to_json(v.schema)}
    if isinstance(v, PythonArtifactMetadataValue):
        return {"type": t, "module": v.module, "name": v.name}
    if isinstance(v, JobMetadataValue):
        return {"type": t, "job_name": v.job_name, "location_name": v.location_name}
    if isinstance(v, NullMetadataValue):
        return {"type": t}
    if isinstance(v, TableColumnLineageMetadataValue):
        return {
            "type": t,
            "deps_by_column": {
                c: [{"asset_key": d.asset_key.path, "column_name": d.column_name} for d in deps]
                for c, deps in v.lineage.deps_by_column.items()
            },
        }
    return {"type": t, "value": v.value}


def metadata_value_from_json(d: Mapping[str, Any]) -> MetadataValue:
    t = d["type"]
    if t == "text":
        return TextMetadataValue(d["value"])
    if t == "int":
        return IntMetadataValue(d["value"])
    if t == "float":
        return FloatMetadataValue(float(d["value"]))
    if t == "bool":
        return BoolMetadataValue(d["value"])
    if t == "json":
        return JsonMetadataValue(d["value"])
    if t == "md":
        return MarkdownMetadataValue(d["value"])
    if t == "url":
        return UrlMetadataValue(d["value"])
    if t == "path":
        return PathMetadataValue(d["value"])
    if t == "notebook":
        return NotebookMetadataValue(d["value"])
    if t == "asset":
        return AssetMetadataValue(AssetKey(d["value"]))
    if t == "null":
        return NullMetadataValue()
    if t == "timestamp":
        return TimestampMetadataValue(float(d["value"]))
    if t == "dagster_run":
        return DagsterRunMetadataValue(d["value"])
    if t == "job":
        return JobMetadataValue(d["job_name"], d.get("location_name"))
    if t == "python_artifact":
        return PythonArtifactMetadataValue(d["module"], d["name"])
    if t == "table":
        return TableMetadataValue(
            [TableRecord(r) for r in d["records"]],
            _schema_from_json(d["schema"]) if d.get("schema") else None,
        )
    if t == "table_schema":
        return TableSchemaMetadataValue(_schema_from_json(d["schema"]))
    if t == "table_column_lineage":
        return TableColumnLineageMetadataValue(
            TableColumnLineage(
                {
                    c: [TableColumnDep(AssetKey(d["asset_key"]), d["column_name"]) for d in deps]
                    for c, deps in d["deps_by_column"].items()
                }
            )
        )
    if t == "pool":
        return PoolMetadataValue(d["value"])
    raise DagsterInvalidMetadata(f"Unknown stored metadata type {t!r}.")
