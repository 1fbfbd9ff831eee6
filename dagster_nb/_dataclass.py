"""``dataclass``: the standard library's decorator, with the generated methods compiled at once.

Python 3.11's ``dataclasses`` compiles each generated method (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, a frozen class's ``__setattr__`` and ``__delattr__``) with its own
``exec``: ~0.1 ms each, ~0.6 ms a class. dagster_nb makes ~55 record classes on the way to a
first run or a dbt load, so that was ~35 ms of a fresh process. (Python 3.13's ``dataclasses``
also compiles them at once.)

This decorator takes the same arguments and makes the same class: ``dataclasses`` itself
collects the fields (defaults, ``field()``, ``KW_ONLY``, inheritance, ``__match_args__``,
``__dataclass_fields__``), and the methods it would generate are generated here, the same
source, in one ``exec``; slots are added as ``dataclasses`` adds them. Classes this module does
not cover (``order``, ``unsafe_hash``, ``weakref_slot``, ``InitVar`` fields) go to
``dataclasses.dataclass`` unchanged. ``tests/core/test_dataclass.py`` holds the two side by
side on every form dagster_nb uses.

Type checkers see ``dataclasses.dataclass`` itself.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import reprlib
import sys
import typing
from typing import Any

__all__ = ["dataclass"]

_FACTORY = getattr(dataclasses, "_HAS_DEFAULT_FACTORY", object())  # `<factory>` in signatures


def _fast(
    cls: type,
    *,
    init: bool,
    repr: bool,
    eq: bool,
    frozen: bool,
    match_args: bool,
    kw_only: bool,
    slots: bool,
) -> type:
    body = cls.__dict__
    class_hash = body.get("__hash__", dataclasses.MISSING)
    has_explicit_hash = not (
        class_hash is dataclasses.MISSING or (class_hash is None and "__eq__" in body)
    )
    has_doc = bool(getattr(cls, "__doc__", None))
    if not has_doc:
        cls.__doc__ = "-"  # dataclasses would write one from a signature without __init__
    # Frozen-ness must agree with dataclass bases; dataclasses checks it (and then makes the
    # frozen __setattr__/__delattr__ itself, the only exec left) when there are such bases.
    std_frozen = frozen and any(hasattr(b, "__dataclass_fields__") for b in cls.__mro__[1:-1])
    cls = dataclasses.dataclass(
        cls,
        init=False,
        repr=False,
        eq=False,
        frozen=std_frozen,
        match_args=match_args,
        kw_only=kw_only,
        slots=False,
    )
    params = cls.__dict__["__dataclass_params__"]
    params.init, params.repr, params.eq, params.frozen = init, repr, eq, frozen
    fields = dataclasses.fields(cls)
    locals_: dict[str, Any] = {
        "__dnb_object__": object,
        "__dnb_factory__": _FACTORY,
        "__dnb_frozen_error__": dataclasses.FrozenInstanceError,
        "__dnb_cls__": cls,
    }
    src: list[str] = []
    made: list[str] = []
    annotations: dict[str, Any] = {}
    if init and "__init__" not in cls.__dict__:
        self_name = "__dataclass_self__" if "self" in {f.name for f in fields} else "self"
        init_fields = [f for f in fields if f.init]
        std = [f for f in init_fields if not f.kw_only]
        kw = [f for f in init_fields if f.kw_only]
        seen_default = None
        for f in std:
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                seen_default = f
            elif seen_default is not None:
                raise TypeError(f"non-default argument {f.name!r} follows default argument")

        def param(f: dataclasses.Field) -> str:
            annotations[f.name] = f.type
            if f.default_factory is not dataclasses.MISSING:
                return f"{f.name}=__dnb_factory__"
            if f.default is not dataclasses.MISSING:
                locals_[f"__dnb_dflt_{f.name}__"] = f.default
                return f"{f.name}=__dnb_dflt_{f.name}__"
            return f.name

        args = [self_name, *(param(f) for f in std)]
        if kw:
            args += ["*", *(param(f) for f in kw)]
        annotations["return"] = None
        lines = []
        for f in fields:
            dflt = f"__dnb_dflt_{f.name}__"
            if f.default_factory is not dataclasses.MISSING:
                locals_[dflt] = f.default_factory
                value = (
                    f"{dflt}() if {f.name} is __dnb_factory__ else {f.name}"
                    if f.init
                    else f"{dflt}()"
                )
            elif f.init:
                value = f.name
            elif slots and f.default is not dataclasses.MISSING:
                locals_[dflt] = f.default
                value = dflt
            else:
                continue  # read from the class attribute holding the default
            if frozen:
                lines.append(f"__dnb_object__.__setattr__({self_name},{f.name!r},{value})")
            else:
                lines.append(f"{self_name}.{f.name}={value}")
        if hasattr(cls, "__post_init__"):
            lines.append(f"{self_name}.__post_init__()")
        src.append(
            f" def __init__({','.join(args)}):\n" + "".join(f"  {x}\n" for x in lines or ["pass"])
        )
        made.append("__init__")
    if repr and "__repr__" not in cls.__dict__:
        shown = ", ".join(f"{f.name}={{self.{f.name}!r}}" for f in fields if f.repr)
        src.append(f' def __repr__(self):\n  return self.__class__.__qualname__ + f"({shown})"\n')
        made.append("__repr__")
    if eq and "__eq__" not in cls.__dict__:
        cmp = [f for f in fields if f.compare]
        mine, theirs = _tuple("self", cmp), _tuple("other", cmp)
        src.append(
            " def __eq__(self, other):\n  if other.__class__ is self.__class__:\n"
            f"   return {mine}=={theirs}\n  return NotImplemented\n"
        )
        made.append("__eq__")
    if frozen and not std_frozen:
        for name in ("__setattr__", "__delattr__"):
            if name in cls.__dict__:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
        names = "(" + ",".join(f"{f.name!r}" for f in fields) + ",)" if fields else "()"
        src.append(
            " def __setattr__(self, name, value):\n"
            f"  if type(self) is __dnb_cls__ or name in {names}:\n"
            '   raise __dnb_frozen_error__(f"cannot assign to field {name!r}")\n'
            "  super(__dnb_cls__, self).__setattr__(name, value)\n"
            " def __delattr__(self, name):\n"
            f"  if type(self) is __dnb_cls__ or name in {names}:\n"
            '   raise __dnb_frozen_error__(f"cannot delete field {name!r}")\n'
            "  super(__dnb_cls__, self).__delattr__(name)\n"
        )
        made += ["__setattr__", "__delattr__"]
    hash_action = None
    if eq and not has_explicit_hash:
        hash_action = "add" if frozen else "none"
    if hash_action == "add":
        hashed = [f for f in fields if (f.compare if f.hash is None else f.hash)]
        src.append(f" def __hash__(self):\n  return hash({_tuple('self', hashed)})\n")
        made.append("__hash__")
    if made:
        text = (
            f"def __create_fn__({', '.join(locals_)}):\n"
            + "".join(src)
            + f" return ({', '.join(made)},)\n"
        )
        module = sys.modules.get(cls.__module__)
        ns: dict[str, Any] = {}
        exec(text, module.__dict__ if module is not None else {}, ns)  # noqa: S102
        for name, fn in zip(made, ns["__create_fn__"](**locals_), strict=True):
            if name == "__init__":
                fn.__annotations__ = annotations
            elif name == "__repr__":
                fn = reprlib.recursive_repr()(fn)
            fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
            setattr(cls, name, fn)
    if hash_action == "none":
        cls.__hash__ = None  # type: ignore[assignment]
    if not has_doc:
        try:
            text_sig = str(inspect.signature(cls)).replace(" -> None", "")
        except (TypeError, ValueError):
            text_sig = ""
        cls.__doc__ = cls.__name__ + text_sig
    if slots:
        cls = _add_slots(cls, frozen)
    return cls


def _tuple(obj: str, fields: list[dataclasses.Field]) -> str:
    return f"({','.join(f'{obj}.{f.name}' for f in fields)},)" if fields else "()"


def _slots_of(cls: type) -> tuple[str, ...]:
    slots = cls.__dict__.get("__slots__")
    if slots is None:
        return ()
    if isinstance(slots, str):
        return (slots,)
    if hasattr(slots, "__next__"):
        raise TypeError(f"Slots of '{cls.__name__}' cannot be determined")
    return tuple(slots)


def _add_slots(cls: type, frozen: bool) -> type:
    # As dataclasses does: a new class with __slots__ (a class's slots cannot be added later).
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} already specifies __slots__")
    cls_dict = dict(cls.__dict__)
    names = tuple(f.name for f in dataclasses.fields(cls))
    inherited = set(itertools.chain.from_iterable(map(_slots_of, cls.__mro__[1:-1])))
    cls_dict["__slots__"] = tuple(n for n in names if n not in inherited)
    for name in names:
        cls_dict.pop(name, None)
    cls_dict.pop("__dict__", None)
    cls_dict.pop("__weakref__", None)
    qualname = getattr(cls, "__qualname__", None)
    new = type(cls)(cls.__name__, cls.__bases__, cls_dict)
    if qualname is not None:
        new.__qualname__ = qualname
    if frozen:
        if "__getstate__" not in cls_dict:
            new.__getstate__ = _dataclass_getstate  # type: ignore[attr-defined]
        if "__setstate__" not in cls_dict:
            new.__setstate__ = _dataclass_setstate  # type: ignore[attr-defined]
    return new


def _dataclass_getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _dataclass_setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=False):
        object.__setattr__(self, f.name, value)


def _needs_stdlib(cls: type) -> bool:
    # InitVar pseudo-fields (their values go to __post_init__): left to dataclasses
    return any("InitVar" in str(a) for a in cls.__dict__.get("__annotations__", {}).values())


if typing.TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
else:

    def dataclass(
        cls=None,
        /,
        *,
        init=True,
        repr=True,
        eq=True,
        order=False,
        unsafe_hash=False,
        frozen=False,
        match_args=True,
        kw_only=False,
        slots=False,
        weakref_slot=False,
    ):
        """``dataclasses.dataclass``, its methods compiled in one ``exec`` (see the module)."""

        def wrap(cls):
            if order or unsafe_hash or weakref_slot or _needs_stdlib(cls):
                return dataclasses.dataclass(
                    cls,
                    init=init,
                    repr=repr,
                    eq=eq,
                    order=order,
                    unsafe_hash=unsafe_hash,
                    frozen=frozen,
                    match_args=match_args,
                    kw_only=kw_only,
                    slots=slots,
                    weakref_slot=weakref_slot,
                )
            return _fast(
                cls,
                init=init,
                repr=repr,
                eq=eq,
                frozen=frozen,
                match_args=match_args,
                kw_only=kw_only,
                slots=slots,
            )

        return wrap if cls is None else wrap(cls)
