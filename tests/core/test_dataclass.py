"""``dagster_nb._dataclass.dataclass`` makes the class ``dataclasses.dataclass`` makes.

Each case below is compiled twice, once with each decorator, and every observable property of
the two classes and their instances is compared: fields, signature, docstring, slots, reprs,
equality, hashing, frozen errors, pickling, copying, ``replace``, ``asdict``, inheritance and
the errors ``dataclasses`` raises at class creation.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import re
import sys
import types
import typing

import pytest

from dagster_nb._dataclass import dataclass as fast_dataclass

HEADER = """
from __future__ import annotations
import dataclasses
from dataclasses import field, KW_ONLY
from typing import Any
"""

# name -> (source using the decorator `DC`, constructor calls for instances: (args, kwargs))
CASES: dict[str, tuple[str, list[tuple[tuple, dict]]]] = {
    "frozen_slots": (
        """
@DC(frozen=True, slots=True)
class Rec:
    "A record."
    a: int
    b: str = "x"
    c: list = field(default_factory=list)
    d: Any = field(default=None, repr=False, compare=False)
""",
        [((1,), {}), ((1, "y", [1, 2]), {"d": 3}), ((2,), {"c": [{"k": 1}]})],
    ),
    "frozen_slots_kw_only_post_init": (
        """
@DC(frozen=True, slots=True, kw_only=True, repr=False)
class Spec:
    "A spec."
    key: str
    deps: tuple = ()
    tags: dict = field(default_factory=dict)
    memo: Any = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "deps", tuple(self.deps))
        object.__setattr__(self, "memo", len(self.deps))
""",
        [((), {"key": "a"}), ((), {"key": "b", "deps": ["x", "y"], "tags": {"t": ""}})],
    ),
    "own_repr_and_eq": (
        """
@DC(frozen=True, slots=True, kw_only=True)
class Key:
    "A key."
    parts: tuple
    def __repr__(self):
        return "Key" + repr(self.parts)
    def __eq__(self, other):
        return isinstance(other, Key) and self.parts == other.parts
""",
        [((), {"parts": ("a",)}), ((), {"parts": ("a", "b")})],
    ),
    "explicit_hash": (
        """
@DC(frozen=True, slots=True)
class H:
    "Hashed by x only."
    x: int
    y: int = 0
    def __hash__(self):
        return hash(self.x)
""",
        [((1,), {}), ((1, 2), {})],
    ),
    "mutable_slots": (
        """
@DC(slots=True)
class M:
    "Mutable."
    x: int
    items: list = field(default_factory=list)
""",
        [((1,), {}), ((2, [3]), {})],
    ),
    "own_init": (
        """
@DC(frozen=True, slots=True, init=False, eq=False, repr=False)
class P:
    "Own init."
    n: int
    m: int = 5
    def __init__(self, n):
        object.__setattr__(self, "n", n * 2)
        object.__setattr__(self, "m", 5)
""",
        [((3,), {})],
    ),
    "kw_only_no_eq_dict": (
        """
@DC(kw_only=True, eq=False)
class Ctx:
    "A context."
    run_id: str
    extra: dict = field(default_factory=dict)
""",
        [((), {"run_id": "r"})],
    ),
    "frozen_dict": (
        """
@DC(frozen=True)
class F:
    a: int
    b: int = 2
""",
        [((1,), {}), ((1, 3), {})],
    ),
    "init_false_fields_in_slots": (
        """
@DC(frozen=True, slots=True)
class S:
    "Defaults of init=False fields."
    a: int
    b: int = field(default=7, init=False)
    c: list = field(default_factory=list, init=False)
    d: int = field(default=1, hash=False)
""",
        [((1,), {}), ((1,), {"d": 4})],
    ),
    "field_named_self": (
        """
@DC(frozen=True)
class W:
    "A field called self."
    self: int
    other: int = 0
""",
        [((1,), {}), ((), {"self": 2, "other": 3})],
    ),
    "kw_only_sentinel": (
        """
@DC(frozen=True, slots=True)
class K:
    "KW_ONLY."
    a: int
    _: KW_ONLY
    b: int = 0
    c: str
""",
        [((1,), {"c": "x"}), ((2,), {"b": 1, "c": "y"})],
    ),
    "empty": (
        """
@DC(frozen=True, slots=True)
class E:
    pass
""",
        [((), {})],
    ),
    "class_var": (
        """
from typing import ClassVar
@DC(frozen=True, slots=True)
class C:
    "ClassVar is no field."
    kind: ClassVar[str] = "c"
    a: int = 1
