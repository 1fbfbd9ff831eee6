"""The one seam through which the definitions layer uses the layers above it.

A few methods users call on definitions need execution: ``Definitions.resolve_job_def`` and
``load_asset_value``, ``GraphDefinition.execute_in_process`` and ``to_job``. The definitions
layer must not import execution (layers point one way; a test reads every import from the AST),
so those methods call :func:`services`, which returns what the execution layer provides
(:mod:`dagster_nb._execution.services`, an object with the :class:`ExecutionServices` methods).
The package root (``dagster_nb/__init__.py``) wires it with :func:`install` at import; the
services module itself is imported only the first time one of those methods runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from dagster_nb._errors import DagsterInvariantViolationError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["ExecutionServices", "install", "services"]


class ExecutionServices(Protocol):
    """What the definitions layer asks of execution (and of the instance, through it)."""

    def resolve_job(self, job: Any, defs: Any) -> Any: ...

    def define_asset_job(self, name: str) -> Any: ...

    def is_unresolved_asset_job(self, job: Any) -> bool: ...

    def asset_value_loader(
        self, resolved: Any, resources: Mapping[str, Any], instance: DagsterInstance | None
    ) -> Any: ...

    def execute_graph_in_process(self, graph: Any, **kwargs: Any) -> Any: ...

    def op_job(self, graph: Any, **kwargs: Any) -> Any: ...


_loader: Callable[[], ExecutionServices] | None = None
_services: ExecutionServices | None = None


def install(loader: Callable[[], ExecutionServices]) -> None:
    """Register how to load the execution services (called once, by the package root)."""
    global _loader, _services
    _loader = loader
    _services = None


def services() -> ExecutionServices:
    """The execution services, loaded on first use."""
    global _services
    if _services is None:
        if _loader is None:
            raise DagsterInvariantViolationError(
                "dagster_nb's execution layer is not wired: import dagster_nb (the package) "
                "before calling methods that run or load assets."
            )
        _services = _loader()
    return _services
