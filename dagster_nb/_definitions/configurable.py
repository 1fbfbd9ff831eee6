"""Pydantic-based resources: ``ConfigurableResource``, ``ConfigurableResourceFactory``,
``ConfigurableIOManager``, ``ConfigurableIOManagerFactory``.

    class Warehouse(dg.ConfigurableResource):
        url: str
        token: str = dg.EnvVar("WAREHOUSE_TOKEN")   # read at run time only

This module imports pydantic (through ``config``); it is loaded the first time a user names one of
these classes (``dg.ConfigurableResource`` resolves lazily), never by a run that uses none of them.
The rest of the resource machinery (``ResourceDefinition``, ``build_resources``, the initializer
that opens these objects) is in :mod:`~dagster_nb._definitions.resources` and
:mod:`~dagster_nb._definitions.io_manager`, which check for these classes only once this module is
loaded (``resources.is_configurable_resource``).
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Generator, Mapping
from typing import Any, Generic, TypeVar

import pydantic
from pydantic import PrivateAttr

from dagster_nb._definitions.config import (
    ConfigValidationError,
    _ConfigBase,
    type_name,
)
from dagster_nb._definitions.io_manager import IOManager
from dagster_nb._definitions.resources import (
    InitResourceContext,
    PartialResource,
    _is_deferred_resource,
    _open_configurable_value,
)
from dagster_nb._definitions.run_config import _is_env_var
from dagster_nb._errors import DagsterInvalidInvocationError

__all__ = [
    "ConfigurableResource",
    "ConfigurableResourceFactory",
    "ConfigurableIOManager",
    "ConfigurableIOManagerFactory",
]

TResValue = TypeVar("TResValue")


class ConfigurableResourceFactory(_ConfigBase, Generic[TResValue]):
    """A configurable resource whose value is whatever :meth:`create_resource` returns.

    class ApiClientFactory(dg.ConfigurableResourceFactory[ApiClient]):
        token: str

        def create_resource(self, context) -> ApiClient:
            return ApiClient(self.token)
    """

    _dnb_kind: typing.ClassVar[str] = "resource config"
    _dnb_resource_context: Any = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        deferred = {k for k, v in data.items() if _is_env_var(v) or _is_deferred_resource(v)}
        if not deferred:
            super().__init__(**data)
            return
        try:
            super().__init__(**data)
        except ConfigValidationError as e:
            # Errors only on EnvVar / nested partial-resource fields are not errors yet: those
            # are checked at run time, when their values exist. Build without them.
            locs = getattr(e, "error_locations", None)
            if not locs or any(not (loc and loc[0] in deferred) for loc in locs):
                raise e from None
            self._dnb_construct_deferred(data, deferred)
            return
        for k in deferred:
            # pydantic may have coerced or copied them; keep the original object.
            self.__dict__[k] = data[k]
            if _is_env_var(data[k]):
                self._dnb_env_fields[k] = data[k].env_var_name

    def _dnb_construct_deferred(self, data: Mapping[str, Any], deferred: set[str]) -> None:
        fields = type(self).model_fields
        values: dict[str, Any] = {}
        errors: list[str] = []
        for k, v in data.items():
            if k in deferred or k not in fields:
                values[k] = v
                continue
            try:
                values[k] = pydantic.TypeAdapter(fields[k].annotation or Any).validate_python(v)
            except pydantic.ValidationError as e:
                for err in e.errors(include_input=False, include_url=False):
                    errors.append(
                        f"Invalid value for field '{k}' (expected "
                        f"{type_name(fields[k].annotation)}): {err.get('msg')}."
                    )
        if errors:
            raise ConfigValidationError.build(
                f"Invalid resource config for {type(self).__name__}:",
                errors,
                title=type(self).__name__,
            )
        built = type(self).model_construct(**values)
        object.__setattr__(self, "__dict__", built.__dict__)
        object.__setattr__(self, "__pydantic_fields_set__", built.__pydantic_fields_set__)
        object.__setattr__(self, "__pydantic_extra__", built.__pydantic_extra__)
        object.__setattr__(self, "__pydantic_private__", built.__pydantic_private__)
        for k in deferred:
            if _is_env_var(data[k]):
                self._dnb_env_fields[k] = data[k].env_var_name

    # ---- lifecycle hooks (Dagster's names)
    def create_resource(self, context: InitResourceContext) -> TResValue:
        """Return the resource value. Override in a factory."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement create_resource(self, context)."
        )

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Called once before the run uses the resource (e.g. open a connection)."""

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        """Called once after the run, even if it failed (e.g. close the connection)."""

    @contextlib.contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Generator[TResValue, None, None]:
        """Bracket the run. By default: setup, yield :meth:`create_resource`, teardown."""
        self.setup_for_execution(context)
        try:
            yield self.create_resource(context)
        finally:
            self.teardown_after_execution(context)

    def get_resource_context(self) -> InitResourceContext:
        """The context this (initialized) resource was set up with."""
        ctx = self._dnb_resource_context
        if ctx is None:
            raise DagsterInvalidInvocationError(
                f"{type(self).__name__} has not been initialized; get_resource_context() is "
                "only available inside a run or build_resources()."
            )
        return ctx

    @classmethod
    def configure_at_launch(cls, **kwargs: Any) -> PartialResource:
        """Leave (some) config to be given at launch, via ``resource_config`` / run config."""
        return PartialResource(cls, data=kwargs)

    @classmethod
    def from_resource_context(cls, context: InitResourceContext) -> Any:
        """Build and set up from a context (for use in a ``@resource`` function)."""
        instance = cls(**(context.resource_config or {}))
        with _open_configurable_value(instance, context) as value:
            return value

    @classmethod
    @contextlib.contextmanager
    def from_resource_context_cm(cls, context: InitResourceContext) -> Generator[Any, None, None]:
        instance = cls(**(context.resource_config or {}))
        with _open_configurable_value(instance, context) as value:
            yield value


class ConfigurableResource(ConfigurableResourceFactory[TResValue]):
    """A resource that is its own value: a frozen pydantic model with lifecycle hooks.

        class Warehouse(dg.ConfigurableResource):
            url: str
            token: str = dg.EnvVar("WAREHOUSE_TOKEN")   # read at run time only

            def query(self, sql: str): ...

    Fields may hold other resources (nested), which are initialized first. Use
    ``PrivateAttr`` for state set in ``setup_for_execution``.
    """

    def create_resource(self, context: InitResourceContext) -> Any:
        return self


class ConfigurableIOManagerFactory(ConfigurableResourceFactory[IOManager]):
    """A configurable resource whose value is the IO manager :meth:`create_io_manager` returns.

    class FsFactory(dg.ConfigurableIOManagerFactory):
        base_dir: str

        def create_io_manager(self, context):
            return MyFsIOManager(self.base_dir)
    """

    def create_io_manager(self, context: InitResourceContext) -> IOManager:
        raise NotImplementedError(
            f"{type(self).__name__} must implement create_io_manager(self, context)."
        )

    def create_resource(self, context: InitResourceContext) -> IOManager:
        return self.create_io_manager(context)


class ConfigurableIOManager(ConfigurableResource, IOManager):
    """An IO manager that is also a configurable resource (a frozen pydantic model).

    class PrefixIOManager(dg.ConfigurableIOManager):
        prefix: str = "out"

        def handle_output(self, context, obj): ...
        def load_input(self, context): ...
    """