""",
        [((), {}), ((2,), {})],
    ),
}

# (base case source, subclass source): inheritance across the two decorators
INHERIT = """
@BASE(frozen=True, slots=True, kw_only=True)
class Base:
    "Base."
    key: str
    tags: dict = field(default_factory=dict)

@SUB(frozen=True, slots=True, kw_only=True)
class Sub(Base):
    "Sub."
    n: int = 0
"""


def _module(source: str, names: dict[str, typing.Any]) -> types.ModuleType:
    name = f"_dc_case_{len(sys.modules)}_{id(names)}"
    mod = types.ModuleType(name)
    mod.__dict__.update(names)
    sys.modules[name] = mod  # dataclasses reads the module's globals (string annotations)
    exec(compile(HEADER + source, f"<{name}>", "exec"), mod.__dict__)
    return mod


def _pair(source: str) -> tuple[type, type]:
    ours = _module(source, {"DC": fast_dataclass})
    theirs = _module(source, {"DC": dataclasses.dataclass})
    name = [
        k for k, v in vars(ours).items() if isinstance(v, type) and v.__module__ == ours.__name__
    ][-1]
    return getattr(ours, name), getattr(theirs, name)


def _outcome(fn: typing.Callable[[], typing.Any]) -> typing.Any:
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the two must fail alike
        return ("error", type(e).__name__, str(e))


def _class_facts(cls: type) -> dict[str, typing.Any]:
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    return {
        "fields": [
            (
                f.name,
                f.type,
                f.default,
                f.default_factory,
                f.init,
                f.repr,
                f.compare,
                f.hash,
                f.kw_only,
            )
            for f in dataclasses.fields(cls)
        ],
        "params": repr(params),
        "match_args": getattr(cls, "__match_args__", None),
        "slots": cls.__dict__.get("__slots__"),
        "doc": cls.__doc__,
        "signature": str(inspect.signature(cls)),
        "init_annotations": getattr(cls.__init__, "__annotations__", None),
        "hash_is_none": cls.__dict__.get("__hash__", "absent") is None,
        "own_names": sorted(k for k in cls.__dict__ if k not in ("__module__",)),
        "qualnames": {
            k: getattr(v, "__qualname__", None)
            for k, v in cls.__dict__.items()
            if callable(v) and not isinstance(v, type)
        },
        "type_hints": typing.get_type_hints(cls.__init__) if "__init__" in cls.__dict__ else None,
    }


def _repr(obj: typing.Any) -> str:
    # a repr=False class shows object's repr: its module (one per decorator) and address differ
    return re.sub(r"<_dc_case_\w+\.(\w+) object at 0x[0-9a-f]+>", r"<\1 object>", repr(obj))


def _instance_facts(obj: typing.Any, other: typing.Any) -> dict[str, typing.Any]:
    cls = type(obj)
    repr = _repr  # noqa: A001 - every repr below is compared across the two modules
    facts = {
        "repr": repr(obj),
        "eq_self": obj == obj,
        "eq_other": obj == other,
        "ne_other": obj != other,
        # by value (an identity hash differs between any two objects)
        "hash": _outcome(
            lambda: (
                (hash(obj) if cls.__hash__ is not object.__hash__ else None)
                or hash(obj) == hash(copy.copy(obj))
            )
        ),
        "pickle": [
            _outcome(lambda p=p: repr(pickle.loads(pickle.dumps(obj, p))))
            for p in range(2, pickle.HIGHEST_PROTOCOL + 1)
        ],
        "pickle_eq": _outcome(lambda: pickle.loads(pickle.dumps(obj)) == obj),
        "copy": _outcome(lambda: repr(copy.copy(obj))),
        "deepcopy": _outcome(lambda: repr(copy.deepcopy(obj))),
        "asdict": _outcome(lambda: dataclasses.asdict(obj)),
        "astuple": _outcome(lambda: dataclasses.astuple(obj)),
        "set_field": [
            _outcome(lambda f=f: setattr(copy.copy(obj), f.name, 1))
            for f in dataclasses.fields(cls)
        ],
        "del_field": [
            _outcome(lambda f=f: delattr(copy.copy(obj), f.name)) for f in dataclasses.fields(cls)
        ],
        "set_other": _outcome(lambda: setattr(copy.copy(obj), "not_a_field", 1)),
        "values": [getattr(obj, f.name) for f in dataclasses.fields(cls)],
    }
    init_fields = [f for f in dataclasses.fields(cls) if f.init]
    if init_fields and cls.__dataclass_params__.init:  # type: ignore[attr-defined]
        f = init_fields[-1]
        facts["replace"] = _outcome(
            lambda: repr(dataclasses.replace(obj, **{f.name: getattr(obj, f.name)}))
        )
    return facts


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_class_and_instances(case):
    source, calls = CASES[case]
    ours, theirs = _pair(source)
    assert ours is not theirs
    mine, std = _class_facts(ours), _class_facts(theirs)
    # the two modules differ; compare qualified names within each
    assert mine == std
    made = [(ours(*a, **k), theirs(*a, **k)) for a, k in calls]
    for i, (o, t) in enumerate(made):
        o2, t2 = made[(i + 1) % len(made)]
        assert _instance_facts(o, o2) == _instance_facts(t, t2), case
    # a default factory gives each instance its own value
    for o, _ in made:
        for f in dataclasses.fields(ours):
            if f.default_factory is not dataclasses.MISSING and f.init:
                assert getattr(o, f.name) is not getattr(ours(*calls[0][0], **calls[0][1]), f.name)


def test_same_errors_at_class_creation():
    bad = {
        "non_default_after_default": """
