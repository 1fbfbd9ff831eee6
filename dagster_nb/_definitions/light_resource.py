"""Light configurable resources: a ``ConfigurableResource`` whose pydantic model is built on
first need.

pydantic costs ~0.2 s of a fresh process the first time a model class is made (its import, its
plugin scan, the class's schema). An integration resource that every notebook constructs (the
dbt CLI resource) should not charge that to ``import`` and to building ``Definitions``: a run
or an export may need pydantic, but defining assets does not. A light class is declared like a
``ConfigurableResource``::

    class _CliMethods:                       # the methods, shared with the model
        def cli(self, args): ...

    class CliResource(_CliMethods, LightResource):
        _dnb_light_class: ClassVar[bool] = True
        project_dir: Any
        flags: list = []
        executable: str = "dbt"

and behaves as one:

- Constructing it with plain values (``None``, ``str``, numbers, paths, lists and dicts of
  those, each of its field's own type) makes a light instance: a frozen object holding the
  values. Anything else (an ``EnvVar``, a nested resource, a value of another type, an unknown
  or missing field) builds the pydantic model at once, so validation and its errors are
  pydantic's, exactly as for a ``ConfigurableResource``.
- The model class (``CliResource._dnb_model_cls``) is a ``ConfigurableResource`` subclass with
  the same name, fields and methods; a user's subclass of the light class is a pydantic
  subclass of the model.
- ``isinstance`` and ``issubclass`` treat model instances and subclasses as the light class's
  (``_LightMeta``), and light instances and classes as their model's
  (``config._ConfigMeta``): ``isinstance(light, ConfigurableResource)`` holds.
- Anything a light instance lacks (``model_dump``, ``model_fields_set``, ...) is read from its
  model instance, built then; class attributes it lacks (``model_fields``,
  ``configure_at_launch``) from the model class.
- The resource initializer opens the model instance (:func:`as_model`), so run config,
  ``EnvVar`` resolution and the lifecycle hooks are a ``ConfigurableResource``'s.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from dagster_nb._definitions.resources import TreatAsResourceParam

__all__ = ["LightResource", "as_model", "is_light_resource"]

_REQUIRED = object()
# The annotations a light field may have, and the type a fast-path value must have exactly.
_SIMPLE = {"Any": None, "str": str, "int": int, "float": float, "bool": bool, "list": list}
_SCALARS = (str, int, float, bool, type(None))
_BUILDING = threading.RLock()


def _plain(value: Any) -> bool:
    """A value pydantic would keep as it is in an ``Any`` field and that needs no run-time
    resolution: scalars, paths, and lists / tuples / dicts of those (an ``EnvVar`` is a str
    subclass, and ``{"env": NAME}`` is Dagster's env form: neither is plain)."""
    t = type(value)
    if t in _SCALARS:
        return True
    if t in (list, tuple):
        return all(_plain(v) for v in value)
    if t is dict:
        return "env" not in value and all(type(k) is str and _plain(v) for k, v in value.items())
    return isinstance(value, os.PathLike) and type(value).__module__ == "pathlib"


class _LightMeta(type):
    """Metaclass of light resource classes (see the module docstring)."""

    _dnb_fields: dict[str, Any]
    _dnb_annotations: dict[str, Any]

    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any], **kw: Any) -> Any:
        light_bases = [b for b in bases if isinstance(b, _LightMeta) and b._dnb_fields]
        if light_bases and not ns.get("_dnb_light_class", False):
            # A user's subclass (more fields, validators, hooks): a pydantic model built on the
            # base's model, so it is a ConfigurableResource in every respect.
            model_bases = tuple(
                b._dnb_model() if isinstance(b, _LightMeta) and b._dnb_fields else b for b in bases
            )
            return type(model_bases[0])(name, model_bases, ns, **kw)
        cls = super().__new__(mcs, name, bases, ns, **kw)
        fields: dict[str, Any] = {}
        annotations: dict[str, Any] = {}
        for base in reversed(cls.__mro__[1:]):
            if isinstance(base, _LightMeta):
                fields.update(base._dnb_fields)
                annotations.update(base._dnb_annotations)
        if ns.get("_dnb_light_class", False):
            for field, ann in ns.get("__annotations__", {}).items():
                if field.startswith("_") or "ClassVar" in str(ann):
                    continue
                annotations[field] = ann
                fields[field] = ns.get(field, _REQUIRED)
                if field in ns:
                    # the default lives in _dnb_fields; the class attribute would hide a
                    # missing instance value
                    delattr(cls, field)
        cls._dnb_fields = fields
        cls._dnb_annotations = annotations
        return cls

    def __getattr__(cls, name: str) -> Any:
        # Only for names the light class lacks: the model class has them (model_fields,
        # configure_at_launch, ...). Dunder names are never forwarded.
        if name.startswith("__") or not cls.__dict__.get("_dnb_fields"):
            raise AttributeError(name)
        if name == "_dnb_model_cls":
            return cls._dnb_model()
        return getattr(cls._dnb_model(), name)

    def __instancecheck__(cls, obj: Any) -> bool:
        if type.__instancecheck__(cls, obj):
            return True
        model = cls.__dict__.get("_dnb_model_cls")
        return model is not None and isinstance(obj, model)

    def __subclasscheck__(cls, sub: Any) -> bool:
        if type.__subclasscheck__(cls, sub):
            return True
        model = cls.__dict__.get("_dnb_model_cls")
        return model is not None and isinstance(sub, type) and issubclass(sub, model)

    def _dnb_model(cls) -> Any:
        """The pydantic model class (a ConfigurableResource), built once."""
        model = cls.__dict__.get("_dnb_model_cls")
        if model is not None:
            return model
        with _BUILDING:  # one model class, even when two threads ask first
            model = cls.__dict__.get("_dnb_model_cls")
            return model if model is not None else cls._dnb_build_model()

    def _dnb_build_model(cls) -> Any:
        from dagster_nb._definitions.configurable import ConfigurableResource

        light = cls
        mixins = tuple(b for b in cls.__bases__ if not isinstance(b, _LightMeta))
        ns: dict[str, Any] = {
            "__module__": cls.__module__,
            # pickle finds the model through the light class (see __getattr__)
            "__qualname__": f"{cls.__qualname__}._dnb_model_cls",
            "__doc__": cls.__doc__,
            "__annotations__": dict(cls._dnb_annotations),
        }
        for field, default in cls._dnb_fields.items():
            if default is not _REQUIRED:
                ns[field] = default

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            ConfigurableResource.__init__(self, **light._dnb_normalize(*args, **kwargs))

        ns["__init__"] = __init__
        meta: Any = type(ConfigurableResource)
        model = meta(cls.__name__, (*mixins, ConfigurableResource), ns)
        type.__setattr__(cls, "_dnb_model_cls", model)
        return model


