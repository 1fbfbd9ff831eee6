"""Run config that needs no pydantic: ``EnvVar``, ``IntEnvVar``, ``RunConfig``, Dagster-style
``config_schema`` checks, and the helpers the run path uses.

    dg.RunConfig(ops={"orders": {"config": {"limit": 5}}})
    token = dg.EnvVar("WAREHOUSE_TOKEN")      # a name; its value is read at run time only

Kept apart from :mod:`dagster_nb._definitions.config` (``Config``, pydantic models) so that a run
with no ``Config`` and no ``ConfigurableResource`` never imports pydantic (about 70 ms of a fresh
process). Code here must not import pydantic or ``config``; where it needs to know whether a value
is a pydantic model or a ``Config``, it asks only when those modules are already loaded (an
object of a class from a module that was never imported cannot exist).
"""

from __future__ import annotations

import os
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from dagster_nb._errors import DagsterInvalidConfigError, did_you_mean

__all__ = [
    "EnvVar",
    "IntEnvVar",
    "RunConfig",
    "type_name",
    "validate_config_schema",
]


def _is_pydantic_model(value: Any) -> bool:
    pyd = sys.modules.get("pydantic")
    return pyd is not None and isinstance(value, pyd.BaseModel)


def _is_config(value: Any) -> bool:
    mod = sys.modules.get("dagster_nb._definitions.config")
    cls = getattr(mod, "Config", None)
    return cls is not None and isinstance(value, cls)


# --------------------------------------------------------------------------- EnvVar


def _direct_access_error(cls_name: str, name: str) -> RuntimeError:
    # Same text as Dagster: using an EnvVar as a plain string is almost always a mistake
    # (it would be the *name*, not the value), so it fails loudly.
    return RuntimeError(
        f'Attempted to directly retrieve environment variable {cls_name}("{name}").'
        f" {cls_name} defers resolution of the environment variable value until run time, and"
        " should only be used as input to Dagster config or resources.\n\nTo access the"
        f" environment variable value, call `get_value` on the {cls_name}, or use os.getenv"
        " directly."
    )


class EnvVar(str):
    """The name of an environment variable, resolved to its value at run time only.

    >>> key = EnvVar("API_KEY")
    >>> key
    EnvVar('API_KEY')
    >>> key.env_var_name
    'API_KEY'

    ``str(key)`` raises, as in Dagster; call :meth:`get_value` to read the variable now.
    (Dagster's repr is the bare ``'API_KEY'``; ours names the class so it is never mistaken for
    a value.)
    """

    __slots__ = ()

    @classmethod
    def int(cls, name: str) -> IntEnvVar:
        """An environment variable holding an integer: ``port: int = EnvVar.int("PORT")``."""
        return IntEnvVar.create(name=name)

    @property
    def env_var_name(self) -> str:
        """The variable's name."""
        return str.__str__(self)

    def __str__(self) -> str:
        raise _direct_access_error(type(self).__name__, self.env_var_name)

    def __repr__(self) -> str:
        return f"EnvVar({self.env_var_name!r})"

    def __reduce__(self):
        return (EnvVar, (self.env_var_name,))

    def get_value(self, default: str | None = None) -> str | None:
        """The variable's current value, or ``default`` when it is not set."""
        return os.getenv(self.env_var_name, default=default)


class IntEnvVar(int):
    """An environment variable resolved to an ``int`` at run time (``EnvVar.int("PORT")``).

    >>> EnvVar.int("PORT")
    EnvVar.int('PORT')
    """

    # `int` subclasses cannot have non-empty __slots__; a plain attribute is fine here.
    name: str

    @classmethod
    def create(cls, name: str) -> IntEnvVar:
        var = cls(0)
        var.name = name
        return var

    @property
    def env_var_name(self) -> str:
        return self.name

    def __int__(self) -> int:
        raise _direct_access_error(type(self).__name__, self.name)

    def __str__(self) -> str:
        raise _direct_access_error(type(self).__name__, self.name)

    def __repr__(self) -> str:
        return f"EnvVar.int({self.name!r})"

    def __reduce__(self):
        return (IntEnvVar.create, (self.name,))

    def get_value(self, default: int | None = None) -> int | None:
        value = os.getenv(self.name)
        return int(value) if value else default


