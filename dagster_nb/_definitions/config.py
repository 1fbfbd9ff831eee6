"""Pythonic config: ``Config``, ``PermissiveConfig``, ``RunConfig``, ``EnvVar``.

    class OrdersConfig(dg.Config):
        limit: int = 10

    @dg.asset
    def orders(config: OrdersConfig): ...

    dg.materialize([orders], run_config=dg.RunConfig(ops={"orders": OrdersConfig(limit=5)}))

The executor validates raw run config with :func:`resolve_config`, which raises
:class:`~dagster_nb._errors.DagsterInvalidConfigError` naming where the config belongs, every bad
field, the expected type, and a did-you-mean for unknown fields.

Secrets: an :class:`EnvVar` is a *name*, resolved only at run time. Its value never appears in a
repr, a str, or an error message: fields that came from an environment variable are shown as
``EnvVar('NAME')``, and validation messages are built without the input value and scrubbed of
every resolved secret.

Differences from Dagster, on purpose: constructing a ``Config`` directly validates at once
(Dagster defers to the run-config system) and unknown fields are refused (Dagster ignores them on
direct construction). The error is pydantic's ``ValidationError`` class, as in Dagster (our
subclass: also a :class:`DagsterInvalidConfigError`), with a message that names the fields and
never shows an input value.
"""

from __future__ import annotations

import contextvars
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import pydantic
from pydantic import BaseModel, ConfigDict, PrivateAttr

from dagster_nb._definitions.run_config import (  # noqa: F401  (re-exported: one import site for users of config)
    EnvVar,
    IntEnvVar,
    RunConfig,
    _contains_env_var,
    _convert_config_classes,
    _env_name,
    _is_env_var,
    _is_mapping_annotation,
    _MissingEnvVar,
    _resolve_env_values,
    _scrub,
    type_name,
    validate_config_schema,
)
from dagster_nb._errors import DagsterInvalidConfigError, did_you_mean

__all__ = [
    "Config",
    "PermissiveConfig",
    "RunConfig",
    "EnvVar",
    "IntEnvVar",
    "ConfigValidationError",
    "ValidationError",
    "resolve_config",
    "is_config_annotation",
]


# --------------------------------------------------------------------------- errors


# pydantic's errors() method and DagsterInvalidConfigError's errors list meet in one class (the
# ignore below), as in Dagster, whose ValidationError is pydantic's.
class ValidationError(pydantic.ValidationError, DagsterInvalidConfigError):  # type: ignore[misc]
    """Raised by ``Config(...)``/``ConfigurableResource(...)`` with bad fields.

    pydantic's ``ValidationError`` (the class Dagster raises there: ``except
    pydantic.ValidationError`` works, ``.errors()`` lists the problems, without input values) and
    a :class:`DagsterInvalidConfigError`. Made with :meth:`build`, not called directly.
    """

    _dnb_preamble: str
    _dnb_lines: list[str]
    error_locations: list[tuple[Any, ...]]

    @classmethod
    def build(
        cls,
        preamble: str,
        lines: Iterable[str] = (),
        pydantic_error: pydantic.ValidationError | None = None,
        title: str = "Config",
    ) -> ValidationError:
        details: list[Any] = []
        if pydantic_error is not None:
            title = pydantic_error.title
            for e in pydantic_error.errors(include_url=False, include_input=False):
                d: dict[str, Any] = {
                    "type": e["type"],
                    "loc": e["loc"],
                    "input": None,
                }  # never the value
                if "ctx" in e:
                    d["ctx"] = e["ctx"]
                details.append(d)
        try:
            err = cls.from_exception_data(title, details)
        except Exception:  # noqa: BLE001 - an error type pydantic cannot rebuild: keep ours
            err = cls.from_exception_data(title, [])
        err._dnb_preamble = preamble
        err._dnb_lines = list(lines)
        return err

    @property
    def messages(self) -> list[str]:
        """Our readable lines, one per problem."""
        return list(getattr(self, "_dnb_lines", ()))

    def __str__(self) -> str:
        lines = getattr(self, "_dnb_lines", None)
        if lines is None:
            return super().__str__()
        return self._dnb_preamble + "".join(f"\n    {x}" for x in lines)

    def __repr__(self) -> str:
        return f"ValidationError({str(self)!r})"


