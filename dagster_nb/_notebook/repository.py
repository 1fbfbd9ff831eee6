"""The kernel repository: the notebook's forgiving, redefinable set of definitions.

Decorators announce every new definition (``registry_hook``); the repository keeps the latest
one per asset key, remembers which cell defined it, and swaps an immutable snapshot
(:class:`ResolvedAssets`) atomically on every change, so a running materialization never sees
a half-updated graph. Runs go to the persistent instance (``DagsterInstance.get()``).

Everything a magic does is one call here:

    dg.kernel.materialize("key:orders+")
    dg.kernel.load_asset_value("orders")
    dg.kernel.set_resources(warehouse=Warehouse(url="..."))
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions import registry_hook
from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._definitions.assets import AssetsDefinition, SourceAsset
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    did_you_mean,
)
from dagster_nb._widgets.run_fold import LiveRuns

if TYPE_CHECKING:
    from types import FrameType

    from dagster_nb._instance import DagsterInstance

__all__ = [
    "KernelRepository",
    "get_kernel_repository",
    "RedefinitionWarning",
    "NothingToMaterialize",
]


class RedefinitionWarning(UserWarning):
    """The same asset key was defined by two different cells or modules."""


class NothingToMaterialize(DagsterInvariantViolationError):
    """A materialization request selected no assets (or only fresh ones with ``stale=True``)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    definition: AssetsDefinition
    origin: str  # cell id, or "module:<name>", or "file:line"