def _is_env_var(value: Any) -> bool:
    return isinstance(value, (EnvVar, IntEnvVar))


def _env_name(value: Any) -> str | None:
    """The variable name if ``value`` is an EnvVar, IntEnvVar or Dagster's ``{"env": NAME}``."""
    if _is_env_var(value):
        return value.env_var_name
    if isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get("env"), str):
        return value["env"]
    return None


class _MissingEnvVar(Exception):
    def __init__(self, name: str, loc: str):
        self.name = name
        self.loc = loc


def _resolve_env_values(
    value: Any, *, loc: str, secrets: dict[str, str], field_ann: Any = None
) -> Any:
    """Replace EnvVars (and ``{"env": NAME}``) by their values, recursively through dicts and
    lists. ``secrets`` collects ``{dotted field path: variable name}`` so reprs can mask them."""
    name = _env_name(value)
    # A field typed as a mapping may legitimately hold {"env": "..."} as data; only treat the
    # dict form as an env reference when the field is not a mapping type.
    if name is not None and not (isinstance(value, Mapping) and _is_mapping_annotation(field_ann)):
        raw = os.environ.get(name)
        if raw is None:
            raise _MissingEnvVar(name, loc)
        secrets[loc] = name
        if isinstance(value, IntEnvVar):
            try:
                return int(raw)
            except ValueError:
                # Keep the (secret) text out of the message; pydantic will say "not an int".
                return raw
        return raw
    if _is_pydantic_model(value):
        return value
    if isinstance(value, Mapping):
        return {
            k: _resolve_env_values(v, loc=f"{loc}.{k}", secrets=secrets) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        out = [
            _resolve_env_values(v, loc=f"{loc}[{i}]", secrets=secrets) for i, v in enumerate(value)
        ]
        return type(value)(out) if isinstance(value, tuple) else out
    return value


def _is_mapping_annotation(ann: Any) -> bool:
    if ann is None:
        return False
    origin = typing.get_origin(ann) or ann
    try:
        return isinstance(origin, type) and issubclass(origin, Mapping)
    except TypeError:
        return False


def _contains_env_var(value: Any) -> bool:
    if _is_env_var(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_env_var(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_env_var(v) for v in value)
    return False


def type_name(ann: Any) -> str:
    """A short, readable name for a type annotation: ``int``, ``list[str]``, ``str | None``."""
    if ann is None or ann is type(None):
        return "None"
    if isinstance(ann, type) and not typing.get_args(ann):
        return ann.__name__
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is not None:
        base = getattr(origin, "__name__", None) or str(origin).replace("typing.", "")
        return f"{base}[{', '.join(type_name(a) for a in args)}]" if args else base
    return str(ann).replace("typing.", "")


def _scrub(text: str, secret_values: Iterable[str]) -> str:
    for s in secret_values:
        # Very short values would mangle ordinary words; they are still kept out of the
        # messages we build ourselves, because those never include input values.
        if isinstance(s, str) and len(s) >= 3:
            text = text.replace(s, "***")
    return text


# --------------------------------------------------------------------------- RunConfig


class RunConfig:
    """Config for a run, with Config instances or plain dicts per op/asset and resource.

    >>> RunConfig(ops={"orders": {"n": 2}}).to_config_dict()["ops"]
    {'orders': {'n': 2}}

    A ``dg.Config`` instance per op becomes ``{"config": {...}}``, as in Dagster.
    """

    __slots__ = ("ops", "resources", "loggers", "execution")

    def __init__(
        self,
        ops: dict[str, Any] | None = None,
        resources: dict[str, Any] | None = None,
        loggers: dict[str, Any] | None = None,
        execution: dict[str, Any] | None = None,
    ):
        self.ops = dict(ops or {})
        self.resources = dict(resources or {})
        self.loggers = dict(loggers or {})
        self.execution = dict(execution or {})

    def to_config_dict(self) -> dict[str, Any]:
        """Dagster's run-config dict: ``{"ops": {name: {"config": {...}}}, "resources": ...}``."""
        return {
            "loggers": self.loggers,
            "resources": _convert_config_classes(self.resources),
            "ops": _convert_config_classes(self.ops),
            "execution": self.execution,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunConfig):
            return NotImplemented
        return self.to_config_dict() == other.to_config_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"RunConfig(ops={self.ops!r}, resources={self.resources!r}, "
            f"loggers={self.loggers!r}, execution={self.execution!r})"
        )


def _convert_config_classes(configs: Any) -> Any:
    if not isinstance(configs, dict):
        return configs
    return {
        k: (
            {"config": v._convert_to_config_dictionary()}
            if _is_config(v)
            else _convert_config_classes(v)
        )
        for k, v in configs.items()
    }


# --------------------------------------------------------------------------- config_schema


_SCALARS: dict[type, tuple[str, tuple[type, ...]]] = {
    int: ("Int", (int,)),
    float: ("Float", (int, float)),
    str: ("String", (str,)),
    bool: ("Bool", (bool,)),
}


def validate_config_schema(schema: Any, value: Any, path: str = "root") -> list[str]:
    """Check ``value`` against a Dagster-style ``config_schema`` made of Python types (``int``,
    ``float``, ``str``, ``bool``, ``list``, ``dict``, ``Any``), lists (``[int]``) and dicts of
    those (every key required, no others), as Dagster's config system does. Returns the
    problems, one line each, with Dagster's wording.

    >>> validate_config_schema({"a": int}, {"a": "x"})
    ['Invalid scalar at path root:a. Value "x" of type "<class \\'str\\'>" is not valid for expected type "Int".']
    """
    if schema is None or schema is Any or schema is object:
        return []
    if isinstance(schema, Mapping):
        if not isinstance(value, Mapping):
            return [f"Value at path {path} must be a dict. Got {value!r}."]
        errors = []
        for k, sub in schema.items():
            if k not in value:
                errors.append(
                    f'Missing required config entry "{k}" at path {path}. You must provide this '
                    "value in your run config."
                )
            else:
                errors += validate_config_schema(sub, value[k], f"{path}:{k}")
        for k in value:
            if k not in schema:
                errors.append(
                    f'Received unexpected config entry "{k}" at path {path}. Expected one of: '
                    f"{sorted(schema)}." + did_you_mean(str(k), [str(x) for x in schema])
                )
        return errors
    if isinstance(schema, list):
        if len(schema) != 1:
            raise DagsterInvalidConfigError(
                f"Invalid config_schema at {path}: a list schema holds one element type, e.g. [int]."
            )
        if not isinstance(value, list):
            return [f"Value at path {path} must be a list. Got {value!r}."]
        errors = []
        for i, item in enumerate(value):
            errors += validate_config_schema(schema[0], item, f"{path}[{i}]")
        return errors
    if schema in _SCALARS:
        name, accepted = _SCALARS[schema]
        ok = isinstance(value, accepted) and not (isinstance(value, bool) and schema is not bool)
        if not ok:
            return [
                f'Invalid scalar at path {path}. Value "{value}" of type "{type(value)}" is not '
                f'valid for expected type "{name}".'
            ]
        return []
    if schema in (list, dict):
        if not isinstance(value, schema):
            return [f"Value at path {path} must be a {schema.__name__}. Got {value!r}."]
        return []
    raise DagsterInvalidConfigError(
        f"config_schema entry at {path} ({schema!r}) is not supported by dagster_nb yet: use "
        "int, float, str, bool, list, dict, [T] or {key: schema}, or a dg.Config class."
    )
