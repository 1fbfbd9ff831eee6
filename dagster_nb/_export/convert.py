"""``to_dagster``: our definitions as real ``dagster.Definitions``, in the same process.

How: the user's own functions are decorated again with Dagster's decorators, using the arguments
our definitions recorded (keys, ins and partition mappings, deps, group, kinds, tags, metadata,
code version, partitions, IO manager key, owners). Each function is re-bound to a *translated*
copy of its globals, in which ``dg`` (the dagster_nb module) is ``dagster`` and every other
dagster_nb name is Dagster's, so what the body builds (``dg.MaterializeResult``,
``dg.MetadataValue.path``, a ``Config``) is Dagster's too. The user's ``Config``,
``ConfigurableResource`` and IO manager classes are rebuilt on Dagster's bases with the same
fields and methods, and resource instances are rebuilt with the same field values (``EnvVar``
stays an ``EnvVar``: no secret is read here). Asset jobs, schedules (cron or ``@schedule``),
plain sensors and assets' automation conditions (node by node, the same trees) convert the same
way. What has no translation yet (graph-backed assets, asset sensors, op jobs) raises
DagsterInvalidDefinitionError naming it and suggesting ``%dagster_nb export``.

    defs = dg.kernel.to_dagster()          # a dagster.Definitions
    dagster.materialize(defs.assets, resources=defs.resources)
"""

from __future__ import annotations

import inspect
import types
from datetime import datetime, timezone
from typing import Any

from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = ["to_dagster", "DagsterTranslator"]

_KIND_TAG = "dagster/kind/"


def _dagster() -> Any:
    try:
        import dagster
    except ImportError as exc:
        raise ImportError(
            "to_dagster() needs real Dagster in this environment: pip install dagster "
            "(or write a file that Dagster loads elsewhere: %dagster_nb export OUT.py)."
        ) from exc
    return dagster


def _rule_class(dg: Any, rule: Any) -> type:
    """Dagster's AutoMaterializeRule subclass of the same name."""
    todo, name = [dg.AutoMaterializeRule], type(rule).__name__
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__name__ == name:
                return sub
            todo.append(sub)
    raise _unsupported(f"the rule {name}")


def _unsupported(what: str) -> DagsterInvalidDefinitionError:
    return DagsterInvalidDefinitionError(
        f"to_dagster() does not convert {what} yet. Export the notebook to a Dagster module "
        "instead (%dagster_nb export OUT.py, or dagster-nb export NOTEBOOK.ipynb -o OUT.py)."
    )