class KernelRepository:
    """Definitions of this kernel, keyed by asset key; latest definition wins."""

    def __init__(self, instance: DagsterInstance | None = None):
        self._lock = threading.RLock()
        self._entries: dict[AssetKey, _Entry] = {}
        # @asset_check definitions (no asset keys of their own), by check key
        self._check_entries: dict[Any, _Entry] = {}
        self._checks_this_cell: set[Any] = set()
        self._check_keys_by_origin: dict[str, set[Any]] = {}
        self._resources: dict[str, Any] = {}
        self._jobs: dict[str, Any] = {}
        self._schedules: dict[str, Any] = {}
        self._sensors: dict[str, Any] = {}
        self._snapshot: ResolvedAssets | None = None
        self._snapshot_error: Exception | None = None
        self._version = 0
        self._instance = instance
        self._subscribers: list[Callable[[str, Any], None]] = []
        self._current_origin: str | None = None
        self._defined_this_cell: set[AssetKey] = set()
        self._keys_by_origin: dict[str, set[AssetKey]] = {}
        self._live = LiveRuns()  # the runs going on now (live views read it)
        self._labels: dict[str, str] = {}
        self._active = False

    # --- lifecycle ---
    def activate(self) -> None:
        """Start receiving definitions from decorators."""
        registry_hook.subscribe(self._on_define)
        self._active = True

    def deactivate(self) -> None:
        registry_hook.unsubscribe(self._on_define)
        self._active = False

    @property
    def instance(self) -> Any:
        if self._instance is None:
            from dagster_nb._instance import DagsterInstance

            self._instance = DagsterInstance.get()
        return self._instance

    def set_instance(self, instance: DagsterInstance | None) -> None:
        """Use another instance (e.g. ``DagsterInstance.from_directory(path)``)."""
        with self._lock:
            self._instance = instance
        self._notify("definitions", None)

    @property
    def version(self) -> int:
        return self._version

    # --- cell tracking (called by the IPython extension) ---
    def begin_cell(self, origin: str | None, label: str | None = None) -> None:
        """A cell starts running. ``label`` (e.g. "In [7]") names it in messages."""
        self._current_origin = origin
        self._defined_this_cell = set()
        self._checks_this_cell = set()
        if origin is not None and label is not None:
            self._labels[origin] = label

    def end_cell(self, success: bool) -> list[AssetKey]:
        """After a cell ran: assets it defined on an earlier run but not this time are removed
        (the cell was edited to define something else). Returns the removed keys."""
        origin = self._current_origin
        self._current_origin = None
        removed: list[AssetKey] = []
        if origin is None or not success:
            return removed
        with self._lock:
            before = self._keys_by_origin.get(origin, set())
            for k in sorted(before - self._defined_this_cell, key=lambda x: x.parts):
                e = self._entries.get(k)
                if e is not None and e.origin == origin:
                    del self._entries[k]
                    removed.append(k)
            self._keys_by_origin[origin] = set(self._defined_this_cell)
            dropped_checks = False
            for ck in self._check_keys_by_origin.get(origin, set()) - self._checks_this_cell:
                e = self._check_entries.get(ck)
                if e is not None and e.origin == origin:
                    del self._check_entries[ck]
                    dropped_checks = True
            self._check_keys_by_origin[origin] = set(self._checks_this_cell)
            if removed or dropped_checks:
                self._changed()
        return removed

    # --- registration ---
    def set_code_filter(self, is_notebook_code: Callable[[str], bool] | None) -> None:
        """Register only definitions made by notebook code: ``is_notebook_code(filename)`` of the
        first frame outside dagster_nb decides (the IPython extension passes "is a cell").
        Decorators that run while a module is imported do not join; load_assets_from_modules
        or ``%dagster_nb load`` add them."""
        self._is_notebook_code = is_notebook_code

    def _on_define(self, definition: Any) -> None:
        check = getattr(self, "_is_notebook_code", None)
        if check is not None and not check(_first_user_filename()):
            return
        if _is_instigator(definition):  # @schedule / @sensor in a cell: the latest one wins
            with self._lock:
                target = self._schedules if hasattr(definition, "cron_schedule") else self._sensors
                target[definition.name] = definition
                self._changed()
            return
        origin = self._current_origin or getattr(definition, "source_location", None) or "<unknown>"
        self.register(definition, origin=origin)

    def register(self, definition: Any, *, origin: str | None = None) -> None:
        """Add or replace a definition. Same key from another origin warns, naming both."""
        if isinstance(definition, SourceAsset):
            definition = definition.to_assets_definition()
        if not isinstance(definition, AssetsDefinition):
            raise DagsterInvalidDefinitionError(
                f"Cannot register {type(definition).__name__} in the kernel repository; pass "
                "asset definitions (or use add_definitions for a Definitions object)."
            )
        origin = origin or self._current_origin or definition.source_location or "<unknown>"
        if not definition.specs_by_key and definition.check_specs_by_output_name:
            self._register_checks(definition, origin)
            return
        with self._lock:
            # A multi-asset redefined with fewer keys: drop keys its previous version had.
            for k in definition.specs_by_key:
                prev = self._entries.get(k)
                if prev is not None and prev.origin != origin and prev.definition is not definition:
                    warnings.warn(
                        f"Asset {k.to_user_string()} is defined in {self._describe(origin)} and "
                        f"was already defined in {self._describe(prev.origin)}; the new "
                        "definition replaces the old one. Rename one of them if both are meant "
                        "to exist, or edit the original cell instead.",
                        RedefinitionWarning,
                        stacklevel=_user_stacklevel(),
                    )
            for k in definition.specs_by_key:
                prev = self._entries.get(k)
                if prev is not None and prev.definition is not definition:
                    for other in prev.definition.specs_by_key:
                        if (
                            other not in definition.specs_by_key
                            and self._entries.get(other) is prev
                        ):
                            del self._entries[other]
                self._entries[k] = _Entry(definition, origin)
            if self._current_origin is not None:
                self._defined_this_cell.update(definition.specs_by_key)
                self._keys_by_origin.setdefault(self._current_origin, set()).update(
                    definition.specs_by_key
                )
            self._changed()

    def _register_checks(self, definition: AssetsDefinition, origin: str) -> None:
        """An @asset_check / @multi_asset_check: the latest definition of a check key wins; a
        cell re-run without it drops it (see end_cell)."""
        with self._lock:
            for ck in definition.check_keys:
                prev = self._check_entries.get(ck)
                if prev is not None and prev.origin != origin and prev.definition is not definition:
                    warnings.warn(
                        f"Asset check {ck.to_user_string()} is defined in {self._describe(origin)} "
                        f"and was already defined in {self._describe(prev.origin)}; the new "
                        "definition replaces the old one.",
                        RedefinitionWarning,
                        stacklevel=_user_stacklevel(),
                    )
                if prev is not None and prev.definition is not definition:
                    for other in prev.definition.check_keys:
                        if self._check_entries.get(other) is prev:
                            del self._check_entries[other]
            for ck in definition.check_keys:
                self._check_entries[ck] = _Entry(definition, origin)
            if self._current_origin is not None:
                self._checks_this_cell.update(definition.check_keys)
                self._check_keys_by_origin.setdefault(self._current_origin, set()).update(
                    definition.check_keys
                )
            self._changed()

    def add_definitions(self, defs: Any) -> None:
        """Register everything in a ``Definitions`` (assets, resources, jobs, schedules, sensors)."""
        for a in defs.assets:
            if isinstance(a, (AssetsDefinition, SourceAsset)):
                self.register(a, origin=self._current_origin)
            else:
                from dagster_nb._definitions.repository import coerce_assets_def

                self.register(coerce_assets_def(a), origin=self._current_origin)
        with self._lock:
            for c in defs.asset_checks:
                self._register_checks(c, self._current_origin or c.source_location or "<unknown>")
            self._resources.update(defs.resources)
            for j in defs.jobs:
                self._jobs[j.name] = j
            for s in defs.schedules:
                self._schedules[getattr(s, "name", repr(s))] = s
            for s in defs.sensors:
                self._sensors[getattr(s, "name", repr(s))] = s
            self._changed()

    def load_modules(self, modules: Iterable[Any]) -> list[AssetKey]:
        """Register the assets of imported modules (``%dagster_nb load module``)."""
        from dagster_nb._definitions.load import load_assets_from_modules

        keys: list[AssetKey] = []
        for m in modules:
            for a in load_assets_from_modules([m]):
                ad = a.to_assets_definition() if isinstance(a, SourceAsset) else a
                if not isinstance(ad, AssetsDefinition):
                    from dagster_nb._definitions.repository import coerce_assets_def

                    ad = coerce_assets_def(ad)
                self.register(ad, origin=f"module {m.__name__}")
                keys.extend(ad.specs_by_key)
            from dagster_nb._definitions.load import load_asset_checks_from_modules

            for c in load_asset_checks_from_modules([m]):
                self.register(c, origin=f"module {m.__name__}")
        return keys

    def forget(self, *keys: CoercibleToAssetKey) -> list[AssetKey]:
        """Remove assets by key (``%dagster_nb forget KEY``). Stored values are kept."""
        removed = []
        with self._lock:
            for raw in keys:
                k = _parse_key(raw)
                if k not in self._entries:
                    raise DagsterInvariantViolationError(
                        f"No asset {k.to_user_string()} in the kernel repository."
                        + did_you_mean(
                            k.to_user_string(), (x.to_user_string() for x in self._entries)
                        )
                    )
                entry = self._entries.pop(k)
                removed.append(k)
                for other in list(entry.definition.specs_by_key):
                    if self._entries.get(other) is entry:
                        del self._entries[other]
                        removed.append(other)
            self._changed()
        return removed

    def reset(self) -> None:
        """Forget every definition and resource (stored values and runs are kept)."""
        with self._lock:
            self._entries.clear()
            self._check_entries.clear()
            self._check_keys_by_origin.clear()
            self._resources.clear()
            self._jobs.clear()
            self._keys_by_origin.clear()
            self._changed()

    def set_resources(self, resources: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Resources (and IO managers) that materializations in this kernel use:
        ``dg.kernel.set_resources(io_manager=MyIOManager(), db=Warehouse(...))``."""
        with self._lock:
            self._resources.update(dict(resources or {}), **kwargs)
            self._changed()

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self._resources)

    def _changed(self) -> None:
        self._snapshot = None
        self._snapshot_error = None
        self._version += 1
        self._notify("definitions", None)

    # --- snapshot ---
    def definitions_list(self) -> list[AssetsDefinition]:
        with self._lock:
            seen: dict[int, AssetsDefinition] = {}
            for e in self._entries.values():
                seen.setdefault(id(e.definition), e.definition)
            for e in self._check_entries.values():
                seen.setdefault(id(e.definition), e.definition)
            return list(seen.values())

    def snapshot(self) -> ResolvedAssets:
        """The current definitions, resolved (immutable)."""
        with self._lock:
            snap = self._snapshot
            if snap is None:
                defs = self.definitions_list()
                snap = ResolvedAssets.build(defs)
                self._snapshot = snap
            return snap

    def resolve_asset_graph(self) -> Any:
        return self.snapshot().graph

    def resolve_all_asset_specs(self) -> list[Any]:
        return [s for ad in self.snapshot().assets_defs for s in ad.specs_by_key.values()]

    def resolve_assets_def(self, key: CoercibleToAssetKey) -> AssetsDefinition:
        k = _parse_key(key)
        snap = self.snapshot()
        ad = snap.assets_def_by_key.get(k)
        if ad is None:
            raise DagsterInvariantViolationError(
                f"No asset {k.to_user_string()} in the kernel repository."
                + did_you_mean(
                    k.to_user_string(), (x.to_user_string() for x in snap.assets_def_by_key)
                )
            )
        return ad

    def _describe(self, origin: str) -> str:
        label = self._labels.get(origin)
        if label is not None:
            return f"cell {label}"
        if origin.startswith(("cell ", "module ")):
            return origin
        return f"'{origin}'"

    def origin_of(self, key: CoercibleToAssetKey) -> str | None:
        e = self._entries.get(_parse_key(key))
        return e.origin if e is not None else None

    def to_definitions(self) -> Any:
        """A strict ``Definitions`` with everything defined in this kernel."""
        from dagster_nb._definitions.definitions_class import Definitions

        defs = self.definitions_list()
        return Definitions(
            assets=[d for d in defs if d.specs_by_key],
            asset_checks=[d for d in defs if not d.specs_by_key],
            resources=self._resources,
            jobs=list(self._jobs.values()),
            schedules=list(self._schedules.values()),
            sensors=list(self._sensors.values()),
        )

    def to_dagster(self, defs: Any = None) -> Any:
        """A real ``dagster.Definitions`` in this process: the kernel's definitions (assets,
        resources, asset jobs, schedules, sensors), or those of a ``Definitions`` of ours. User
        functions are decorated again with Dagster's decorators, with ``dg`` in their globals
        being ``dagster``. Needs ``pip install dagster``.

            ddefs = dg.kernel.to_dagster()
            dagster.materialize(ddefs.assets, resources=ddefs.resources)
        """
        from dagster_nb._export.convert import to_dagster

        return to_dagster(self.to_definitions() if defs is None else defs)

    # --- subscribers (widgets) ---
    def subscribe(self, fn: Callable[[str, Any], None]) -> None:
        if fn not in self._subscribers:
            self._subscribers.append(fn)

    def unsubscribe(self, fn: Callable[[str, Any], None]) -> None:
        if fn in self._subscribers:
            self._subscribers.remove(fn)

    def _notify(self, kind: str, payload: Any) -> None:
        for fn in list(self._subscribers):
            try:
                fn(kind, payload)
            except Exception:  # a broken view never breaks the kernel
                import traceback

                traceback.print_exc()

    # --- staleness ---
    def staleness(self) -> Any:
        from dagster_nb._execution.staleness import StalenessResolver

        return StalenessResolver(self.snapshot(), self.instance)

    def get_stale_status(self, key: CoercibleToAssetKey, partition_key: str | None = None) -> Any:
        return self.staleness().get_status(_parse_key(key), partition_key)

    def get_stale_causes(
        self, key: CoercibleToAssetKey, partition_key: str | None = None
    ) -> list[Any]:
        return self.staleness().get_stale_causes(_parse_key(key), partition_key)

    def stale_asset_keys(self, selection: Any = None) -> set[AssetKey]:
        """Stale or missing materializable keys of ``selection`` (all when None)."""
        snap = self.snapshot()
        keys = self.select(selection)
        res = self.staleness()
        return {
            k for k in res.stale_or_missing(keys) if snap.assets_def_by_key[k].is_materializable
        }

    # --- selection ---
    def select(self, selection: Any = None) -> set[AssetKey]:
        """Keys of the materializable assets a selection resolves to (all when None)."""
        from dagster_nb._execution.materialize import resolve_selection

        return resolve_selection(self.snapshot(), selection)

    # --- running ---
    def materialize(
        self,
        selection: Any = None,
        *,
        partition_key: str | None = None,
        partition_keys: Sequence[str] | None = None,
        partition_key_range: Any = None,
        stale: bool = False,
        tags: Mapping[str, str] | None = None,
        run_config: Any = None,
        max_concurrent: int = 1,
        listeners: Sequence[Callable] = (),
        raise_on_error: bool = True,
        resources: Mapping[str, Any] | None = None,
        executor: Any = None,
        run_id: str | None = None,
    ) -> Any:
        """Materialize a selection (Dagster selection syntax; everything when None) with the
        kernel's resources into the persistent instance. ``stale=True`` keeps only stale and
        missing assets of the selection. ``executor``: an ExecutorDefinition (default: steps
        run here, ``max_concurrent`` at once). ``run_id``: the id of a single run (one stored
        as QUEUED, by the automation loop, is started). Returns the ExecuteInProcessResult."""
        from dagster_nb._execution.materialize import run_assets

        snap = self.snapshot()
        keys = self.select(selection)
        if stale:
            keys = keys & self.stale_asset_keys(selection)
        if not keys:
            raise NothingToMaterialize(
                "Nothing to materialize: "
                + ("every selected asset is fresh." if stale else "the selection is empty.")
            )

        def relay(event: Any) -> None:
            self._live.add(event)
            self._notify("event", event)

        res = {**self._resources, **(resources or {})}
        extra: dict[str, Any] = {}
        if executor is not None:
            from dagster_nb._execution.executors import executor_run_kwargs

            extra = executor_run_kwargs(
                executor, run_config if isinstance(run_config, dict) else None, max_concurrent
            )
        many = partition_key_range is not None or (
            partition_keys is not None and len(partition_keys) > 1
        )
        if many:
            from dagster_nb._execution.backfill import run_backfill

            if run_id is not None:
                raise DagsterInvalidDefinitionError(
                    "run_id= names one run; a partition range runs as several. Pass "
                    "partition_key= for one run, or leave run_id out."
                )

            result = run_backfill(
                snap,
                keys,
                partition_keys,
                partition_key_range=partition_key_range,
                instance=self.instance,
                resources=res,
                run_config=run_config,
                tags=tags,
                max_concurrent=max_concurrent,
                listeners=[relay, *listeners],
                job_name="__notebook_asset_job__",
                executor_kwargs=extra,
            )
            if raise_on_error and not result.success:
                _raise_backfill_error(result)
            return result
        return run_assets(
            snap,
            selected_keys=keys,
            instance=self.instance,
            resources=res,
            partition_key=partition_key if partition_keys is None else partition_keys[0],
            tags=tags,
            run_config=run_config,
            listeners=[relay, *listeners],
            raise_on_error=raise_on_error,
            job_name="__notebook_asset_job__",
            run_id=run_id,
            **{"max_concurrent": max_concurrent, **extra},
        )

    @property
    def running(self) -> dict[AssetKey, str]:
        """Assets queued (planned) or running in the runs going on now."""
        out = dict.fromkeys(self._live.keys_with_status("planned"), "queued")
        out.update(dict.fromkeys(self._live.keys_with_status("running"), "running"))
        return out

    def observe(self, selection: Any = None, **kwargs: Any) -> Any:
        from dagster_nb._execution.materialize import resolve_selection, run_assets

        snap = self.snapshot()
        keys = resolve_selection(snap, selection, observe=True) if selection is not None else None
        return run_assets(
            snap,
            selected_keys=keys,
            observe=True,
            instance=self.instance,
            resources=self._resources,
            job_name="__notebook_observe_job__",
            **kwargs,
        )

    # --- values (Definitions' method names) ---
    def get_asset_value_loader(self, instance: DagsterInstance | None = None) -> Any:
        from dagster_nb._execution.loader import AssetValueLoader

        return AssetValueLoader(self.snapshot(), self._resources, instance or self.instance)

    def load_asset_value(
        self,
        asset_key: CoercibleToAssetKey,
        *,
        python_type: type | None = None,
        partition_key: str | None = None,
        instance: DagsterInstance | None = None,
    ) -> Any:
        with self.get_asset_value_loader(instance) as loader:
            return loader.load_asset_value(
                _parse_key(asset_key), python_type=python_type, partition_key=partition_key
            )

    def resolve_job_def(self, name: str) -> Any:
        return self.to_definitions().resolve_job_def(name)

    # --- automation (the loop: dagster_nb._automation.daemon; kernel glue: automation_magic) ---
    @property
    def automation(self) -> Any:
        """This kernel's automation loop (``AutomationDaemon``)."""
        from dagster_nb._notebook.automation_magic import kernel_daemon

        return kernel_daemon(self)

    def start_automation(self, interval: float = 1.0) -> Any:
        """Tick schedules, sensors and automation conditions every ``interval`` seconds on a
        background thread (cells stay responsive; redefinitions apply at the next tick)."""
        self.automation.start(interval=interval)
        return self.automation

    def stop_automation(self, timeout: float | None = 60.0) -> bool:
        """Stop the loop after its current tick (a run it launched finishes first)."""
        return self.automation.stop(timeout=timeout)

    def tick(self, at: Any = None) -> list[Any]:
        """Evaluate everything due at ``at`` (a datetime or ISO string; default now) once, and
        launch what it requests. Returns the tick records (status, skip reason, run ids)."""
        return self.automation.tick(at=at)

    def __repr__(self) -> str:
        n = len(self._entries)
        return f"<KernelRepository {n} asset{'s' if n != 1 else ''}, instance={self._instance!r}>"