@DC(frozen=True)
class B:
    a: int = 1
    b: int
""",
        "frozen_with_own_setattr": """
@DC(frozen=True)
class B:
    a: int
    def __setattr__(self, name, value):
        pass
""",
        "slots_twice": """
@DC(slots=True)
class B:
    __slots__ = ("a",)
    a: int
""",
    }
    for name, source in bad.items():
        got = [
            _outcome(lambda dc=dc, source=source: _module(source, {"DC": dc}))[:2]
            for dc in (fast_dataclass, dataclasses.dataclass)
        ]
        assert got[0] == got[1] and got[0][0] == "error", name


@pytest.mark.parametrize(
    "base,sub",
    [
        ("fast", "fast"),
        ("fast", "std"),
        ("std", "fast"),
    ],
)
def test_inheritance_across_decorators(base, sub):
    pick = {"fast": fast_dataclass, "std": dataclasses.dataclass}
    mod = _module(INHERIT, {"BASE": pick[base], "SUB": pick[sub]})
    ref = _module(INHERIT, {"BASE": dataclasses.dataclass, "SUB": dataclasses.dataclass})
    for cls, std in ((mod.Sub, ref.Sub), (mod.Base, ref.Base)):
        mine, theirs = _class_facts(cls), _class_facts(std)
        mine.pop("qualnames"), theirs.pop("qualnames")
        assert mine == theirs
    o, t = mod.Sub(key="k", n=2), ref.Sub(key="k", n=2)
    assert _instance_facts(o, o) == _instance_facts(t, t)
    # a frozen subclass of a non-frozen dataclass is refused, as dataclasses refuses it
    for dc in (fast_dataclass, dataclasses.dataclass):
        with pytest.raises(TypeError, match="cannot inherit frozen dataclass from a non-frozen"):

            @dc(frozen=True)
            class Bad(_Mutable):
                x: int = 0


@dataclasses.dataclass
class _Mutable:
    y: int = 0


def test_forms_left_to_dataclasses():
    # order=True, unsafe_hash=True and InitVar fields are dataclasses' own, unchanged
    @fast_dataclass(order=True, frozen=True)
    class Ordered:
        a: int

    assert Ordered(1) < Ordered(2) and sorted([Ordered(2), Ordered(1)]) == [Ordered(1), Ordered(2)]

    @fast_dataclass(unsafe_hash=True)
    class U:
        a: int

    assert hash(U(1)) == hash(U(1))

    @fast_dataclass
    class Scaled:
        a: int
        scale: dataclasses.InitVar[int] = 2

        def __post_init__(self, scale):
            self.a *= scale

    assert Scaled(3).a == 6 and Scaled(3, 3).a == 9


def test_records_of_dagster_nb_are_made_by_it():
    # the public records are made by this decorator: its frozen __init__ sets fields through
    # the closure's __dnb_object__ (dataclasses' own is __dataclass_builtins_object__)
    import dagster_nb as dg

    for cls in (dg.TextMetadataValue, dg.TableColumn, dg.RunRequest, dg.In, dg.RetryPolicy):
        assert "__dnb_object__" in cls.__init__.__code__.co_freevars, cls
    assert dg.TableColumn("a", "int") == dg.TableColumn(name="a", type="int")
    spec = dg.AssetSpec("a", deps=["b"], tags={"t": ""})
    assert spec == dg.AssetSpec("a", deps=["b"], tags={"t": ""})
    assert hash(spec.key) == hash(dg.AssetKey("a"))
    assert repr(dg.AssetKey(["a", "b"])) == "AssetKey(['a', 'b'])"
    assert pickle.loads(pickle.dumps(spec)) == spec
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.key = dg.AssetKey("x")  # type: ignore[misc]