class LightResource(TreatAsResourceParam, metaclass=_LightMeta):
    """Base of light resource classes (see the module docstring)."""

    _dnb_fields: ClassVar[dict[str, Any]] = {}
    _dnb_annotations: ClassVar[dict[str, Any]] = {}
    _dnb_given: frozenset[str]
    _dnb_obj: Any

    @classmethod
    def _dnb_normalize(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The field values a call gives (a subclass maps its own forms; raise on bad ones)."""
        if args:
            raise TypeError(f"{cls.__name__}() takes keyword arguments only")
        return kwargs

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        data = cls._dnb_normalize(*args, **kwargs)
        fields = cls._dnb_fields
        light = all(k in fields for k in data) and all(
            k in data or d is not _REQUIRED for k, d in fields.items()
        )
        if light:
            for k, v in data.items():
                want = _SIMPLE.get(str(cls._dnb_annotations[k]), False)
                if want is False or not _plain(v) or (want is not None and type(v) is not want):
                    light = False
                    break
        if not light:
            # validation, coercion, EnvVar and nested resources: the ConfigurableResource's
            return cls._dnb_model()(**data)
        self = object.__new__(cls)
        values = {}
        for k, d in fields.items():
            v = data[k] if k in data else d
            values[k] = list(v) if type(v) is list else dict(v) if type(v) is dict else v
        self.__dict__.update(values)
        object.__setattr__(self, "_dnb_given", frozenset(data))
        object.__setattr__(self, "_dnb_obj", None)
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # all of the work is in __new__ (which may return the model instance instead)
        pass

    def _dnb_values(self) -> dict[str, Any]:
        return {k: self.__dict__[k] for k in type(self)._dnb_fields}

    def _dnb_as_model(self) -> Any:
        """The equivalent ``ConfigurableResource`` instance (built once)."""
        obj = self.__dict__["_dnb_obj"]
        if obj is None:
            given = {k: v for k, v in self._dnb_values().items() if k in self._dnb_given}
            obj = type(self)._dnb_model()(**given)
            object.__setattr__(self, "_dnb_obj", obj)
        return obj

    def __getattr__(self, name: str) -> Any:
        if name.startswith(("__", "_repr_", "_ipython_")) or name in ("_dnb_obj", "_dnb_given"):
            raise AttributeError(name)
        return getattr(self._dnb_as_model(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        # frozen, as a ConfigurableResource: the model says so in its own words (or keeps a
        # private attribute, which reads then come from)
        setattr(self._dnb_as_model(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._dnb_as_model(), name)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._dnb_values().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._dnb_values() == other._dnb_values()  # type: ignore[attr-defined]
        if isinstance(other, type(self)):
            return bool(self._dnb_as_model() == other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._dnb_as_model())

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self._dnb_values(), tuple(sorted(self._dnb_given))))


def _rebuild(cls: type, values: Mapping[str, Any], given: tuple[str, ...]) -> Any:
    self: Any = object.__new__(cls)
    self.__dict__.update(values)
    object.__setattr__(self, "_dnb_given", frozenset(given))
    object.__setattr__(self, "_dnb_obj", None)
    return self


def is_light_resource(value: Any) -> bool:
    return type.__instancecheck__(LightResource, value)


def as_model(value: Any) -> Any:
    """A light instance's ``ConfigurableResource`` instance; anything else as it is."""
    if is_light_resource(value):
        return value._dnb_as_model()
    return value
