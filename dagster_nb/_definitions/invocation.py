"""Direct invocation of an asset or op for unit tests: ``my_asset(upstream_value)`` or
``my_asset(build_asset_context(), x)``. Returns what the function returns, as Dagster does."""

from __future__ import annotations

from typing import Any

from dagster_nb._errors import DagsterInvalidInvocationError, did_you_mean

__all__ = ["direct_invoke"]


def direct_invoke(op_def: Any, call_args: tuple, kwargs: dict, assets_def: Any = None) -> Any:
    sig = op_def.signature
    label = f"'{op_def.name}'"
    args = list(call_args)
    kwargs = dict(kwargs)
    call_kwargs: dict[str, Any] = {}
    context = None
    if sig.context_param is not None:
        if sig.context_param in kwargs:
            context = kwargs.pop(sig.context_param)
        elif args and _looks_like_context(args[0]):
            context = args.pop(0)
        else:
            raise DagsterInvalidInvocationError(
                f"Decorated function {label} has context argument, but no context was provided "
                "when invoking. Pass dg.build_asset_context() as the first argument."
            )
        if hasattr(context, "_bind_for_invocation"):
            context = context._bind_for_invocation(op_def, assets_def)
        call_kwargs[sig.context_param] = context
    elif args and _looks_like_context(args[0]):
        raise DagsterInvalidInvocationError(
            f"Decorated function {label} has no context argument, but a context was provided "
            "when invoking."
        )
    if sig.config_param is not None:
        raw = kwargs.pop(sig.config_param, None)
        if raw is None and args and isinstance(args[0], sig.config_cls):
            raw = args.pop(0)  # Dagster accepts config positionally, after the context
        if raw is None and context is not None:
            raw = getattr(context, "_raw_op_config", None)
        if raw is None:
            try:
                raw = sig.config_cls()
            except Exception:
                raise DagsterInvalidInvocationError(
                    f"{label} takes config '{sig.config_param}': pass it, e.g. "
                    f"{op_def.name}({sig.config_param}={sig.config_cls.__name__}(...))."
                ) from None
        elif isinstance(raw, dict):
            from dagster_nb._definitions.config import resolve_config

            raw = resolve_config(sig.config_cls, raw, where=f"{label}")
        call_kwargs[sig.config_param] = raw
    for pname, rkey in sig.resource_params.items():
        if pname in kwargs:
            call_kwargs[pname] = kwargs.pop(pname)
        elif context is not None and rkey in _resource_keys(context):
            call_kwargs[pname] = getattr(context.resources, rkey)
        else:
            raise DagsterInvalidInvocationError(
                f"{label} requires resource '{rkey}': pass it as {pname}=... or in "
                "build_asset_context(resources={...})."
            )
    inputs = list(sig.input_params)
    if len(args) > len(inputs):
        raise DagsterInvalidInvocationError(
            f"Too many input arguments were provided for {label}: it takes {len(inputs)} "
            f"({', '.join(inputs) or 'none'}), got {len(args)}."
        )
    for name, value in zip(inputs, args, strict=False):
        call_kwargs[name] = value
    for k, v in kwargs.items():
        if k not in inputs:
            raise DagsterInvalidInvocationError(
                f"{label} has no parameter '{k}'." + did_you_mean(k, inputs)
            )
        call_kwargs[k] = v
    missing = [n for n in inputs if n not in call_kwargs and n not in sig.defaults]
    if missing:
        raise DagsterInvalidInvocationError(
            f"No value provided for required input{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} of {label}."
        )
    return op_def.compute_fn(**call_kwargs)


def _looks_like_context(obj: Any) -> bool:
    return type(obj).__name__ in (
        "AssetExecutionContext",
        "OpExecutionContext",
        "DirectAssetExecutionContext",
    )


def _resource_keys(context: Any) -> set[str]:
    res = getattr(context, "resources", None)
    if res is None:
        return set()
    as_dict = getattr(type(res), "_asdict", None)  # Resources (ours) and namedtuples
    if as_dict is not None:
        return set(as_dict(res))
    try:
        return set(vars(res))
    except TypeError:
        return set()