class DagsterTranslator:
    """Maps dagster_nb objects (and user code bound to dagster_nb) to Dagster's, memoized so
    an object shared by two definitions converts once."""

    def __init__(self) -> None:
        import dagster_nb

        self.dg = _dagster()
        self._memo: dict[int, Any] = {}
        self._keep: list[Any] = []  # keeps memo keys (ids) alive
        self._ours = dagster_nb
        self._public: dict[int, str] | None = None

    # ------------------------------------------------------------------ dispatch
    def __call__(self, value: Any) -> Any:
        if value is None or type(value) in (str, int, float, bool, bytes):  # (our EnvVar is a str)
            return value
        memo = self._memo.get(id(value))
        if memo is not None:
            return memo
        out = self._translate(value)
        self._memo[id(value)] = out
        self._keep.append(value)
        return out

    def _public_names(self) -> dict[int, str]:
        if self._public is None:
            names: dict[int, str] = {}
            for name in self._ours._EXPORTS:
                if hasattr(self.dg, name):
                    names[id(getattr(self._ours, name))] = name
            self._public = names
        return self._public

    def _is_ours(self, obj: Any) -> bool:
        mod = getattr(type(obj), "__module__", "") or ""
        return mod == "dagster_nb" or mod.startswith("dagster_nb.")

    def _translate(self, value: Any) -> Any:
        dg = self.dg
        if value is self._ours:
            return dg
        if isinstance(value, (type, types.FunctionType)) and id(value) in self._public_names():
            return getattr(dg, self._public_names()[id(value)])
        if isinstance(value, types.FunctionType):
            mod = value.__module__ or ""
            if mod == "dagster_nb" or mod.startswith("dagster_nb."):
                return value
            return self.function(value)
        if isinstance(value, type):
            return self.user_class(value)
        if isinstance(value, (list, tuple, set, frozenset, dict)):
            items = list(value.items()) if isinstance(value, dict) else list(value)
            # Data (a long list, a DataFrame in a dict) stays as it is: only small containers
            # holding definitions are definitions.
            if len(items) > 1000 or not any(
                self._needs(x)
                for x in (v for kv in items for v in (kv if isinstance(value, dict) else (kv,)))
            ):
                return value
            if isinstance(value, dict):
                return {self(k): self(v) for k, v in items}
            return type(value)(self(v) for v in items)
        if not self._is_ours(value) and not self._is_ours_class(type(value)):
            return value
        return self.obj(value)

    def _needs(self, v: Any) -> bool:
        return (
            v is self._ours
            or self._is_ours(v)
            or isinstance(v, (types.FunctionType, type))
            or (self._is_ours_class(type(v)))
        )

    def _is_ours_class(self, cls: type) -> bool:
        return any((c.__module__ or "").startswith("dagster_nb") for c in cls.__mro__[1:])

    # ------------------------------------------------------------------ user code
    def namespace(self, ns: dict[str, Any]) -> dict[str, Any]:
        """A translated copy of a module or notebook namespace (filled lazily: names are
        translated as the copy is made, functions see the copy)."""
        key = id(ns)
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        new: dict[str, Any] = {}
        self._memo[key] = new
        self._keep.append(ns)
        for k, v in list(ns.items()):
            if k.startswith("__") and k != "__builtins__" and k != "__name__":
                new[k] = v
                continue
            try:
                new[k] = self(v)
            except Exception:  # noqa: BLE001 - a value the definitions may not need: left as is
                new[k] = v
        return new

    def _maybe_function(self, fn: Any) -> Any:
        # A staticmethod or property may wrap a builtin or a partial: nothing to translate.
        return self.function(fn) if isinstance(fn, types.FunctionType) else fn

    def function(self, fn: types.FunctionType) -> types.FunctionType:
        """The same code, its globals translated (only for code that uses dagster_nb: a
        library's functions are left alone)."""
        if not self._uses_ours(fn.__globals__):
            return fn
        glb = self.namespace(fn.__globals__)
        memo = self._memo.get(id(fn))  # translating the namespace may have made it already
        if memo is not None:
            return memo
        new = types.FunctionType(fn.__code__, glb, fn.__name__, None, fn.__closure__)
        self._memo[id(fn)] = new
        self._keep.append(fn)
        new.__defaults__ = self(fn.__defaults__) if fn.__defaults__ else None
        new.__kwdefaults__ = self(fn.__kwdefaults__) if fn.__kwdefaults__ else None
        new.__annotations__ = {k: self(v) for k, v in getattr(fn, "__annotations__", {}).items()}
        new.__dict__.update(fn.__dict__)
        new.__dict__.pop("__wrapped__", None)
        new.__module__ = fn.__module__
        new.__qualname__ = fn.__qualname__
        new.__doc__ = fn.__doc__
        return new

    def _uses_ours(self, ns: dict[str, Any]) -> bool:
        key = ("uses", id(ns))
        known = self._memo.get(key)  # type: ignore[call-overload]
        if known is None:
            public = self._public_names()
            known = any(
                v is self._ours
                or id(v) in public
                or (isinstance(v, type) and self._is_ours_class(v))
                for v in list(ns.values())
            )
            self._memo[key] = known  # type: ignore[index]
        return bool(known)

    def user_class(self, cls: type) -> type:
        """A user class built on our Config / resources / IO managers, rebuilt on Dagster's."""
        if not self._is_ours_class(cls):
            return cls
        bases = tuple(self(b) for b in cls.__bases__)
        ns: dict[str, Any] = {
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__,
        }
        fields = getattr(cls, "model_fields", None)
        own = cls.__dict__.get("__annotations__", {})
        if own:
            ns["__annotations__"] = {k: self(v) for k, v in own.items()}
        for name, value in cls.__dict__.items():
            if (
                name.startswith("__")
                or name.startswith("_abc")
                or name in ("model_fields", "model_config")
            ):
                continue
            if fields is not None and (name.startswith("model_") or name.startswith("__pydantic")):
                continue
            if isinstance(value, types.FunctionType):
                ns[name] = self.function(value)
            elif isinstance(value, (staticmethod, classmethod)):
                ns[name] = type(value)(self._maybe_function(value.__func__))
            elif isinstance(value, property):
                ns[name] = property(
                    *(
                        self._maybe_function(f) if f else None
                        for f in (value.fget, value.fset, value.fdel)
                    )
                )
            elif fields is None or name not in fields:
                ns[name] = self(value)
        if fields is not None:
            for name in own:
                f = fields.get(name)
                if f is not None and not f.is_required():
                    ns[name] = self(f.default) if f.default_factory is None else _factory(f, self)
        return type(cls.__name__, bases, ns)

    # ------------------------------------------------------------------ our objects
    def obj(self, value: Any) -> Any:
        dg = self.dg
        name = type(value).__name__
        from dagster_nb._automation.conditions import AutomationCondition

        if isinstance(value, AutomationCondition):
            return self._automation_condition(value)
        handler = getattr(self, f"_{name}", None)
        if handler is not None:
            return handler(value)
        cls = type(value)
        if self._is_ours_class(cls) and not self._is_ours(value):
            return self._user_instance(value)
        target = getattr(dg, name, None)
        if isinstance(target, type):
            return self._by_signature(value, target)
        raise _unsupported(f"a {name}")

    def _automation_condition(self, c: Any) -> Any:
        """Dagster's node class of the same name, field by field (the trees have the same shape:
        builders, labels and operands match, so ``eager()`` becomes Dagster's ``eager()``)."""
        import dataclasses

        classes = self._memo.get(-1)
        if classes is None:
            from dagster._core.definitions.declarative_automation.automation_condition import (
                AutomationCondition as DagsterCondition,
            )

            classes = {}
            todo: list[Any] = [DagsterCondition]
            while todo:
                for sub in todo.pop().__subclasses__():
                    classes.setdefault(sub.__name__, []).append(sub)
                    todo.append(sub)
            self._memo[-1] = classes
        names = {f.name for f in dataclasses.fields(c)}
        # (Dagster has a few names twice, e.g. a legacy class; take the one with our fields.)
        cls = next(
            (
                k
                for k in classes.get(type(c).__name__, ())
                if names <= set(inspect.signature(k).parameters)
            ),
            None,
        )
        if cls is None:
            raise _unsupported(f"the automation condition node {type(c).__name__}")
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(c):
            v = getattr(c, f.name)
            if v is None:
                kwargs[f.name] = None
            elif f.name == "operands":
                kwargs[f.name] = [self(x) for x in v]
            elif f.name == "serializable_lookback_timedelta":
                from dagster_shared.serdes.utils import SerializableTimeDelta

                kwargs[f.name] = SerializableTimeDelta.from_timedelta(v)
            elif f.name in ("allow_selection", "ignore_selection"):
                keys = getattr(v, "selected_keys", None)
                kwargs[f.name] = (
                    self.dg.AssetSelection.assets(*(self(k) for k in keys))
                    if type(v).__name__ == "KeysAssetSelection" and keys is not None
                    else self.dg.AssetSelection.from_string(v.to_selection_str())
                )
            elif f.name == "rule":
                kwargs[f.name] = self._by_signature(v, _rule_class(self.dg, v))
            else:
                kwargs[f.name] = self(v)
        return cls(**kwargs)

    def _by_signature(self, value: Any, target: type) -> Any:
        """Dagster's class of the same name, built from the attributes its constructor names."""
        kwargs = {}
        for p in inspect.signature(target).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if hasattr(value, p.name):
                v = getattr(value, p.name)
                if v is not None:
                    kwargs[p.name] = self(v)
        try:
            return target(**kwargs)
        except Exception as exc:  # noqa: BLE001 - say which object, keep the cause
            raise _unsupported(f"{type(value).__name__} ({exc})") from exc

    def _user_instance(self, value: Any) -> Any:
        new_cls = self(type(value))
        fields = getattr(type(value), "model_fields", None)
        if fields is not None:
            return new_cls(**{k: self(getattr(value, k)) for k in fields})
        new = object.__new__(new_cls)
        new.__dict__.update({k: self(v) for k, v in vars(value).items()})
        return new

    def _AssetsDefinition(self, ad: Any) -> Any:
        return self.assets_def(ad)

    _SourceAsset = _AssetsDefinition

    def _AssetSpec(self, s: Any) -> Any:
        return self.spec(s)

    def _AssetKey(self, k: Any) -> Any:
        return self.dg.AssetKey(list(k.path))

    def _EnvVar(self, v: Any) -> Any:
        return self.dg.EnvVar(v.env_var_name)

    def _time_window(self, p: Any) -> Any:
        def when(t: Any) -> datetime | None:
            if t is None or isinstance(t, datetime):
                return t
            return datetime.fromtimestamp(t, timezone.utc)

        start, end = when(p.start), when(p.end)
        return self.dg.TimeWindowPartitionsDefinition(
            start=start.strftime(p.fmt)
            if start is not None and _roundtrips(start, p.fmt)
            else start,
            end=(end.strftime(p.fmt) if end is not None and _roundtrips(end, p.fmt) else end),
            cron_schedule=p.cron_schedule,
            fmt=p.fmt,
            timezone=p.timezone,
            end_offset=p.end_offset,
        )

    _TimeWindowPartitionsDefinition = _DailyPartitionsDefinition = _time_window
    _HourlyPartitionsDefinition = _WeeklyPartitionsDefinition = _MonthlyPartitionsDefinition = (
        _time_window
    )

    def _StaticPartitionsDefinition(self, p: Any) -> Any:
        return self.dg.StaticPartitionsDefinition(list(p.get_partition_keys()))

    def _MultiPartitionsDefinition(self, p: Any) -> Any:
        return self.dg.MultiPartitionsDefinition(
            {d.name: self(d.partitions_def) for d in p.partitions_defs}
        )

    def _MultiPartitionKey(self, k: Any) -> Any:
        return self.dg.MultiPartitionKey(dict(k.keys_by_dimension))

    def _FilesystemIOManager(self, m: Any) -> Any:
        return self.dg.FilesystemIOManager(base_dir=getattr(m, "base_dir", None))

    def _InMemoryIOManager(self, m: Any) -> Any:
        return self.dg.InMemoryIOManager()

    def _metadata(self, md: Any) -> dict[str, Any]:
        out = {}
        for k, v in dict(md or {}).items():
            out[k] = self._metadata_value(v)
        return out

    def _metadata_value(self, v: Any) -> Any:
        if not self._is_ours(v):
            return v
        name = type(v).__name__
        raw = getattr(v, "value", None)
        maker = {
            "TextMetadataValue": "text",
            "IntMetadataValue": "int",
            "FloatMetadataValue": "float",
            "BoolMetadataValue": "bool",
            "JsonMetadataValue": "json",
            "MarkdownMetadataValue": "md",
            "UrlMetadataValue": "url",
            "PathMetadataValue": "path",
            "NotebookMetadataValue": "notebook_path",
            "TimestampMetadataValue": "timestamp",
            "DagsterRunMetadataValue": "dagster_run",
        }.get(name)
        if maker is not None:
            return getattr(self.dg.MetadataValue, maker)(raw)
        if name == "NullMetadataValue":
            return self.dg.MetadataValue.null()
        return self(v)

    # ------------------------------------------------------------------ definitions
    def assets_def(self, ad: Any) -> Any:
        dg = self.dg
        if type(ad).__name__ == "SourceAsset":
            ad = ad.to_assets_definition()
        node = ad.node_def
        specs = list(ad.specs_by_key.values())
        if node is None:  # external assets: specs only
            return [self.spec(s) for s in specs] if len(specs) > 1 else self.spec(specs[0])
        fn = getattr(node, "compute_fn", None)
        if not isinstance(fn, types.FunctionType):
            raise _unsupported(
                f"asset {ad.key.to_user_string() if len(specs) == 1 else specs[0].key.to_user_string()}"
                " (graph-backed assets)"
            )
        user_fn = self.function(fn)
        ins = {}
        input_keys = set()
        for name, key in ad.keys_by_input_name.items():
            input_keys.add(key)
            pm = ad.partition_mappings.get(key)
            ins[name] = dg.AssetIn(
                key=self(key), partition_mapping=self(pm) if pm is not None else None
            )
        common: dict[str, Any] = {}
        if ad.partitions_def is not None:
            common["partitions_def"] = self(ad.partitions_def)
        if getattr(node, "retry_policy", None) is not None:
            common["retry_policy"] = self(node.retry_policy)
        if ad.backfill_policy is not None:
            common["backfill_policy"] = self(ad.backfill_policy)
        execution = str(getattr(ad, "execution_type", "")).upper()
        if len(specs) == 1 and "OBSERVATION" not in execution:
            s = specs[0]
            deps = [self._dep(d) for d in s.deps if d.asset_key not in input_keys]
            out = next(iter(node.outs.values()), None) if getattr(node, "outs", None) else None
            kwargs = dict(
                key=self(s.key),
                ins=ins or None,
                deps=deps or None,
                description=s.description,
                metadata=self._metadata(s.metadata) or None,
                group_name=s.group_name,
                code_version=s.code_version,
                owners=list(s.owners) or None,
                tags={k: v for k, v in s.tags.items() if not k.startswith(_KIND_TAG)} or None,
                kinds=set(s.kinds) or None,
                io_manager_key=getattr(out, "io_manager_key", None) or s.io_manager_key,
                **common,
            )
            if s.automation_condition is not None:
                kwargs["automation_condition"] = self(s.automation_condition)
            return dg.asset(**{k: v for k, v in kwargs.items() if v is not None})(user_fn)
        if "OBSERVATION" in execution:
            if len(specs) != 1:
                raise _unsupported("multi observable source assets")
            s = specs[0]
            kwargs = dict(
                key=self(s.key),
                description=s.description,
                group_name=s.group_name,
                metadata=self._metadata(s.metadata) or None,
                **common,
            )
            kwargs.pop("backfill_policy", None)
            return dg.observable_source_asset(**{k: v for k, v in kwargs.items() if v is not None})(
                user_fn
            )
        # multi-asset: one spec per output, in output order
        by_key = {k: name for name, k in ad.keys_by_output_name.items()}
        outs = {}
        for s in specs:
            out = node.outs.get(by_key.get(s.key, ""), None)
            outs[by_key[s.key]] = dg.AssetOut(
                key=self(s.key),
                description=s.description,
                group_name=s.group_name,
                code_version=s.code_version,
                metadata=self._metadata(s.metadata) or None,
                io_manager_key=getattr(out, "io_manager_key", None) or s.io_manager_key,
                is_required=not s.skippable,
                owners=list(s.owners) or None,
                tags={k: v for k, v in s.tags.items() if not k.startswith(_KIND_TAG)} or None,
                kinds=set(s.kinds) or None,
                automation_condition=self(s.automation_condition),
            )
        deps = sorted(
            {d.asset_key for s in specs for d in s.deps} - input_keys - set(ad.specs_by_key),
            key=lambda k: k.parts,
        )
        return dg.multi_asset(
            outs=outs,
            ins=ins or None,
            deps=[self(k) for k in deps] or None,
            can_subset=ad.can_subset,
            name=getattr(node, "name", None),
            **common,
        )(user_fn)

    def _dep(self, d: Any) -> Any:
        if d.partition_mapping is None:
            return self(d.asset_key)
        return self.dg.AssetDep(self(d.asset_key), partition_mapping=self(d.partition_mapping))

    def spec(self, s: Any) -> Any:
        return self.dg.AssetSpec(
            key=self(s.key),
            deps=[self._dep(d) for d in s.deps] or None,
            description=s.description,
            metadata=self._metadata(s.metadata) or None,
            group_name=s.group_name,
            code_version=s.code_version,
            owners=list(s.owners) or None,
            tags={k: v for k, v in s.tags.items() if not k.startswith(_KIND_TAG)} or None,
            kinds=set(s.kinds) or None,
            partitions_def=self(s.partitions_def) if s.partitions_def is not None else None,
            automation_condition=self(s.automation_condition),
        )

    def job(self, j: Any) -> Any:
        name = type(j).__name__
        if name != "UnresolvedAssetJobDefinition":
            raise _unsupported(
                f"job {getattr(j, 'name', j)!r} ({name}; asset jobs made with define_asset_job convert)"
            )
        sel = j.selection
        if not isinstance(sel, str) and sel is not None:
            if isinstance(sel, (list, tuple)):
                sel = [self(s) if not isinstance(s, str) else s for s in sel]
            else:
                raise _unsupported(
                    f"the AssetSelection object of job {j.name!r} (write it as a string)"
                )
        kwargs = dict(
            name=j.name,
            selection=sel,
            description=j.description,
            tags=j.tags or None,
            run_tags=j.run_tags or None,
            metadata=j.metadata or None,
            config=j.config,
            partitions_def=self(j.partitions_def) if j.partitions_def is not None else None,
        )
        if j.executor_def is not None or j.op_retry_policy is not None:
            raise _unsupported(f"the executor / op retry policy of job {j.name!r}")
        return self.dg.define_asset_job(**{k: v for k, v in kwargs.items() if v is not None})

    def schedule(self, s: Any, jobs: dict[str, Any]) -> Any:
        """A ``@schedule`` function (translated) or a plain cron ``ScheduleDefinition``, with
        the same name, cron, timezone, status and target."""
        dg = self.dg
        common = dict(
            name=s.name,
            cron_schedule=s.cron_schedule,
            execution_timezone=s.execution_timezone,
            description=s.description,
            tags=dict(s.tags or {}) or None,
            default_status=getattr(dg.DefaultScheduleStatus, s.default_status.name)
            if s.default_status is not None
            else None,
        )
        target = self._target(s._target, jobs)
        decorated = getattr(s, "_decorated", None)
        if decorated is not None:
            kwargs = {**common, **target}
            if "job_name" in kwargs:
                raise _unsupported(f"schedule {s.name!r} (a @schedule naming its job by name)")
            return dg.schedule(**{k: v for k, v in kwargs.items() if v is not None})(
                self.function(decorated.fn)
            )
        fn = getattr(s, "_execution_fn", None)
        cells = (
            dict(
                zip(
                    fn.__code__.co_freevars,
                    (c.cell_contents for c in fn.__closure__ or ()),
                    strict=False,
                )
            )
            if fn
            else {}
        )
        extra = [
            k
            for k in ("run_config_fn", "tags_fn", "should_execute", "static_config")
            if cells.get(k)
        ]
        if fn is None or "name" not in cells or extra:
            raise _unsupported(f"schedule {s.name!r} ({', '.join(extra) or 'an execution_fn'})")
        common["metadata"] = dict(s.metadata or {}) or None
        kwargs = {**common, **target}
        return dg.ScheduleDefinition(**{k: v for k, v in kwargs.items() if v is not None})

    def definitions(self, defs: Any) -> Any:
        assets: list[Any] = []
        for a in defs.assets:
            converted = self(a)  # memoized: a sensor's target names the same converted asset
            assets.extend(converted if isinstance(converted, list) else [converted])
        jobs = [self.job(j) for j in defs.jobs]
        by_name = {j.name: j for j in jobs}
        schedules = [self.schedule(s, by_name) for s in defs.schedules]
        sensors = [self.sensor(s, by_name) for s in defs.sensors]
        resources = {k: self(v) for k, v in defs.resources.items()}
        return self.dg.Definitions(
            assets=assets,
            jobs=jobs or None,
            schedules=schedules or None,
            sensors=sensors or None,
            resources=resources or None,
        )

    def sensor(self, s: Any, jobs: dict[str, Any]) -> Any:
        """A plain ``@sensor`` (or ``SensorDefinition``): its function, translated, under
        Dagster's SensorDefinition with the same name, interval, status and target."""
        if (
            type(s).__name__ != "SensorDefinition"
            or getattr(s, "_asset_selection", None) is not None
        ):
            raise _unsupported(f"sensor {s.name!r} ({type(s).__name__})")
        dg = self.dg
        kwargs: dict[str, Any] = dict(
            name=s.name,
            evaluation_fn=self.function(s._raw_fn),
            minimum_interval_seconds=s._min_interval,
            description=s._description,
            default_status=getattr(dg.DefaultSensorStatus, s._default_status.name),
            tags=dict(s._tags) or None,
            owners=list(s._owners) or None,
            required_resource_keys=set(s._required_resource_keys) - set(s._params.resource_params)
            or None,
        )
        targets = [self._target(t, jobs) for t in s._targets]
        if len(targets) == 1:
            kwargs.update(targets[0])
        elif targets:
            if any("job" not in t for t in targets):
                raise _unsupported(f"the targets of sensor {s.name!r}")
            kwargs["jobs"] = [t["job"] for t in targets]
        return dg.SensorDefinition(**{k: v for k, v in kwargs.items() if v is not None})

    def _target(self, t: Any, jobs: dict[str, Any]) -> dict[str, Any]:
        from dagster_nb._automation._common import ANONYMOUS_ASSET_JOB_PREFIX

        if t.job is None:
            return {"job_name": t.job_name}
        if t.job_name.startswith(ANONYMOUS_ASSET_JOB_PREFIX):  # target=[assets]: Dagster names it
            sel = t.job.selection
            return {"target": self(sel) if not isinstance(sel, str) else sel}
        return {"job": jobs.get(t.job_name) or self.job(t.job)}


def _factory(field: Any, translate: DagsterTranslator) -> Any:
    import pydantic

    return pydantic.Field(default_factory=lambda: translate(field.default_factory()))


def _roundtrips(dt: datetime, fmt: str) -> bool:
    try:
        return datetime.strptime(dt.strftime(fmt), fmt).replace(tzinfo=dt.tzinfo) == dt
    except ValueError:
        return False


def to_dagster(defs: Any) -> Any:
    """Our ``Definitions`` as a ``dagster.Definitions`` (see the module docstring)."""
    return DagsterTranslator().definitions(defs)