ConfigValidationError = ValidationError  # the name this module used before


def _loc_str(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(root)"


def _field_annotation(model_cls: type[BaseModel], loc: tuple) -> Any:
    """The annotation of the field at ``loc``, following nested models where possible."""
    cls: Any = model_cls
    ann = None
    for part in loc:
        fields = getattr(cls, "model_fields", None)
        if not isinstance(part, str) or fields is None or part not in fields:
            return ann if part is loc[-1] else None
        ann = fields[part].annotation
        cls = ann
    return ann


def format_validation_errors(
    model_cls: type[BaseModel],
    exc: pydantic.ValidationError,
    *,
    secret_values: Iterable[str] = (),
    given: Iterable[str] = (),
    env_fields: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per pydantic error: the field, the expected type, what went wrong. Input values
    are never included (they may be secrets); unknown fields get a did-you-mean."""
    secret_values = list(secret_values)
    lines = []
    for err in exc.errors(include_input=False, include_url=False, include_context=True):
        loc = tuple(err.get("loc", ()))
        where = _loc_str(loc)
        etype = err.get("type", "")
        if etype == "extra_forbidden":
            parent_cls = model_cls
            for part in loc[:-1]:
                ann = _field_annotation(parent_cls, (part,))
                parent_cls = ann if isinstance(ann, type) else parent_cls
            candidates = list(getattr(parent_cls, "model_fields", {}))
            lines.append(
                f"Unknown field '{where}'."
                + (did_you_mean(str(loc[-1]), candidates) if loc else "")
                + (f" Expected fields: {', '.join(candidates)}." if candidates else "")
            )
            continue
        ann = _field_annotation(model_cls, loc)
        expected = f" (expected {type_name(ann)})" if ann is not None else ""
        if etype == "missing":
            lines.append(f"Missing required field '{where}'{expected}.")
            continue
        if etype == "frozen_instance":
            lines.append(f"Field '{where}' cannot be changed: the config is frozen.")
            continue
        msg = _scrub(str(err.get("msg", "invalid value")), secret_values)
        env_name = (env_fields or {}).get(where)
        if env_name:
            expected = expected[:-1] + f", from environment variable '{env_name}')"
        lines.append(f"Invalid value for field '{where}'{expected}: {msg}.")
    return lines


# --------------------------------------------------------------------------- base model


# How many Config/resource __init__ calls are on the stack (see _ConfigBase.__init__).
_VALIDATION_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar(
    "dagster_nb_config_validation_depth", default=0
)


def _light_model_mro(obj: Any) -> tuple[type, ...]:
    """For a light resource class (``light_resource``), its model's MRO; else ()."""
    if isinstance(obj, type) and obj.__dict__.get("_dnb_light_class", False):
        return obj._dnb_model().__mro__  # type: ignore[attr-defined]
    return ()


if typing.TYPE_CHECKING:
    from pydantic._internal._model_construction import ModelMetaclass as _ModelMeta
else:
    _ModelMeta = type(BaseModel)


class _ConfigMeta(_ModelMeta):
    """pydantic's metaclass, with light resources (``light_resource.LightResource``): an
    instance or subclass of a light class is one of each class its model derives from, so
    ``isinstance(DbtCliResource(...), ConfigurableResource)`` holds as in Dagster."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return type.__instancecheck__(cls, instance) or cls in _light_model_mro(type(instance))

    def __subclasscheck__(cls, subclass: Any) -> bool:
        return type.__subclasscheck__(cls, subclass) or cls in _light_model_mro(subclass)


class _ConfigBase(BaseModel, metaclass=_ConfigMeta):
    """Shared machinery of Config and ConfigurableResource: strict, frozen models that remember
    which fields came from environment variables so reprs never show their values."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        arbitrary_types_allowed=True,
        ignored_types=(types.FunctionType, property),
    )

    # {field name: env var name} for fields whose value is (or came from) an EnvVar.
    _dnb_env_fields: dict[str, str] = PrivateAttr(default_factory=dict)

    # What the error preamble calls this kind of object ("config", "resource").
    _dnb_kind: ClassVar[str] = "config"

    def __init__(self, **data: Any) -> None:
        # pydantic calls this __init__ for nested models too; only the outermost call turns
        # pydantic's error into ours, so nested errors keep their full field path.
        token = _VALIDATION_DEPTH.set(_VALIDATION_DEPTH.get() + 1)
        try:
            super().__init__(**data)
        except pydantic.ValidationError as e:
            if _VALIDATION_DEPTH.get() > 1:
                raise
            lines = format_validation_errors(type(self), e, given=data)
            err = ValidationError.build(
                f"Invalid {self._dnb_kind} for {type(self).__name__}:", lines, e
            )
            # Kept so ConfigurableResource can tell errors on not-yet-resolved fields apart.
            err.error_locations = [tuple(x.get("loc", ())) for x in e.errors()]
            raise err from None
        finally:
            _VALIDATION_DEPTH.reset(token)
        # pydantic turns an EnvVar (a str subclass) into a plain str holding the *name*; put
        # the EnvVar back so it is resolved at run time, and remember it for masking.
        for key, value in data.items():
            if key in type(self).model_fields and _is_env_var(value):
                self.__dict__[key] = value
                self._dnb_env_fields[key] = value.env_var_name

    def __repr_args__(self):
        env = self._dnb_env_fields if self.__pydantic_private__ is not None else {}
        for name, value in super().__repr_args__():
            if name in env:
                yield name, EnvVar(env[name])
            elif (
                name is not None
                and isinstance(value, (dict, list, tuple))
                and _contains_secret_path(env, name)
            ):
                yield name, "<contains EnvVar values>"
            else:
                yield name, value

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except pydantic.ValidationError:
            # Frozen instance: say so plainly, as Dagster does, without echoing the value.
            raise ValidationError.build(
                f"'{type(self).__name__}' is immutable: cannot set field '{name}'. It inherits "
                "from pydantic.BaseModel with frozen=True; use a PrivateAttr for state that "
                "changes, or model_copy(update=...) to make a changed copy.",
                title=type(self).__name__,
            ) from None


def _contains_secret_path(env: Mapping[str, str], name: str) -> bool:
    return any(k.startswith(name + ".") or k.startswith(name + "[") for k in env)


class Config(_ConfigBase):
    """Base class for the config of an asset or op: a frozen pydantic model.

        class OrdersConfig(dg.Config):
            limit: int = 10
            region: str

        @dg.asset
        def orders(config: OrdersConfig):
            return load(config.region, config.limit)

    Unknown fields are refused with a did-you-mean::

        OrdersConfig(regon="eu")   # DagsterInvalidConfigError: Unknown field 'regon'. Did you mean 'region'?
    """

    def _convert_to_config_dictionary(self) -> dict[str, Any]:
        """The run-config form (nested Configs become dicts, EnvVars become ``{"env": NAME}``)."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            out[name] = _to_config_value(getattr(self, name))
        if self.model_extra:
            for name, value in self.model_extra.items():
                out[name] = _to_config_value(value)
        return out


def _to_config_value(value: Any) -> Any:
    if _is_env_var(value):
        return {"env": value.env_var_name}
    if isinstance(value, Config):
        return value._convert_to_config_dictionary()
    if isinstance(value, Mapping):
        return {k: _to_config_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_config_value(v) for v in value]
    return value


class PermissiveConfig(Config):
    """A Config that accepts fields it does not declare (they are kept and readable).

    >>> class Loose(PermissiveConfig):
    ...     a: int = 1
    >>> Loose(b=2).b
    2
    """

    model_config = ConfigDict(extra="allow")


# --------------------------------------------------------------------------- executor helpers


def is_config_annotation(annotation: Any) -> bool:
    """True when a parameter annotated with ``annotation`` receives run config.

    >>> class C(Config):
    ...     pass
    >>> is_config_annotation(C), is_config_annotation(int)
    (True, False)
    """
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return isinstance(annotation, type) and issubclass(annotation, Config)


def validate_model(
    model_cls: type[BaseModel],
    data: Mapping[str, Any],
    *,
    where: str,
    kind: str = "config",
) -> Any:
    """Resolve env vars in ``data`` and build ``model_cls`` from it, raising
    :class:`DagsterInvalidConfigError` that names ``where`` and never shows a secret."""
    secrets: dict[str, str] = {}
    resolved: dict[str, Any] = {}
    fields = getattr(model_cls, "model_fields", {})
    for key, value in data.items():
        ann = fields[key].annotation if key in fields else None
        try:
            resolved[key] = _resolve_env_values(value, loc=key, secrets=secrets, field_ann=ann)
        except _MissingEnvVar as e:
            raise DagsterInvalidConfigError(
                f"Invalid {kind} for {where}: field '{e.loc}' reads environment variable "
                f"'{e.name}', which is not set. Set it before the run, e.g. "
                f"os.environ['{e.name}'] = ... or `export {e.name}=...`.",
                [],
            ) from None
    secret_values = [_lookup_secret(resolved, path) for path in secrets]
    # Depth 1 makes _ConfigBase.__init__ pass pydantic's error through, so the message can
    # name `where` and be scrubbed of secrets here.
    token = _VALIDATION_DEPTH.set(1)
    try:
        obj = model_cls(**resolved)
    except pydantic.ValidationError as e:
        lines = format_validation_errors(
            model_cls, e, secret_values=secret_values, env_fields=secrets
        )
        raise DagsterInvalidConfigError(
            f"Invalid {kind} for {where} ({model_cls.__name__}):", lines
        ) from None
    except ConfigValidationError as e:
        raise DagsterInvalidConfigError(
            f"Invalid {kind} for {where} ({model_cls.__name__}):",
            [_scrub(x, secret_values) for x in e.messages],
        ) from None
    except (ValueError, TypeError, AssertionError) as e:
        # A user validator raised something pydantic did not wrap.
        raise DagsterInvalidConfigError(
            f"Invalid {kind} for {where} ({model_cls.__name__}):",
            [_scrub(f"{type(e).__name__}: {e}", secret_values)],
        ) from None
    finally:
        _VALIDATION_DEPTH.reset(token)
    if isinstance(obj, _ConfigBase):
        for path, name in secrets.items():
            obj._dnb_env_fields[path] = name
    return obj


def _lookup_secret(resolved: Mapping[str, Any], path: str) -> str:
    # Walk "a.b[0]" style paths; only used to collect secret values for scrubbing.
    import re

    cur: Any = resolved
    for tok in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            cur = cur[int(tok[1:-1])] if tok.startswith("[") else cur[tok]
        except (KeyError, IndexError, TypeError, ValueError):
            return ""
    return str(cur) if isinstance(cur, (str, int)) and not _is_env_var(cur) else ""


def resolve_config(
    config_cls: type[Config], raw: Mapping[str, Any] | Config | None, *, where: str
) -> Config:
    """Validate run config for ``where`` (e.g. ``"asset 'orders'"``) into ``config_cls``.

    ``raw`` may be a dict (Dagster's ``{"config": {...}}`` wrapper is accepted too), a
    ``config_cls`` instance (its EnvVars are resolved now), or None (all defaults).

    >>> class C(Config):
    ...     limit: int = 10
    >>> resolve_config(C, {"limit": 3}, where="asset 'orders'").limit
    3
    """
    if raw is None:
        raw = {}
    if isinstance(raw, BaseModel):
        if not isinstance(raw, config_cls):
            raise DagsterInvalidConfigError(
                f"Invalid config for {where}: expected {config_cls.__name__}, got "
                f"{type(raw).__name__}.",
                [],
            )
        if not any(_contains_env_var(getattr(raw, f)) for f in type(raw).model_fields):
            return raw
        raw = {f: getattr(raw, f) for f in raw.model_fields_set}
    if not isinstance(raw, Mapping):
        raise DagsterInvalidConfigError(
            f"Invalid config for {where}: expected a dict or {config_cls.__name__}, got "
            f"{type(raw).__name__}.",
            [],
        )
    if set(raw) == {"config"} and "config" not in config_cls.model_fields:
        raw = raw["config"] or {}
    return validate_model(config_cls, raw, where=where)