def _raise_backfill_error(result: Any) -> None:
    """Raise the first failure of a backfill (after every partition ran)."""
    for exc in result.errors.values():
        raise exc
    for r in result.results:
        if not r.success:
            from dagster_nb._execution.materialize import _raise_first_error

            _raise_first_error(r._x)


def _first_user_filename() -> str:
    """The file of the innermost frame outside the dagster_nb package."""
    import os
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not os.path.abspath(name).startswith(root):
            return name
        frame = frame.f_back
    return ""


def _user_stacklevel() -> int:
    """The stacklevel of the first frame outside dagster_nb (so warnings point at user code)."""
    import os
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(root):
        frame = frame.f_back
        level += 1
    return level


def _parse_key(raw: CoercibleToAssetKey) -> AssetKey:
    """Users type "a/b" in magics; in code, strings with '/' also mean a path."""
    if isinstance(raw, str):
        return AssetKey.from_user_string(raw)
    return AssetKey.from_coercible(raw)


_kernel: KernelRepository | None = None
_kernel_lock = threading.Lock()


def _is_instigator(definition: Any) -> bool:
    from dagster_nb._automation.schedules import ScheduleDefinition
    from dagster_nb._automation.sensors import SensorDefinition

    return isinstance(definition, (ScheduleDefinition, SensorDefinition))


def get_kernel_repository() -> KernelRepository:
    """``dg.kernel``: the kernel repository (created on first use)."""
    global _kernel
    with _kernel_lock:
        if _kernel is None:
            _kernel = KernelRepository()
            _kernel.activate()
        return _kernel


def reset_kernel_repository() -> None:
    """Drop the kernel repository (used by unload_ipython_extension and tests)."""
    global _kernel
    with _kernel_lock:
        if _kernel is not None:
            _kernel.deactivate()
        _kernel = None
